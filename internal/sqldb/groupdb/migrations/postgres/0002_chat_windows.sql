-- The chat store keeps the members' windows of group chats in a table of
-- its own (chat's 0005_members.sql), which the group store maintains from
-- now on; fill it from the memberships so far.
INSERT INTO conversation_members (conversation, user_id, joined_seq, left_seq)
	SELECT conversation, user_id, joined_seq, left_seq FROM group_members;
