package discovery

import (
	"context"
	"slices"
	"sync"
	"time"

	"hongyan/internal/hongyan"
)

// waitingReads shares the reads of shakes among the shakes of a node that
// ask at once, as the writer shares commits: requests queue while a read
// runs, and the next round of reads serves all of them, one read of who
// waits for those asking that and one read of the shakes of the users
// asked about. A round starts after each of its requests was queued, so
// it sees every shake committed before its caller asked, as a read of the
// caller's own would: the second look of Shake (after its caller's shake
// is committed) relies on it. Under load most shakes then share reads
// instead of making their own.
type waitingReads struct {
	store Shakes
	mu    sync.Mutex
	queue []*waitingRead
	busy  bool // a goroutine is reading for the queue
	// joined, when set (tests), is called with the number of requests a
	// round serves, before it starts.
	joined func(n int)
}

// waitingRead is a request: of who waits since since, or (user not 0) of
// user's shake.
type waitingRead struct {
	since time.Time
	user  hongyan.UserID
	done  chan struct{}
	rows  []Shake
	full  bool
	err   error
}

// ask queues r and waits for the round that serves it.
func (w *waitingReads) ask(ctx context.Context, r *waitingRead) error {
	r.done = make(chan struct{})
	w.mu.Lock()
	w.queue = append(w.queue, r)
	if !w.busy {
		w.busy = true
		go w.run(context.WithoutCancel(ctx))
	}
	w.mu.Unlock()
	select {
	case <-r.done:
		return r.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// read returns up to maxShakers waiting shakes other than user's made at
// or after since, oldest first, and whether more may wait beyond them.
func (w *waitingReads) read(ctx context.Context, user hongyan.UserID, since time.Time) ([]Shake, bool, error) {
	r := &waitingRead{since: since}
	if err := w.ask(ctx, r); err != nil {
		return nil, false, err
	}
	out := make([]Shake, 0, min(len(r.rows), maxShakers))
	for _, sh := range r.rows {
		if len(out) == maxShakers {
			return out, true, nil
		}
		if sh.User != user && !sh.At.Before(since) {
			out = append(out, sh)
		}
	}
	return out, r.full, nil
}

// shakeOf returns user's latest shake, as Store.ShakeOf does.
func (w *waitingReads) shakeOf(ctx context.Context, user hongyan.UserID) (Shake, error) {
	r := &waitingRead{user: user}
	if err := w.ask(ctx, r); err != nil {
		return Shake{}, err
	}
	for _, sh := range r.rows {
		if sh.User == user {
			return sh, nil
		}
	}
	return Shake{}, hongyan.Errorf(hongyan.CodeNotFound, "no shake")
}

// maxShakesOf bounds the users of one read of their shakes.
const maxShakesOf = 256

// run serves the queued requests, a round at a time, until none is left.
func (w *waitingReads) run(ctx context.Context) {
	for {
		w.mu.Lock()
		reqs := w.queue
		w.queue = nil
		if len(reqs) == 0 {
			w.busy = false
			w.mu.Unlock()
			return
		}
		w.mu.Unlock()
		if w.joined != nil {
			w.joined(len(reqs))
		}
		var waiting, of []*waitingRead
		var since time.Time
		var users []hongyan.UserID
		seen := map[hongyan.UserID]bool{}
		for _, r := range reqs {
			if r.user != 0 {
				of = append(of, r)
				if !seen[r.user] {
					seen[r.user] = true
					users = append(users, r.user)
				}
				continue
			}
			if len(waiting) == 0 || r.since.Before(since) {
				since = r.since
			}
			waiting = append(waiting, r)
		}
		var wg sync.WaitGroup
		if len(waiting) > 0 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// One more than a page: a caller's own shake may be
				// among them.
				const limit = maxShakers + 1
				rows, err := w.store.Shakers(ctx, 0, since, limit)
				for _, r := range waiting {
					r.rows, r.full, r.err = rows, len(rows) == limit, err
				}
			}()
		}
		for len(users) > 0 {
			part := users[:min(len(users), maxShakesOf)]
			users = users[len(part):]
			rows, err := w.store.ShakesOf(ctx, part)
			for _, r := range of {
				if slices.Contains(part, r.user) {
					r.rows, r.err = rows, err
				}
			}
		}
		wg.Wait()
		for _, r := range reqs {
			close(r.done)
		}
	}
}
