package discovery

import (
	"context"
	"sync"
	"time"

	"hongyan/internal/hongyan"
)

// waitingReads shares the reads of who waits to shake among the shakes of
// a node that ask at once, as the writer shares commits: requests queue
// while a read runs, and the next read serves all of them. That read
// starts after each of them was queued, so it sees every shake committed
// before its caller asked, as a read of the caller's own would: the
// second look of Shake (after its caller's shake is committed) relies on
// it. Under load most shakes then share a read instead of making one.
type waitingReads struct {
	store Shakes
	mu    sync.Mutex
	queue []*waitingRead
	busy  bool // a goroutine is reading for the queue
	// joined, when set (tests), is called with the number of requests a
	// read serves, before it starts.
	joined func(n int)
}

type waitingRead struct {
	since time.Time
	done  chan struct{}
	rows  []Shake
	full  bool
	err   error
}

// read returns up to maxShakers waiting shakes other than user's made at
// or after since, oldest first, and whether more may wait beyond them.
func (w *waitingReads) read(ctx context.Context, user hongyan.UserID, since time.Time) ([]Shake, bool, error) {
	r := &waitingRead{since: since, done: make(chan struct{})}
	w.mu.Lock()
	w.queue = append(w.queue, r)
	if !w.busy {
		w.busy = true
		go w.run(context.WithoutCancel(ctx))
	}
	w.mu.Unlock()
	select {
	case <-r.done:
	case <-ctx.Done():
		return nil, false, ctx.Err()
	}
	if r.err != nil {
		return nil, false, r.err
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

// run reads for the queued requests until none is left.
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
		since := reqs[0].since
		for _, r := range reqs[1:] {
			if r.since.Before(since) {
				since = r.since
			}
		}
		// One more than a page: a caller's own shake may be among them.
		const limit = maxShakers + 1
		rows, err := w.store.Shakers(ctx, 0, since, limit)
		for _, r := range reqs {
			r.rows, r.full, r.err = rows, len(rows) == limit, err
			close(r.done)
		}
	}
}
