-- Media: pictures, voice clips, videos, files and stickers. The content is
-- in the blob store under its SHA-256 (sha256, thumb); a row is one upload,
-- with a random ID, so two uploads of the same bytes share one blob.
CREATE TABLE media (
	id          TEXT    PRIMARY KEY,
	owner       INTEGER NOT NULL,
	class       TEXT    NOT NULL,
	type        TEXT    NOT NULL,
	size        INTEGER NOT NULL,
	sha256      TEXT    NOT NULL,
	width       INTEGER NOT NULL,
	height      INTEGER NOT NULL,
	duration_ms INTEGER NOT NULL,
	name        TEXT    NOT NULL,
	thumb       TEXT    NOT NULL, -- blob key of the thumbnail, '' when none
	poster      TEXT    NOT NULL, -- media ID of a video's poster, '' when none
	created     INTEGER NOT NULL
) WITHOUT ROWID;

-- The conversations a media object was sent into: their members may read it.
CREATE TABLE media_refs (
	media_id     TEXT    NOT NULL,
	conversation INTEGER NOT NULL,
	PRIMARY KEY (media_id, conversation)
) WITHOUT ROWID;

-- Resumable uploads in progress; received is the durable offset.
CREATE TABLE media_uploads (
	id          TEXT    PRIMARY KEY,
	owner       INTEGER NOT NULL,
	class       TEXT    NOT NULL,
	name        TEXT    NOT NULL,
	size        INTEGER NOT NULL,
	duration_ms INTEGER NOT NULL,
	received    INTEGER NOT NULL,
	created     INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX media_uploads_by_created ON media_uploads (created);
