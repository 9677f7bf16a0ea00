-- The micro-community: each account's forum of posts and replies (a reply
-- names its post in parent; posts have parent 0). Removed ones are kept,
-- marked.
CREATE TABLE oa_posts (
	id      INTEGER PRIMARY KEY AUTOINCREMENT,
	account INTEGER NOT NULL,
	author  INTEGER NOT NULL,
	parent  INTEGER NOT NULL,
	text    TEXT    NOT NULL,
	images  TEXT    NOT NULL,
	pinned  INTEGER NOT NULL,
	removed INTEGER NOT NULL,
	replies INTEGER NOT NULL,
	created INTEGER NOT NULL
);
CREATE INDEX oa_posts_list ON oa_posts (account, parent, removed, pinned, id);
CREATE INDEX oa_posts_replies ON oa_posts (parent, removed, id);
