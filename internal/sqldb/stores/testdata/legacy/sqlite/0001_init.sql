-- Hongyan schema, SQLite. Times are unix milliseconds; booleans are 0/1.

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

-- account

CREATE TABLE accounts (
	id                     INTEGER PRIMARY KEY AUTOINCREMENT,
	account_id             TEXT    NOT NULL,
	account_key            TEXT    NOT NULL UNIQUE, -- lower(account_id)
	account_id_changed     BOOLEAN NOT NULL,
	password_hash          TEXT    NOT NULL,
	phone                  TEXT    UNIQUE,          -- NULL when not bound
	email                  TEXT    UNIQUE,          -- NULL when not bound
	nickname               TEXT    NOT NULL,
	avatar                 TEXT    NOT NULL,
	gender                 INTEGER NOT NULL,
	region                 TEXT    NOT NULL,
	signature              TEXT    NOT NULL,
	find_by_account_id     BOOLEAN NOT NULL,
	find_by_phone          BOOLEAN NOT NULL,
	add_needs_verification BOOLEAN NOT NULL,
	created                INTEGER NOT NULL
);

CREATE TABLE devices (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	user_id    INTEGER NOT NULL REFERENCES accounts (id),
	name       TEXT    NOT NULL,
	address    TEXT    NOT NULL,
	token_hash BLOB    NOT NULL UNIQUE,
	created    INTEGER NOT NULL,
	last_seen  INTEGER NOT NULL
);
CREATE INDEX devices_user ON devices (user_id);

CREATE TABLE recovery_codes (
	user_id   INTEGER PRIMARY KEY REFERENCES accounts (id),
	code_hash BLOB    NOT NULL,
	expires   INTEGER NOT NULL,
	attempts  INTEGER NOT NULL
);

CREATE TABLE outbox (
	id      INTEGER PRIMARY KEY AUTOINCREMENT,
	channel TEXT    NOT NULL,
	to_addr TEXT    NOT NULL,
	body    TEXT    NOT NULL,
	created INTEGER NOT NULL
);

CREATE TABLE qr_logins (
	code_hash   BLOB    PRIMARY KEY,
	secret_hash BLOB    NOT NULL,
	device_name TEXT    NOT NULL,
	address     TEXT    NOT NULL,
	created     INTEGER NOT NULL,
	expires     INTEGER NOT NULL,
	state       INTEGER NOT NULL,
	user_id     INTEGER NOT NULL, -- who confirmed it, 0 before
	device_id   INTEGER NOT NULL  -- the device it created, 0 before
);

CREATE TABLE avatars (
	hash         TEXT PRIMARY KEY,
	content_type TEXT NOT NULL,
	data         BLOB NOT NULL
);

-- contact

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

-- chat

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
