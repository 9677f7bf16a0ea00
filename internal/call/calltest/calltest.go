// Package calltest is the conformance suite of call.Store: every storage
// engine runs it.
package calltest

import (
	"context"
	"sync"
	"testing"
	"time"

	"hongyan/internal/call"
	"hongyan/internal/hongyan"
)

// Run runs the suite against stores made by open (each empty).
func Run(t *testing.T, open func(t *testing.T) call.Store) {
	t.Run("CreateRingsAndTakesLines", func(t *testing.T) { testCreate(t, open(t)) })
	t.Run("BusyWhenEitherIsInACall", func(t *testing.T) { testBusy(t, open(t)) })
	t.Run("UpdateComparesState", func(t *testing.T) { testUpdate(t, open(t)) })
	t.Run("EndReleasesLines", func(t *testing.T) { testEnd(t, open(t)) })
	t.Run("OverdueAndUnrecorded", func(t *testing.T) { testSweep(t, open(t)) })
	t.Run("ConcurrentCallsOneRings", func(t *testing.T) { testConcurrent(t, open(t)) })
	t.Run("Missing", func(t *testing.T) { testMissing(t, open(t)) })
	t.Run("PlaceQuota", func(t *testing.T) { testQuota(t, open(t)) })
}

var t0 = time.UnixMilli(1_800_000_000_000).UTC()

func ringing(from, to hongyan.UserID, at time.Time) call.Call {
	return call.Call{Caller: from, Callee: to, CallerDevice: hongyan.DeviceID(from*10 + 1), Video: true, State: call.StateRinging,
		Created: at, Deadline: at.Add(time.Minute)}
}

func create(t *testing.T, s call.Store, c call.Call) (call.Call, []hongyan.Change) {
	t.Helper()
	got, changes, err := s.Create(context.Background(), c)
	if err != nil {
		t.Fatalf("Create(%d→%d): %v", c.Caller, c.Callee, err)
	}
	return got, changes
}

func get(t *testing.T, s call.Store, id int64) call.Call {
	t.Helper()
	c, err := s.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("Get(%d): %v", id, err)
	}
	return c
}

func checkChanges(t *testing.T, changes []hongyan.Change, id int64, users ...hongyan.UserID) {
	t.Helper()
	if len(changes) != len(users) {
		t.Fatalf("changes: got %+v, want one for each of %v", changes, users)
	}
	for i, u := range users {
		c := changes[i]
		if c.User != u || c.Kind != hongyan.ChangeCall || c.Ref != id || c.Seq <= 0 {
			t.Errorf("change %d: got %+v, want user %d kind %d ref %d with a sequence", i, c, u, hongyan.ChangeCall, id)
		}
	}
}

func testCreate(t *testing.T, s call.Store) {
	ctx := context.Background()
	want := ringing(1, 2, t0)
	c, changes := create(t, s, want)
	if c.ID <= 0 || c.State != call.StateRinging || c.End != call.EndNone {
		t.Fatalf("created: got %+v, want ringing with an ID", c)
	}
	checkChanges(t, changes, c.ID, 1, 2)
	want.ID = c.ID
	if got := get(t, s, c.ID); got != want {
		t.Errorf("Get: got %+v, want %+v", got, want)
	}
	for _, u := range []hongyan.UserID{1, 2} {
		cur, err := s.Current(ctx, u)
		if err != nil || cur.ID != c.ID {
			t.Errorf("Current(%d): got %+v, %v; want call %d", u, cur, err, c.ID)
		}
	}
	if _, err := s.Current(ctx, 3); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Errorf("Current(3): got %v, want not_found", err)
	}
	if _, _, err := s.Create(ctx, ringing(4, 4, t0)); hongyan.ErrorCode(err) != hongyan.CodeInvalid {
		t.Errorf("Create calling oneself: got %v, want invalid_argument", err)
	}
}

func testBusy(t *testing.T, s call.Store) {
	ctx := context.Background()
	first, _ := create(t, s, ringing(1, 2, t0))
	for _, pair := range [][2]hongyan.UserID{{3, 2}, {2, 3}, {3, 1}, {1, 3}} {
		c, changes := create(t, s, ringing(pair[0], pair[1], t0.Add(time.Second)))
		if c.State != call.StateEnded || c.End != call.EndBusy || !c.Ended.Equal(c.Created) || !c.Deadline.IsZero() {
			t.Errorf("call %d→%d while 1 and 2 talk: got %+v, want ended busy at once", pair[0], pair[1], c)
		}
		checkChanges(t, changes, c.ID, pair[0])
		if got := get(t, s, c.ID); got != c {
			t.Errorf("Get busy call: got %+v, want %+v", got, c)
		}
		if _, err := s.Current(ctx, 3); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
			t.Errorf("Current(3) after a busy call: got %v, want not_found (a busy call holds no line)", err)
		}
	}
	for _, u := range []hongyan.UserID{1, 2} {
		if cur, err := s.Current(ctx, u); err != nil || cur.ID != first.ID {
			t.Errorf("Current(%d): got %+v, %v; want the first call still", u, cur, err)
		}
	}
}

func testUpdate(t *testing.T, s call.Store) {
	ctx := context.Background()
	c, _ := create(t, s, ringing(1, 2, t0))
	acc := c
	acc.State, acc.CalleeDevice, acc.Answered, acc.Deadline, acc.Video = call.StateActive, 21, t0.Add(2*time.Second), t0.Add(time.Hour), false
	changes, ok, err := s.Update(ctx, acc, call.StateRinging, false)
	if err != nil || !ok {
		t.Fatalf("Update ringing→active: ok %v, err %v", ok, err)
	}
	checkChanges(t, changes, c.ID, 1, 2)
	if got := get(t, s, c.ID); got != acc {
		t.Errorf("after accepting: got %+v, want %+v", got, acc)
	}
	// A second device accepting from ringing loses.
	other := acc
	other.CalleeDevice = 22
	if changes, ok, err := s.Update(ctx, other, call.StateRinging, false); err != nil || ok || len(changes) != 0 {
		t.Fatalf("second accept: ok %v, changes %v, err %v; want not ok, nothing", ok, changes, err)
	}
	if got := get(t, s, c.ID); got.CalleeDevice != 21 {
		t.Errorf("callee device after the second accept: got %d, want 21", got.CalleeDevice)
	}
	// A quiet update (keep-alive) appends nothing.
	live := acc
	live.Deadline = t0.Add(2 * time.Hour)
	changes, ok, err = s.Update(ctx, live, call.StateActive, true)
	if err != nil || !ok || len(changes) != 0 {
		t.Fatalf("quiet update: ok %v, changes %v, err %v; want ok and no changes", ok, changes, err)
	}
	if got := get(t, s, c.ID); !got.Deadline.Equal(live.Deadline) {
		t.Errorf("deadline: got %v, want %v", got.Deadline, live.Deadline)
	}
	if _, _, err := s.Update(ctx, call.Call{ID: c.ID}, call.StateActive, false); hongyan.ErrorCode(err) != hongyan.CodeInvalid {
		t.Errorf("Update without a state: got %v, want invalid_argument", err)
	}
}

func testEnd(t *testing.T, s call.Store) {
	ctx := context.Background()
	c, _ := create(t, s, ringing(1, 2, t0))
	end := c
	end.State, end.End, end.Ended, end.Deadline = call.StateEnded, call.EndDeclined, t0.Add(time.Second), time.Time{}
	changes, ok, err := s.Update(ctx, end, call.StateRinging, false)
	if err != nil || !ok {
		t.Fatalf("Update ringing→ended: ok %v, err %v", ok, err)
	}
	checkChanges(t, changes, c.ID, 1, 2)
	for _, u := range []hongyan.UserID{1, 2} {
		if _, err := s.Current(ctx, u); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
			t.Errorf("Current(%d) after the end: got %v, want not_found", u, err)
		}
	}
	if got := get(t, s, c.ID); got != end {
		t.Errorf("ended: got %+v, want %+v", got, end)
	}
	again, _ := create(t, s, ringing(2, 1, t0.Add(2*time.Second)))
	if again.State != call.StateRinging {
		t.Errorf("calling again after the end: got %+v, want ringing", again)
	}
	if _, ok, _ := s.Update(ctx, end, call.StateRinging, false); ok {
		t.Errorf("ending an ended call from ringing: ok, want not ok")
	}
}

func testSweep(t *testing.T, s call.Store) {
	ctx := context.Background()
	a, _ := create(t, s, ringing(1, 2, t0))                   // deadline t0+1m
	b, _ := create(t, s, ringing(3, 4, t0.Add(-time.Minute))) // deadline t0
	c, _ := create(t, s, ringing(5, 6, t0.Add(time.Hour)))
	got, err := s.Overdue(ctx, t0.Add(2*time.Minute), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != b.ID || got[1].ID != a.ID {
		t.Fatalf("Overdue: got %+v, want calls %d and %d, oldest deadline first", got, b.ID, a.ID)
	}
	if got, _ := s.Overdue(ctx, t0.Add(2*time.Minute), 1); len(got) != 1 || got[0].ID != b.ID {
		t.Errorf("Overdue limit 1: got %+v, want call %d", got, b.ID)
	}
	end := a
	end.State, end.End, end.Ended, end.Deadline = call.StateEnded, call.EndNoAnswer, t0.Add(time.Minute), time.Time{}
	if _, ok, err := s.Update(ctx, end, call.StateRinging, false); !ok || err != nil {
		t.Fatalf("ending: %v %v", ok, err)
	}
	if got, _ := s.Overdue(ctx, t0.Add(2*time.Minute), 10); len(got) != 1 || got[0].ID != b.ID {
		t.Errorf("Overdue after one ended: got %+v, want only call %d", got, b.ID)
	}
	un, err := s.Unrecorded(ctx, 10)
	if err != nil || len(un) != 1 || un[0].ID != a.ID {
		t.Fatalf("Unrecorded: got %+v, %v; want call %d", un, err, a.ID)
	}
	if err := s.MarkRecorded(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if un, _ := s.Unrecorded(ctx, 10); len(un) != 0 {
		t.Errorf("Unrecorded after marking: got %+v, want none", un)
	}
	if !get(t, s, a.ID).Recorded {
		t.Errorf("Recorded: got false, want true")
	}
	if _, err := s.Overdue(ctx, t0, 0); hongyan.ErrorCode(err) != hongyan.CodeInvalid {
		t.Errorf("Overdue limit 0: got %v, want invalid_argument", err)
	}
	_ = c
}

// testConcurrent: of callers that call one callee at once, exactly one
// rings; the others are busy.
func testConcurrent(t *testing.T, s call.Store) {
	const n = 8
	var wg sync.WaitGroup
	calls := make([]call.Call, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			calls[i], _, errs[i] = s.Create(context.Background(), ringing(hongyan.UserID(10+i), 100, t0))
		}()
	}
	wg.Wait()
	rang := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("Create %d: %v", i, errs[i])
		}
		if calls[i].State == call.StateRinging {
			rang++
		} else if calls[i].End != call.EndBusy {
			t.Errorf("call %d: got %+v, want ringing or busy", i, calls[i])
		}
	}
	if rang != 1 {
		t.Errorf("calls ringing: got %d, want 1", rang)
	}
}

func testMissing(t *testing.T, s call.Store) {
	if _, err := s.Get(context.Background(), 999); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Errorf("Get(999): got %v, want not_found", err)
	}
	if _, ok, err := s.Update(context.Background(), call.Call{ID: 999, State: call.StateEnded}, call.StateRinging, false); ok || err != nil {
		t.Errorf("Update(999): ok %v, err %v; want not ok, no error", ok, err)
	}
}

// testQuota: at most max calls per user and period, counted per user; a
// new period starts again.
func testQuota(t *testing.T, s call.Store) {
	ctx := context.Background()
	for i := range 3 {
		if ok, err := s.TakePlace(ctx, 1, 100, 3); err != nil || !ok {
			t.Fatalf("take %d of 3: %v, %v; want taken", i+1, ok, err)
		}
	}
	if ok, err := s.TakePlace(ctx, 1, 100, 3); err != nil || ok {
		t.Errorf("take 4 of 3: %v, %v; want refused", ok, err)
	}
	if ok, _ := s.TakePlace(ctx, 2, 100, 3); !ok {
		t.Errorf("another user's first: refused, want taken")
	}
	if ok, _ := s.TakePlace(ctx, 1, 101, 3); !ok {
		t.Errorf("the next period's first: refused, want taken")
	}
	if ok, _ := s.TakePlace(ctx, 1, 101, 0); ok {
		t.Errorf("max 0: taken, want refused")
	}
}
