package gateway

import (
	"cmp"
	"context"
	"sync"
	"time"
)

// requestTimeout bounds how long one request may take.
const requestTimeout = 90 * time.Second

// reqCtx is a request's context: the connection's, ended also when the
// request is done or requestTimeout after it began. It does what
// context.WithTimeout(c.context(), requestTimeout) did at a fraction of
// the cost, which was 5% of the node's CPU with 1,000 users each sending
// a few messages a second: one allocation instead of about eight, no
// timer of its own (the gateway's sweeper ends the requests of the
// oldest second once a second, so a request may run up to a second past
// its deadline), and no registration through the connection's AfterFunc
// (the connection keeps its requests in a list it ends when it ends).
type reqCtx struct {
	conn     *connCtx
	list     *reqList
	deadline int64 // mono

	mu    sync.Mutex
	done  chan struct{} // made on first use; closed when the request ends
	err   error
	after []*func() // functions to run (each on its own goroutine) at the end

	prev, next   *reqCtx // in list; guarded by list.mu
	listed       bool    // in list; guarded by list.mu
	cprev, cnext *reqCtx // in conn's list; guarded by conn.mu
	clisted      bool    // in conn's list; guarded by conn.mu
}

// newReqCtx begins a request of the connection whose context is conn.
func newReqCtx(conn *connCtx, list *reqList) *reqCtx {
	r := &reqCtx{conn: conn, list: list, deadline: mono() + int64(cmp.Or(list.timeout, requestTimeout))}
	conn.mu.Lock()
	if conn.canceled {
		conn.mu.Unlock()
		r.err, r.done = context.Canceled, closedChan
		return r
	}
	r.cnext, r.clisted = conn.reqs, true
	if conn.reqs != nil {
		conn.reqs.cprev = r
	}
	conn.reqs = r
	conn.mu.Unlock()
	list.add(r)
	return r
}

// end ends the request: it is done.
func (r *reqCtx) end() {
	r.conn.mu.Lock()
	if r.clisted {
		if r.cprev != nil {
			r.cprev.cnext = r.cnext
		} else {
			r.conn.reqs = r.cnext
		}
		if r.cnext != nil {
			r.cnext.cprev = r.cprev
		}
		r.cprev, r.cnext, r.clisted = nil, nil, false
	}
	r.conn.mu.Unlock()
	r.list.remove(r)
	r.cancel(context.Canceled)
}

func (r *reqCtx) Deadline() (time.Time, bool) {
	return epoch.Add(time.Duration(r.deadline - 1)), true
}

func (r *reqCtx) Value(key any) any { return r.conn.Value(key) }

func (r *reqCtx) Done() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done == nil {
		r.done = make(chan struct{})
		if r.err != nil {
			r.done = closedChan
		}
	}
	return r.done
}

func (r *reqCtx) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// AfterFunc arranges for f to run on its own goroutine once r ends,
// unless stop is called first (context.AfterFunc's contract; the context
// package uses it to end contexts derived from r).
func (r *reqCtx) AfterFunc(f func()) (stop func() bool) {
	r.mu.Lock()
	if r.err != nil {
		r.mu.Unlock()
		go f()
		return func() bool { return false }
	}
	p := &f
	r.after = append(r.after, p)
	r.mu.Unlock()
	return func() bool {
		r.mu.Lock()
		defer r.mu.Unlock()
		for i, q := range r.after {
			if q == p {
				r.after = append(r.after[:i], r.after[i+1:]...)
				return true
			}
		}
		return false
	}
}

// cancel ends r with err unless it has ended.
func (r *reqCtx) cancel(err error) {
	r.mu.Lock()
	if r.err != nil {
		r.mu.Unlock()
		return
	}
	r.err = err
	if r.done == nil {
		r.done = closedChan
	} else {
		close(r.done)
	}
	after := r.after
	r.after = nil
	r.mu.Unlock()
	for _, f := range after {
		go (*f)()
	}
}

func (r *reqCtx) String() string { return "gateway.reqCtx" }

// reqList holds the requests in hand on all connections, oldest first
// (they all have the same timeout, so that is also by deadline), and
// ends those past their deadline about once a second.
type reqList struct {
	mu         sync.Mutex
	head, tail *reqCtx
	sweeping   bool // the sweeper goroutine runs
	// every is how often the sweeper looks (0: a second); timeout is a
	// request's (0: requestTimeout). Tests set them.
	every, timeout time.Duration
}

func (l *reqList) add(r *reqCtx) {
	l.mu.Lock()
	r.prev, r.listed = l.tail, true
	if l.tail != nil {
		l.tail.next = r
	} else {
		l.head = r
	}
	l.tail = r
	if !l.sweeping {
		l.sweeping = true
		go l.sweep()
	}
	l.mu.Unlock()
}

func (l *reqList) remove(r *reqCtx) {
	l.mu.Lock()
	l.unlinkLocked(r)
	l.mu.Unlock()
}

func (l *reqList) unlinkLocked(r *reqCtx) {
	if !r.listed {
		return
	}
	if r.prev != nil {
		r.prev.next = r.next
	} else {
		l.head = r.next
	}
	if r.next != nil {
		r.next.prev = r.prev
	} else {
		l.tail = r.prev
	}
	r.prev, r.next, r.listed = nil, nil, false
}

// sweep ends the requests past their deadline, until none is in hand.
func (l *reqList) sweep() {
	every := l.every
	if every == 0 {
		every = time.Second
	}
	t := time.NewTimer(every)
	defer t.Stop()
	for {
		<-t.C
		now := mono()
		var expired []*reqCtx
		l.mu.Lock()
		for l.head != nil && l.head.deadline <= now {
			r := l.head
			l.unlinkLocked(r)
			expired = append(expired, r)
		}
		idle := l.head == nil
		if idle {
			l.sweeping = false
		}
		l.mu.Unlock()
		for _, r := range expired {
			r.cancel(context.DeadlineExceeded)
		}
		if idle {
			return
		}
		t.Reset(every)
	}
}

// cancelRequestsLocked ends the requests of a connection that ends; x.mu
// is held.
func (x *connCtx) cancelRequestsLocked() {
	for r := x.reqs; r != nil; r = r.cnext {
		r.cancel(context.Canceled)
	}
}
