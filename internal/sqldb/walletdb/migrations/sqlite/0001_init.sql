-- The wallet's double-entry ledger: journal entries and their postings,
-- append-only (triggers refuse UPDATE and DELETE); balances cached per
-- account, proved equal to the postings by `hongyan admin ledger check`.
CREATE TABLE wallet_entries (
	id      INTEGER PRIMARY KEY AUTOINCREMENT,
	kind    INTEGER NOT NULL,
	user_id INTEGER NOT NULL,
	peer    INTEGER NOT NULL,
	ref     INTEGER NOT NULL, -- the transfer or red packet (0: none)
	once    TEXT UNIQUE,      -- makes grabs, settlements and refunds happen once
	at      INTEGER NOT NULL
);
CREATE INDEX wallet_entries_ref ON wallet_entries (ref, kind);
CREATE TABLE wallet_postings (
	entry        INTEGER NOT NULL REFERENCES wallet_entries (id),
	account_kind INTEGER NOT NULL,
	account_ref  INTEGER NOT NULL,
	amount       INTEGER NOT NULL CHECK (amount <> 0),
	PRIMARY KEY (entry, account_kind, account_ref)
);
CREATE INDEX wallet_postings_account ON wallet_postings (account_kind, account_ref, entry);
CREATE TRIGGER wallet_entries_no_update BEFORE UPDATE ON wallet_entries BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
CREATE TRIGGER wallet_entries_no_delete BEFORE DELETE ON wallet_entries BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
CREATE TRIGGER wallet_postings_no_update BEFORE UPDATE ON wallet_postings BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
CREATE TRIGGER wallet_postings_no_delete BEFORE DELETE ON wallet_postings BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
CREATE TABLE wallet_balances (
	account_kind INTEGER NOT NULL,
	account_ref  INTEGER NOT NULL,
	balance      INTEGER NOT NULL,
	PRIMARY KEY (account_kind, account_ref),
	CHECK (account_kind = 4 OR balance >= 0) -- only the provider's clearing account goes below zero
);
CREATE TABLE wallet_packets (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	sender      INTEGER NOT NULL,
	to_user     INTEGER NOT NULL,
	to_group    INTEGER NOT NULL,
	kind        INTEGER NOT NULL,
	total       INTEGER NOT NULL CHECK (total > 0),
	count       INTEGER NOT NULL CHECK (count > 0),
	greeting    TEXT    NOT NULL,
	left_amount INTEGER NOT NULL CHECK (left_amount >= 0),
	left_count  INTEGER NOT NULL CHECK (left_count >= 0),
	state       INTEGER NOT NULL,
	created     INTEGER NOT NULL,
	expires     INTEGER NOT NULL,
	refunded    INTEGER NOT NULL
);
CREATE INDEX wallet_packets_due ON wallet_packets (state, expires);
CREATE TABLE wallet_grabs (
	packet  INTEGER NOT NULL,
	user_id INTEGER NOT NULL,
	amount  INTEGER NOT NULL CHECK (amount > 0),
	seq     INTEGER NOT NULL,
	at      INTEGER NOT NULL,
	PRIMARY KEY (packet, user_id)
);
CREATE TABLE wallet_transfers (
	id        INTEGER PRIMARY KEY AUTOINCREMENT,
	from_user INTEGER NOT NULL,
	to_user   INTEGER NOT NULL,
	amount    INTEGER NOT NULL CHECK (amount > 0),
	note      TEXT    NOT NULL,
	state     INTEGER NOT NULL,
	created   INTEGER NOT NULL,
	expires   INTEGER NOT NULL,
	settled   INTEGER NOT NULL
);
CREATE INDEX wallet_transfers_due ON wallet_transfers (state, expires);
CREATE TABLE wallet_keys (
	user_id INTEGER NOT NULL,
	key     TEXT    NOT NULL,
	hash    TEXT    NOT NULL,
	ref     INTEGER NOT NULL,
	at      INTEGER NOT NULL,
	PRIMARY KEY (user_id, key)
);
CREATE INDEX wallet_keys_at ON wallet_keys (at);
CREATE TABLE wallet_pins (
	user_id  INTEGER PRIMARY KEY,
	hash     TEXT    NOT NULL,
	recovery TEXT    NOT NULL,
	failures INTEGER NOT NULL,
	locked   INTEGER NOT NULL
);
