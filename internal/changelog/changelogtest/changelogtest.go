// Package changelogtest is the conformance suite of changelog.Store: every
// storage engine runs it.
package changelogtest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"hongyan/internal/changelog"
	"hongyan/internal/hongyan"
)

// Log is a change log under test: the Store port, plus a way to append
// entries as features do alongside their writes.
type Log interface {
	changelog.Store
	// Append appends changes in one durable transaction and returns them
	// with Seq assigned.
	Append(ctx context.Context, changes []hongyan.Change) ([]hongyan.Change, error)
}

// Run runs the suite; open returns a fresh, empty log for each test.
func Run(t *testing.T, open func(t *testing.T) Log) {
	t.Run("Empty", func(t *testing.T) { testEmpty(t, open(t)) })
	t.Run("AppendAssignsSeq", func(t *testing.T) { testAppendAssignsSeq(t, open(t)) })
	t.Run("After", func(t *testing.T) { testAfter(t, open(t)) })
	t.Run("ConcurrentGapless", func(t *testing.T) { testConcurrentGapless(t, open(t)) })
	t.Run("BadInput", func(t *testing.T) { testBadInput(t, open(t)) })
	t.Run("PruneBefore", func(t *testing.T) { testPruneBefore(t, open(t)) })
}

// testPruneBefore: pruning deletes each user's entries created before a
// time, in steps of a few users, and keeps every head.
func testPruneBefore(t *testing.T, l Log) {
	ctx := t.Context()
	var batch []hongyan.Change
	for u := hongyan.UserID(1); u <= 3; u++ {
		for range 4 {
			batch = append(batch, hongyan.Change{User: u, Kind: hongyan.ChangeProfile})
		}
	}
	if _, err := l.Append(ctx, batch); err != nil {
		t.Fatal(err)
	}
	if n, more, err := l.PruneBefore(ctx, time.Now().Add(-time.Hour), 10); err != nil || n != 0 || more {
		t.Fatalf("PruneBefore an hour ago: got %d, %v, %v; want nothing pruned", n, more, err)
	}
	deleted := 0
	for steps := 1; ; steps++ {
		n, more, err := l.PruneBefore(ctx, time.Now().Add(time.Hour), 2)
		if err != nil {
			t.Fatal(err)
		}
		deleted += n
		if !more {
			break
		}
		if steps > 3 {
			t.Fatalf("PruneBefore in steps of 2 users: still more after %d steps", steps)
		}
	}
	if deleted != 12 {
		t.Errorf("PruneBefore: deleted %d entries, want 12", deleted)
	}
	for u := hongyan.UserID(1); u <= 3; u++ {
		head, err := l.Head(ctx, u)
		if err != nil || head != 4 {
			t.Errorf("head of user %d after pruning: got %d, %v; want 4", u, head, err)
		}
		if got, err := l.After(ctx, u, 0, 10); err != nil || len(got) != 0 {
			t.Errorf("entries of user %d after pruning: got %v, %v; want none", u, got, err)
		}
	}
	// The log goes on from its head.
	next, err := l.Append(ctx, []hongyan.Change{{User: 2, Kind: hongyan.ChangeProfile}})
	if err != nil || next[0].Seq != 5 {
		t.Fatalf("append after pruning: got %v, %v; want seq 5", next, err)
	}
}

func testEmpty(t *testing.T, l Log) {
	ctx := t.Context()
	head, err := l.Head(ctx, 1)
	if err != nil || head != 0 {
		t.Fatalf("Head of a new user: got %d, %v, want 0, nil", head, err)
	}
	got, err := l.After(ctx, 1, 0, 10)
	if err != nil || len(got) != 0 {
		t.Fatalf("After of a new user: got %v, %v, want none", got, err)
	}
}

func testAppendAssignsSeq(t *testing.T, l Log) {
	ctx := t.Context()
	in := []hongyan.Change{
		{User: 1, Kind: hongyan.ChangeMessage, Conversation: 7, Ref: 1, Data: []byte("x")},
		{User: 2, Kind: hongyan.ChangeMessage, Conversation: 7, Ref: 1},
		{User: 1, Kind: hongyan.ChangeContact, Ref: 2},
	}
	got, err := l.Append(ctx, in)
	if err != nil {
		t.Fatalf("Append: %v", err)
	}
	want := []hongyan.Change{
		{User: 1, Seq: 1, Kind: hongyan.ChangeMessage, Conversation: 7, Ref: 1, Data: []byte("x")},
		{User: 2, Seq: 1, Kind: hongyan.ChangeMessage, Conversation: 7, Ref: 1},
		{User: 1, Seq: 2, Kind: hongyan.ChangeContact, Ref: 2},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("Append returned (-want +got):\n%s", diff)
	}
	if in[0].Seq != 0 {
		t.Errorf("Append modified its input: in[0].Seq = %d, want 0", in[0].Seq)
	}
	got, err = l.Append(ctx, []hongyan.Change{{User: 2, Kind: hongyan.ChangeProfile}})
	if err != nil {
		t.Fatalf("Append: %v", err)
	}
	if len(got) != 1 || got[0].Seq != 2 {
		t.Fatalf("second Append for user 2: got %+v, want Seq 2", got)
	}
	for user, want := range map[hongyan.UserID]int64{1: 2, 2: 2, 3: 0} {
		head, err := l.Head(ctx, user)
		if err != nil || head != want {
			t.Errorf("Head(%d): got %d, %v, want %d, nil", user, head, err, want)
		}
	}
	// Data travels with the returned entry but is not stored.
	stored, err := l.After(ctx, 1, 0, 10)
	if err != nil {
		t.Fatalf("After: %v", err)
	}
	wantStored := []hongyan.Change{
		{User: 1, Seq: 1, Kind: hongyan.ChangeMessage, Conversation: 7, Ref: 1},
		{User: 1, Seq: 2, Kind: hongyan.ChangeContact, Ref: 2},
	}
	if diff := cmp.Diff(wantStored, stored); diff != "" {
		t.Fatalf("After(1, 0) (-want +got):\n%s", diff)
	}
	if got, err := l.Append(ctx, nil); err != nil || len(got) != 0 {
		t.Fatalf("Append(nil): got %v, %v, want none, nil", got, err)
	}
}

func testAfter(t *testing.T, l Log) {
	ctx := t.Context()
	var in []hongyan.Change
	for i := range 25 {
		in = append(in, hongyan.Change{User: 5, Kind: hongyan.ChangeMessage, Conversation: 1, Ref: int64(i + 1)})
	}
	if _, err := l.Append(ctx, in); err != nil {
		t.Fatalf("Append: %v", err)
	}
	var all []int64
	for cursor := int64(0); ; {
		page, err := l.After(ctx, 5, cursor, 10)
		if err != nil {
			t.Fatalf("After(%d): %v", cursor, err)
		}
		if len(page) > 10 {
			t.Fatalf("After(limit 10): got %d entries", len(page))
		}
		if len(page) == 0 {
			break
		}
		for _, c := range page {
			if c.Ref != c.Seq {
				t.Errorf("entry %d: got Ref %d, want %d (entries out of order)", c.Seq, c.Ref, c.Seq)
			}
			all = append(all, c.Seq)
		}
		cursor = page[len(page)-1].Seq
	}
	var want []int64
	for i := range 25 {
		want = append(want, int64(i+1))
	}
	if diff := cmp.Diff(want, all); diff != "" {
		t.Fatalf("paged sequences (-want +got):\n%s", diff)
	}
	if page, err := l.After(ctx, 5, 25, 10); err != nil || len(page) != 0 {
		t.Fatalf("After(head): got %v, %v, want none", page, err)
	}
	if page, err := l.After(ctx, 5, 1000, 10); err != nil || len(page) != 0 {
		t.Fatalf("After(past head): got %v, %v, want none", page, err)
	}
	if page, err := l.After(ctx, 6, 0, 10); err != nil || len(page) != 0 {
		t.Fatalf("After(other user): got %v, %v, want none", page, err)
	}
}

// testConcurrentGapless appends from many goroutines at once, each entry
// to two users; every user's log must come out 1..n without gaps or
// repeats, and each entry exactly once.
func testConcurrentGapless(t *testing.T, l Log) {
	ctx := t.Context()
	const workers, each = 16, 20
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				a := hongyan.UserID(1 + w%4)
				ref := int64(w*1000 + i)
				if _, err := l.Append(ctx, []hongyan.Change{
					{User: a, Kind: hongyan.ChangeMessage, Ref: ref},
					{User: 100, Kind: hongyan.ChangeMessage, Ref: ref},
				}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("Append: %v", err)
	}
	check := func(user hongyan.UserID, n int) {
		got, err := l.After(ctx, user, 0, 10*n)
		if err != nil {
			t.Fatalf("After(%d): %v", user, err)
		}
		if len(got) != n {
			t.Fatalf("user %d: got %d entries, want %d", user, len(got), n)
		}
		refs := map[int64]bool{}
		for i, c := range got {
			if c.Seq != int64(i+1) {
				t.Fatalf("user %d entry %d: got Seq %d, want %d", user, i, c.Seq, i+1)
			}
			if refs[c.Ref] {
				t.Fatalf("user %d: ref %d logged twice", user, c.Ref)
			}
			refs[c.Ref] = true
		}
		head, err := l.Head(ctx, user)
		if err != nil || head != int64(n) {
			t.Fatalf("Head(%d): got %d, %v, want %d", user, head, err, n)
		}
	}
	check(100, workers*each)
	for u := range 4 {
		check(hongyan.UserID(1+u), workers/4*each)
	}
}

func testBadInput(t *testing.T, l Log) {
	ctx := t.Context()
	for _, limit := range []int{0, -1} {
		if _, err := l.After(ctx, 1, 0, limit); hongyan.ErrorCode(err) != hongyan.CodeInvalid {
			t.Errorf("After(limit %d): got %v, want %s", limit, err, hongyan.CodeInvalid)
		}
	}
	if _, err := l.Append(ctx, []hongyan.Change{{User: 0, Kind: hongyan.ChangeProfile}}); hongyan.ErrorCode(err) != hongyan.CodeInvalid {
		t.Errorf("Append for user 0: got %v, want %s", err, hongyan.CodeInvalid)
	}
	if head, err := l.Head(ctx, 0); err != nil || head != 0 {
		t.Errorf("Head(0): got %d, %v, want 0, nil", head, err)
	}
	if page, err := l.After(ctx, 1, -5, 1); err != nil || len(page) != 0 {
		t.Errorf("After(negative cursor) on an empty log: got %v, %v", page, err)
	}
}
