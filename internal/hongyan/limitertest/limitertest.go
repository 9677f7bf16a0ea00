// Package limitertest is the conformance suite of hongyan.RateLimiter:
// the in-memory Limiter and every store's shared limiter run it.
package limitertest

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"hongyan/internal/hongyan"
)

// T0 is the time the tests start counting from.
var T0 = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

// Run runs the suite; open returns a fresh set of limiters (an empty
// store) for each test.
func Run(t *testing.T, open func(t *testing.T) hongyan.Limiters) {
	t.Run("Burst", func(t *testing.T) { testBurst(t, open(t)) })
	t.Run("Refill", func(t *testing.T) { testRefill(t, open(t)) })
	t.Run("KeysAndNames", func(t *testing.T) { testKeysAndNames(t, open(t)) })
	t.Run("Unlimited", func(t *testing.T) { testUnlimited(t, open(t)) })
	t.Run("Concurrent", func(t *testing.T) { testConcurrent(t, open(t)) })
}

// RunShared checks what only a shared limiter does: limiters made with
// the same name by two nodes (open returns one node's Limiters on one
// store, each call another node) count against one allowance.
func RunShared(t *testing.T, open func(t *testing.T) (a, b hongyan.Limiters)) {
	a, b := open(t)
	r := hongyan.Rate{N: 4, Per: time.Minute}
	la, lb := a("test.shared", r), b("test.shared", r)
	var got []bool
	for i := range 6 {
		l := la
		if i%2 == 1 {
			l = lb
		}
		got = append(got, take(t, l, "alice", T0))
	}
	if want := []bool{true, true, true, true, false, false}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("takes alternating between two nodes: got %v, want %v (one allowance of 4)", got, want)
	}
}

func take(t *testing.T, l hongyan.RateLimiter, key string, now time.Time) bool {
	t.Helper()
	ok, err := l.Take(t.Context(), key, now)
	if err != nil {
		t.Fatalf("Take(%q, %v): %v", key, now, err)
	}
	return ok
}

// takes returns how many of n takes at now were allowed.
func takes(t *testing.T, l hongyan.RateLimiter, key string, now time.Time, n int) int {
	t.Helper()
	allowed := 0
	for range n {
		if take(t, l, key, now) {
			allowed++
		}
	}
	return allowed
}

func testBurst(t *testing.T, mk hongyan.Limiters) {
	l := mk("test.burst", hongyan.Rate{N: 3, Per: time.Minute})
	if got := takes(t, l, "alice", T0, 5); got != 3 {
		t.Errorf("5 takes at once with a burst of 3: %d allowed, want 3", got)
	}
	// Going back in time gives nothing back.
	if take(t, l, "alice", T0.Add(-time.Hour)) {
		t.Errorf("take at an earlier time: allowed, want refused")
	}
}

func testRefill(t *testing.T, mk hongyan.Limiters) {
	l := mk("test.refill", hongyan.Rate{N: 3, Per: time.Minute})
	takes(t, l, "bob", T0, 3)
	// One action comes back every 20 s.
	if take(t, l, "bob", T0.Add(19*time.Second)) {
		t.Errorf("take after 19 s: allowed, want refused")
	}
	if !take(t, l, "bob", T0.Add(20*time.Second)) {
		t.Errorf("take after 20 s: refused, want allowed")
	}
	if take(t, l, "bob", T0.Add(20*time.Second)) {
		t.Errorf("second take after 20 s: allowed, want refused")
	}
	// Long idle: a full burst, and no more.
	if got := takes(t, l, "bob", T0.Add(time.Hour), 5); got != 3 {
		t.Errorf("5 takes after an hour: %d allowed, want 3", got)
	}
}

func testKeysAndNames(t *testing.T, mk hongyan.Limiters) {
	r := hongyan.Rate{N: 1, Per: time.Hour}
	a, b := mk("test.a", r), mk("test.b", r)
	long := strings.Repeat("x", 300)
	keys := []string{"carol", "dave", long + "1", long + "2", "\x00\xff not UTF-8", "用户"}
	for _, k := range keys {
		if !take(t, a, k, T0) {
			t.Errorf("first take of %q: refused, want allowed", k)
		}
		if take(t, a, k, T0) {
			t.Errorf("second take of %q: allowed, want refused", k)
		}
		if !take(t, b, k, T0) {
			t.Errorf("first take of %q under another name: refused, want allowed", k)
		}
	}
}

func testUnlimited(t *testing.T, mk hongyan.Limiters) {
	for _, r := range []hongyan.Rate{{}, {N: 0, Per: time.Minute}, {N: 5, Per: 0}} {
		l := mk("test.unlimited", r)
		if got := takes(t, l, "erin", T0, 50); got != 50 {
			t.Errorf("rate %+v: %d of 50 allowed, want all", r, got)
		}
	}
}

func testConcurrent(t *testing.T, mk hongyan.Limiters) {
	l := mk("test.concurrent", hongyan.Rate{N: 5, Per: time.Hour})
	var allowed atomic.Int32
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			ok, err := l.Take(t.Context(), "frank", T0)
			if err != nil {
				errs <- err
			}
			if ok {
				allowed.Add(1)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent Take: %v", err)
	}
	if got := allowed.Load(); got != 5 {
		t.Errorf("20 concurrent takes with a burst of 5: %d allowed, want 5", got)
	}
}
