package load

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/wsclient"
)

// runMoments is w7-moments, over the client protocol:
//
//  1. a reader with 1,000 friends (fewer when --users is smaller) who have
//     posted 50,000 posts in all (Missed sets the number) reads the first
//     page of 20 of their feed again and again (p50/p99 in P50Ms/P99Ms),
//     and then pages through the feed 20 posts at a time (FeedDeepP99Ms);
//  2. a user with --users friends (default 5,000) posts 100 times, one
//     after another: the acknowledgement latency (PostP50Ms/PostP99Ms),
//     and after each acknowledgement 5 random friends read their first
//     page until the post is in it (VisibleP99Ms, from the request; Lost
//     counts posts a friend did not see within 1 s).
func runMoments(ctx context.Context, opt Options) (Result, error) {
	friends := opt.Users
	if friends < 100 {
		friends = 5000
	}
	readerFriends := min(1000, friends)
	posts := opt.Missed
	if posts <= 0 {
		posts = 50_000
	}
	fmt.Fprintf(opt.Log, "w7-moments: registering %d users on %s\n", friends+2, opt.Server)
	ps, err := setupUsers(ctx, opt, friends+2)
	if err != nil {
		return Result{}, err
	}
	defer func() {
		for _, p := range ps {
			p.conn.Close()
		}
	}()
	reader, poster, fs := ps[0], ps[1], ps[2:]
	fmt.Fprintf(opt.Log, "w7-moments: befriending: the reader with %d, the poster with %d\n", readerFriends, len(fs))
	if err := befriendAll(ctx, reader, fs[:readerFriends]); err != nil {
		return Result{}, err
	}
	if err := befriendAll(ctx, poster, fs); err != nil {
		return Result{}, err
	}

	// Phase 1: the reader's friends post.
	fmt.Fprintf(opt.Log, "w7-moments: %d friends post %d posts\n", readerFriends, posts)
	start := time.Now()
	var next atomic.Int64
	if err := parallel(ctx, 64, func(ctx context.Context) error {
		for {
			i := next.Add(1) - 1
			if i >= int64(posts) {
				return nil
			}
			author := fs[int(i)%readerFriends]
			_, err := author.conn.Call(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_MomentPost{MomentPost: &pb.MomentPostRequest{
				Text: fmt.Sprintf("第 %d 条朋友圈：今天天气很好，出去走走", i)}}})
			if err != nil {
				return fmt.Errorf("post %d: %w", i, err)
			}
		}
	}); err != nil {
		return Result{}, err
	}
	fmt.Fprintf(opt.Log, "w7-moments: %d posts in %.1f s (%.0f/s)\n", posts, time.Since(start).Seconds(), float64(posts)/time.Since(start).Seconds())

	feed := func(c *wsclient.Conn, before int64) (*pb.MomentList, error) {
		f, err := c.Call(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_MomentFeed{MomentFeed: &pb.MomentFeedRequest{Before: before, Limit: 20}}})
		return f.GetMoments(), err
	}
	first := &Histogram{}
	reads := 0
	for end := time.Now().Add(opt.Duration); time.Now().Before(end) || reads < 100; reads++ {
		t0 := time.Now()
		l, err := feed(reader.conn, 0)
		if err != nil {
			return Result{}, err
		}
		first.Record(time.Since(t0))
		if len(l.Posts) != 20 {
			return Result{}, fmt.Errorf("the first page holds %d posts, want 20", len(l.Posts))
		}
	}
	deep := &Histogram{}
	seen, before := 0, int64(0)
	for pages := 0; pages < 500; pages++ {
		t0 := time.Now()
		l, err := feed(reader.conn, before)
		if err != nil {
			return Result{}, err
		}
		deep.Record(time.Since(t0))
		seen += len(l.Posts)
		if l.Next == 0 {
			break
		}
		before = l.Next
	}
	fmt.Fprintf(opt.Log, "w7-moments: first page p50 %.2f ms p99 %.2f ms (%d reads); paging: p99 %.2f ms over %d pages (%d posts)\n",
		first.Percentile(50), first.Percentile(99), reads, deep.Percentile(99), deep.Count(), seen)

	// Phase 2: the poster with many friends posts.
	ack, visible := &Histogram{}, &Histogram{}
	var lost int64
	const rounds, sample = 100, 5
	for i := range rounds {
		t0 := time.Now()
		f, err := poster.conn.Call(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_MomentPost{MomentPost: &pb.MomentPostRequest{Text: fmt.Sprintf("大家好 %d", i)}}})
		if err != nil {
			return Result{}, err
		}
		ack.Record(time.Since(t0))
		id := f.GetMoment().GetId()
		for range sample {
			friend := fs[rand.IntN(len(fs))]
			found := false
			for !found && time.Since(t0) < time.Second {
				l, err := feed(friend.conn, 0)
				if err != nil {
					return Result{}, err
				}
				for _, p := range l.Posts {
					found = found || p.Id == id
				}
			}
			if !found {
				lost++
				continue
			}
			visible.Record(time.Since(t0))
		}
	}
	r := Result{
		Workload: "w7-moments", Users: len(ps), Sent: int64(posts + rounds),
		P50Ms: first.Percentile(50), P99Ms: first.Percentile(99), MaxMs: first.Percentile(100),
		FeedReads: reads, FeedDeepP99Ms: deep.Percentile(99), FeedDeepPosts: seen,
		PostFriends: len(fs), PostP50Ms: ack.Percentile(50), PostP99Ms: ack.Percentile(99),
		VisibleP99Ms: visible.Percentile(99), Lost: lost,
	}
	fmt.Fprintf(opt.Log, "w7-moments: posting to %d friends: ack p50 %.2f ms p99 %.2f ms; visible to a friend p99 %.2f ms; not visible within 1 s: %d of %d\n",
		len(fs), r.PostP50Ms, r.PostP99Ms, r.VisibleP99Ms, lost, rounds*sample)
	return r, nil
}

// setupUsers registers n users, each with a connection that said hello.
func setupUsers(ctx context.Context, opt Options, n int) ([]*participant, error) {
	if n%2 == 1 {
		n++
	}
	// setupPairs befriends users in pairs; w7 wants its own friendships
	// on top, which a pair's friendship does not disturb.
	return setupPairs(ctx, opt, n)
}

// befriendAll makes u friends with each of others.
func befriendAll(ctx context.Context, u *participant, others []*participant) error {
	var next atomic.Int64
	return parallel(ctx, 16, func(ctx context.Context) error {
		for {
			i := next.Add(1) - 1
			if i >= int64(len(others)) {
				return nil
			}
			o := others[i]
			if o == u || o.peer == u {
				continue
			}
			f, err := o.conn.Call(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_FriendRequest{FriendRequest: &pb.FriendRequestRequest{User: u.id}}})
			if err != nil {
				return err
			}
			if f.GetFriendRequest().GetState() != pb.RequestState_REQUEST_STATE_ACCEPTED {
				if _, err := u.conn.Call(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_AnswerRequest{AnswerRequest: &pb.AnswerRequest{Request: f.GetFriendRequest().GetId(), Accept: true}}}); err != nil {
					return err
				}
			}
		}
	})
}

// parallel runs fn in n goroutines and returns the first error.
func parallel(ctx context.Context, n int, fn func(ctx context.Context) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(ctx); err != nil {
				once.Do(func() { first = err; cancel() })
			}
		}()
	}
	wg.Wait()
	return first
}
