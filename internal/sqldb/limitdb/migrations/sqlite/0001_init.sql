-- Rate limits every node of a cluster counts against: one row per limit
-- name and key, holding the GCRA's theoretical arrival time (Unix ns).
CREATE TABLE rate_limits (
	name TEXT NOT NULL,
	key  BLOB NOT NULL,
	tat  INTEGER NOT NULL,
	PRIMARY KEY (name, key)
) WITHOUT ROWID;
CREATE INDEX rate_limits_tat ON rate_limits (tat);
