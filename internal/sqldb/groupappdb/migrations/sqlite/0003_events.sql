-- Events with sign-up, SQLite. A sign-up's rank (id) decides who has a
-- place and who waits.
CREATE TABLE groupapp_events (
	id       INTEGER PRIMARY KEY AUTOINCREMENT,
	grp      INTEGER NOT NULL,
	creator  INTEGER NOT NULL,
	title    TEXT NOT NULL,
	place    TEXT NOT NULL,
	start    INTEGER NOT NULL,
	places   INTEGER NOT NULL,
	created  INTEGER NOT NULL,
	reminded INTEGER NOT NULL
);
CREATE INDEX groupapp_events_grp ON groupapp_events (grp, id);

CREATE TABLE groupapp_signups (
	id      INTEGER PRIMARY KEY AUTOINCREMENT,
	event   INTEGER NOT NULL,
	user_id INTEGER NOT NULL,
	at      INTEGER NOT NULL
);
CREATE UNIQUE INDEX groupapp_signups_user ON groupapp_signups (event, user_id);
CREATE INDEX groupapp_signups_event ON groupapp_signups (event, id);
