-- Calls, SQLite. Times are unix milliseconds (0: not yet).

-- One-to-one calls: state 1 ringing, 2 active, 3 ended; end_reason the
-- call.End; deadline the no-answer timeout (ringing) or the keep-alive
-- deadline (active), 0 once ended.
CREATE TABLE calls (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	caller        BIGINT NOT NULL,
	callee        BIGINT NOT NULL,
	caller_device BIGINT NOT NULL,
	callee_device BIGINT NOT NULL,
	video         BOOLEAN NOT NULL,
	state         INTEGER NOT NULL,
	end_reason    INTEGER NOT NULL,
	created       BIGINT NOT NULL,
	answered      BIGINT NOT NULL,
	ended         BIGINT NOT NULL,
	deadline      BIGINT NOT NULL,
	recorded      BOOLEAN NOT NULL
);
-- What the sweeper reads: calls in progress by deadline, and ended calls
-- whose record is not posted yet.
CREATE INDEX calls_live ON calls (deadline) WHERE state < 3;
CREATE INDEX calls_unrecorded ON calls (id) WHERE state = 3 AND NOT recorded;

-- The line each party of a call in progress holds: at most one per user,
-- which makes a second call busy on every node at once.
CREATE TABLE call_lines (
	user_id INTEGER PRIMARY KEY,
	call_id BIGINT NOT NULL
);

-- Calls placed per user in the current period (a minute), counted here so
-- that every node of a cluster shares the limit.
CREATE TABLE call_quotas (
	user_id INTEGER PRIMARY KEY,
	period  BIGINT NOT NULL,
	used    BIGINT NOT NULL
);
