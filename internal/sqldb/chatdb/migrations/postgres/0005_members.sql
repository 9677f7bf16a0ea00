-- Who belongs to a group chat, and which part of it each member sees: from
-- joined_seq (the notice of their joining) to left_seq (the notice of their
-- leaving; 0 while a member). The chat store reads it; the group store
-- keeps it, through chatdb's Join and Leave, in the same transaction as
-- the membership change.
CREATE TABLE conversation_members (
	conversation BIGINT  NOT NULL,
	user_id      BIGINT  NOT NULL,
	joined_seq   BIGINT  NOT NULL,
	left_seq     BIGINT  NOT NULL,
	PRIMARY KEY (conversation, user_id)
);
CREATE INDEX conversation_members_user ON conversation_members (user_id, conversation);
