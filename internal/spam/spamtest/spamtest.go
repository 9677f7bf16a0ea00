// Package spamtest is the conformance suite of spam.Counters: every
// storage engine runs it.
package spamtest

import (
	"sync"
	"testing"
	"time"

	"hongyan/internal/spam"
)

// Run runs the suite; open returns a fresh, empty store for each test.
func Run(t *testing.T, open func(t *testing.T) spam.Counters) {
	t.Run("Add", func(t *testing.T) { testAdd(t, open(t)) })
	t.Run("ConcurrentAdd", func(t *testing.T) { testConcurrentAdd(t, open(t)) })
	t.Run("Prune", func(t *testing.T) { testPrune(t, open(t)) })
	t.Run("AddOnce", func(t *testing.T) { testAddOnce(t, open(t)) })
}

var w0 = time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)

func testAdd(t *testing.T, s spam.Counters) {
	ctx := t.Context()
	for i, want := range []int64{1, 3, 4} {
		n := int64(1)
		if i == 1 {
			n = 2
		}
		got, err := s.Add(ctx, "req:7", w0, n)
		if err != nil || got != want {
			t.Fatalf("Add #%d: got %d, %v; want %d", i, got, err, want)
		}
	}
	if got, _ := s.Add(ctx, "req:7", w0.Add(time.Hour), 1); got != 1 {
		t.Errorf("the next window: got %d, want 1 (counted afresh)", got)
	}
	if got, _ := s.Add(ctx, "req:8", w0, 1); got != 1 {
		t.Errorf("another key: got %d, want 1", got)
	}
}

// Adds from many goroutines (as from many nodes) all count.
func testConcurrentAdd(t *testing.T, s spam.Counters) {
	ctx := t.Context()
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.Add(ctx, "same:1:ab", w0, 1); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if got, _ := s.Add(ctx, "same:1:ab", w0, 0); got != 20 {
		t.Errorf("after 20 concurrent adds: got %d, want 20", got)
	}
}

func testPrune(t *testing.T, s spam.Counters) {
	ctx := t.Context()
	for i := range 3 {
		if _, err := s.Add(ctx, "join:1", w0.Add(time.Duration(i)*time.Hour), 5); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.PruneCounters(ctx, w0.Add(2*time.Hour), 1)
	if err != nil || n != 1 {
		t.Fatalf("PruneCounters limit 1: got %d, %v; want 1", n, err)
	}
	if n, _ := s.PruneCounters(ctx, w0.Add(2*time.Hour), 10); n != 1 {
		t.Errorf("PruneCounters again: got %d, want 1", n)
	}
	if got, _ := s.Add(ctx, "join:1", w0, 1); got != 1 {
		t.Errorf("a pruned window: got %d, want 1 (gone)", got)
	}
	if got, _ := s.Add(ctx, "join:1", w0.Add(2*time.Hour), 0); got != 5 {
		t.Errorf("the kept window: got %d, want 5", got)
	}
}

// AddOnce counts each member once per window, concurrently too.
func testAddOnce(t *testing.T, s spam.Counters) {
	ctx := t.Context()
	var wg sync.WaitGroup
	for i := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.AddOnce(ctx, "same:1:ab", []string{"u:1", "u:2", "g:3"}[i%3], w0); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if got, err := s.AddOnce(ctx, "same:1:ab", "u:1", w0); err != nil || got != 3 {
		t.Errorf("after 12 adds of 3 members: got %d, %v; want 3", got, err)
	}
	if got, _ := s.AddOnce(ctx, "same:1:ab", "u:4", w0); got != 4 {
		t.Errorf("a new member: got %d, want 4", got)
	}
	if got, _ := s.AddOnce(ctx, "same:1:ab", "u:1", w0.Add(time.Hour)); got != 1 {
		t.Errorf("the next window: got %d, want 1", got)
	}
}
