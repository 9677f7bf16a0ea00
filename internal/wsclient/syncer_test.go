package wsclient

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"hongyan/internal/gen/hongyanv1"
)

// changeLog is a fake server's change log of one user: sync pages of at
// most pageSize, ping answers the head.
type changeLog struct {
	mu       sync.Mutex
	head     int64 // guarded by mu; changes 1..head exist
	pageSize int64
	syncs    int // guarded by mu; sync requests answered
}

func (l *changeLog) append(n int64) {
	l.mu.Lock()
	l.head += n
	l.mu.Unlock()
}

func (l *changeLog) handle(sc *serverConn, f *hongyanv1.ClientFrame) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch r := f.Req.(type) {
	case *hongyanv1.ClientFrame_Sync:
		l.syncs++
		resp := &hongyanv1.SyncResponse{Head: l.head}
		for s := r.Sync.After + 1; s <= l.head; s++ {
			if int64(len(resp.Changes)) == l.pageSize {
				resp.More = true
				break
			}
			resp.Changes = append(resp.Changes, textChange(s))
		}
		sc.send(&hongyanv1.ServerFrame{Id: f.Id, Body: &hongyanv1.ServerFrame_Sync{Sync: resp}})
	case *hongyanv1.ClientFrame_Ping:
		sc.send(pong(f.Id, l.head))
	default:
		sc.send(&hongyanv1.ServerFrame{Id: f.Id, Error: &hongyanv1.Error{Code: "unimplemented", Message: "no"}})
	}
}

func seqs(cs []*hongyanv1.Change) []int64 {
	out := []int64{}
	for _, c := range cs {
		out = append(out, c.GetSeq())
	}
	return out
}

func TestSyncer(t *testing.T) {
	t.Parallel()
	log := &changeLog{head: 7, pageSize: 3}
	fs := newFakeServer(t, log.handle)
	c := dial(t, fs)
	sc := <-fs.conns
	var typing []*hongyanv1.ServerFrame
	s := NewSyncer(c, 2)
	s.Heartbeat = -1
	s.OnPush = func(f *hongyanv1.ServerFrame) { typing = append(typing, f) }

	next := func(want ...int64) {
		t.Helper()
		got, err := s.Next(t.Context())
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		if !slices.Equal(seqs(got), want) {
			t.Fatalf("Next = %v, want %v", seqs(got), want)
		}
		if len(want) > 0 && s.Cursor() != want[len(want)-1] {
			t.Fatalf("Cursor = %d, want %d", s.Cursor(), want[len(want)-1])
		}
	}

	// Catch up page by page.
	next(3, 4, 5)
	if s.Live() {
		t.Errorf("Live after a page with more = true")
	}
	next(6, 7)
	if !s.Live() {
		t.Errorf("not Live after the last page")
	}

	// A live push continuing from the cursor.
	log.append(1)
	sc.send(changesPush(8))
	next(8)

	// A push overlapping what was seen yields only the new part; a typing
	// push in between goes to OnPush.
	sc.send(&hongyanv1.ServerFrame{Body: &hongyanv1.ServerFrame_Typing{Typing: &hongyanv1.TypingPush{Conversation: 1, User: 2}}})
	log.append(1)
	sc.send(changesPush(7, 8, 9))
	next(9)
	if len(typing) != 1 {
		t.Errorf("OnPush got %d frames, want 1", len(typing))
	}

	// A gap: the push of 11 arrives but 10 was never pushed. The Syncer
	// must sync rather than skip 10.
	log.append(2)
	sc.send(changesPush(11))
	next(10, 11)

	// A push with a hole inside: take the prefix, sync for the rest.
	log.append(3)
	sc.send(changesPush(12, 14))
	next(12)
	if s.Live() {
		t.Errorf("Live after a push with a hole")
	}
	next(13, 14)

	// Kicked ends the Syncer.
	sc.send(&hongyanv1.ServerFrame{Body: &hongyanv1.ServerFrame_Kicked{Kicked: &hongyanv1.Kicked{Reason: "signed out"}}})
	if _, err := s.Next(t.Context()); !errors.Is(err, ErrKicked) {
		t.Errorf("Next after kicked = %v, want ErrKicked", err)
	}
}

// TestSyncerHeartbeat checks that a caught-up Syncer that missed a push
// finds the change through its heartbeat ping.
func TestSyncerHeartbeat(t *testing.T) {
	t.Parallel()
	log := &changeLog{head: 1, pageSize: 10}
	fs := newFakeServer(t, log.handle)
	c := dial(t, fs)
	s := NewSyncer(c, 0)
	s.Heartbeat = time.Millisecond
	if got, err := s.Next(t.Context()); err != nil || !slices.Equal(seqs(got), []int64{1}) {
		t.Fatalf("Next = %v, %v, want [1]", seqs(got), err)
	}
	log.append(1) // committed, but its push was lost
	if got, err := s.Next(t.Context()); err != nil || !slices.Equal(seqs(got), []int64{2}) {
		t.Fatalf("Next = %v, %v, want [2]", seqs(got), err)
	}
}

func TestSyncerConnectionEnds(t *testing.T) {
	t.Parallel()
	log := &changeLog{pageSize: 10}
	fs := newFakeServer(t, log.handle)
	c := dial(t, fs)
	sc := <-fs.conns
	s := NewSyncer(c, 0)
	s.Heartbeat = -1
	if got, err := s.Next(t.Context()); err != nil || len(got) != 0 || !s.Live() {
		t.Fatalf("Next on an empty log = %v, %v (live %v), want nothing and live", seqs(got), err, s.Live())
	}
	sc.ws.CloseNow()
	if _, err := s.Next(t.Context()); !errors.Is(err, ErrClosed) {
		t.Errorf("Next after the server closed = %v, want ErrClosed", err)
	}
}

func TestSyncerHeartbeatAdapts(t *testing.T) {
	s := &Syncer{Heartbeat: 30 * time.Second, MaxHeartbeat: 4 * time.Minute}
	var got []time.Duration
	for range 6 {
		got = append(got, s.nextHeartbeat())
		s.quietHeartbeat()
	}
	want := []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute, 4 * time.Minute, 4 * time.Minute}
	if !slices.Equal(got, want) {
		t.Errorf("quiet heartbeats: got %v, want %v", got, want)
	}
	s.quiet = 0 // what a push does
	if d := s.nextHeartbeat(); d != 30*time.Second {
		t.Errorf("after activity: got %v, want 30s", d)
	}
	// A cap below the first heartbeat keeps the first heartbeat.
	s = &Syncer{Heartbeat: time.Minute, MaxHeartbeat: time.Second}
	s.nextHeartbeat()
	s.quietHeartbeat()
	if d := s.nextHeartbeat(); d != time.Minute {
		t.Errorf("cap below the start: got %v, want 1m", d)
	}
}
