-- The chat schema, SQLite. Times are unix milliseconds; booleans are 0/1.

CREATE TABLE conversations (
	id       INTEGER PRIMARY KEY AUTOINCREMENT,
	a        INTEGER NOT NULL,
	b        INTEGER NOT NULL, -- a <= b; a = b is the file-transfer assistant
	last_seq INTEGER NOT NULL,
	UNIQUE (a, b)
);
CREATE INDEX conversations_b ON conversations (b);

-- Messages are appended in id order (rowid), so the table itself grows at
-- its end; the two unique indexes serve history and idempotent retries.
CREATE TABLE messages (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	conversation  INTEGER NOT NULL,
	seq           INTEGER NOT NULL,
	sender        INTEGER NOT NULL,
	sender_device INTEGER NOT NULL,
	client_id     TEXT    NOT NULL,
	kind          INTEGER NOT NULL,
	text          TEXT    NOT NULL,
	created       INTEGER NOT NULL,
	UNIQUE (conversation, seq),
	UNIQUE (sender, client_id)
);

CREATE TABLE conversation_states (
	user_id      INTEGER NOT NULL,
	conversation INTEGER NOT NULL,
	muted        BOOLEAN NOT NULL,
	pinned       BOOLEAN NOT NULL,
	draft        TEXT    NOT NULL,
	read_seq     INTEGER NOT NULL,
	PRIMARY KEY (user_id, conversation)
) WITHOUT ROWID;
