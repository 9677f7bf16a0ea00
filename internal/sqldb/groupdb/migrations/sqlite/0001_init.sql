-- Groups. Their chat is a conversation of the chat store.

-- A group chat is a conversation with a = 0 and b its ordinal among groups
-- (so the (a, b) key stays unique); its id is the group's id.
CREATE TABLE groups (
	id                INTEGER PRIMARY KEY,
	name              TEXT    NOT NULL,
	avatar            TEXT    NOT NULL,
	announcement      TEXT    NOT NULL,
	announcement_time INTEGER NOT NULL,
	owner             INTEGER NOT NULL,
	approval          BOOLEAN NOT NULL,
	muted_all         BOOLEAN NOT NULL,
	dissolved         BOOLEAN NOT NULL,
	qr_code           TEXT    NOT NULL,
	qr_expires        INTEGER NOT NULL,
	created           INTEGER NOT NULL,
	members           INTEGER NOT NULL, -- active members
	version           INTEGER NOT NULL  -- bumped by every change
);
CREATE UNIQUE INDEX groups_qr ON groups (qr_code) WHERE qr_code <> '';

-- A member sees the group chat's messages from joined_seq (the notice of
-- their joining) to left_seq (the notice of their leaving; 0 while a
-- member).
CREATE TABLE group_members (
	conversation   INTEGER NOT NULL,
	user_id        INTEGER NOT NULL,
	role           INTEGER NOT NULL,
	nickname       TEXT    NOT NULL,
	muted          BOOLEAN NOT NULL,
	saved          BOOLEAN NOT NULL,
	show_nicknames BOOLEAN NOT NULL,
	joined         INTEGER NOT NULL,
	joined_seq     INTEGER NOT NULL,
	left_seq       INTEGER NOT NULL,
	PRIMARY KEY (conversation, user_id)
) WITHOUT ROWID;
CREATE INDEX group_members_user ON group_members (user_id, conversation);

CREATE TABLE group_invitations (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	conversation INTEGER NOT NULL,
	inviter      INTEGER NOT NULL,
	invitee      INTEGER NOT NULL,
	state        INTEGER NOT NULL,
	by_qr        BOOLEAN NOT NULL,
	created      INTEGER NOT NULL,
	updated      INTEGER NOT NULL
);
CREATE INDEX group_invitations_invitee ON group_invitations (invitee, state);
CREATE INDEX group_invitations_group ON group_invitations (conversation, state);
