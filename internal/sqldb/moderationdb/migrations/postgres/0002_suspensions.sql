-- Suspensions of official accounts and groups (kind 'oa' or 'group'), one
-- per target, from starts to ends. Times are unix milliseconds.
CREATE TABLE moderation_suspensions (
	kind     TEXT NOT NULL,
	target   BIGINT NOT NULL,
	reason   TEXT NOT NULL,
	by_admin BIGINT NOT NULL,
	starts   BIGINT NOT NULL,
	ends     BIGINT NOT NULL,
	PRIMARY KEY (kind, target)
);
