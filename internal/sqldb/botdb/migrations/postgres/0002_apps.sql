-- Third-party apps (bot/apps.go), PostgreSQL. Times are unix milliseconds.

-- An app token (got through a group owner's consent) sees only its group.
ALTER TABLE bot_tokens ADD COLUMN app BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX bot_tokens_grp ON bot_tokens (bot, grp);
CREATE INDEX bot_grants_grp ON bot_grants (grp, created);

-- A bot registered as an app: only the SHA-256 of its client secret.
CREATE TABLE bot_apps (
	bot         BIGINT PRIMARY KEY,
	description TEXT NOT NULL,
	redirect    TEXT NOT NULL,
	scopes      TEXT NOT NULL,
	secret_hash BYTEA NOT NULL,
	updated     BIGINT NOT NULL
);

-- Consents waiting to be exchanged (by the SHA-256 of the code), taken once.
CREATE TABLE bot_app_codes (
	hash      BYTEA PRIMARY KEY,
	bot       BIGINT NOT NULL,
	grp       BIGINT NOT NULL,
	scopes    TEXT NOT NULL,
	by_user   BIGINT NOT NULL,
	redirect  TEXT NOT NULL,
	challenge TEXT NOT NULL,
	expires   BIGINT NOT NULL
);
CREATE INDEX bot_app_codes_expires ON bot_app_codes (expires);
