package discovery_test

import (
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"hongyan/internal/discovery"
	"hongyan/internal/hongyan"
	"hongyan/internal/postgres"
	"hongyan/internal/postgres/pgtest"
	"hongyan/internal/sqldb/stores"
	"hongyan/internal/sqlite"
)

// benchUsers share a location in a 20 km × 20 km square around central
// Shanghai (HONGYAN_BENCH_NEARBY_USERS overrides the number).
const benchUsers = 100_000

// BenchmarkNearby measures a nearby query, the service's whole path
// (the viewer's spot, the rate-limit count, the cells, the distances and
// bands), with many located users, on both engines. Each query is by
// another viewer, so that the one-a-minute limit never refuses.
func BenchmarkNearby(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		db, err := sqlite.Open(b.Context(), b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		benchNearby(b, db)
	})
	b.Run("postgres", func(b *testing.B) {
		if os.Getenv("HONGYAN_TEST_POSTGRES") == "" {
			pgtest.Require(b)
		}
		db, err := postgres.Open(b.Context(), pgtest.DSN(b))
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		benchNearby(b, db)
	})
}

func benchNearby(b *testing.B, db *stores.DB) {
	ctx := b.Context()
	w := &world{blocks: map[[2]hongyan.UserID]bool{}, genders: map[hongyan.UserID]discovery.Gender{}}
	s := discovery.New(db.Discovery(), w, w, hongyan.Publisher{Bus: nil}, discovery.Config{NearbyEvery: time.Millisecond})
	n := benchUsers
	if v, err := strconv.Atoi(os.Getenv("HONGYAN_BENCH_NEARBY_USERS")); err == nil && v > 0 {
		n = v
	}
	r := rand.New(rand.NewPCG(1, 2))
	points := make([]discovery.Point, n+1)
	for u := 1; u <= n; u++ {
		points[u] = discovery.Point{Lat: shanghai.Lat + (r.Float64()-0.5)*0.18, Lon: shanghai.Lon + (r.Float64()-0.5)*0.21}
	}
	start := time.Now()
	var wg sync.WaitGroup
	for k := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for u := 1 + k; u <= n; u += 64 {
				if err := s.SetLocation(ctx, me(hongyan.UserID(u)), points[u]); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.Logf("%d located users set in %v", n, time.Since(start).Round(time.Millisecond))
	var took []time.Duration
	found := 0
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		u := hongyan.UserID(1 + (i*7919)%n)
		t0 := time.Now()
		ps, err := s.Nearby(ctx, me(u), discovery.GenderAny)
		if err != nil {
			b.Fatal(err)
		}
		took = append(took, time.Since(t0))
		found += len(ps)
	}
	slices.Sort(took)
	q := func(p float64) float64 { return float64(took[int(p*float64(len(took)-1))].Microseconds()) / 1000 }
	b.ReportMetric(q(0.5), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(float64(found)/float64(len(took)), "people/query")
}
