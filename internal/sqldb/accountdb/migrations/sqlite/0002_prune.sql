-- Expired QR login codes, recovery codes and the outbox messages that
-- carried them are pruned periodically (account.Service.Prune), oldest
-- first.
CREATE INDEX qr_logins_expires ON qr_logins (expires);
CREATE INDEX recovery_codes_expires ON recovery_codes (expires);
CREATE INDEX outbox_created ON outbox (created);
