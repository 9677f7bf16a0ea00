-- Moderation, SQLite: administrators, their sessions, the audit log,
-- reports, penalties and appeals. Times are unix milliseconds.

-- Administrators: their own credentials, not users'.
CREATE TABLE moderation_admins (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	name          TEXT NOT NULL UNIQUE,
	role          TEXT NOT NULL,
	password_hash TEXT NOT NULL,
	must_change   BOOLEAN NOT NULL,
	totp_secret   TEXT NOT NULL,
	totp_enrolled BOOLEAN NOT NULL,
	totp_step     INTEGER NOT NULL,
	disabled      BOOLEAN NOT NULL,
	created       INTEGER NOT NULL
);

-- Sessions of administrators' browsers, by the hash of the cookie token.
CREATE TABLE moderation_sessions (
	token_hash BLOB PRIMARY KEY,
	csrf       TEXT NOT NULL,
	admin      INTEGER NOT NULL,
	stage      TEXT NOT NULL,
	created    INTEGER NOT NULL,
	expires    INTEGER NOT NULL
);
CREATE INDEX moderation_sessions_admin ON moderation_sessions (admin);
CREATE INDEX moderation_sessions_expires ON moderation_sessions (expires);

-- The audit log: appended to, never changed.
CREATE TABLE moderation_audit (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	admin      INTEGER NOT NULL,
	admin_name TEXT NOT NULL,
	action     TEXT NOT NULL,
	target     TEXT NOT NULL,
	reason     TEXT NOT NULL,
	at         INTEGER NOT NULL
);

-- Reports with the reported content as it was (snapshot_*).
CREATE TABLE moderation_reports (
	id             INTEGER PRIMARY KEY AUTOINCREMENT,
	reporter       INTEGER NOT NULL,
	kind           TEXT NOT NULL,
	target         TEXT NOT NULL,
	reason         TEXT NOT NULL,
	snapshot_owner INTEGER NOT NULL,
	snapshot_title TEXT NOT NULL,
	snapshot_text  TEXT NOT NULL,
	state          TEXT NOT NULL,
	created        INTEGER NOT NULL,
	handled_by     INTEGER NOT NULL,
	handled        INTEGER NOT NULL,
	note           TEXT NOT NULL
);
CREATE INDEX moderation_reports_reporter ON moderation_reports (reporter, created);
CREATE INDEX moderation_reports_state ON moderation_reports (state, id);
CREATE INDEX moderation_reports_created ON moderation_reports (created);

-- Penalties from starts to ends; appeal is '' until the user appeals.
CREATE TABLE moderation_penalties (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	user_id     INTEGER NOT NULL,
	kind        TEXT NOT NULL,
	reason      TEXT NOT NULL,
	report      INTEGER NOT NULL,
	by_admin    INTEGER NOT NULL,
	starts      INTEGER NOT NULL,
	ends        INTEGER NOT NULL,
	appeal      TEXT NOT NULL,
	appeal_text TEXT NOT NULL,
	appeal_at   INTEGER NOT NULL
);
CREATE INDEX moderation_penalties_user ON moderation_penalties (user_id, ends);
CREATE INDEX moderation_penalties_appeal ON moderation_penalties (appeal, id);
CREATE INDEX moderation_penalties_starts ON moderation_penalties (starts);
CREATE INDEX moderation_penalties_ends ON moderation_penalties (ends);
