-- Group apps (polls, check-in, homework), SQLite. Times are unix
-- milliseconds (0: none); booleans are 0/1; grp is the group's
-- conversation ID.

-- Polls; options is a JSON array of strings; closed is when the poll was
-- closed before its deadline.
CREATE TABLE groupapp_polls (
	id        INTEGER PRIMARY KEY AUTOINCREMENT,
	grp       INTEGER NOT NULL,
	creator   INTEGER NOT NULL,
	question  TEXT NOT NULL,
	options   TEXT NOT NULL,
	multi     BOOLEAN NOT NULL,
	anonymous BOOLEAN NOT NULL,
	deadline  INTEGER NOT NULL,
	created   INTEGER NOT NULL,
	closed    INTEGER NOT NULL
);
CREATE INDEX groupapp_polls_grp ON groupapp_polls (grp, id);

-- One vote per member and poll; choices is a JSON array of option indexes.
CREATE TABLE groupapp_votes (
	poll    INTEGER NOT NULL,
	user_id INTEGER NOT NULL,
	choices TEXT NOT NULL,
	at      INTEGER NOT NULL,
	PRIMARY KEY (poll, user_id)
) WITHOUT ROWID;

-- Check-ins: one per member, group and day (days since 1970-01-01 in the
-- configured zone).
CREATE TABLE groupapp_checkins (
	grp     INTEGER NOT NULL,
	user_id INTEGER NOT NULL,
	day     INTEGER NOT NULL,
	at      INTEGER NOT NULL,
	PRIMARY KEY (grp, user_id, day)
) WITHOUT ROWID;

-- Each member's running tally of check-ins in a group.
CREATE TABLE groupapp_tallies (
	grp      INTEGER NOT NULL,
	user_id  INTEGER NOT NULL,
	last_day INTEGER NOT NULL,
	streak   INTEGER NOT NULL,
	best     INTEGER NOT NULL,
	total    INTEGER NOT NULL,
	at       INTEGER NOT NULL,
	PRIMARY KEY (grp, user_id)
) WITHOUT ROWID;
CREATE INDEX groupapp_tallies_day ON groupapp_tallies (grp, last_day);

-- Homework and the members' submissions (one per member, replaced).
CREATE TABLE groupapp_homework (
	id       INTEGER PRIMARY KEY AUTOINCREMENT,
	grp      INTEGER NOT NULL,
	creator  INTEGER NOT NULL,
	title    TEXT NOT NULL,
	body     TEXT NOT NULL,
	due      INTEGER NOT NULL,
	created  INTEGER NOT NULL,
	reminded INTEGER NOT NULL
);
CREATE INDEX groupapp_homework_grp ON groupapp_homework (grp, id);

CREATE TABLE groupapp_submissions (
	homework INTEGER NOT NULL,
	user_id  INTEGER NOT NULL,
	text     TEXT NOT NULL,
	at       INTEGER NOT NULL,
	PRIMARY KEY (homework, user_id)
) WITHOUT ROWID;
