-- Media: pictures, voice clips, videos, files and stickers. The content is
-- in the blob store under its SHA-256 (sha256, thumb); a row is one upload,
-- with a random ID, so two uploads of the same bytes share one blob.
CREATE TABLE media (
	id          TEXT   PRIMARY KEY,
	owner       BIGINT NOT NULL,
	class       TEXT   NOT NULL,
	type        TEXT   NOT NULL,
	size        BIGINT NOT NULL,
	sha256      TEXT   NOT NULL,
	width       BIGINT NOT NULL,
	height      BIGINT NOT NULL,
	duration_ms BIGINT NOT NULL,
	name        TEXT   NOT NULL,
	thumb       TEXT   NOT NULL, -- blob key of the thumbnail, '' when none
	poster      TEXT   NOT NULL, -- media ID of a video's poster, '' when none
	created     BIGINT NOT NULL
);

-- The conversations a media object was sent into: their members may read it.
CREATE TABLE media_refs (
	media_id     TEXT   NOT NULL,
	conversation BIGINT NOT NULL,
	PRIMARY KEY (media_id, conversation)
);

-- Resumable uploads in progress; received is the durable offset.
CREATE TABLE media_uploads (
	id          TEXT   PRIMARY KEY,
	owner       BIGINT NOT NULL,
	class       TEXT   NOT NULL,
	name        TEXT   NOT NULL,
	size        BIGINT NOT NULL,
	duration_ms BIGINT NOT NULL,
	received    BIGINT NOT NULL,
	created     BIGINT NOT NULL
);

CREATE INDEX media_uploads_by_created ON media_uploads (created);
