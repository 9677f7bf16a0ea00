package limitdb_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"hongyan/internal/hongyan"
	"hongyan/internal/hongyan/limitertest"
	"hongyan/internal/postgres"
	"hongyan/internal/postgres/pgtest"
	"hongyan/internal/sqldb/limitdb"
	"hongyan/internal/sqldb/stores"
	"hongyan/internal/sqlite"
)

// open opens a fresh database on engine.
func open(t testing.TB, engine string) *stores.DB {
	t.Helper()
	var db *stores.DB
	var err error
	if engine == "sqlite" {
		db, err = sqlite.Open(context.Background(), t.TempDir())
	} else {
		db, err = postgres.Open(context.Background(), pgtest.DSN(t))
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestConformance(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			limitertest.Run(t, func(t *testing.T) hongyan.Limiters { return limitdb.New(open(t, engine).DB).Limiters })
			t.Run("Shared", func(t *testing.T) {
				limitertest.RunShared(t, func(t *testing.T) (a, b hongyan.Limiters) {
					if engine == "sqlite" {
						db := open(t, engine)
						return limitdb.New(db.DB).Limiters, limitdb.New(db.DB).Limiters
					}
					// Two nodes: two connection pools on one schema.
					dsn := pgtest.DSN(t)
					var dbs [2]*stores.DB
					for i := range dbs {
						db, err := postgres.Open(context.Background(), dsn)
						if err != nil {
							t.Fatal(err)
						}
						t.Cleanup(func() { db.Close() })
						dbs[i] = db
					}
					return limitdb.New(dbs[0].DB).Limiters, limitdb.New(dbs[1].DB).Limiters
				})
			})
		})
	}
}

func TestPrune(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			s := limitdb.New(open(t, engine).DB)
			r := hongyan.Rate{N: 2, Per: time.Minute}
			l := s.Limiters("test.prune", r)
			t0 := limitertest.T0
			for _, k := range []string{"a", "b"} {
				l.Take(t.Context(), k, t0)
				l.Take(t.Context(), k, t0)
			}
			l.Take(t.Context(), "c", t0.Add(time.Minute))
			l.Take(t.Context(), "c", t0.Add(time.Minute))
			// At t0+1m, a and b are full again; c is not.
			n, err := s.Prune(t.Context(), t0.Add(time.Minute+time.Millisecond))
			if err != nil || n != 2 {
				t.Fatalf("Prune: got %d, %v; want 2 rows", n, err)
			}
			if ok, _ := l.Take(t.Context(), "a", t0.Add(time.Minute)); !ok {
				t.Errorf("take of a pruned key: refused, want allowed")
			}
			if ok, _ := l.Take(t.Context(), "c", t0.Add(time.Minute)); ok {
				t.Errorf("take of c, not pruned, at its limit: allowed, want refused")
			}
		})
	}
}

// BenchmarkTake: one check of a shared limit (one UPSERT through the
// node's writer), one at a time and 16 at once, over 1,000 keys, on each
// engine; "memory" is hongyan.Limiter for comparison.
//
//	HONGYAN_TEST_POSTGRES=… go test ./internal/sqldb/limitdb -run '^$' -bench Take -benchtime 2s
func BenchmarkTake(b *testing.B) {
	for _, engine := range []string{"memory", "sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			r := hongyan.Rate{N: 1_000_000, Per: time.Second} // never reached
			var l hongyan.RateLimiter = hongyan.NewLimiter(r)
			if engine != "memory" {
				l = limitdb.New(open(b, engine).DB).Limiters("bench", r)
			}
			keys := make([]string, 1000)
			for i := range keys {
				keys[i] = fmt.Sprint("user:", i)
			}
			b.Run("serial", func(b *testing.B) {
				i := 0
				for b.Loop() {
					i++
					if ok, err := l.Take(b.Context(), keys[i%len(keys)], time.Now()); err != nil || !ok {
						b.Fatalf("Take: %v, %v", ok, err)
					}
				}
			})
			b.Run("parallel16", func(b *testing.B) {
				b.SetParallelism(8) // 8 × GOMAXPROCS(2) = 16 at once
				var n atomic.Int64
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						i := n.Add(1)
						if ok, err := l.Take(context.Background(), keys[i%int64(len(keys))], time.Now()); err != nil || !ok {
							b.Errorf("Take: %v, %v", ok, err)
							return
						}
					}
				})
			})
		})
	}
}

// BenchmarkLeased: one check of a shared limit through leased quotas of
// hongyan.DefaultLeaseChunk (a store round trip per 10 actions of a key),
// over 100 keys, on each engine.
//
//	HONGYAN_TEST_POSTGRES=… go test ./internal/sqldb/limitdb -run '^$' -bench Leased -benchtime 2s
func BenchmarkLeased(b *testing.B) {
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			r := hongyan.Rate{N: 1_000_000, Per: time.Second} // never reached
			l := hongyan.Lease(limitdb.New(open(b, engine).DB).Limiters("bench", r), r)
			keys := make([]string, 100)
			for i := range keys {
				keys[i] = fmt.Sprint("user:", i)
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				if ok, err := l.Take(b.Context(), keys[i%len(keys)], time.Now()); err != nil || !ok {
					b.Fatalf("Take: %v, %v", ok, err)
				}
			}
		})
	}
}
