-- Address books: sealed backups of phones' contacts, the key that seals
-- them, daily quotas, and the groups' shared address books with history.
CREATE TABLE addressbook_key (
	id  INTEGER PRIMARY KEY CHECK (id = 1),
	secret BLOB NOT NULL
);
CREATE TABLE addressbook_owners (
	owner        INTEGER PRIMARY KEY,
	last_version INTEGER NOT NULL
);
CREATE TABLE addressbook_backups (
	owner    INTEGER NOT NULL,
	version  INTEGER NOT NULL,
	people   INTEGER NOT NULL,
	created  INTEGER NOT NULL,
	sealed   BLOB    NOT NULL, -- AES-256-GCM: nonce, then the sealed contacts
	PRIMARY KEY (owner, version)
);
CREATE TABLE addressbook_quotas (
	user_id INTEGER NOT NULL,
	bucket  TEXT    NOT NULL,
	win     INTEGER NOT NULL,
	used    INTEGER NOT NULL,
	PRIMARY KEY (user_id, bucket)
);
CREATE TABLE group_book_entries (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	grp        INTEGER NOT NULL,
	member     INTEGER NOT NULL, -- the member it belongs to, 0 for none
	name       TEXT    NOT NULL,
	phone      TEXT    NOT NULL,
	email      TEXT    NOT NULL,
	role       TEXT    NOT NULL,
	notes      TEXT    NOT NULL,
	updated    INTEGER NOT NULL,
	updated_by INTEGER NOT NULL
);
CREATE INDEX group_book_entries_grp ON group_book_entries (grp, id);
CREATE UNIQUE INDEX group_book_entries_member ON group_book_entries (grp, member) WHERE member <> 0;
CREATE TABLE group_book_history (
	id      INTEGER PRIMARY KEY AUTOINCREMENT,
	grp     INTEGER NOT NULL,
	entry   INTEGER NOT NULL,
	action  INTEGER NOT NULL,
	member  INTEGER NOT NULL,
	name    TEXT    NOT NULL,
	phone   TEXT    NOT NULL,
	email   TEXT    NOT NULL,
	role    TEXT    NOT NULL,
	notes   TEXT    NOT NULL,
	by_user INTEGER NOT NULL,
	at      INTEGER NOT NULL
);
CREATE INDEX group_book_history_grp ON group_book_history (grp, id);
