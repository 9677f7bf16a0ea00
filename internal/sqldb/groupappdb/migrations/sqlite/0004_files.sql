-- Group files (homework files and album photos among them), albums and
-- their photos' comments, events' automatic reminders, SQLite.
CREATE TABLE groupapp_files (
	id       INTEGER PRIMARY KEY AUTOINCREMENT,
	grp      INTEGER NOT NULL,
	uploader INTEGER NOT NULL,
	media_id TEXT NOT NULL,
	name     TEXT NOT NULL,
	type     TEXT NOT NULL,
	size     INTEGER NOT NULL,
	homework INTEGER NOT NULL,
	album    INTEGER NOT NULL,
	created  INTEGER NOT NULL,
	deleted  INTEGER NOT NULL
);
CREATE INDEX groupapp_files_grp ON groupapp_files (grp, homework, album, deleted, id);
CREATE INDEX groupapp_files_album ON groupapp_files (album, deleted, id);
CREATE INDEX groupapp_files_media ON groupapp_files (grp, media_id);
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

CREATE TABLE groupapp_albums (
	id      INTEGER PRIMARY KEY AUTOINCREMENT,
	grp     INTEGER NOT NULL,
	creator INTEGER NOT NULL,
	name    TEXT NOT NULL,
	created INTEGER NOT NULL,
	updated INTEGER NOT NULL,
	deleted INTEGER NOT NULL
);
CREATE INDEX groupapp_albums_grp ON groupapp_albums (grp, deleted, id);

CREATE TABLE groupapp_photo_comments (
	id      INTEGER PRIMARY KEY AUTOINCREMENT,
	grp     INTEGER NOT NULL,
	photo   INTEGER NOT NULL,
	author  INTEGER NOT NULL,
	text    TEXT NOT NULL,
	created INTEGER NOT NULL,
	deleted INTEGER NOT NULL
);
CREATE INDEX groupapp_photo_comments_photo ON groupapp_photo_comments (photo, deleted, id);
