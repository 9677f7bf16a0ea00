-- Moments, SQLite. Times are unix milliseconds; booleans are 0/1.

-- Posts: IDs are chosen by the service (time-ordered); what is only shown
-- lives in body (JSON). A post of an author with many friends is not
-- fanned out to inboxes (fanned false): readers find it through
-- moments_posts_unfanned.
CREATE TABLE moments_posts (
	id      INTEGER PRIMARY KEY,
	author  INTEGER NOT NULL,
	public  BOOLEAN NOT NULL, -- visible to all friends (what strangers may see)
	fanned  BOOLEAN NOT NULL,
	created INTEGER NOT NULL,
	body    TEXT    NOT NULL
);
CREATE INDEX moments_posts_author ON moments_posts (author, id);
CREATE INDEX moments_posts_unfanned ON moments_posts (author, id) WHERE NOT fanned;

-- The authors who have posts that were not fanned out (the few with many
-- friends): a feed asks which of the reader's friends are among them
-- before it probes their posts.
CREATE TABLE moments_unfanned_authors (
	author INTEGER PRIMARY KEY
);

-- Timelines, fanned out on write: one row per post per reader.
CREATE TABLE moments_inbox (
	owner INTEGER NOT NULL,
	post  INTEGER NOT NULL,
	PRIMARY KEY (owner, post)
) WITHOUT ROWID;
CREATE INDEX moments_inbox_post ON moments_inbox (post);

CREATE TABLE moments_likes (
	post    INTEGER NOT NULL,
	user_id INTEGER NOT NULL,
	created INTEGER NOT NULL,
	PRIMARY KEY (post, user_id)
) WITHOUT ROWID;

CREATE TABLE moments_comments (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	post       INTEGER NOT NULL,
	author     INTEGER NOT NULL,
	reply_to   INTEGER NOT NULL,
	reply_user INTEGER NOT NULL,
	text       TEXT    NOT NULL,
	created    INTEGER NOT NULL
);
CREATE INDEX moments_comments_post ON moments_comments (post, id);

CREATE TABLE moments_settings (
	owner           INTEGER PRIMARY KEY,
	strangers_see10 BOOLEAN NOT NULL,
	friends_range   INTEGER NOT NULL
);

-- Per-person settings: kind 1 hides owner's posts from other, kind 2 hides
-- other's posts from owner's feed.
CREATE TABLE moments_hides (
	owner INTEGER NOT NULL,
	kind  INTEGER NOT NULL,
	other INTEGER NOT NULL,
	PRIMARY KEY (owner, kind, other)
) WITHOUT ROWID;
CREATE INDEX moments_hides_other ON moments_hides (other, kind);

CREATE TABLE moments_notifications (
	id      INTEGER PRIMARY KEY AUTOINCREMENT,
	owner   INTEGER NOT NULL,
	kind    INTEGER NOT NULL,
	post    INTEGER NOT NULL,
	actor   INTEGER NOT NULL,
	comment INTEGER NOT NULL,
	created INTEGER NOT NULL
);
CREATE INDEX moments_notifications_owner ON moments_notifications (owner, id);
CREATE INDEX moments_notifications_post ON moments_notifications (post);

CREATE TABLE moments_read (
	owner INTEGER PRIMARY KEY,
	upto  INTEGER NOT NULL
);
