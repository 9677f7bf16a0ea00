-- The users who keep a copy of a message carrying a media object (a
-- favorite): they may read it whatever becomes of the message.
CREATE TABLE media_keeps (
	media_id TEXT    NOT NULL,
	user_id  INTEGER NOT NULL,
	PRIMARY KEY (media_id, user_id)
) WITHOUT ROWID;
