-- Favorites: saved messages (an encoded copy), links and notes.
CREATE TABLE favorites (
	id       INTEGER PRIMARY KEY AUTOINCREMENT,
	owner    INTEGER NOT NULL,
	kind     INTEGER NOT NULL,
	source   INTEGER NOT NULL, -- the saved message's ID (0 for links and notes)
	snapshot BLOB,
	url      TEXT    NOT NULL,
	text     TEXT    NOT NULL,
	created  INTEGER NOT NULL,
	updated  INTEGER NOT NULL
);
CREATE INDEX favorites_owner ON favorites (owner, id);
