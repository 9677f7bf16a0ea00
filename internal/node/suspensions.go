package node

import (
	"context"
	"sync"
	"time"

	"hongyan/internal/group"
	"hongyan/internal/hongyan"
	"hongyan/internal/moderation"
	"hongyan/internal/officialacct"
)

// suspensionTTL is how long a node trusts what it read of a suspension: a
// suspension (or its lift) takes effect on every node within it, and a
// busy group's sends cost one read of moderation's table per TTL, not one
// per message.
const suspensionTTL = 2 * time.Second

// suspensions gives the group and official-account features the
// moderation feature's suspensions (group.Suspensions,
// officialacct.Suspensions), read through a short cache.
type suspensions struct {
	mod *moderation.Service
	now func() time.Time

	mu    sync.Mutex
	cache map[suspensionKey]suspensionEntry
}

type suspensionKey struct {
	kind   moderation.TargetKind
	target int64
}

type suspensionEntry struct {
	sus       moderation.Suspension
	suspended bool
	read      time.Time
}

// maxSuspensionCache bounds the cache; past it, it starts over.
const maxSuspensionCache = 10000

func newSuspensions(mod *moderation.Service) *suspensions {
	return &suspensions{mod: mod, now: time.Now, cache: map[suspensionKey]suspensionEntry{}}
}

func (s *suspensions) get(ctx context.Context, kind moderation.TargetKind, target int64) (string, time.Time, bool, error) {
	k, now := suspensionKey{kind, target}, s.now()
	s.mu.Lock()
	e, ok := s.cache[k]
	s.mu.Unlock()
	if !ok || now.Sub(e.read) >= suspensionTTL || (e.suspended && !now.Before(e.sus.End)) {
		sus, suspended, err := s.mod.Suspended(ctx, kind, target)
		if err != nil {
			return "", time.Time{}, false, err
		}
		e = suspensionEntry{sus: sus, suspended: suspended, read: now}
		s.mu.Lock()
		if len(s.cache) >= maxSuspensionCache {
			clear(s.cache)
		}
		s.cache[k] = e
		s.mu.Unlock()
	}
	return e.sus.Reason, e.sus.End, e.suspended, nil
}

// forget drops what the cache holds of target (this node changed it).
func (s *suspensions) forget(kind moderation.TargetKind, target int64) {
	s.mu.Lock()
	delete(s.cache, suspensionKey{kind, target})
	s.mu.Unlock()
}

func (s *suspensions) GroupSuspended(ctx context.Context, id hongyan.ConversationID) (string, time.Time, bool, error) {
	return s.get(ctx, moderation.TargetGroup, int64(id))
}

func (s *suspensions) AccountSuspended(ctx context.Context, id officialacct.AccountID) (string, time.Time, bool, error) {
	return s.get(ctx, moderation.TargetOA, int64(id))
}

var (
	_ group.Suspensions        = (*suspensions)(nil)
	_ officialacct.Suspensions = (*suspensions)(nil)
)
