package groupcall

import (
	"context"
	"slices"
	"sync"
	"time"

	"hongyan/internal/hongyan"
)

// memStore is a Store in memory, shared by the nodes of a test cluster
// (the engines run the conformance suite, groupcalltest).
type memStore struct {
	mu    sync.Mutex
	rooms map[key]Record
}

func newMemStore() *memStore { return &memStore{rooms: map[key]Record{}} }

func (m *memStore) Load(_ context.Context, g hongyan.ConversationID, k Kind) (Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.rooms[key{g, k}]
	if !ok {
		return Record{}, hongyan.Errorf(hongyan.CodeNotFound, "no group call is open")
	}
	r.State, r.Users = slices.Clone(r.State), nil
	return r, nil
}

func (m *memStore) Save(_ context.Context, r Record) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := key{r.Group, r.Kind}
	if m.rooms[k].Version != r.Version {
		return false, nil
	}
	r.Version++
	r.State = slices.Clone(r.State)
	r.Users = slices.Clone(r.Users)
	m.rooms[k] = r
	return true, nil
}

func (m *memStore) UserRooms(_ context.Context, u hongyan.UserID) ([]RoomKey, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []RoomKey
	for k, r := range m.rooms {
		if slices.Contains(r.Users, u) {
			out = append(out, RoomKey{k.group, k.kind})
		}
	}
	return out, nil
}

func (m *memStore) Remove(_ context.Context, g hongyan.ConversationID, k Kind, version int64, before time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.rooms[key{g, k}]
	if !ok || r.Version != version || (!before.IsZero() && !r.Lease.Before(before)) {
		return false, nil
	}
	delete(m.rooms, key{g, k})
	return true, nil
}

func (m *memStore) Renew(_ context.Context, host string, until time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, r := range m.rooms {
		if r.Host == host && r.Lease.Before(until) {
			r.Lease = until
			m.rooms[k] = r
		}
	}
	return nil
}

func (m *memStore) Expired(_ context.Context, now time.Time, limit int) ([]Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Record
	for _, r := range m.rooms {
		if r.Lease.Before(now) && len(out) < limit {
			r.Users = nil
			out = append(out, r)
		}
	}
	return out, nil
}
