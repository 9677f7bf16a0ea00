package hongyan

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	l := NewLimiter(Rate{N: 3, Per: time.Minute})
	t0 := time.Unix(1000, 0)
	for i := range 3 {
		if !l.Allow("a", t0) {
			t.Fatalf("attempt %d: got refused, want allowed", i+1)
		}
	}
	if l.Allow("a", t0) {
		t.Fatalf("4th attempt in a burst of 3: got allowed, want refused")
	}
	if !l.Allow("b", t0) {
		t.Fatalf("another key: got refused, want allowed")
	}
	if !l.Allow("a", t0.Add(20*time.Second)) {
		t.Fatalf("after one refill interval: got refused, want allowed")
	}
	if l.Allow("a", t0.Add(21*time.Second)) {
		t.Fatalf("one second later: got allowed, want refused")
	}
	var unlimited *Limiter
	if !unlimited.Allow("x", t0) || !NewLimiter(Rate{}).Allow("x", t0) {
		t.Fatalf("zero limiter: got refused, want allowed")
	}
}

// TestLimiterMemoryBounded: keys chosen by a client (long and all
// different) cost the limiter no more than its budget.
func TestLimiterMemoryBounded(t *testing.T) {
	l := NewLimiter(Rate{N: 3, Per: 10 * time.Minute})
	t0 := time.Unix(1000, 0)
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	const n, size = 400, 256 << 10 // 100 MiB of keys
	for i := range n {
		key := strconv.Itoa(i) + strings.Repeat("x", size)
		if !l.Allow(key, t0) {
			t.Fatalf("key %d: got refused, want allowed", i)
		}
	}
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); grew > 8<<20 {
		t.Errorf("the heap grew by %d MiB after %d keys of %d KiB; want at most 8 MiB", grew>>20, n, size>>10)
	}
	// A long key is still limited (by its hash).
	long := strings.Repeat("y", 1<<20)
	for range 3 {
		l.Allow(long, t0)
	}
	if l.Allow(long, t0) {
		t.Errorf("4th attempt with a 1 MiB key: got allowed, want refused")
	}
	runtime.KeepAlive(l)
}

// TestLimiterBudget: past its budget the limiter forgets refilled buckets
// first and stays within its budget.
func TestLimiterBudget(t *testing.T) {
	const budget = 64 << 10
	l := NewLimiterSize(Rate{N: 2, Per: time.Minute}, budget)
	t0 := time.Unix(1000, 0)
	// "hot" is drained now; thousands of other keys arrive a minute later,
	// when hot has refilled and may be forgotten, then hot again.
	l.Allow("hot", t0)
	l.Allow("hot", t0)
	if l.Allow("hot", t0) {
		t.Fatalf("3rd attempt in a burst of 2: got allowed, want refused")
	}
	for i := range 10000 {
		l.Allow(fmt.Sprintf("key-%06d", i), t0.Add(time.Minute))
		if _, b := l.Size(); b > budget {
			t.Fatalf("after %d keys: %d bytes, want at most %d", i+1, b, budget)
		}
	}
	n, b := l.Size()
	if n == 0 || b < budget/2 {
		t.Errorf("got %d buckets in %d bytes; want the budget (%d) mostly in use", n, b, budget)
	}
	// Keys still in hand keep their state: the last key is drained by one.
	last := "key-009999"
	l.Allow(last, t0.Add(time.Minute))
	if l.Allow(last, t0.Add(time.Minute)) {
		t.Errorf("%s: 3rd attempt in a burst of 2: got allowed, want refused", last)
	}
}
