package node

import (
	"context"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"hongyan/internal/group"
	"hongyan/internal/hongyan"
	"hongyan/internal/livecode"
	"hongyan/internal/membus"
	"hongyan/internal/postgres"
	"hongyan/internal/postgres/pgtest"
	"hongyan/internal/sqldb/stores"
	"hongyan/internal/sqlite"
)

// anyone lets every user message every other (the benchmark's people are
// all contacts of the owner's).
type anyone struct{}

func (anyone) CanMessage(context.Context, hongyan.UserID, hongyan.UserID) error { return nil }

func caller(u hongyan.UserID) hongyan.Caller { return hongyan.Caller{User: u} }

// BenchmarkLiveCodeScans routes b.N people who scan one live code, 64 at
// a time, into groups of 500 through the real group feature (its
// compare-and-set on the member count) as the node wires it, on both
// engines; afterwards it
// checks that no group went over 500 and everyone is in the group their
// scan named. Run with -benchtime 1000x for the 1,000 scanners.
func BenchmarkLiveCodeScans(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		db, err := sqlite.Open(b.Context(), b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		benchScans(b, db)
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
		benchScans(b, db)
	})
}

func benchScans(b *testing.B, db *stores.DB) {
	ctx := b.Context()
	groups := group.New(db.Groups(), anyone{}, nil, hongyan.Publisher{Bus: membus.New()}, group.Config{MaxMembers: 500, AcceptAbove: 500, QRTTL: time.Hour})
	cfg := livecode.DefaultConfig()
	cfg.ScanRate = hongyan.Rate{} // each person scans once; the limit is not what is measured
	s := livecode.New(db.LiveCodes(), liveCodeGroups{groups}, cfg)
	tmpl, err := groups.Create(ctx, caller(1), "开学群", []hongyan.UserID{2, 3})
	if err != nil {
		b.Fatal(err)
	}
	code, err := s.Create(ctx, caller(1), "开学群", tmpl.ID, 500)
	if err != nil {
		b.Fatal(err)
	}
	n := b.N
	took := make([]time.Duration, n)
	placed := make([]hongyan.ConversationID, n)
	next := make(chan int)
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				t0 := time.Now()
				g, err := s.Scan(ctx, caller(hongyan.UserID(1000+i)), code.Token)
				if err != nil {
					b.Errorf("scan %d: %v", i, err)
				}
				took[i], placed[i] = time.Since(t0), g
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()

	v, err := s.Get(ctx, caller(1), code.ID)
	if err != nil {
		b.Fatal(err)
	}
	in := map[hongyan.ConversationID]map[hongyan.UserID]bool{}
	over := 0
	for _, sl := range v.Slots {
		ms, err := groups.Members(ctx, caller(1), sl.Group)
		if err != nil {
			b.Fatal(err)
		}
		if len(ms) > 500 {
			over++
			b.Errorf("group %d holds %d members, over 500", sl.Group, len(ms))
		}
		in[sl.Group] = map[hongyan.UserID]bool{}
		for _, m := range ms {
			in[sl.Group][m.User] = true
		}
	}
	for i, g := range placed {
		if !in[g][hongyan.UserID(1000+i)] {
			b.Errorf("scanner %d: placed in group %d but not a member of it", i, g)
		}
	}
	if v.Stats.Scans != n {
		b.Errorf("scans counted: got %d, want %d", v.Stats.Scans, n)
	}
	slices.Sort(took)
	b.ReportMetric(float64(n)/elapsed.Seconds(), "scans/s")
	b.ReportMetric(float64(took[n/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(took[n*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(len(v.Slots)), "groups")
	b.ReportMetric(float64(over), "over-limit")
}
