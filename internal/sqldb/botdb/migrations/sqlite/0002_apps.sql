-- Third-party apps (bot/apps.go), SQLite. Times are unix milliseconds.

-- An app token (got through a group owner's consent) sees only its group.
ALTER TABLE bot_tokens ADD COLUMN app INTEGER NOT NULL DEFAULT 0;
CREATE INDEX bot_tokens_grp ON bot_tokens (bot, grp);
CREATE INDEX bot_grants_grp ON bot_grants (grp, created);

-- A bot registered as an app: only the SHA-256 of its client secret.
CREATE TABLE bot_apps (
	bot         INTEGER PRIMARY KEY,
	description TEXT NOT NULL,
	redirect    TEXT NOT NULL,
	scopes      TEXT NOT NULL,
	secret_hash BLOB NOT NULL,
	updated     INTEGER NOT NULL
);

-- Consents waiting to be exchanged (by the SHA-256 of the code), taken once.
CREATE TABLE bot_app_codes (
	hash      BLOB PRIMARY KEY,
	bot       INTEGER NOT NULL,
	grp       INTEGER NOT NULL,
	scopes    TEXT NOT NULL,
	by_user   INTEGER NOT NULL,
	redirect  TEXT NOT NULL,
	challenge TEXT NOT NULL,
	expires   INTEGER NOT NULL
);
CREATE INDEX bot_app_codes_expires ON bot_app_codes (expires);
