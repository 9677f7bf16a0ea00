-- Group Guard, SQLite. Times are unix milliseconds.

-- A group's rules; keywords is a JSON array of strings.
CREATE TABLE guard_rules (
	group_id         INTEGER PRIMARY KEY,
	enabled          BOOLEAN NOT NULL,
	keywords         TEXT NOT NULL,
	links            BOOLEAN NOT NULL,
	qr_images        BOOLEAN NOT NULL,
	new_member_links BOOLEAN NOT NULL,
	new_member_hours INTEGER NOT NULL,
	remove_message   BOOLEAN NOT NULL,
	remove_member    BOOLEAN NOT NULL,
	warnings         INTEGER NOT NULL,
	updated_by       INTEGER NOT NULL,
	updated          INTEGER NOT NULL
);

-- The log: what the Guard did to whom, why, and whether it was undone.
CREATE TABLE guard_actions (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	group_id   INTEGER NOT NULL,
	user_id    INTEGER NOT NULL,
	message_id INTEGER NOT NULL,
	rule       TEXT NOT NULL,
	did        TEXT NOT NULL,
	detail     TEXT NOT NULL,
	error      TEXT NOT NULL,
	at         INTEGER NOT NULL,
	undone     INTEGER NOT NULL,
	undone_by  INTEGER NOT NULL
);
CREATE INDEX guard_actions_group ON guard_actions (group_id, id);
CREATE INDEX guard_actions_user ON guard_actions (group_id, user_id, did);
-- A message is acted on once per kind of action (a replayed event).
CREATE UNIQUE INDEX guard_actions_once ON guard_actions (message_id, did) WHERE message_id <> 0;

-- When each member was last seen joining (the new-member rule).
CREATE TABLE guard_joins (
	group_id INTEGER NOT NULL,
	user_id  INTEGER NOT NULL,
	joined   INTEGER NOT NULL,
	PRIMARY KEY (group_id, user_id)
);

-- How far the Guard's bot's event log was handled.
CREATE TABLE guard_cursors (
	bot_id INTEGER PRIMARY KEY,
	seq    INTEGER NOT NULL
);
