-- Bots, SQLite. Times are unix milliseconds.

-- Bots: each acts as an account of its own (account), owned by a user.
-- log_cursor: how far the account's change log was turned into events;
-- event_head: the last event's number.
CREATE TABLE bot_bots (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	owner      INTEGER NOT NULL,
	account    INTEGER NOT NULL UNIQUE,
	account_id TEXT NOT NULL,
	name       TEXT NOT NULL,
	created    INTEGER NOT NULL,
	log_cursor INTEGER NOT NULL DEFAULT 0,
	event_head INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX bot_bots_owner ON bot_bots (owner, id);

-- Tokens: only the SHA-256 of the secret; scopes comma-separated.
CREATE TABLE bot_tokens (
	id      INTEGER PRIMARY KEY AUTOINCREMENT,
	bot     INTEGER NOT NULL,
	hash    BLOB NOT NULL UNIQUE,
	scopes  TEXT NOT NULL,
	grp     INTEGER NOT NULL,
	created INTEGER NOT NULL
);
CREATE INDEX bot_tokens_bot ON bot_tokens (bot);

-- What a group's owner allows a bot in the group.
CREATE TABLE bot_grants (
	bot     INTEGER NOT NULL,
	grp     INTEGER NOT NULL,
	scopes  TEXT NOT NULL,
	by_user INTEGER NOT NULL,
	created INTEGER NOT NULL,
	PRIMARY KEY (bot, grp)
);

CREATE TABLE bot_webhooks (
	bot     INTEGER PRIMARY KEY,
	url     TEXT NOT NULL,
	secret  TEXT NOT NULL,
	updated INTEGER NOT NULL
);

-- Rate-limit counters shared by every node: uses of key in period.
CREATE TABLE bot_quotas (
	qkey   TEXT PRIMARY KEY,
	period INTEGER NOT NULL,
	used   INTEGER NOT NULL
);

-- Events, numbered per bot; ukey (optional) is unique per bot.
CREATE TABLE bot_events (
	bot  INTEGER NOT NULL,
	seq  INTEGER NOT NULL,
	type TEXT NOT NULL,
	at   INTEGER NOT NULL,
	data TEXT NOT NULL,
	ukey TEXT,
	PRIMARY KEY (bot, seq)
);
CREATE UNIQUE INDEX bot_events_key ON bot_events (bot, ukey) WHERE ukey IS NOT NULL;

-- The webhook outbox and its log. lease_until: a node is sending it.
CREATE TABLE bot_deliveries (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	bot         INTEGER NOT NULL,
	seq         INTEGER NOT NULL,
	url         TEXT NOT NULL,
	status      TEXT NOT NULL,
	attempts    INTEGER NOT NULL,
	next_at     INTEGER NOT NULL,
	lease_until INTEGER NOT NULL,
	last_status INTEGER NOT NULL,
	last_error  TEXT NOT NULL,
	updated     INTEGER NOT NULL
);
CREATE INDEX bot_deliveries_due ON bot_deliveries (next_at) WHERE status = 'pending';
CREATE INDEX bot_deliveries_bot ON bot_deliveries (bot, id);
