package hongyan

import (
	"context"
	"sync"
	"time"
)

// QuotaLimiter is a RateLimiter that can also take a chunk of n actions
// of a key at once, all or none (a store's shared limiter does it in one
// statement, as it does one action). Leased spends such chunks locally.
type QuotaLimiter interface {
	RateLimiter
	// TakeN takes n actions of key at now if all n are within the limit
	// (1 ≤ n ≤ the rate's N), and reports whether it took them; when
	// it did not, nothing changed.
	TakeN(ctx context.Context, key string, now time.Time, n int) (bool, error)
}

// DefaultLeaseChunk is the actions a Leased limiter takes from its source
// at once.
const DefaultLeaseChunk = 10

// Leased is a rate limit that holds across the nodes of a cluster at the
// cost of one store round trip per chunk of actions, not per action: for a
// key with nothing left here, it takes a chunk (say 10 actions) of the
// key's allowance from the shared limiter and spends it in memory. When
// the shared limiter has less than a chunk left, it takes one action at a
// time; when it has none, the key is refused here without asking again
// until one action's worth of time (Per/N) has passed.
//
// The price is a bounded overshoot: actions a node has taken but not yet
// spent (at most chunk−1 per key and node) are not seen by the others, so
// a client that spreads its actions over K nodes may get up to
// K×(chunk−1) actions beyond the limit, never more. A lease is forgotten
// when Per has passed since it was taken (its actions stay spent in the
// store: a forgotten lease only makes the limit stricter), and the table
// of leases is bounded like Limiter's.
type Leased struct {
	src   QuotaLimiter
	rate  Rate
	chunk int
	t     int64 // Per/N in ns
	mu    sync.Mutex
	cur   map[string]lease
	old   map[string]lease
	gen   int
}

type lease struct {
	left    int   // actions taken from src not spent yet
	expires int64 // UnixNano: the lease is forgotten after it
	// refused: src had nothing left; refuse here until this time.
	refusedUntil int64
}

// leaseGeneration is the keys each of Leased's two generations holds
// (some 100 bytes each): the older is forgotten when the newer fills.
const leaseGeneration = 1 << 15

// NewLeased returns a limiter of r in front of src taking chunks of chunk
// actions (at most r.N; DefaultLeaseChunk when chunk ≤ 0).
func NewLeased(src QuotaLimiter, r Rate, chunk int) *Leased {
	if chunk <= 0 {
		chunk = DefaultLeaseChunk
	}
	chunk = max(min(chunk, r.N), 1)
	var t int64
	if r.N > 0 {
		t = max(int64(r.Per)/int64(r.N), 1)
	}
	return &Leased{src: src, rate: r, chunk: chunk, t: t, cur: make(map[string]lease), gen: leaseGeneration}
}

// Lease makes l a Leased limiter of r when it is a QuotaLimiter other than
// the in-memory Limiter (a store's shared limiter); otherwise it returns
// l, which is cheap already.
func Lease(l RateLimiter, r Rate) RateLimiter {
	if _, mem := l.(*Limiter); mem {
		return l
	}
	if q, ok := l.(QuotaLimiter); ok && r.N > 0 && r.Per > 0 {
		return NewLeased(q, r, DefaultLeaseChunk)
	}
	return l
}

var _ RateLimiter = (*Leased)(nil)

// Take takes one action of key at now: from this node's lease when it has
// one, else from the shared limiter.
func (l *Leased) Take(ctx context.Context, key string, now time.Time) (bool, error) {
	if l.rate.N <= 0 || l.rate.Per <= 0 {
		return true, nil
	}
	t := now.UnixNano()
	l.mu.Lock()
	ls, ok := l.get(key)
	if ok && t < ls.refusedUntil {
		l.mu.Unlock()
		return false, nil
	}
	if ok && ls.left > 0 && t < ls.expires {
		ls.left--
		l.put(key, ls)
		l.mu.Unlock()
		return true, nil
	}
	l.mu.Unlock()

	// Nothing left here: a chunk from the shared limiter, or failing
	// that a single action.
	n := l.chunk
	got, err := l.src.TakeN(ctx, key, now, n)
	if err == nil && !got && n > 1 {
		n = 1
		got, err = l.src.TakeN(ctx, key, now, 1)
	}
	if err != nil {
		return false, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	ls, _ = l.get(key) // another goroutine may have leased meanwhile
	if !got {
		ls.refusedUntil = t + l.t
		l.put(key, ls)
		return false, nil
	}
	if t >= ls.expires {
		ls.left = 0
	}
	ls.left += n - 1
	ls.expires = t + int64(l.rate.Per)
	ls.refusedUntil = 0
	l.put(key, ls)
	return true, nil
}

func (l *Leased) get(key string) (lease, bool) {
	if ls, ok := l.cur[key]; ok {
		return ls, true
	}
	ls, ok := l.old[key]
	return ls, ok
}

func (l *Leased) put(key string, ls lease) {
	if _, ok := l.cur[key]; !ok {
		if len(l.cur) >= l.gen {
			l.old, l.cur = l.cur, make(map[string]lease, l.gen/4)
		}
		delete(l.old, key)
		key = string([]byte(key)) // keep no larger string it may be part of
	}
	l.cur[key] = ls
}

// TakeN on the in-memory Limiter takes n tokens of key's bucket at once,
// all or none (for tests of Leased, and the conformance suite).
func (l *Limiter) TakeN(_ context.Context, key string, now time.Time, n int) (bool, error) {
	return l.allowN(key, now, n), nil
}
