-- The Group Assistant, SQLite. Times are unix milliseconds.

-- A group's assistant, once its owner turned it on.
CREATE TABLE assistant_settings (
	group_id   INTEGER PRIMARY KEY,
	welcome    TEXT NOT NULL,
	timezone   TEXT NOT NULL,
	by_user    INTEGER NOT NULL,
	updated    INTEGER NOT NULL,
	last_reply INTEGER NOT NULL
);

-- Keyword replies.
CREATE TABLE assistant_keywords (
	id       INTEGER PRIMARY KEY AUTOINCREMENT,
	group_id INTEGER NOT NULL,
	word     TEXT NOT NULL,
	reply    TEXT NOT NULL,
	exact    BOOLEAN NOT NULL,
	by_user  INTEGER NOT NULL,
	created  INTEGER NOT NULL,
	UNIQUE (group_id, word)
);

-- Scheduled posts; next_at is when each is due next.
CREATE TABLE assistant_schedules (
	id       INTEGER PRIMARY KEY AUTOINCREMENT,
	group_id INTEGER NOT NULL,
	body     TEXT NOT NULL,
	first_at INTEGER NOT NULL,
	repeats  TEXT NOT NULL,
	zone     TEXT NOT NULL,
	next_at  INTEGER NOT NULL,
	by_user  INTEGER NOT NULL,
	updated  INTEGER NOT NULL
);
CREATE INDEX assistant_schedules_group ON assistant_schedules (group_id, id);
CREATE INDEX assistant_schedules_due ON assistant_schedules (next_at);

-- The cluster's assistant bot (one row) and its event cursor (one row).
CREATE TABLE assistant_identity (
	id      INTEGER PRIMARY KEY CHECK (id = 1),
	bot_id  INTEGER NOT NULL,
	account INTEGER NOT NULL,
	token   TEXT NOT NULL
);
CREATE TABLE assistant_cursor (
	id  INTEGER PRIMARY KEY CHECK (id = 1),
	seq INTEGER NOT NULL
);
INSERT INTO assistant_cursor (id, seq) VALUES (1, 0);

-- Statistics per group and day (in the group's timezone), and who was
-- active on each day.
CREATE TABLE assistant_days (
	group_id INTEGER NOT NULL,
	day      TEXT NOT NULL,
	msg_count INTEGER NOT NULL,
	joins    INTEGER NOT NULL,
	leaves   INTEGER NOT NULL,
	PRIMARY KEY (group_id, day)
);
CREATE TABLE assistant_active (
	group_id INTEGER NOT NULL,
	day      TEXT NOT NULL,
	user_id  INTEGER NOT NULL,
	PRIMARY KEY (group_id, day, user_id)
);
