-- Live codes, SQLite. Times are unix milliseconds.

-- A live code: one permanent QR code (its token) of a group owner's.
CREATE TABLE livecodes (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	owner       INTEGER NOT NULL,
	name        TEXT NOT NULL,
	token       TEXT NOT NULL UNIQUE,
	template    INTEGER NOT NULL,
	max_members INTEGER NOT NULL,
	created     INTEGER NOT NULL
);
CREATE INDEX livecodes_owner ON livecodes (owner, id);

-- A code's groups in order; group_id is 0 while the claimed group is made.
CREATE TABLE livecode_slots (
	code_id  INTEGER NOT NULL,
	idx      INTEGER NOT NULL,
	group_id INTEGER NOT NULL,
	is_full  BOOLEAN NOT NULL,
	claimed  INTEGER NOT NULL,
	PRIMARY KEY (code_id, idx)
);

-- Every scan and the group it led to.
CREATE TABLE livecode_scans (
	code_id  INTEGER NOT NULL,
	user_id  INTEGER NOT NULL,
	group_id INTEGER NOT NULL,
	at       INTEGER NOT NULL
);
CREATE INDEX livecode_scans_code ON livecode_scans (code_id, at);
CREATE INDEX livecode_scans_user ON livecode_scans (code_id, user_id, at);
