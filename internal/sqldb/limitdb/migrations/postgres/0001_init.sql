-- Rate limits every node of a cluster counts against: one row per limit
-- name and key, holding the GCRA's theoretical arrival time (Unix ns).
-- UNLOGGED: no WAL and no fsync per check; PostgreSQL empties it after a
-- crash (every limit starts afresh), which is all a rate limit may lose.
CREATE UNLOGGED TABLE rate_limits (
	name TEXT NOT NULL,
	key  BYTEA NOT NULL,
	tat  BIGINT NOT NULL,
	PRIMARY KEY (name, key)
);
CREATE INDEX rate_limits_tat ON rate_limits (tat);
