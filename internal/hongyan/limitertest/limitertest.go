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
	t.Run("TakeN", func(t *testing.T) { testTakeN(t, open(t)) })
	t.Run("Leased", func(t *testing.T) { testLeased(t, open(t)) })
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

	// Leased quotas: each node takes chunks of 4 of one allowance of 10
	// and spends them locally; alternating, the two nodes get 10 in all
	// (4 + 4 leased, then 1 + 1 as less than a chunk is left), not 20.
	r = hongyan.Rate{N: 10, Per: time.Hour}
	qa, okA := a("test.leased", r).(hongyan.QuotaLimiter)
	qb, okB := b("test.leased", r).(hongyan.QuotaLimiter)
	if !okA || !okB {
		t.Fatalf("a shared limiter is not a hongyan.QuotaLimiter")
	}
	na, nb := hongyan.NewLeased(qa, r, 4), hongyan.NewLeased(qb, r, 4)
	allowed := 0
	for i := range 30 {
		l := na
		if i%2 == 1 {
			l = nb
		}
		if take(t, l, "grace", T0) {
			allowed++
		}
	}
	if allowed != 10 {
		t.Errorf("30 takes alternating between two nodes' leases of 4, allowance 10: %d allowed, want 10", allowed)
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

// quota returns mk's limiter of name and r as a QuotaLimiter, skipping t
// when it is not one.
func quota(t *testing.T, mk hongyan.Limiters, name string, r hongyan.Rate) hongyan.QuotaLimiter {
	t.Helper()
	q, ok := mk(name, r).(hongyan.QuotaLimiter)
	if !ok {
		t.Skip("not a hongyan.QuotaLimiter")
	}
	return q
}

func takeN(t *testing.T, q hongyan.QuotaLimiter, key string, now time.Time, n int) bool {
	t.Helper()
	ok, err := q.TakeN(t.Context(), key, now, n)
	if err != nil {
		t.Fatalf("TakeN(%q, %v, %d): %v", key, now, n, err)
	}
	return ok
}

func testTakeN(t *testing.T, mk hongyan.Limiters) {
	q := quota(t, mk, "test.taken", hongyan.Rate{N: 10, Per: time.Minute}) // one back every 6 s
	if !takeN(t, q, "heidi", T0, 4) || !takeN(t, q, "heidi", T0, 4) {
		t.Fatalf("two chunks of 4 of 10: refused, want allowed")
	}
	// 2 left: a chunk of 4 is refused and takes nothing.
	if takeN(t, q, "heidi", T0, 4) {
		t.Errorf("a chunk of 4 with 2 left: allowed, want refused")
	}
	if got := takes(t, q, "heidi", T0, 3); got != 2 {
		t.Errorf("3 single takes after a refused chunk: %d allowed, want 2 (the refused chunk took nothing)", got)
	}
	// 12 s later, 2 are back: a chunk of 2 but not of 3.
	if takeN(t, q, "heidi", T0.Add(12*time.Second), 3) {
		t.Errorf("a chunk of 3 with 2 back: allowed, want refused")
	}
	if !takeN(t, q, "heidi", T0.Add(12*time.Second), 2) {
		t.Errorf("a chunk of 2 with 2 back: refused, want allowed")
	}
	// More than N at once is never allowed; N is, after a long idle.
	if takeN(t, q, "ivan", T0, 11) {
		t.Errorf("a chunk of 11 with a burst of 10: allowed, want refused")
	}
	if !takeN(t, q, "ivan", T0, 10) {
		t.Errorf("a chunk of 10 with a burst of 10: refused, want allowed")
	}
}

func testLeased(t *testing.T, mk hongyan.Limiters) {
	r := hongyan.Rate{N: 25, Per: time.Minute}
	l := hongyan.NewLeased(quota(t, mk, "test.lease", r), r, 10)
	// One node alone gets exactly the allowance: 10 + 10 leased, then 5
	// one at a time.
	if got := takes(t, l, "judy", T0, 40); got != 25 {
		t.Errorf("40 takes through leases of 10, allowance 25: %d allowed, want 25", got)
	}
	// A refused key is refused here until one action is back (2.4 s).
	if take(t, l, "judy", T0.Add(2*time.Second)) {
		t.Errorf("take 2 s after the allowance ran out: allowed, want refused")
	}
	if !take(t, l, "judy", T0.Add(2400*time.Millisecond)) {
		t.Errorf("take 2.4 s after the allowance ran out: refused, want allowed")
	}
	// Another key has its own allowance.
	if got := takes(t, l, "ken", T0, 30); got != 25 {
		t.Errorf("30 takes of another key: %d allowed, want 25", got)
	}
}
