-- The groups' announcements boards, SQLite. removed keeps a taken-down
-- announcement so that devices learn it is gone.
CREATE TABLE groupapp_announcements (
	id      INTEGER PRIMARY KEY AUTOINCREMENT,
	grp     INTEGER NOT NULL,
	author  INTEGER NOT NULL,
	text    TEXT NOT NULL,
	pinned  BOOLEAN NOT NULL,
	created INTEGER NOT NULL,
	updated INTEGER NOT NULL,
	removed BOOLEAN NOT NULL
);
CREATE INDEX groupapp_announcements_grp ON groupapp_announcements (grp, id) WHERE NOT removed;
