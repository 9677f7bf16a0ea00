-- Open resumable uploads are counted per owner (media.max_open_uploads).
CREATE INDEX media_uploads_by_owner ON media_uploads (owner);
