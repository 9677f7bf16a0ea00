package hongyan

import (
	"context"
	"crypto/sha256"
	"sync"
	"time"
)

// RateLimiter is the port of a keyed rate limit: Limiter keeps its counts
// in one process's memory (one node alone); a store's shared limiter
// (internal/sqldb/limitdb) keeps them where every node of a cluster counts
// against the same allowance. Implementations are safe for concurrent use
// and pass the conformance suite in internal/hongyan/limitertest.
type RateLimiter interface {
	// Take takes one action of key at now and reports whether it was
	// within the limit. An error means the limiter could not tell (its
	// store is unreachable); the caller then refuses the action with it.
	Take(ctx context.Context, key string, now time.Time) (bool, error)
}

// Limiters makes a feature's rate limiters. name tells one limit from
// another across the nodes of a cluster (say "account.login").
type Limiters func(name string, r Rate) RateLimiter

// MemoryLimiters makes limiters in this process's memory
// (NewLimiter): each node of a cluster counts on its own.
func MemoryLimiters(name string, r Rate) RateLimiter { return NewLimiter(r) }

// Limit takes one action of key from l at now: nil when it is within the
// limit, refused when it is not, or the error of a limiter that could not
// tell.
func Limit(ctx context.Context, l RateLimiter, key string, now time.Time, refused error) error {
	ok, err := l.Take(ctx, key, now)
	if err != nil {
		return Wrap(err, CodeUnavailable, "the rate limit could not be checked; try again")
	}
	if !ok {
		return refused
	}
	return nil
}

// Rate is an allowance of N actions per Per, with bursts of up to N. The
// zero Rate allows everything.
type Rate struct {
	N   int
	Per time.Duration
}

// Limiter is a keyed token-bucket rate limiter (one bucket per key, e.g. a
// user ID or a network address). It is safe for concurrent use.
//
// Its memory is bounded by bytes, whatever its keys: a key longer than
// MaxLimiterKey bytes is kept as its SHA-256, and once the buckets take
// more than the limiter's budget it forgets the buckets that have refilled
// (which changes no decision) and then, if that is not enough, buckets
// picked at random, down to three quarters of the budget. A forgotten
// bucket starts full again: that is the price of bounded memory, so keep a
// limit per source address in front of a limit keyed on what a client
// names (an account, a phone number), which bounds how fast one source
// can make the limiter forget.
type Limiter struct {
	rate   Rate
	budget int
	mu     sync.Mutex
	m      map[string]bucket
	bytes  int // estimated size of m
}

type bucket struct {
	tokens float64
	last   int64 // UnixNano of the last refill
}

const (
	// MaxLimiterKey is the longest key a Limiter keeps as it is.
	MaxLimiterKey = 64
	// DefaultLimiterBytes is the budget of NewLimiter: about 40,000 keys
	// of 32 bytes.
	DefaultLimiterBytes = 4 << 20
	// limiterEntryBytes is what one bucket costs besides its key: the map
	// slot, the string header and the bucket.
	limiterEntryBytes = 64
)

// NewLimiter returns a limiter that allows r per key, in
// DefaultLimiterBytes of memory.
func NewLimiter(r Rate) *Limiter { return NewLimiterSize(r, DefaultLimiterBytes) }

// NewLimiterSize returns a limiter that allows r per key and keeps its
// buckets in about maxBytes of memory (at least room for 16 buckets).
func NewLimiterSize(r Rate, maxBytes int) *Limiter {
	return &Limiter{rate: r, budget: max(maxBytes, 16*(limiterEntryBytes+MaxLimiterKey)), m: make(map[string]bucket)}
}

// Allow takes one token from key's bucket at time now and reports whether
// there was one.
func (l *Limiter) Allow(key string, now time.Time) bool { return l.allowN(key, now, 1) }

// allowN takes n tokens of key's bucket at now if it has them.
func (l *Limiter) allowN(key string, now time.Time, n int) bool {
	if l == nil || l.rate.N <= 0 || l.rate.Per <= 0 {
		return true
	}
	if len(key) > MaxLimiterKey {
		sum := sha256.Sum256([]byte(key))
		key = string(sum[:])
	}
	perNs := float64(l.rate.N) / float64(l.rate.Per)
	t := now.UnixNano()
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.m[key]
	if !ok {
		size := limiterEntryBytes + len(key)
		if l.bytes+size > l.budget {
			l.shrink(t, perNs)
		}
		key = string([]byte(key)) // keep no larger string it may be part of
		b = bucket{tokens: float64(l.rate.N), last: t}
		l.bytes += size
	}
	if el := t - b.last; el > 0 {
		b.tokens = min(float64(l.rate.N), b.tokens+float64(el)*perNs)
		b.last = t
	}
	allowed := b.tokens >= float64(n)
	if allowed {
		b.tokens -= float64(n)
	}
	l.m[key] = b
	return allowed
}

// Take is Allow, for the RateLimiter port; it never fails.
func (l *Limiter) Take(_ context.Context, key string, now time.Time) (bool, error) {
	return l.Allow(key, now), nil
}

// shrink forgets buckets until the limiter holds at most three quarters
// of its budget: first those that have refilled completely (forgetting
// them changes no decision), then any.
func (l *Limiter) shrink(now int64, perNs float64) {
	target := l.budget / 4 * 3
	for k, b := range l.m {
		if b.tokens+float64(now-b.last)*perNs >= float64(l.rate.N) {
			l.forget(k)
		}
	}
	for k := range l.m { // map order: at random
		if l.bytes <= target {
			break
		}
		l.forget(k)
	}
}

func (l *Limiter) forget(k string) {
	delete(l.m, k)
	l.bytes -= limiterEntryBytes + len(k)
}

// Size returns the number of buckets held and their estimated bytes.
func (l *Limiter) Size() (buckets, bytes int) {
	if l == nil {
		return 0, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.m), l.bytes
}
