-- Group calls' rooms, SQLite. Times are unix milliseconds.

-- One row per open room of a group (kind 1 voice, 2 walkie-talkie): the
-- node whose SFU carries the room's media (host) holds it by a lease it
-- renews; state is the room as the feature encodes it (participants,
-- speakers, floor holder, start); version grows with each change of
-- state, for compare-and-set. Deleting the row ends the room: whoever
-- deletes it posts the "ended" card, once across the cluster.
CREATE TABLE group_call_rooms (
	group_id    BIGINT NOT NULL,
	kind        INTEGER NOT NULL,
	host        TEXT NOT NULL,
	lease_until BIGINT NOT NULL,
	version     BIGINT NOT NULL,
	state       BLOB NOT NULL,
	PRIMARY KEY (group_id, kind)
);
CREATE INDEX group_call_rooms_lease ON group_call_rooms (lease_until);
CREATE INDEX group_call_rooms_host ON group_call_rooms (host);

-- Who is in which room (the participants of each row above, kept with
-- it), so that a user is in one room at a time across the cluster.
CREATE TABLE group_call_users (
	user_id  BIGINT NOT NULL,
	group_id BIGINT NOT NULL,
	kind     INTEGER NOT NULL,
	PRIMARY KEY (user_id, group_id, kind)
);
CREATE INDEX group_call_users_room ON group_call_users (group_id, kind);
