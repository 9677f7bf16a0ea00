-- Behaviour counters of spam detection (spam.Counters): one row per key
-- (a user and what is counted) and window start (Unix ms); old windows
-- are pruned.
CREATE TABLE spam_counters (
	key    TEXT   NOT NULL,
	window_start BIGINT NOT NULL,
	n      BIGINT NOT NULL,
	PRIMARY KEY (key, window_start)
);
CREATE INDEX spam_counters_window ON spam_counters (window_start);
