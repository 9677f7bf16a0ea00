-- Top-ups and withdrawals recorded before the payment provider is asked
-- (an outbox): a crash between the provider's answer and the ledger's
-- commit leaves a pending row that the reconciliation settles.
CREATE TABLE wallet_provider_ops (
	key      TEXT   PRIMARY KEY, -- the provider's reference
	user_id  BIGINT NOT NULL,
	kind     BIGINT NOT NULL,    -- 1 top-up, 2 withdrawal (wallet.EntryKind)
	amount   BIGINT NOT NULL CHECK (amount > 0),
	user_key TEXT   NOT NULL,    -- the caller's idempotency key
	hash     TEXT   NOT NULL,
	entry    BIGINT NOT NULL,
	state    BIGINT NOT NULL,    -- 0 pending, 1 done, 2 cancelled
	created  BIGINT NOT NULL
);
CREATE INDEX wallet_provider_ops_pending ON wallet_provider_ops (state, created);
