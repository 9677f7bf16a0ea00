-- Suspensions of official accounts and groups (kind 'oa' or 'group'), one
-- per target, from starts to ends. Times are unix milliseconds.
CREATE TABLE moderation_suspensions (
	kind     TEXT NOT NULL,
	target   INTEGER NOT NULL,
	reason   TEXT NOT NULL,
	by_admin INTEGER NOT NULL,
	starts   INTEGER NOT NULL,
	ends     INTEGER NOT NULL,
	PRIMARY KEY (kind, target)
);
