-- The change-log schema, SQLite. Times are unix milliseconds; booleans are 0/1.

-- The per-user change log. user_heads holds each user's newest sequence,
-- bumped in the same transaction as the entries it numbers.
CREATE TABLE user_heads (
	user_id INTEGER PRIMARY KEY,
	seq     INTEGER NOT NULL
);

CREATE TABLE changes (
	user_id      INTEGER NOT NULL,
	seq          INTEGER NOT NULL,
	kind         INTEGER NOT NULL,
	conversation INTEGER NOT NULL,
	ref          INTEGER NOT NULL,
	created      INTEGER NOT NULL,
	PRIMARY KEY (user_id, seq)
) WITHOUT ROWID;
