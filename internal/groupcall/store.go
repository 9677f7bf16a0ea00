package groupcall

import (
	"context"
	"time"

	"hongyan/internal/hongyan"
)

// Record is a room as the store keeps it: the node whose media engine
// carries the room (Host) holds it by a lease it renews, and State is the
// room itself (participants, speakers, floor, start), encoded by the
// feature. Version grows by one with each Save.
type Record struct {
	Group   hongyan.ConversationID
	Kind    Kind
	Host    string
	Lease   time.Time // the host's claim holds until then
	Version int64     // 0: not stored yet
	State   []byte
	// Users are the room's participants, for UserRooms (Save stores
	// them; Load and Expired leave them empty).
	Users []hongyan.UserID
}

// RoomKey names a group's room of a kind.
type RoomKey struct {
	Group hongyan.ConversationID
	Kind  Kind
}

// Store keeps the rooms that are open, shared by every node of a cluster
// (internal/sqldb/groupcalldb).
type Store interface {
	// Load returns the open room of group and kind, or an error with
	// CodeNotFound when there is none.
	Load(ctx context.Context, group hongyan.ConversationID, kind Kind) (Record, error)
	// Save stores r as version r.Version+1 if the stored one is still
	// r.Version (0: none is stored), its participants r.Users; false when
	// it moved meanwhile.
	Save(ctx context.Context, r Record) (bool, error)
	// Remove deletes the room if it is still at version and, when
	// expiredBefore is set, its lease ended before then; false otherwise.
	// Exactly one of several callers removing one room gets true.
	Remove(ctx context.Context, group hongyan.ConversationID, kind Kind, version int64, expiredBefore time.Time) (bool, error)
	// UserRooms returns the rooms user is a participant of.
	UserRooms(ctx context.Context, user hongyan.UserID) ([]RoomKey, error)
	// Renew extends the lease of every room host holds to until.
	Renew(ctx context.Context, host string, until time.Time) error
	// Expired returns up to limit rooms whose lease ended before now.
	Expired(ctx context.Context, now time.Time, limit int) ([]Record, error)
}

// MaxState bounds a stored room's state, MaxUsers its participants.
const (
	MaxState = maxRoomBytes
	MaxUsers = 1000
)
