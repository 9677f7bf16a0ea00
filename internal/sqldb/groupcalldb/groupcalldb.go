// Package groupcalldb keeps group calls' open rooms on the shared storage
// core, in a table of its own: which node hosts each room's media, under a
// lease, and the room's state, changed by compare-and-set on a version.
package groupcalldb

import (
	"context"
	"time"

	"hongyan/internal/groupcall"
	"hongyan/internal/hongyan"
	"hongyan/internal/sqldb"
)

// Store implements groupcall.Store.
type Store struct{ db *sqldb.DB }

var _ groupcall.Store = Store{}

// New returns the group-call store on db.
func New(db *sqldb.DB) Store { return Store{db} }

const cols = `group_id, kind, host, lease_until, version, state`

func scan(sc func(...any) error) (groupcall.Record, error) {
	var r groupcall.Record
	var g, kind, lease int64
	if err := sc(&g, &kind, &r.Host, &lease, &r.Version, &r.State); err != nil {
		return r, err
	}
	r.Group, r.Kind, r.Lease = hongyan.ConversationID(g), groupcall.Kind(kind), sqldb.Tm(lease)
	return r, nil
}

func check(g hongyan.ConversationID, k groupcall.Kind) error {
	if g <= 0 || (k != groupcall.Voice && k != groupcall.Talkie) {
		return sqldb.Invalid("a room needs a group and a kind")
	}
	return nil
}

// Load returns the open room of group and kind.
func (s Store) Load(ctx context.Context, group hongyan.ConversationID, kind groupcall.Kind) (groupcall.Record, error) {
	if err := check(group, kind); err != nil {
		return groupcall.Record{}, err
	}
	rs, err := sqldb.QueryAll(ctx, s.db, scan, `SELECT `+cols+` FROM group_call_rooms WHERE group_id = $1 AND kind = $2`,
		int64(group), int64(kind))
	if err != nil {
		return groupcall.Record{}, err
	}
	if len(rs) == 0 {
		return groupcall.Record{}, sqldb.NotFound("no group call is open")
	}
	return rs[0], nil
}

// Save stores r if the stored version is still r.Version.
func (s Store) Save(ctx context.Context, r groupcall.Record) (bool, error) {
	if err := check(r.Group, r.Kind); err != nil {
		return false, err
	}
	if r.Host == "" || len(r.State) == 0 || len(r.State) > groupcall.MaxState || r.Version < 0 || len(r.Users) > groupcall.MaxUsers {
		return false, sqldb.Invalid("a room needs a host, a state of at most %d bytes and at most %d participants", groupcall.MaxState, groupcall.MaxUsers)
	}
	for _, u := range r.Users {
		if u <= 0 {
			return false, sqldb.Invalid("a participant needs a user")
		}
	}
	var n int64
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		var err error
		if r.Version == 0 {
			n, err = t.Exec(`INSERT INTO group_call_rooms (`+cols+`) VALUES ($1, $2, $3, $4, 1, $5) ON CONFLICT DO NOTHING`,
				int64(r.Group), int64(r.Kind), r.Host, sqldb.Ms(r.Lease), r.State)
		} else {
			n, err = t.Exec(`UPDATE group_call_rooms SET host = $1, lease_until = $2, version = version + 1, state = $3
				WHERE group_id = $4 AND kind = $5 AND version = $6`,
				r.Host, sqldb.Ms(r.Lease), r.State, int64(r.Group), int64(r.Kind), r.Version)
		}
		if err != nil || n != 1 {
			return sqldb.Internal(err)
		}
		return setUsers(t, r.Group, r.Kind, r.Users)
	})
	return n == 1, err
}

// Remove deletes the room if it is still at version (and expired before
// expiredBefore, when set).
func (s Store) Remove(ctx context.Context, group hongyan.ConversationID, kind groupcall.Kind, version int64, expiredBefore time.Time) (bool, error) {
	if err := check(group, kind); err != nil {
		return false, err
	}
	before := int64(1) << 62
	if !expiredBefore.IsZero() {
		before = sqldb.Ms(expiredBefore)
	}
	var n int64
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		var err error
		n, err = t.Exec(`DELETE FROM group_call_rooms WHERE group_id = $1 AND kind = $2 AND version = $3 AND lease_until < $4`,
			int64(group), int64(kind), version, before)
		if err != nil || n != 1 {
			return sqldb.Internal(err)
		}
		return setUsers(t, group, kind, nil)
	})
	return n == 1, err
}

// Renew extends the lease of every room host holds.
func (s Store) Renew(ctx context.Context, host string, until time.Time) error {
	if host == "" {
		return sqldb.Invalid("renewing needs a host")
	}
	return s.db.Write(ctx, func(t *sqldb.Tx) error {
		_, err := t.Exec(`UPDATE group_call_rooms SET lease_until = $1 WHERE host = $2 AND lease_until < $1`, sqldb.Ms(until), host)
		return sqldb.Internal(err)
	})
}

// Expired returns rooms whose lease ended before now.
func (s Store) Expired(ctx context.Context, now time.Time, limit int) ([]groupcall.Record, error) {
	if err := sqldb.CheckLimit(limit); err != nil {
		return nil, err
	}
	return sqldb.QueryAll(ctx, s.db, scan, `SELECT `+cols+` FROM group_call_rooms WHERE lease_until < $1 ORDER BY lease_until, group_id, kind LIMIT $2`,
		sqldb.Ms(now), limit)
}

// setUsers makes users the participants of room (group, kind).
func setUsers(t *sqldb.Tx, group hongyan.ConversationID, kind groupcall.Kind, users []hongyan.UserID) error {
	if _, err := t.Exec(`DELETE FROM group_call_users WHERE group_id = $1 AND kind = $2`, int64(group), int64(kind)); err != nil {
		return sqldb.Internal(err)
	}
	for _, u := range users {
		if _, err := t.Exec(`INSERT INTO group_call_users (user_id, group_id, kind) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
			int64(u), int64(group), int64(kind)); err != nil {
			return sqldb.Internal(err)
		}
	}
	return nil
}

// UserRooms returns the rooms user is a participant of.
func (s Store) UserRooms(ctx context.Context, user hongyan.UserID) ([]groupcall.RoomKey, error) {
	return sqldb.QueryAll(ctx, s.db, func(sc func(...any) error) (groupcall.RoomKey, error) {
		var g, k int64
		err := sc(&g, &k)
		return groupcall.RoomKey{Group: hongyan.ConversationID(g), Kind: groupcall.Kind(k)}, err
	}, `SELECT group_id, kind FROM group_call_users WHERE user_id = $1 ORDER BY group_id, kind LIMIT 100`, int64(user))
}
