-- Requests to delete accounts (account.Service.RequestDeletion): pending
-- until due (erased = 0), cancelled by signing in; an erased account's
-- row stays with the time it was erased.
CREATE TABLE account_deletions (
	user_id   BIGINT PRIMARY KEY,
	requested BIGINT NOT NULL,
	due       BIGINT NOT NULL,
	erased    BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX account_deletions_due ON account_deletions (due) WHERE erased = 0;
