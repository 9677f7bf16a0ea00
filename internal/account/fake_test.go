package account

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"hongyan/internal/hongyan"
)

// memStore keeps accounts and devices in memory for the service's tests;
// the storage engines pass the conformance suite (accounttest) instead.
// Ports a test does not use are left nil.
type memStore struct {
	Store // the rest: nil

	mu       sync.Mutex
	accounts map[hongyan.UserID]Account
	devices  map[hongyan.DeviceID]Device
	next     int64
	lookups  int // calls of AccountBy
	dels     map[hongyan.UserID]Deletion
}

func newMemStore() *memStore {
	return &memStore{accounts: map[hongyan.UserID]Account{}, devices: map[hongyan.DeviceID]Device{}}
}

func (m *memStore) CreateAccount(ctx context.Context, a Account) (hongyan.UserID, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, b := range m.accounts {
		if strings.EqualFold(a.AccountID, b.AccountID) || a.Phone != "" && a.Phone == b.Phone || a.Email != "" && a.Email == b.Email {
			return 0, hongyan.Errorf(hongyan.CodeExists, "taken")
		}
	}
	if a.ID == 0 {
		m.next++
		a.ID = hongyan.UserID(m.next)
	} else if _, ok := m.accounts[a.ID]; ok {
		return 0, hongyan.Errorf(hongyan.CodeExists, "ID taken")
	}
	m.accounts[a.ID] = a
	return a.ID, nil
}

func (m *memStore) Account(ctx context.Context, id hongyan.UserID) (Account, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a, ok := m.accounts[id]
	if !ok {
		return Account{}, hongyan.Errorf(hongyan.CodeNotFound, "no such account")
	}
	return a, nil
}

func (m *memStore) AccountsByID(ctx context.Context, ids []hongyan.UserID) ([]Account, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Account
	for _, id := range ids {
		if a, ok := m.accounts[id]; ok {
			out = append(out, a)
		}
	}
	return out, nil
}

func (m *memStore) AccountBy(ctx context.Context, field, value string) (Account, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.lookups++
	for _, a := range m.accounts {
		if field == "account_id" && strings.EqualFold(a.AccountID, value) || field == "phone" && a.Phone == value || field == "email" && a.Email == value {
			return a, nil
		}
	}
	return Account{}, hongyan.Errorf(hongyan.CodeNotFound, "no such account")
}

func (m *memStore) UpdateAccount(ctx context.Context, a Account, changes []hongyan.Change) ([]hongyan.Change, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.accounts[a.ID] = a
	return changes, nil
}

func (m *memStore) CreateDevice(ctx context.Context, d Device, changes []hongyan.Change) (hongyan.DeviceID, []hongyan.Change, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.next++
	d.ID = hongyan.DeviceID(m.next)
	m.devices[d.ID] = d
	return d.ID, changes, nil
}

func (m *memStore) DeleteDevices(ctx context.Context, user hongyan.UserID, ids []hongyan.DeviceID, changes []hongyan.Change) (int, []hongyan.Change, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for id, d := range m.devices {
		if d.User != user {
			continue
		}
		if len(ids) == 0 || slices.Contains(ids, id) {
			delete(m.devices, id)
			n++
		}
	}
	return n, changes, nil
}

func (m *memStore) SetPassword(ctx context.Context, user hongyan.UserID, hash string, keep hongyan.DeviceID, changes []hongyan.Change) ([]hongyan.DeviceID, []hongyan.Change, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a, ok := m.accounts[user]
	if !ok {
		return nil, nil, hongyan.Errorf(hongyan.CodeNotFound, "no such account")
	}
	a.PasswordHash = hash
	m.accounts[user] = a
	var out []hongyan.DeviceID
	for id, d := range m.devices {
		if d.User == user && id != keep {
			delete(m.devices, id)
			out = append(out, id)
		}
	}
	return out, changes, nil
}

// nullBus drops what is published.
type nullBus struct{}

func (nullBus) Publish(ctx context.Context, subject string, data []byte) error { return nil }
func (nullBus) Subscribe(subject string, fn func([]byte)) (hongyan.Subscription, error) {
	return nil, nil
}

// newTestService returns a service on a fresh memStore, its clock at t0.
func newTestService(cfg Config) (*Service, *memStore) {
	m := newMemStore()
	s := New(m, nil, hongyan.Publisher{Bus: nullBus{}}, cfg)
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s.now = func() time.Time { return t0 }
	return s, m
}

func (m *memStore) PutDeletion(ctx context.Context, d Deletion, changes []hongyan.Change) ([]hongyan.Change, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.dels == nil {
		m.dels = map[hongyan.UserID]Deletion{}
	}
	if old, ok := m.dels[d.User]; ok && !old.Erased.IsZero() {
		return nil, hongyan.Errorf(hongyan.CodePrecondition, "erased")
	}
	m.dels[d.User] = d
	return changes, nil
}

func (m *memStore) Deletion(ctx context.Context, user hongyan.UserID) (Deletion, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.dels[user]
	if !ok {
		return Deletion{}, hongyan.Errorf(hongyan.CodeNotFound, "none")
	}
	return d, nil
}

func (m *memStore) CancelDeletion(ctx context.Context, user hongyan.UserID, changes []hongyan.Change) (bool, []hongyan.Change, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.dels[user]
	if !ok || !d.Erased.IsZero() {
		return false, nil, nil
	}
	delete(m.dels, user)
	return true, changes, nil
}

func (m *memStore) DueDeletions(ctx context.Context, now time.Time, limit int) ([]hongyan.UserID, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []hongyan.UserID
	for u, d := range m.dels {
		if d.Erased.IsZero() && !d.Due.After(now) && len(out) < limit {
			out = append(out, u)
		}
	}
	return out, nil
}

func (m *memStore) MarkErased(ctx context.Context, user hongyan.UserID, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	d := m.dels[user]
	d.User, d.Erased = user, at
	m.dels[user] = d
	return nil
}
