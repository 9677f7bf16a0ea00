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

// BenchmarkForumPage measures reading a page of 20 posts of an account's
// community of posts posts (5 of them pinned), pinned first and newest
// next: the first page, and one from the middle by its cursor. The posts
// are written first, 64 at a time.
func BenchmarkForumPage(b *testing.B, s oa.Store, posts int) {
	ctx := b.Context()
	o, err := s.EnsureOrg(ctx, "Bench", 1, T0)
	if err != nil {
		b.Fatal(err)
	}
	a, err := s.CreateAccount(ctx, oa.Account{Org: o.ID, AppID: "wxbenchforum", OriginalID: "gh_benchforum", Name: "Bench", Kind: oa.KindService, Created: T0}, 1)
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
			for i := range work {
				p, _, err := s.AddPost(ctx, oa.Post{Account: a.ID, Author: hongyan.UserID(1 + i%1000), Text: fmt.Sprintf("post %d", i), Created: T0}, nil)
				if err == nil && i%(posts/5) == 0 {
					err = s.PinPost(ctx, a.ID, p.ID, true)
				}
				if err != nil {
					mu.Lock()
					failed = err
					mu.Unlock()
				}
			}
		}()
	}
	for i := range posts {
		work <- i
	}
	close(work)
	wg.Wait()
	if failed != nil {
		b.Fatalf("AddPost: %v", failed)
	}
	b.Logf("%d posts in %v", posts, time.Since(start).Round(time.Millisecond))
	// The cursor of the middle: the last post of the first half's pages.
	mid := oa.PostPage{Limit: posts / 2}
	ps, err := s.Posts(ctx, a.ID, mid)
	if err != nil || len(ps) != posts/2 {
		b.Fatalf("Posts: %d, %v", len(ps), err)
	}
	mid = oa.PostPage{After: ps[len(ps)-1].ID, AfterPinned: ps[len(ps)-1].Pinned, Limit: 21}
	for _, tc := range []struct {
		name string
		page oa.PostPage
	}{{"first", oa.PostPage{Limit: 21}}, {"middle", mid}} {
		b.Run(tc.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				ps, err := s.Posts(ctx, a.ID, tc.page)
				if err != nil || len(ps) != 21 {
					b.Fatalf("Posts: %d, %v", len(ps), err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pages/s")
		})
	}
}
