// Package livecodetest is the conformance suite of livecode.Store: every
// storage engine runs it.
package livecodetest

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"hongyan/internal/hongyan"
	"hongyan/internal/livecode"
)

// Run runs the suite; open returns a fresh, empty store for each test.
func Run(t *testing.T, open func(t *testing.T) livecode.Store) {
	t.Run("Codes", func(t *testing.T) { testCodes(t, open(t)) })
	t.Run("Claims", func(t *testing.T) { testClaims(t, open(t)) })
	t.Run("ClaimOnce", func(t *testing.T) { testClaimOnce(t, open(t)) })
	t.Run("Stats", func(t *testing.T) { testStats(t, open(t)) })
}

// T0 is a time with millisecond precision, as stores keep times.
var T0 = time.UnixMilli(1_760_000_000_123).UTC()

func wantCode(t *testing.T, what string, err error, code hongyan.Code) {
	t.Helper()
	if got := hongyan.ErrorCode(err); got != code {
		t.Errorf("%s: got error %v (code %q), want code %q", what, err, got, code)
	}
}

func create(t *testing.T, s livecode.Store, owner hongyan.UserID, token string, template hongyan.ConversationID) livecode.Code {
	t.Helper()
	c, err := s.Create(t.Context(), livecode.Code{Owner: owner, Name: "读书会", Token: token, Template: template, MaxMembers: 500, Created: T0})
	if err != nil {
		t.Fatalf("Create %s: %v", token, err)
	}
	if c.ID <= 0 {
		t.Fatalf("Create %s: got ID %d, want a positive one", token, c.ID)
	}
	return c
}

func testCodes(t *testing.T, s livecode.Store) {
	ctx := t.Context()
	a := create(t, s, 7, "TOKENA", 100)
	b := create(t, s, 7, "TOKENB", 101)
	create(t, s, 8, "TOKENC", 102)
	_, err := s.Create(ctx, livecode.Code{Owner: 9, Name: "x", Token: "TOKENA", Template: 103, MaxMembers: 2, Created: T0})
	wantCode(t, "a taken token", err, hongyan.CodeExists)
	_, err = s.Create(ctx, livecode.Code{Owner: 9, Name: "x", Template: 103, MaxMembers: 2, Created: T0})
	wantCode(t, "no token", err, hongyan.CodeInvalid)

	got, err := s.Code(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a, got); diff != "" {
		t.Errorf("Code: -created +read:\n%s", diff)
	}
	got, err = s.CodeByToken(ctx, "TOKENB")
	if err != nil || got.ID != b.ID {
		t.Errorf("CodeByToken: got %d, %v; want %d", got.ID, err, b.ID)
	}
	_, err = s.CodeByToken(ctx, "NOPE")
	wantCode(t, "CodeByToken of no code", err, hongyan.CodeNotFound)
	_, err = s.Code(ctx, 1<<40)
	wantCode(t, "Code of no code", err, hongyan.CodeNotFound)

	codes, err := s.Codes(ctx, 7)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, c := range codes {
		ids = append(ids, c.ID)
	}
	if diff := cmp.Diff([]int64{b.ID, a.ID}, ids); diff != "" {
		t.Errorf("Codes of 7, newest first: -want +got:\n%s", diff)
	}
	slots, err := s.Slots(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []livecode.Slot{{Code: a.ID, Index: 0, Group: 100, Claimed: T0}}
	if diff := cmp.Diff(want, slots); diff != "" {
		t.Errorf("Slots of a new code: -want +got:\n%s", diff)
	}
}

func testClaims(t *testing.T, s livecode.Store) {
	ctx := t.Context()
	c := create(t, s, 7, "TOKEN", 100)
	t1, t2 := T0.Add(time.Second), T0.Add(time.Minute)
	stale := func(now time.Time) time.Time { return now.Add(-30 * time.Second) }

	_, err := s.Claim(ctx, c.ID, 0, t1, stale(t1))
	wantCode(t, "claiming the template's slot", err, hongyan.CodeInvalid)
	if won, err := s.Claim(ctx, c.ID, 1, t1, stale(t1)); err != nil || !won {
		t.Fatalf("first Claim of slot 1: got %v, %v; want won", won, err)
	}
	if won, err := s.Claim(ctx, c.ID, 1, t1.Add(time.Millisecond), stale(t1.Add(time.Millisecond))); err != nil || won {
		t.Errorf("second Claim of slot 1 while fresh: got %v, %v; want lost", won, err)
	}
	// The claim went stale: another scan takes it over, and the first
	// claimer's late group is not stored.
	if won, err := s.Claim(ctx, c.ID, 1, t2, stale(t2)); err != nil || !won {
		t.Fatalf("taking over a stale claim: got %v, %v; want won", won, err)
	}
	wantCode(t, "Fill by the claim taken over", s.Fill(ctx, c.ID, 1, t1, 201), hongyan.CodePrecondition)
	if err := s.Fill(ctx, c.ID, 1, t2, 202); err != nil {
		t.Fatalf("Fill: %v", err)
	}
	wantCode(t, "Fill twice", s.Fill(ctx, c.ID, 1, t2, 203), hongyan.CodePrecondition)
	later := t2.Add(time.Hour)
	if won, err := s.Claim(ctx, c.ID, 1, later, stale(later)); err != nil || won {
		t.Errorf("Claim of a filled slot: got %v, %v; want lost", won, err)
	}
	if err := s.MarkFull(ctx, c.ID, 0); err != nil {
		t.Fatal(err)
	}
	slots, err := s.Slots(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []livecode.Slot{
		{Code: c.ID, Index: 0, Group: 100, Full: true, Claimed: T0},
		{Code: c.ID, Index: 1, Group: 202, Claimed: t2},
	}
	if diff := cmp.Diff(want, slots); diff != "" {
		t.Errorf("Slots: -want +got:\n%s", diff)
	}
}

// testClaimOnce: of many scans claiming one slot at once, one wins.
func testClaimOnce(t *testing.T, s livecode.Store) {
	c := create(t, s, 7, "TOKEN", 100)
	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			now := T0.Add(time.Duration(i) * time.Millisecond)
			won, err := s.Claim(t.Context(), c.ID, 1, now, now.Add(-30*time.Second))
			if err != nil {
				t.Errorf("Claim: %v", err)
			}
			if won {
				wins.Add(1)
			}
		}()
	}
	wg.Wait()
	if got := wins.Load(); got != 1 {
		t.Errorf("16 claims of one slot at once: got %d won, want 1", got)
	}
}

func testStats(t *testing.T, s livecode.Store) {
	ctx := t.Context()
	c := create(t, s, 7, "TOKEN", 100)
	other := create(t, s, 7, "OTHER", 300)
	day := 24 * time.Hour
	for i, sc := range []livecode.Scan{
		{Code: c.ID, User: 1, Group: 100, At: T0},
		{Code: c.ID, User: 2, Group: 100, At: T0.Add(time.Minute)},
		{Code: c.ID, User: 3, Group: 200, At: T0.Add(day)},
		{Code: c.ID, User: 4, Group: 200, At: T0.Add(2 * day)},
		{Code: other.ID, User: 5, Group: 300, At: T0},
	} {
		if err := s.RecordScan(ctx, sc); err != nil {
			t.Fatalf("RecordScan %d: %v", i, err)
		}
	}
	for _, tc := range []struct {
		code int64
		user hongyan.UserID
		want hongyan.ConversationID
	}{{c.ID, 3, 200}, {c.ID, 5, 0}, {other.ID, 5, 300}} {
		if got, err := s.LastScan(ctx, tc.code, tc.user); err != nil || got != tc.want {
			t.Errorf("LastScan(%d, %d): got %d, %v; want %d", tc.code, tc.user, got, err, tc.want)
		}
	}
	if err := s.RecordScan(ctx, livecode.Scan{Code: c.ID, User: 3, Group: 100, At: T0.Add(3 * day)}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.LastScan(ctx, c.ID, 3); err != nil || got != 100 {
		t.Errorf("LastScan after a later scan: got %d, %v; want 100", got, err)
	}
	st, err := s.Stats(ctx, c.ID, T0.Add(day).Truncate(day))
	if err != nil {
		t.Fatal(err)
	}
	want := livecode.Stats{Scans: 5, PerGroup: map[hongyan.ConversationID]int{100: 3, 200: 2},
		PerDay: []livecode.DayCount{
			{Day: T0.Add(day).Format(time.DateOnly), Scans: 1},
			{Day: T0.Add(2 * day).Format(time.DateOnly), Scans: 1},
			{Day: T0.Add(3 * day).Format(time.DateOnly), Scans: 1},
		}}
	if diff := cmp.Diff(want, st); diff != "" {
		t.Errorf("Stats: -want +got:\n%s", diff)
	}
	st, err = s.Stats(ctx, 1<<40, T0)
	if err != nil || st.Scans != 0 || len(st.PerDay) != 0 {
		t.Errorf("Stats of no code: got %+v, %v; want none", st, err)
	}
}
