-- Group files (homework files among them) and events' automatic
-- reminders, SQLite.
CREATE TABLE groupapp_files (
	id       INTEGER PRIMARY KEY AUTOINCREMENT,
	grp      INTEGER NOT NULL,
	uploader INTEGER NOT NULL,
	media    TEXT NOT NULL,
	name     TEXT NOT NULL,
	type     TEXT NOT NULL,
	size     INTEGER NOT NULL,
	homework INTEGER NOT NULL,
	created  INTEGER NOT NULL,
	deleted  INTEGER NOT NULL
);
CREATE INDEX groupapp_files_grp ON groupapp_files (grp, homework, deleted, id);
CREATE INDEX groupapp_files_media ON groupapp_files (grp, media);
CREATE INDEX groupapp_files_submission ON groupapp_files (homework, uploader);

-- Each group's bytes in files that are not deleted, kept with them.
CREATE TABLE groupapp_file_usage (
	grp   INTEGER PRIMARY KEY,
	bytes INTEGER NOT NULL
);

ALTER TABLE groupapp_events ADD COLUMN remind_before TEXT NOT NULL DEFAULT '';

CREATE TABLE groupapp_event_reminders (
	event     INTEGER NOT NULL,
	before_ms INTEGER NOT NULL,
	grp       INTEGER NOT NULL,
	due       INTEGER NOT NULL,
	start     INTEGER NOT NULL,
	sent      INTEGER NOT NULL,
	PRIMARY KEY (event, before_ms)
);
CREATE INDEX groupapp_event_reminders_due ON groupapp_event_reminders (sent, due);
