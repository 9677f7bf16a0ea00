-- "Delete for me" and "clear chat": what one user no longer sees, without
-- touching anyone else's view.
ALTER TABLE conversation_states ADD COLUMN cleared_seq BIGINT NOT NULL DEFAULT 0;

CREATE TABLE hidden_messages (
	user_id      BIGINT NOT NULL,
	message_id   BIGINT NOT NULL,
	conversation BIGINT NOT NULL,
	seq          BIGINT NOT NULL,
	PRIMARY KEY (user_id, message_id)
);

CREATE INDEX hidden_messages_by_seq ON hidden_messages (user_id, conversation, seq);
