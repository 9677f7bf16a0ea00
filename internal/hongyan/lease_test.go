package hongyan_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"hongyan/internal/hongyan"
)

// counting is a QuotaLimiter that counts the chunks asked of it (a store's
// round trips).
type counting struct {
	*hongyan.Limiter
	calls int
}

func (c *counting) TakeN(ctx context.Context, key string, now time.Time, n int) (bool, error) {
	c.calls++
	return c.Limiter.TakeN(ctx, key, now, n)
}

// A Leased limiter asks its source once per chunk, not once per action.
func TestLeasedRoundTrips(t *testing.T) {
	r := hongyan.Rate{N: 600, Per: time.Minute}
	src := &counting{Limiter: hongyan.NewLimiter(r)}
	l := hongyan.NewLeased(src, r, 10)
	now := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	for i := range 100 {
		if ok, err := l.Take(t.Context(), "u1", now); !ok || err != nil {
			t.Fatalf("take %d: got %v, %v; want allowed", i+1, ok, err)
		}
	}
	if src.calls != 10 {
		t.Errorf("100 takes with chunks of 10: %d round trips to the source, want 10", src.calls)
	}
	// A lease is forgotten after Per: the next take asks again.
	if ok, _ := l.Take(t.Context(), "u1", now.Add(time.Minute)); !ok {
		t.Errorf("take a minute later: refused, want allowed")
	}
	if src.calls != 11 {
		t.Errorf("after the lease expired: %d round trips, want 11", src.calls)
	}
}

// Lease wraps a store's limiter, not the in-memory one.
func TestLeaseWrapsOnlyQuotaLimiters(t *testing.T) {
	r := hongyan.Rate{N: 10, Per: time.Minute}
	mem := hongyan.NewLimiter(r)
	if got := hongyan.Lease(mem, r); got != hongyan.RateLimiter(mem) {
		t.Errorf("Lease(in-memory Limiter): got %T, want the Limiter itself", got)
	}
	if got, ok := hongyan.Lease(&counting{Limiter: mem}, r).(*hongyan.Leased); !ok || got == nil {
		t.Errorf("Lease(QuotaLimiter): got %T, want *hongyan.Leased", got)
	}
}

// BenchmarkSendLimit: the cost of a send's rate check in memory
// (hongyan.Limiter) and through a lease (its source asked once per 10).
//
//	go test ./internal/hongyan -run '^$' -bench SendLimit
func BenchmarkSendLimit(b *testing.B) {
	r := hongyan.Rate{N: 1 << 30, Per: time.Second} // never reached
	keys := make([]string, 200)
	for i := range keys {
		keys[i] = fmt.Sprint(1000 + i)
	}
	for _, tc := range []struct {
		name string
		l    hongyan.RateLimiter
	}{{"memory", hongyan.NewLimiter(r)}, {"leased", hongyan.NewLeased(&counting{Limiter: hongyan.NewLimiter(r)}, r, 10)}} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				if ok, _ := tc.l.Take(b.Context(), keys[i%len(keys)], time.Now()); !ok {
					b.Fatal("refused")
				}
			}
		})
	}
}
