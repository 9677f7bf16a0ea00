package guardtest

import (
	"context"
	"slices"
	"sync"
	"time"

	"hongyan/internal/guard"
	"hongyan/internal/hongyan"
)

// Mem is an in-memory guard.Store for the feature's tests; it passes Run.
type Mem struct {
	mu      sync.Mutex
	rules   map[hongyan.ConversationID]guard.Rules
	actions []guard.Action
	joined  map[[2]int64]time.Time
	cursors map[int64]int64
}

// NewMem returns an empty Mem.
func NewMem() *Mem {
	return &Mem{rules: map[hongyan.ConversationID]guard.Rules{}, joined: map[[2]int64]time.Time{}, cursors: map[int64]int64{}}
}

var _ guard.Store = (*Mem)(nil)

func (m *Mem) SetRules(_ context.Context, r guard.Rules) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	r.Keywords = slices.Clone(r.Keywords)
	m.rules[r.Group] = r
	return nil
}

func (m *Mem) Rules(_ context.Context, g hongyan.ConversationID) (guard.Rules, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.rules[g]
	if !ok {
		return guard.Rules{}, hongyan.Errorf(hongyan.CodeNotFound, "no rules")
	}
	r.Keywords = slices.Clone(r.Keywords)
	return r, nil
}

func (m *Mem) AddAction(_ context.Context, a guard.Action) (guard.Action, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if a.Message != 0 {
		for _, b := range m.actions {
			if b.Message == a.Message && b.Did == a.Did {
				return guard.Action{}, hongyan.Errorf(hongyan.CodeExists, "done already")
			}
		}
	}
	a.ID = int64(len(m.actions) + 1)
	m.actions = append(m.actions, a)
	return a, nil
}

func (m *Mem) Action(_ context.Context, id int64) (guard.Action, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if id <= 0 || id > int64(len(m.actions)) {
		return guard.Action{}, hongyan.Errorf(hongyan.CodeNotFound, "no such action")
	}
	return m.actions[id-1], nil
}

func (m *Mem) Actions(_ context.Context, g hongyan.ConversationID, before int64, limit int) ([]guard.Action, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []guard.Action
	for i := len(m.actions) - 1; i >= 0 && len(out) < limit; i-- {
		a := m.actions[i]
		if a.Group == g && (before == 0 || a.ID < before) {
			out = append(out, a)
		}
	}
	return out, nil
}

func (m *Mem) CountActions(_ context.Context, g hongyan.ConversationID, u hongyan.UserID, did string, since time.Time) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, a := range m.actions {
		if a.Group == g && a.User == u && a.Did == did && a.Undone.IsZero() && !a.At.Before(since) {
			n++
		}
	}
	return n, nil
}

func (m *Mem) FailAction(_ context.Context, id int64, msg string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if id <= 0 || id > int64(len(m.actions)) {
		return hongyan.Errorf(hongyan.CodeNotFound, "no such action")
	}
	m.actions[id-1].Error = msg
	return nil
}

func (m *Mem) MarkUndone(_ context.Context, id int64, by hongyan.UserID, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if id <= 0 || id > int64(len(m.actions)) {
		return hongyan.Errorf(hongyan.CodeNotFound, "no such action")
	}
	if !m.actions[id-1].Undone.IsZero() {
		return hongyan.Errorf(hongyan.CodePrecondition, "undone already")
	}
	m.actions[id-1].Undone, m.actions[id-1].UndoneBy = at, by
	return nil
}

func (m *Mem) SetJoined(_ context.Context, g hongyan.ConversationID, u hongyan.UserID, t time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.joined[[2]int64{int64(g), int64(u)}] = t
	return nil
}

func (m *Mem) Joined(_ context.Context, g hongyan.ConversationID, u hongyan.UserID) (time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.joined[[2]int64{int64(g), int64(u)}], nil
}

func (m *Mem) Cursor(_ context.Context, bot int64) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cursors[bot], nil
}

func (m *Mem) MoveCursor(_ context.Context, bot int64, from, to int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cursors[bot] != from {
		return hongyan.Errorf(hongyan.CodePrecondition, "the cursor moved")
	}
	m.cursors[bot] = to
	return nil
}
