-- The account schema, SQLite. Times are unix milliseconds; booleans are 0/1.

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
