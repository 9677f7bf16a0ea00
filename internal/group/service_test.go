package group

import (
	"context"
	"testing"
	"time"

	"hongyan/internal/hongyan"
)

// everyone is a Relations in which anyone may add anyone; it counts the
// checks it was asked for.
type everyone struct{ asked int }

func (e *everyone) CanMessage(context.Context, hongyan.UserID, hongyan.UserID) error {
	e.asked++
	return nil
}

// createOnly is a Store that only creates groups (the other methods are
// not called by the tests that use it).
type createOnly struct {
	Store
	created int
}

func (s *createOnly) Create(_ context.Context, g Group, members []Member, _ []Invitation, _ Notice, changes []hongyan.Change) (Group, []hongyan.Change, error) {
	s.created++
	g.ID, g.Members = hongyan.ConversationID(s.created), len(members)
	return g, changes, nil
}

// quiet is a Bus that drops what is published.
type quiet struct{ hongyan.Bus }

func (quiet) Publish(context.Context, string, []byte) error { return nil }

func newTestService(rate hongyan.Rate) (*Service, *everyone, *createOnly) {
	rel, st := &everyone{}, &createOnly{}
	cfg := DefaultConfig()
	cfg.CreateRate = rate
	return New(st, rel, nil, hongyan.Publisher{Bus: quiet{}}, cfg), rel, st
}

func ids(n int, dup bool) []hongyan.UserID {
	out := make([]hongyan.UserID, n)
	for i := range out {
		out[i] = hongyan.UserID(2 + i)
		if dup {
			out[i] = hongyan.UserID(2 + i%3)
		}
	}
	return out
}

// TestMemberListsBoundedFirst: a list longer than the product allows is
// refused before it is de-duplicated or checked, whether its entries are
// distinct or repeated.
func TestMemberListsBoundedFirst(t *testing.T) {
	ctx := context.Background()
	me := hongyan.Caller{User: 1, Device: 1}
	for _, dup := range []bool{false, true} {
		users := ids(200_000, dup)
		s, rel, st := newTestService(hongyan.Rate{})
		_, err := s.Create(ctx, me, "big", users)
		if got := hongyan.ErrorCode(err); got != hongyan.CodePrecondition && got != hongyan.CodeInvalid {
			t.Errorf("create with %d members (duplicates %v): got %v, want refused", len(users), dup, err)
		}
		if _, err := s.Invite(ctx, me, 7, users); hongyan.ErrorCode(err) != hongyan.CodeInvalid {
			t.Errorf("invite of %d users (duplicates %v): got %v, want invalid_argument", len(users), dup, err)
		}
		if err := s.Remove(ctx, me, 7, users); hongyan.ErrorCode(err) != hongyan.CodeInvalid {
			t.Errorf("remove of %d users (duplicates %v): got %v, want invalid_argument", len(users), dup, err)
		}
		if rel.asked != 0 || st.created != 0 {
			t.Errorf("duplicates %v: %d contact checks and %d groups created; want none", dup, rel.asked, st.created)
		}
	}
}

func TestOthers(t *testing.T) {
	got, err := others([]hongyan.UserID{5, 1, 0, 5, 3, -2, 3, 4}, 1, 8)
	want := []hongyan.UserID{5, 3, 4}
	if err != nil || len(got) != len(want) {
		t.Fatalf("others: got %v, %v; want %v", got, err, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("others: got %v, want %v", got, want)
		}
	}
	if _, err := others(ids(9, true), 1, 8); hongyan.ErrorCode(err) != hongyan.CodeInvalid {
		t.Errorf("9 users with a limit of 8: got %v, want invalid_argument", err)
	}
}

// BenchmarkOthers de-duplicates the longest list a request may carry.
func BenchmarkOthers(b *testing.B) {
	users := ids(MaxBatch, false)
	for b.Loop() {
		others(users, 1, MaxBatch)
	}
}

func TestGroupsCreatedPerHour(t *testing.T) {
	ctx := context.Background()
	s, _, st := newTestService(hongyan.Rate{N: 2, Per: time.Hour})
	now := time.Unix(1_000_000, 0)
	s.SetClock(func() time.Time { return now })
	me := hongyan.Caller{User: 1, Device: 1}
	for i := range 2 {
		if _, err := s.Create(ctx, me, "g", ids(3, false)); err != nil {
			t.Fatalf("group %d: %v", i+1, err)
		}
	}
	if _, err := s.Create(ctx, me, "g", ids(3, false)); hongyan.ErrorCode(err) != hongyan.CodeRateLimited {
		t.Fatalf("3rd group in an hour: got %v, want rate_limited", err)
	}
	if _, err := s.Create(ctx, hongyan.Caller{User: 9, Device: 2}, "g", ids(3, false)); err != nil {
		t.Fatalf("another user's group: %v", err)
	}
	now = now.Add(31 * time.Minute)
	if _, err := s.Create(ctx, me, "g", ids(3, false)); err != nil {
		t.Fatalf("half an hour later: %v", err)
	}
	if st.created != 4 {
		t.Errorf("got %d groups created, want 4", st.created)
	}
}

// A former member sees the group by name only: what it announces and who
// is in it after they left are not theirs.
func TestFormerMemberSeesOnlyTheName(t *testing.T) {
	g := Group{ID: 7, Name: "Book club", Avatar: "abc", Announcement: "after you left", AnnouncementTime: time.Now(), Owner: 1, Approval: true, MutedAll: true, Members: 12, Dissolved: true}
	if v := viewOf(g, Member{User: 2, Active: true}); v.Group != g {
		t.Errorf("member's view: got %+v, want the whole group", v.Group)
	}
	want := Group{ID: 7, Name: "Book club", Dissolved: true}
	if v := viewOf(g, Member{User: 3, Active: false}); v.Group != want {
		t.Errorf("former member's view: got %+v, want %+v", v.Group, want)
	}
}
