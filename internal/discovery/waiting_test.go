package discovery

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"hongyan/internal/hongyan"
)

// readsStore answers Shakers with the n-th of its pages on the n-th read;
// the first read waits for release.
type readsStore struct {
	Shakes
	mu      sync.Mutex
	pages   [][]Shake
	calls   int
	started chan struct{}
	release chan struct{}
}

func (s *readsStore) Shakers(_ context.Context, user hongyan.UserID, _ time.Time, _ int) ([]Shake, error) {
	s.mu.Lock()
	n := s.calls
	s.calls++
	s.mu.Unlock()
	if n == 0 {
		close(s.started)
		<-s.release
	}
	return s.pages[min(n, len(s.pages)-1)], nil
}

// TestWaitingReadsShared: requests made while a read runs are served
// together by the next read, never by the one running (it may have
// started before they were made); each gets the page without its own
// shake and without shakes older than its since.
func TestWaitingReadsShared(t *testing.T) {
	t0 := time.Unix(1_800_000_000, 0)
	st := &readsStore{
		pages: [][]Shake{
			{{User: 1, At: t0}},
			{{User: 2, At: t0}, {User: 3, At: t0.Add(time.Second)}, {User: 4, At: t0.Add(2 * time.Second)}},
		},
		started: make(chan struct{}), release: make(chan struct{}),
	}
	var joined []int
	w := &waitingReads{store: st, joined: func(n int) { joined = append(joined, n) }}
	ctx := t.Context()
	first := make(chan []Shake, 1)
	go func() {
		rows, _, err := w.read(ctx, 9, t0)
		if err != nil {
			t.Errorf("read: %v", err)
		}
		first <- rows
	}()
	<-st.started
	type result struct {
		user hongyan.UserID
		rows []hongyan.UserID
	}
	results := make(chan result, 3)
	for _, u := range []hongyan.UserID{2, 3, 4} {
		go func() {
			rows, full, err := w.read(ctx, u, t0.Add(time.Second))
			if err != nil || full {
				t.Errorf("read %d: full %v, %v", u, full, err)
			}
			var users []hongyan.UserID
			for _, r := range rows {
				users = append(users, r.User)
			}
			results <- result{u, users}
		}()
	}
	// The three are queued while the first read runs.
	for {
		w.mu.Lock()
		n := len(w.queue)
		w.mu.Unlock()
		if n == 3 {
			break
		}
		runtime.Gosched()
	}
	close(st.release)
	if got := <-first; len(got) != 1 || got[0].User != 1 {
		t.Errorf("first read: got %+v, want user 1's shake", got)
	}
	want := map[hongyan.UserID][]hongyan.UserID{2: {3, 4}, 3: {4}, 4: {3}}
	for range 3 {
		r := <-results
		if !slices.Equal(r.rows, want[r.user]) {
			t.Errorf("read of %d: got %v, want %v (from the second read, without its own and older shakes)", r.user, r.rows, want[r.user])
		}
	}
	if st.calls != 2 || !slices.Equal(joined, []int{1, 3}) {
		t.Errorf("reads: got %d serving %v, want 2 serving [1 3]", st.calls, joined)
	}
}

// ofStore answers ShakesOf with the shakes it has of the users asked,
// counting the reads; the first read waits for release.
type ofStore struct {
	Shakes
	mu      sync.Mutex
	shakes  map[hongyan.UserID]Shake
	asked   [][]hongyan.UserID
	started chan struct{}
	release chan struct{}
}

func (s *ofStore) ShakesOf(_ context.Context, users []hongyan.UserID) ([]Shake, error) {
	s.mu.Lock()
	s.asked = append(s.asked, slices.Clone(users))
	first := len(s.asked) == 1
	s.mu.Unlock()
	if first {
		close(s.started)
		<-s.release
	}
	var out []Shake
	for _, u := range users {
		if sh, ok := s.shakes[u]; ok {
			out = append(out, sh)
		}
	}
	return out, nil
}

// TestShakeOfShared: the shakes asked for during a read are read together
// by the next read, each user once; a user without a shake is not found.
func TestShakeOfShared(t *testing.T) {
	st := &ofStore{shakes: map[hongyan.UserID]Shake{1: {User: 1, Match: 2}, 2: {User: 2, Match: 1}, 3: {User: 3}},
		started: make(chan struct{}), release: make(chan struct{})}
	w := &waitingReads{store: st}
	ctx := t.Context()
	done := make(chan error, 1)
	go func() {
		sh, err := w.shakeOf(ctx, 1)
		if err == nil && sh.Match != 2 {
			err = fmt.Errorf("got %+v, want 1's shake", sh)
		}
		done <- err
	}()
	<-st.started
	users := []hongyan.UserID{2, 3, 3, 4}
	errs := make(chan error, len(users))
	for _, u := range users {
		go func() {
			sh, err := w.shakeOf(ctx, u)
			switch {
			case u == 4 && hongyan.ErrorCode(err) != hongyan.CodeNotFound:
				err = fmt.Errorf("shakeOf 4: got %+v, %v; want not found", sh, err)
			case u != 4 && (err != nil || sh.User != u):
				err = fmt.Errorf("shakeOf %d: got %+v, %v", u, sh, err)
			default:
				err = nil
			}
			errs <- err
		}()
	}
	for {
		w.mu.Lock()
		n := len(w.queue)
		w.mu.Unlock()
		if n == len(users) {
			break
		}
		runtime.Gosched()
	}
	close(st.release)
	if err := <-done; err != nil {
		t.Error(err)
	}
	for range users {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if len(st.asked) != 2 || !slices.Equal(st.asked[0], []hongyan.UserID{1}) || len(st.asked[1]) != 3 {
		t.Errorf("reads: got %v, want [1] then 2, 3 and 4 in one read", st.asked)
	}
}
