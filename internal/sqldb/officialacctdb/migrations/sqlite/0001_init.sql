-- Official accounts: organisations, accounts, operators, followers (fans)
-- with their openids and unionids, tags, content, messages, broadcasts,
-- daily counters and issued credentials. Booleans are 0/1 integers.
CREATE TABLE oa_orgs (
	id      INTEGER PRIMARY KEY AUTOINCREMENT,
	name    TEXT    NOT NULL UNIQUE,
	owner   INTEGER NOT NULL,
	created INTEGER NOT NULL
);
CREATE TABLE oa_accounts (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	org         INTEGER NOT NULL,
	appid       TEXT    NOT NULL UNIQUE,
	original_id TEXT    NOT NULL UNIQUE,
	name        TEXT    NOT NULL,
	lname       TEXT    NOT NULL, -- lower(name), for search
	intro       TEXT    NOT NULL,
	avatar      TEXT    NOT NULL,
	kind        INTEGER NOT NULL,
	verified    INTEGER NOT NULL,
	secret_hash BLOB    NOT NULL,
	settings    TEXT    NOT NULL, -- JSON: replies, menu, server, IP allowlist
	created     INTEGER NOT NULL
);
CREATE TABLE oa_operators (
	account INTEGER NOT NULL,
	user_id INTEGER NOT NULL,
	role    INTEGER NOT NULL,
	PRIMARY KEY (account, user_id)
);
CREATE INDEX oa_operators_user ON oa_operators (user_id);
CREATE TABLE oa_unions (
	org     INTEGER NOT NULL,
	user_id INTEGER NOT NULL,
	unionid TEXT    NOT NULL UNIQUE,
	PRIMARY KEY (org, user_id)
);
CREATE TABLE oa_fans (
	account      INTEGER NOT NULL,
	user_id      INTEGER NOT NULL,
	openid       TEXT    NOT NULL UNIQUE,
	following    INTEGER NOT NULL,
	since        INTEGER NOT NULL,
	scene        TEXT    NOT NULL,
	qr_scene     INTEGER NOT NULL,
	qr_scene_str TEXT    NOT NULL,
	remark       TEXT    NOT NULL,
	blocked      INTEGER NOT NULL,
	last_in      INTEGER NOT NULL,
	PRIMARY KEY (account, user_id)
);
CREATE INDEX oa_fans_openid ON oa_fans (account, following, openid);
CREATE INDEX oa_fans_user ON oa_fans (user_id, following);
CREATE TABLE oa_tags (
	account INTEGER NOT NULL,
	id      INTEGER NOT NULL,
	name    TEXT    NOT NULL,
	PRIMARY KEY (account, id),
	UNIQUE (account, name)
);
CREATE TABLE oa_fan_tags (
	account INTEGER NOT NULL,
	tag     INTEGER NOT NULL,
	user_id INTEGER NOT NULL,
	PRIMARY KEY (account, tag, user_id)
);
CREATE INDEX oa_fan_tags_user ON oa_fan_tags (account, user_id);
CREATE TABLE oa_rules (
	id       INTEGER PRIMARY KEY AUTOINCREMENT,
	account  INTEGER NOT NULL,
	keyword  TEXT    NOT NULL,
	mode     INTEGER NOT NULL,
	priority INTEGER NOT NULL,
	reply    TEXT    NOT NULL -- JSON content
);
CREATE INDEX oa_rules_account ON oa_rules (account);
CREATE TABLE oa_articles (
	id        INTEGER PRIMARY KEY AUTOINCREMENT,
	account   INTEGER NOT NULL,
	title     TEXT    NOT NULL,
	author    TEXT    NOT NULL,
	digest    TEXT    NOT NULL,
	cover     TEXT    NOT NULL,
	body      TEXT    NOT NULL, -- JSON blocks
	state     INTEGER NOT NULL,
	created   INTEGER NOT NULL,
	updated   INTEGER NOT NULL,
	published INTEGER NOT NULL
);
CREATE INDEX oa_articles_account ON oa_articles (account, state, id);
CREATE TABLE oa_templates (
	account INTEGER NOT NULL,
	id      TEXT    NOT NULL,
	title   TEXT    NOT NULL,
	content TEXT    NOT NULL,
	created INTEGER NOT NULL,
	PRIMARY KEY (account, id)
);
CREATE TABLE oa_qr (
	ticket    TEXT    PRIMARY KEY,
	account   INTEGER NOT NULL,
	scene_id  INTEGER NOT NULL,
	scene_str TEXT    NOT NULL,
	permanent INTEGER NOT NULL,
	expires   INTEGER NOT NULL,
	created   INTEGER NOT NULL
);
CREATE TABLE oa_broadcasts (
	id      INTEGER PRIMARY KEY AUTOINCREMENT,
	account INTEGER NOT NULL,
	target  TEXT    NOT NULL, -- JSON
	content TEXT    NOT NULL, -- JSON
	total   INTEGER NOT NULL,
	created INTEGER NOT NULL
);
CREATE INDEX oa_broadcasts_account ON oa_broadcasts (account, created);
-- A broadcast's messages hold no content of their own (content ''): it is
-- the broadcast's.
CREATE TABLE oa_messages (
	id        INTEGER PRIMARY KEY AUTOINCREMENT,
	account   INTEGER NOT NULL,
	user_id   INTEGER NOT NULL,
	outgoing  INTEGER NOT NULL,
	content   TEXT    NOT NULL,
	broadcast INTEGER NOT NULL,
	created   INTEGER NOT NULL
);
CREATE INDEX oa_messages_user ON oa_messages (user_id, account, id);
CREATE TABLE oa_stats (
	account INTEGER NOT NULL,
	day     TEXT    NOT NULL,
	gained  INTEGER NOT NULL,
	lost    INTEGER NOT NULL,
	msg_in  INTEGER NOT NULL,
	msg_out INTEGER NOT NULL,
	PRIMARY KEY (account, day)
);
CREATE TABLE oa_grants (
	hash    BLOB    PRIMARY KEY,
	kind    INTEGER NOT NULL,
	account INTEGER NOT NULL,
	user_id INTEGER NOT NULL,
	scope   TEXT    NOT NULL,
	expires INTEGER NOT NULL,
	used    INTEGER NOT NULL,
	created INTEGER NOT NULL
);
CREATE INDEX oa_grants_account ON oa_grants (account, kind);
