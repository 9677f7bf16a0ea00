package gateway

import (
	"context"
	"errors"
	"testing"
	"time"
)

// A request's context ends when the request is done, and leaves both
// lists; contexts derived from it end with it.
func TestReqCtxEnd(t *testing.T) {
	var conn connCtx
	var list reqList
	r := newReqCtx(&conn, &list)
	child, stop := context.WithCancel(r)
	defer stop()
	if err := r.Err(); err != nil {
		t.Fatalf("Err before the end: got %v, want nil", err)
	}
	select {
	case <-r.Done():
		t.Fatal("Done closed before the end")
	default:
	}
	if d, ok := r.Deadline(); !ok || time.Until(d) < requestTimeout-time.Minute || time.Until(d) > requestTimeout {
		t.Errorf("Deadline: got %v (%v from now), %v; want about %v from now", d, time.Until(d), ok, requestTimeout)
	}
	r.end()
	<-r.Done()
	if err := r.Err(); !errors.Is(err, context.Canceled) {
		t.Errorf("Err after the end: got %v, want context.Canceled", err)
	}
	<-child.Done() // a derived context ends too
	if conn.reqs != nil || list.head != nil || list.tail != nil {
		t.Errorf("lists after the end: conn %p, head %p, tail %p; want empty", conn.reqs, list.head, list.tail)
	}
}

// The requests in hand end when their connection does; one begun after
// it ended has ended already.
func TestReqCtxConnectionEnds(t *testing.T) {
	var conn connCtx
	var list reqList
	a, b, c := newReqCtx(&conn, &list), newReqCtx(&conn, &list), newReqCtx(&conn, &list)
	b.end() // from the middle of the lists
	done := a.Done()
	conn.cancel()
	<-done
	<-c.Done()
	for i, r := range []*reqCtx{a, c, newReqCtx(&conn, &list)} {
		if err := r.Err(); !errors.Is(err, context.Canceled) {
			t.Errorf("request %d after the connection ended: Err %v, want context.Canceled", i, err)
		}
	}
	a.end()
	c.end()
	if conn.reqs != nil || list.head != nil {
		t.Errorf("lists after the requests ended: conn %p, head %p; want empty", conn.reqs, list.head)
	}
}

// A request in hand past its deadline ends with DeadlineExceeded; one
// begun later does not yet.
func TestReqCtxDeadline(t *testing.T) {
	var conn connCtx
	list := reqList{every: 5 * time.Millisecond, timeout: 20 * time.Millisecond}
	r := newReqCtx(&conn, &list)
	defer r.end()
	<-r.Done()
	if err := r.Err(); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Err: got %v, want context.DeadlineExceeded", err)
	}
	list.timeout = time.Hour
	later := newReqCtx(&conn, &list)
	defer later.end()
	if err := later.Err(); err != nil {
		t.Errorf("a request begun later: Err %v, want nil", err)
	}
}
