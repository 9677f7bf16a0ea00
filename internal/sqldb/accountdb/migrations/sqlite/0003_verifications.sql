-- One-time codes that prove a phone number or e-mail address belongs to
-- whoever binds it (account.Service.VerifyContact), one per address;
-- pruned with the other codes once expired.
CREATE TABLE verifications (
	channel   TEXT    NOT NULL, -- "phone" or "email"
	to_addr   TEXT    NOT NULL,
	code_hash BLOB    NOT NULL,
	expires   INTEGER NOT NULL,
	attempts  INTEGER NOT NULL,
	PRIMARY KEY (channel, to_addr)
) WITHOUT ROWID;
CREATE INDEX verifications_expires ON verifications (expires);
