package ws

import "sync/atomic"

// Budget bounds the bytes held in messages being received (and, as their
// holders choose, queued after) across many Readers: a node's defence
// against clients that each start a large message and send it slowly.
// The zero Budget, and a nil *Budget, are unlimited.
type Budget struct {
	max  int64
	used atomic.Int64
}

// NewBudget returns a budget of max bytes (0: unlimited).
func NewBudget(max int64) *Budget { return &Budget{max: max} }

// Reserve takes n bytes from the budget; it reports false, taking nothing,
// when fewer are left.
func (b *Budget) Reserve(n int64) bool {
	if b == nil {
		return true
	}
	if b.max <= 0 {
		b.used.Add(n)
		return true
	}
	for {
		u := b.used.Load()
		if u+n > b.max {
			return false
		}
		if b.used.CompareAndSwap(u, u+n) {
			return true
		}
	}
}

// Release returns n bytes taken by Reserve.
func (b *Budget) Release(n int64) {
	if b != nil && n != 0 {
		b.used.Add(-n)
	}
}

// Used returns the bytes taken and not yet released.
func (b *Budget) Used() int64 {
	if b == nil {
		return 0
	}
	return b.used.Load()
}
