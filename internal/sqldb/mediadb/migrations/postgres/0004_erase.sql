-- Deleting an account deletes the media its user alone owns
-- (media.Service.EraseOwner): found by owner; a blob is deleted once no
-- media row uses it as its content or its thumbnail.
CREATE INDEX media_by_owner ON media (owner, id);
CREATE INDEX media_by_sha256 ON media (sha256);
CREATE INDEX media_by_thumb ON media (thumb);
