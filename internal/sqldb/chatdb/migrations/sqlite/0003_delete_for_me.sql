-- "Delete for me" and "clear chat": what one user no longer sees, without
-- touching anyone else's view.
ALTER TABLE conversation_states ADD COLUMN cleared_seq INTEGER NOT NULL DEFAULT 0;

CREATE TABLE hidden_messages (
	user_id      INTEGER NOT NULL,
	message_id   INTEGER NOT NULL,
	conversation INTEGER NOT NULL,
	seq          INTEGER NOT NULL,
	PRIMARY KEY (user_id, message_id)
) WITHOUT ROWID;

CREATE INDEX hidden_messages_by_seq ON hidden_messages (user_id, conversation, seq);
