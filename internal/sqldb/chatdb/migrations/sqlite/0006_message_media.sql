-- Which messages carry which media (chat.Message.MediaIDs: the media, a
-- video's poster, a link's image, those of a forwarded chat history), so
-- that a media object is served to the users who see one of those
-- messages: inside their window of a group chat, and not once the message
-- is recalled or deleted (the rows go with it).
CREATE TABLE message_media (
	conversation INTEGER NOT NULL,
	media_id     TEXT    NOT NULL,
	seq          INTEGER NOT NULL,
	PRIMARY KEY (conversation, media_id, seq)
) WITHOUT ROWID;
CREATE INDEX message_media_by_seq ON message_media (conversation, seq);

-- Messages stored before this index existed (ids up to upto) are indexed
-- by the writer in its idle time, from the newest down; until upto is 0,
-- media readers fall back to conversation membership.
CREATE TABLE message_media_backfill (upto INTEGER NOT NULL);
INSERT INTO message_media_backfill (upto) SELECT COALESCE(MAX(id), 0) FROM messages;
