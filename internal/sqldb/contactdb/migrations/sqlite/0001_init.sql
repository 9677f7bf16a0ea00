-- The contact schema, SQLite. Times are unix milliseconds; booleans are 0/1.

CREATE TABLE friend_requests (
	id        INTEGER PRIMARY KEY AUTOINCREMENT,
	from_user INTEGER NOT NULL,
	to_user   INTEGER NOT NULL,
	greeting  TEXT    NOT NULL,
	remark    TEXT    NOT NULL,
	state     INTEGER NOT NULL,
	created   INTEGER NOT NULL,
	updated   INTEGER NOT NULL
);
CREATE INDEX friend_requests_from ON friend_requests (from_user);
CREATE INDEX friend_requests_to ON friend_requests (to_user);

CREATE TABLE contacts (
	owner       INTEGER NOT NULL,
	user_id     INTEGER NOT NULL,
	remark      TEXT    NOT NULL,
	description TEXT    NOT NULL,
	tags        TEXT    NOT NULL, -- JSON array of strings
	starred     BOOLEAN NOT NULL,
	since       INTEGER NOT NULL,
	PRIMARY KEY (owner, user_id)
) WITHOUT ROWID;

CREATE TABLE blocks (
	owner   INTEGER NOT NULL,
	user_id INTEGER NOT NULL,
	PRIMARY KEY (owner, user_id)
) WITHOUT ROWID;
