-- Top-ups and withdrawals recorded before the payment provider is asked
-- (an outbox): a crash between the provider's answer and the ledger's
-- commit leaves a pending row that the reconciliation settles.
CREATE TABLE wallet_provider_ops (
	key      TEXT    PRIMARY KEY, -- the provider's reference
	user_id  INTEGER NOT NULL,
	kind     INTEGER NOT NULL,    -- 1 top-up, 2 withdrawal (wallet.EntryKind)
	amount   INTEGER NOT NULL CHECK (amount > 0),
	user_key TEXT   NOT NULL,    -- the caller's idempotency key
	hash     TEXT   NOT NULL,
	entry    INTEGER NOT NULL,
	state    INTEGER NOT NULL,    -- 0 pending, 1 done, 2 cancelled
	created  INTEGER NOT NULL
);
CREATE INDEX wallet_provider_ops_pending ON wallet_provider_ops (state, created);
