-- Rich messages, and what group chats need of the chat store.

-- What a message carries besides its text (chat.EncodeBody): media,
-- location, card, link, quote, chat history, group notice, mentions. NULL
-- for a plain text message.
ALTER TABLE messages ADD COLUMN body BLOB;

-- Who a group message mentions (user_id 0: everyone), to count unread
-- mentions.
CREATE TABLE mentions (
	conversation INTEGER NOT NULL,
	user_id      INTEGER NOT NULL,
	seq          INTEGER NOT NULL,
	PRIMARY KEY (conversation, user_id, seq)
) WITHOUT ROWID;

-- Pruning old messages (history retention) deletes what refers to them.
CREATE INDEX hidden_messages_message ON hidden_messages (message_id);
