-- What the developer API keeps: the stable token's value (handed out again
-- while it lasts), daily call counters for its quotas, temporary media
-- (3 days), and deleted broadcasts.
ALTER TABLE oa_grants ADD COLUMN value TEXT NOT NULL DEFAULT '';
CREATE INDEX oa_grants_latest ON oa_grants (account, kind, expires);
CREATE TABLE oa_calls (
	account INTEGER NOT NULL,
	api     TEXT    NOT NULL,
	day     TEXT    NOT NULL,
	n       INTEGER NOT NULL,
	PRIMARY KEY (account, api, day)
);
CREATE TABLE oa_media (
	id           TEXT    PRIMARY KEY,
	account      INTEGER NOT NULL,
	type         TEXT    NOT NULL,
	name         TEXT    NOT NULL,
	content_type TEXT    NOT NULL,
	data         BLOB    NOT NULL,
	created      INTEGER NOT NULL
);
CREATE INDEX oa_media_created ON oa_media (created);
ALTER TABLE oa_broadcasts ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;
