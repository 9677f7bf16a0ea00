package discovery_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"hongyan/internal/discovery"
	"hongyan/internal/hongyan"
	"hongyan/internal/membus"
	"hongyan/internal/postgres"
	"hongyan/internal/postgres/pgtest"
	"hongyan/internal/sqldb"
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
	// Statistics, as PostgreSQL's autovacuum (and SQLite's optimize) would
	// gather after such a load: without them a fresh table is planned as
	// empty.
	if err := db.Write(ctx, func(t *sqldb.Tx) error {
		_, err := t.Exec(`ANALYZE discovery_spots`)
		return err
	}); err != nil {
		b.Fatal(err)
	}
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
	b.StopTimer()
	// The reads alone (the store's part without the rate-limit count,
	// which is a write and waits for a commit): the levels' cells, the
	// cards of a page.
	st := db.Discovery()
	var reads []time.Duration
	for i := range min(len(took), 2000) {
		u := hongyan.UserID(1 + (i*104729)%n)
		t0 := time.Now()
		sp, err := st.Spot(ctx, u)
		if err != nil {
			b.Fatal(err)
		}
		var page []hongyan.UserID
		for lv, l := range discovery.Levels {
			spots, err := st.Around(ctx, u, discovery.Cover(sp.Point, l.Radius, l.Deg), lv, time.Now().Add(-time.Hour), discovery.GenderAny, 2000)
			if err != nil {
				b.Fatal(err)
			}
			page = page[:0]
			for _, o := range spots {
				if discovery.Distance(sp.Point, o.Point) <= l.Radius {
					page = append(page, o.User)
				}
			}
			if len(page) >= discovery.MaxNearby {
				break
			}
		}
		if _, err := st.Cards(ctx, page[:min(len(page), discovery.MaxNearby)]); err != nil {
			b.Fatal(err)
		}
		reads = append(reads, time.Since(t0))
	}
	q := func(ds []time.Duration, p float64) float64 {
		slices.Sort(ds)
		return float64(ds[int(p*float64(len(ds)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(q(took, 0.5), "p50-ms")
	b.ReportMetric(q(took, 0.99), "p99-ms")
	b.ReportMetric(q(reads, 0.5), "read-p50-ms")
	b.ReportMetric(q(reads, 0.99), "read-p99-ms")
	b.ReportMetric(float64(found)/float64(len(took)), "people/query")
}

// BenchmarkShake: many people shake at once, 32 at a time, each once, on
// both engines; every match must be mutual (no one matched twice) and
// nearly everyone matched (one may be left waiting at the end). Besides
// the rate it reports figures that a busy machine barely moves: the writer
// operations (transactions within the write batches) per shake, the
// batches run again, this process's CPU per shake and, on PostgreSQL, the
// round trips (statements sent) per shake and the CPU of the benchmark's
// server backends when the server runs on this machine; -v lists the
// round trips by statement. Run:
//
//	go test ./internal/discovery/ -run XXX -bench 'Shake' -benchtime 2000x
//	HONGYAN_TEST_POSTGRES=postgres://… go test ./internal/discovery/ -run XXX -bench 'Shake/postgres' -benchtime 2000x -v
func BenchmarkShake(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		db, err := sqlite.Open(b.Context(), b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		benchShake(b, db, nil)
	})
	b.Run("postgres", func(b *testing.B) {
		if os.Getenv("HONGYAN_TEST_POSTGRES") == "" {
			pgtest.Require(b)
		}
		rt := &roundTrips{by: map[string]int{}}
		// The backends of this benchmark's connections are told by their
		// application name, to read the CPU time they take.
		dsn := pgtest.DSN(b)
		rt.app = "hongyan_bench_" + strconv.FormatInt(time.Now().UnixNano(), 36)
		if strings.Contains(dsn, "://") {
			dsn += "&application_name=" + rt.app
		} else {
			dsn += " application_name=" + rt.app
		}
		db, err := postgres.OpenWith(b.Context(), dsn, postgres.Options{OnStatement: rt.statement})
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		benchShake(b, db, rt)
	})
}

// roundTrips counts the statements sent to PostgreSQL (each a round trip:
// the writer's BEGIN and COMMIT, reads, writes, and the preparing of a
// statement on a connection's first use of it), by statement.
type roundTrips struct {
	mu  sync.Mutex
	by  map[string]int
	app string // the connections' application_name
}

// serverCPU returns the CPU time of each backend process of the
// benchmark's connections, by process ID, when the server runs on this
// machine (nil otherwise).
func (r *roundTrips) serverCPU(b *testing.B, db *stores.DB) map[int64]time.Duration {
	rows, err := db.Query(b.Context(), `SELECT pid FROM pg_stat_activity WHERE application_name = $1`, r.app)
	if err != nil {
		b.Logf("server CPU: %v", err)
		return nil
	}
	defer rows.Close()
	out := map[int64]time.Duration{}
	for rows.Next() {
		var pid int64
		if err := rows.Scan(&pid); err != nil {
			return nil
		}
		raw, err := os.ReadFile("/proc/" + strconv.FormatInt(pid, 10) + "/stat")
		if err != nil {
			return nil // not on this machine
		}
		// utime and stime, the 14th and 15th fields, in clock ticks
		// (100 a second), after the command's closing parenthesis.
		f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+1:]))
		if len(f) < 13 {
			return nil
		}
		ut, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		out[pid] = time.Duration(ut+st) * 10 * time.Millisecond
	}
	return out
}

// processCPU is the CPU time this process took so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func (r *roundTrips) count(sql string) {
	k := strings.Join(strings.Fields(sql), " ")
	k = strings.Replace(k, "SELECT user_id, at, lat, lon, located, card, matched_with FROM", "SELECT (a shake) FROM", 1)
	if len(k) > 72 {
		k = k[:72]
	}
	r.mu.Lock()
	r.by[k]++
	r.mu.Unlock()
}

// statement counts a statement or, with prepare, its preparation.
func (r *roundTrips) statement(sql string, prepare bool) {
	if prepare {
		sql = "(prepare) " + sql
	}
	r.count(sql)
}

// take returns the counts since the last take, and forgets them.
func (r *roundTrips) take() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	by := r.by
	r.by = map[string]int{}
	return by
}

func benchShake(b *testing.B, db *stores.DB, rt *roundTrips) {
	ctx := b.Context()
	w := &world{blocks: map[[2]hongyan.UserID]bool{}, genders: map[hongyan.UserID]discovery.Gender{}}
	s := discovery.New(db.Discovery(), w, w, hongyan.Publisher{Bus: membus.New()}, discovery.Config{})
	var next atomic.Int64
	var mu sync.Mutex
	var took []time.Duration
	b.SetParallelism(16) // 32 shakers on 2 cores
	st0 := db.Stats()
	var srv0 map[int64]time.Duration
	if rt != nil {
		srv0 = rt.serverCPU(b, db)
		rt.take()
	}
	cpu0 := processCPU()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			u := hongyan.UserID(next.Add(1))
			t0 := time.Now()
			if _, err := s.Shake(ctx, me(u), &discovery.Point{Lat: shanghai.Lat, Lon: shanghai.Lon}); err != nil {
				b.Error(err)
				return
			}
			d := time.Since(t0)
			mu.Lock()
			took = append(took, d)
			mu.Unlock()
		}
	})
	elapsed := time.Since(start)
	cpu := processCPU() - cpu0
	b.StopTimer()
	st := db.Stats()
	n := int(next.Load())
	if rt != nil {
		by := rt.take()
		total := 0
		keys := make([]string, 0, len(by))
		for k, c := range by {
			total += c
			keys = append(keys, k)
		}
		slices.SortFunc(keys, func(x, y string) int { return by[y] - by[x] })
		var lines strings.Builder
		for _, k := range keys {
			fmt.Fprintf(&lines, "\n%8.3f a shake  %s", float64(by[k])/float64(n), k)
		}
		b.Logf("round trips to PostgreSQL:%s", lines.String())
		b.ReportMetric(float64(total)/float64(n), "round-trips/shake")
		if srv0 != nil {
			var srv time.Duration
			for pid, d := range rt.serverCPU(b, db) {
				srv += d - srv0[pid]
			}
			b.ReportMetric(float64(srv.Microseconds())/float64(n), "server-cpu-µs/shake")
		}
	}
	// This process's CPU: on SQLite the database's too.
	b.ReportMetric(float64(cpu.Microseconds())/float64(n), "cpu-µs/shake")
	partner := make(map[hongyan.UserID]hongyan.UserID, n)
	for u := 1; u <= n; u++ {
		m, err := s.ShakeResult(ctx, me(hongyan.UserID(u)))
		if err != nil {
			b.Fatal(err)
		}
		if m != nil {
			partner[hongyan.UserID(u)] = m.User
		}
	}
	for u, p := range partner {
		if partner[p] != u {
			b.Fatalf("user %d matched %d, who matched %d", u, p, partner[p])
		}
	}
	slices.Sort(took)
	b.ReportMetric(float64(n)/elapsed.Seconds(), "shakes/s")
	b.ReportMetric(float64(n-len(partner)), "unmatched")
	b.Logf("%d shakes: %.0f shakes/s, %d unmatched, none matched twice", n, float64(n)/elapsed.Seconds(), n-len(partner))
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(st.Ops-st0.Ops)/float64(n), "writes/shake")
	b.ReportMetric(float64(n)/float64(st.Batches-st0.Batches), "shakes/batch")
	// Batches run again (a statement that failed or an operation that
	// failed after changing rows sends the batch back to run with a
	// savepoint per operation).
	b.ReportMetric(float64(st.Retries-st0.Retries)/float64(st.Batches-st0.Batches), "reruns/batch")
}
