package officialaccttest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"hongyan/internal/hongyan"
	oa "hongyan/internal/officialacct"
)

// BenchmarkBroadcast measures a broadcast to every one of followers
// followers: one transaction that stores a message for each and appends
// each one's change-log entry, after which every follower's devices can
// sync it. Following is set up first by followers concurrent follows
// (64 at a time, through the writer's group commit). It reports the
// followers reached per second.
func BenchmarkBroadcast(b *testing.B, s oa.Store, followers int) {
	ctx := b.Context()
	o, err := s.EnsureOrg(ctx, "Bench", 1, T0)
	if err != nil {
		b.Fatal(err)
	}
	a, err := s.CreateAccount(ctx, oa.Account{Org: o.ID, AppID: "wxbench", OriginalID: "gh_bench", Name: "Bench", Kind: oa.KindService, Created: T0}, 1)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	var wg sync.WaitGroup
	work := make(chan int)
	var failed error
	var mu sync.Mutex
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for u := range work {
				_, _, _, err := s.Follow(ctx, a.ID, hongyan.UserID(u), oa.Follow{OpenID: fmt.Sprintf("o%09d", u), UnionID: fmt.Sprintf("u%09d", u), At: T0}, nil)
				if err != nil {
					mu.Lock()
					failed = err
					mu.Unlock()
				}
			}
		}()
	}
	for u := 1; u <= followers; u++ {
		work <- u
	}
	close(work)
	wg.Wait()
	if failed != nil {
		b.Fatalf("Follow: %v", failed)
	}
	b.Logf("%d follows in %v", followers, time.Since(start).Round(time.Millisecond))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		bc, changes, err := s.Broadcast(ctx, oa.Broadcast{Account: a.ID, Target: oa.Target{All: true},
			Content: oa.Content{Kind: oa.ContentText, Text: "news"}, Created: T0.Add(time.Duration(i) * time.Millisecond)}, T0, 1<<30, hongyan.ChangeOAMessage)
		if err != nil {
			b.Fatal(err)
		}
		if bc.Total != followers || len(changes) != followers {
			b.Fatalf("broadcast reached %d (%d changes), want %d", bc.Total, len(changes), followers)
		}
	}
	b.ReportMetric(float64(followers)*float64(b.N)/b.Elapsed().Seconds(), "followers/s")
}
