-- Phone numbers kept also as HMAC-SHA256(salt, phone) under a random salt
-- made once per database, so that address-book matching looks hashes up
-- and clients never send numbers in clear. The salt and the hashes of
-- accounts that exist already are made by the store on first use (SQL
-- cannot compute the HMAC); every later write of a phone writes its hash.
ALTER TABLE accounts ADD COLUMN phone_hash BLOB;
-- Unique as the phones are (and so the planner knows a hash finds one row).
CREATE UNIQUE INDEX accounts_phone_hash ON accounts (phone_hash);
CREATE TABLE account_phone_salt (
	id      INTEGER PRIMARY KEY CHECK (id = 1),
	salt    BLOB    NOT NULL,
	version INTEGER NOT NULL -- Unix milliseconds of its making
);
