// Package guardtest is the conformance suite of guard.Store (every
// storage engine runs it) and an in-memory store for the feature's tests.
package guardtest

import (
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"hongyan/internal/guard"
	"hongyan/internal/hongyan"
)

// T0 is a time with millisecond precision, as stores keep times.
var T0 = time.UnixMilli(1_760_000_000_123).UTC()

// Run runs the suite; open returns a fresh, empty store for each test.
func Run(t *testing.T, open func(t *testing.T) guard.Store) {
	t.Run("Rules", func(t *testing.T) { testRules(t, open(t)) })
	t.Run("Actions", func(t *testing.T) { testActions(t, open(t)) })
	t.Run("Joins", func(t *testing.T) { testJoins(t, open(t)) })
	t.Run("Cursor", func(t *testing.T) { testCursor(t, open(t)) })
}

func wantCode(t *testing.T, what string, err error, code hongyan.Code) {
	t.Helper()
	if got := hongyan.ErrorCode(err); got != code {
		t.Errorf("%s: got error %v (code %q), want code %q", what, err, got, code)
	}
}

func testRules(t *testing.T, s guard.Store) {
	ctx := t.Context()
	_, err := s.Rules(ctx, 5)
	wantCode(t, "Rules before any", err, hongyan.CodeNotFound)
	r := guard.Rules{Group: 5, Enabled: true, Keywords: []string{"加微信", "free money"}, Links: true, QRImages: true,
		NewMemberLinks: true, NewMemberHours: 48, RemoveMessage: true, RemoveMember: true, Warnings: 2, UpdatedBy: 7, Updated: T0}
	if err := s.SetRules(ctx, r); err != nil {
		t.Fatal(err)
	}
	got, err := s.Rules(ctx, 5)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(r, got); diff != "" {
		t.Errorf("Rules: -set +read:\n%s", diff)
	}
	r2 := guard.Rules{Group: 5, NewMemberHours: 24, RemoveMessage: true, UpdatedBy: 8, Updated: T0.Add(time.Second)}
	if err := s.SetRules(ctx, r2); err != nil {
		t.Fatal(err)
	}
	got, err = s.Rules(ctx, 5)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(r2, got); diff != "" {
		t.Errorf("Rules replaced: -set +read:\n%s", diff)
	}
	if _, err := s.Rules(ctx, 6); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Errorf("another group's rules: got %v, want not found", err)
	}
}

func testActions(t *testing.T, s guard.Store) {
	ctx := t.Context()
	add := func(a guard.Action) guard.Action {
		t.Helper()
		got, err := s.AddAction(ctx, a)
		if err != nil {
			t.Fatalf("AddAction %+v: %v", a, err)
		}
		if got.ID <= 0 {
			t.Fatalf("AddAction: got ID %d, want positive", got.ID)
		}
		return got
	}
	a := add(guard.Action{Group: 5, User: 9, Message: 100, Rule: guard.RuleKeyword, Did: guard.DidRemoveMessage, Detail: "加微信", At: T0})
	w := add(guard.Action{Group: 5, User: 9, Message: 100, Rule: guard.RuleKeyword, Did: guard.DidWarn, At: T0})
	_, err := s.AddAction(ctx, guard.Action{Group: 5, User: 9, Message: 100, Rule: guard.RuleKeyword, Did: guard.DidWarn, At: T0})
	wantCode(t, "the same message and action again", err, hongyan.CodeExists)
	add(guard.Action{Group: 6, User: 9, Message: 200, Rule: guard.RuleLink, Did: guard.DidWarn, At: T0})
	r1 := add(guard.Action{Group: 5, User: 9, Did: guard.DidReinvite, At: T0.Add(time.Minute)})
	r2 := add(guard.Action{Group: 5, User: 9, Did: guard.DidReinvite, At: T0.Add(time.Minute)}) // no message: never a duplicate

	got, err := s.Action(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a, got); diff != "" {
		t.Errorf("Action: -added +read:\n%s", diff)
	}
	_, err = s.Action(ctx, 1<<40)
	wantCode(t, "Action of none", err, hongyan.CodeNotFound)

	list, err := s.Actions(ctx, 5, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, x := range list {
		ids = append(ids, x.ID)
	}
	if want := []int64{r2.ID, r1.ID, w.ID, a.ID}; !cmp.Equal(ids, want) {
		t.Errorf("Actions: got %v, want %v", ids, want)
	}
	list, err = s.Actions(ctx, 5, r1.ID, 1)
	if err != nil || len(list) != 1 || list[0].ID != w.ID {
		t.Errorf("Actions before %d limit 1: got %+v, %v; want [%d]", r1.ID, list, err, w.ID)
	}

	n, err := s.CountActions(ctx, 5, 9, guard.DidWarn, time.Time{})
	if err != nil || n != 1 {
		t.Errorf("CountActions: got %d, %v; want 1", n, err)
	}
	n, err = s.CountActions(ctx, 5, 9, guard.DidWarn, T0.Add(time.Second))
	if err != nil || n != 0 {
		t.Errorf("CountActions since later: got %d, %v; want 0", n, err)
	}
	if err := s.FailAction(ctx, a.ID, "the grant lacks members:manage"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Action(ctx, a.ID); got.Error != "the grant lacks members:manage" {
		t.Errorf("after FailAction: got error %q", got.Error)
	}
	if err := s.MarkUndone(ctx, w.ID, 7, T0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	err = s.MarkUndone(ctx, w.ID, 7, T0.Add(2*time.Hour))
	wantCode(t, "MarkUndone twice", err, hongyan.CodePrecondition)
	got, _ = s.Action(ctx, w.ID)
	if !got.Undone.Equal(T0.Add(time.Hour)) || got.UndoneBy != 7 {
		t.Errorf("after MarkUndone: got %v by %d", got.Undone, got.UndoneBy)
	}
	n, err = s.CountActions(ctx, 5, 9, guard.DidWarn, time.Time{})
	if err != nil || n != 0 {
		t.Errorf("CountActions after undo: got %d, %v; want 0", n, err)
	}
}

func testJoins(t *testing.T, s guard.Store) {
	ctx := t.Context()
	got, err := s.Joined(ctx, 5, 9)
	if err != nil || !got.IsZero() {
		t.Fatalf("Joined before: got %v, %v; want zero", got, err)
	}
	for _, at := range []time.Time{T0, T0.Add(time.Hour)} { // joined again: the last join counts
		if err := s.SetJoined(ctx, 5, 9, at); err != nil {
			t.Fatal(err)
		}
	}
	got, err = s.Joined(ctx, 5, 9)
	if err != nil || !got.Equal(T0.Add(time.Hour)) {
		t.Errorf("Joined: got %v, %v; want %v", got, err, T0.Add(time.Hour))
	}
	if got, _ := s.Joined(ctx, 6, 9); !got.IsZero() {
		t.Errorf("Joined of another group: got %v, want zero", got)
	}
}

func testCursor(t *testing.T, s guard.Store) {
	ctx := t.Context()
	if c, err := s.Cursor(ctx, 3); err != nil || c != 0 {
		t.Fatalf("Cursor at first: got %d, %v; want 0", c, err)
	}
	if err := s.MoveCursor(ctx, 3, 0, 10); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "MoveCursor from a stale place", s.MoveCursor(ctx, 3, 0, 12), hongyan.CodePrecondition)
	// Two movers from the same place: one wins.
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = s.MoveCursor(ctx, 3, 10, int64(20+i)) }()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		if err == nil {
			won++
		} else if hongyan.ErrorCode(err) != hongyan.CodePrecondition {
			t.Errorf("a losing mover: got %v, want precondition", err)
		}
	}
	if won != 1 {
		t.Errorf("movers that won: got %d, want 1", won)
	}
	if c, _ := s.Cursor(ctx, 4); c != 0 {
		t.Errorf("another bot's cursor: got %d, want 0", c)
	}
}
