package hongyan

import (
	"sync"
	"time"
)

// Rate is an allowance of N actions per Per, with bursts of up to N. The
// zero Rate allows everything.
type Rate struct {
	N   int
	Per time.Duration
}

// Limiter is a keyed token-bucket rate limiter (one bucket per key, e.g. a
// user ID or a network address). It is safe for concurrent use.
type Limiter struct {
	rate Rate
	mu   sync.Mutex
	m    map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

// NewLimiter returns a limiter that allows r per key.
func NewLimiter(r Rate) *Limiter {
	return &Limiter{rate: r, m: make(map[string]*bucket)}
}

// maxBuckets bounds the limiter's memory; full buckets are dropped beyond it.
const maxBuckets = 100_000

// Allow takes one token from key's bucket at time now and reports whether
// there was one.
func (l *Limiter) Allow(key string, now time.Time) bool {
	if l == nil || l.rate.N <= 0 || l.rate.Per <= 0 {
		return true
	}
	perSec := float64(l.rate.N) / l.rate.Per.Seconds()
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.m[key]
	if !ok {
		if len(l.m) >= maxBuckets {
			l.sweep(now, perSec)
		}
		b = &bucket{tokens: float64(l.rate.N), last: now}
		l.m[key] = b
	}
	if el := now.Sub(b.last).Seconds(); el > 0 {
		b.tokens = min(float64(l.rate.N), b.tokens+el*perSec)
		b.last = now
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// sweep drops buckets that have refilled completely: forgetting them changes
// no decision.
func (l *Limiter) sweep(now time.Time, perSec float64) {
	for k, b := range l.m {
		if b.tokens+now.Sub(b.last).Seconds()*perSec >= float64(l.rate.N) {
			delete(l.m, k)
		}
	}
}
