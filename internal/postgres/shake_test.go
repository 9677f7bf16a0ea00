package postgres_test

import (
	"sync"
	"testing"
	"time"

	"hongyan/internal/discovery"
	"hongyan/internal/hongyan"
	"hongyan/internal/postgres"
	"hongyan/internal/postgres/pgtest"
	"hongyan/internal/sqldb/stores"
)

// TestShakeTwoNodes: shakers on two nodes (two writers on one database)
// take the same waiting shakers and pair with each other at once. A
// candidate another node's open transaction is taking is passed over
// (SKIP LOCKED), a pairing another node's transaction overtook is rolled
// back; no one is matched twice, every stored match is as reported, and
// every waiting shaker is taken.
func TestShakeTwoNodes(t *testing.T) {
	dsn := pgtest.DSN(t)
	var nodes [2]*stores.DB
	for i := range nodes {
		db, err := postgres.Open(t.Context(), dsn)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() { db.Close() })
		nodes[i] = db
	}
	ctx := t.Context()
	t0 := time.Now().Truncate(time.Millisecond)
	const waiting, shakers, pairers = 8, 40, 40
	var cands []hongyan.UserID
	for u := hongyan.UserID(1); u <= waiting; u++ {
		if err := nodes[0].Discovery().AddShake(ctx, discovery.Shake{User: u, At: t0}); err != nil {
			t.Fatalf("AddShake: %v", err)
		}
		cands = append(cands, u)
	}
	// Pairers wait too, then pair among themselves while shakers take
	// the first eight.
	first := hongyan.UserID(1000)
	for u := first; u < first+pairers; u++ {
		if err := nodes[1].Discovery().AddShake(ctx, discovery.Shake{User: u, At: t0}); err != nil {
			t.Fatalf("AddShake: %v", err)
		}
	}
	var mu sync.Mutex
	took := map[hongyan.UserID]hongyan.UserID{} // by whom each was taken
	claim := func(a, b hongyan.UserID) {
		mu.Lock()
		defer mu.Unlock()
		if took[a] != 0 || took[b] != 0 {
			t.Errorf("%d and %d paired, but %d had %d and %d had %d", a, b, a, took[a], b, took[b])
		}
		took[a], took[b] = b, a
	}
	var wg sync.WaitGroup
	for i := range shakers {
		u := hongyan.UserID(100 + i)
		wg.Add(1)
		go func() {
			defer wg.Done()
			o, _, err := nodes[i%2].Discovery().ShakeAndPair(ctx, discovery.Shake{User: u, At: t0}, cands, t0)
			if hongyan.ErrorCode(err) == hongyan.CodeUnavailable {
				return // a write conflict the caller may retry
			}
			if err != nil {
				t.Errorf("ShakeAndPair %d: %v", u, err)
				return
			}
			if o != 0 {
				claim(u, o)
			}
		}()
	}
	for i := range pairers {
		u := first + hongyan.UserID(i)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range pairers {
				o := first + hongyan.UserID((i+1+k)%pairers)
				if o == u {
					continue
				}
				_, ok, _, err := nodes[(i+k)%2].Discovery().Pair(ctx, u, o, t0)
				if hongyan.ErrorCode(err) == hongyan.CodeUnavailable {
					continue // a write conflict the caller may retry
				}
				if err != nil {
					t.Errorf("Pair %d %d: %v", u, o, err)
					return
				}
				if ok {
					claim(u, o)
				}
			}
		}()
	}
	wg.Wait()
	for u := range took {
		sh, err := nodes[0].Discovery().ShakeOf(ctx, u)
		if err != nil {
			t.Fatalf("ShakeOf %d: %v", u, err)
		}
		if sh.Match != took[u] {
			t.Errorf("user %d: stored match %d, reported %d", u, sh.Match, took[u])
		}
	}
	for _, u := range cands {
		if took[u] == 0 {
			t.Errorf("waiting shaker %d was not taken by any of %d shakers", u, shakers)
		}
	}
}
