-- The console's inbox lists an account's messages from its followers,
-- newest first; broadcasts (one outgoing row per follower) stay out of
-- the index.
CREATE INDEX oa_messages_inbox ON oa_messages (account, id) WHERE outgoing = 0;
