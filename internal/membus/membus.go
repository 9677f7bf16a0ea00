// Package membus is the in-process hongyan.Bus of a single node: Publish
// hands each message to the subject's current subscribers synchronously.
// Subscribers must not block (the gateway's handlers only queue).
package membus

import (
	"context"
	"sync"

	"hongyan/internal/hongyan"
)

// Bus is an in-process hongyan.Bus. The zero value is not usable; use New.
type Bus struct {
	mu     sync.RWMutex
	subs   map[string][]*sub
	closed bool
}

type sub struct {
	bus     *Bus
	subject string
	fn      func([]byte)
}

// New returns an empty bus.
func New() *Bus { return &Bus{subs: make(map[string][]*sub)} }

// Publish delivers data to every subscriber of subject before returning.
func (b *Bus) Publish(ctx context.Context, subject string, data []byte) error {
	b.mu.RLock()
	subs := b.subs[subject]
	closed := b.closed
	b.mu.RUnlock()
	if closed {
		return hongyan.Errorf(hongyan.CodeUnavailable, "bus closed")
	}
	for _, s := range subs {
		s.fn(data)
	}
	return nil
}

// Subscribe registers fn for subject.
func (b *Bus) Subscribe(subject string, fn func([]byte)) (hongyan.Subscription, error) {
	s := &sub{bus: b, subject: subject, fn: fn}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, hongyan.Errorf(hongyan.CodeUnavailable, "bus closed")
	}
	// Copy on write: Publish iterates a slice it read under the lock.
	old := b.subs[subject]
	subs := make([]*sub, len(old), len(old)+1)
	copy(subs, old)
	b.subs[subject] = append(subs, s)
	return s, nil
}

// Unsubscribe stops deliveries to s; it is safe to call more than once.
func (s *sub) Unsubscribe() error {
	b := s.bus
	b.mu.Lock()
	defer b.mu.Unlock()
	old := b.subs[s.subject]
	subs := make([]*sub, 0, len(old))
	for _, o := range old {
		if o != s {
			subs = append(subs, o)
		}
	}
	if len(subs) == 0 {
		delete(b.subs, s.subject)
	} else {
		b.subs[s.subject] = subs
	}
	return nil
}

// Close refuses further publishing and subscribing.
func (b *Bus) Close() error {
	b.mu.Lock()
	b.closed = true
	b.subs = make(map[string][]*sub)
	b.mu.Unlock()
	return nil
}
