package groupapptest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"hongyan/internal/groupapp"
	"hongyan/internal/hongyan"
)

func testPollStore(t *testing.T, s groupapp.Store) {
	ctx := t.Context()
	p, changes, err := s.CreatePoll(ctx, groupapp.Poll{Group: Group, Creator: Alice, Question: "Lunch?", Options: []string{"noodles", "rice"},
		Multi: true, Deadline: T0.Add(time.Hour), Created: T0}, notify(groupapp.ChangePoll, 0, Alice, Bob))
	if err != nil {
		t.Fatalf("CreatePoll: %v", err)
	}
	if p.ID <= 0 {
		t.Fatalf("CreatePoll: got ID %d, want one assigned", p.ID)
	}
	checkChanges(t, "CreatePoll", changes, p.ID, Alice, Bob)
	got, err := s.Poll(ctx, Group, p.ID)
	if err != nil {
		t.Fatalf("Poll: %v", err)
	}
	if diff := cmp.Diff(p, got); diff != "" {
		t.Errorf("Poll (-stored +read):\n%s", diff)
	}
	_, err = s.Poll(ctx, Group+1, p.ID)
	wantCode(t, "Poll of another group", err, hongyan.CodeNotFound)
	_, err = s.Vote(ctx, Group+1, groupapp.Vote{Poll: p.ID, User: Bob, Choices: []int{0}, At: T0}, nil)
	wantCode(t, "Vote through another group", err, hongyan.CodeNotFound)

	p2, _, err := s.CreatePoll(ctx, groupapp.Poll{Group: Group, Creator: Bob, Question: "Q2", Options: []string{"a", "b"}, Created: T0}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := s.Polls(ctx, Group, 0, 10)
	if err != nil || len(ps) != 2 || ps[0].ID != p2.ID || ps[1].ID != p.ID {
		t.Errorf("Polls: got %+v, %v; want the two, newest first", ps, err)
	}
	ps, err = s.Polls(ctx, Group, p2.ID, 10)
	if err != nil || len(ps) != 1 || ps[0].ID != p.ID {
		t.Errorf("Polls below %d: got %+v, %v; want the first only", p2.ID, ps, err)
	}
	if !p2.Deadline.IsZero() || !p2.Closed.IsZero() {
		t.Errorf("a poll without deadline: got %+v", p2)
	}

	changes, err = s.Vote(ctx, Group, groupapp.Vote{Poll: p.ID, User: Bob, Choices: []int{0, 1}, At: T0}, notify(groupapp.ChangePoll, p.ID, Alice, Bob))
	if err != nil {
		t.Fatalf("Vote: %v", err)
	}
	checkChanges(t, "Vote", changes, p.ID, Alice, Bob)
	if _, err := s.Vote(ctx, Group, groupapp.Vote{Poll: p.ID, User: Alice, Choices: []int{1}, At: T0.Add(time.Second)}, nil); err != nil {
		t.Fatal(err)
	}
	// Bob changes his vote: one vote per member, the last one.
	if _, err := s.Vote(ctx, Group, groupapp.Vote{Poll: p.ID, User: Bob, Choices: []int{1}, At: T0.Add(2 * time.Second)}, nil); err != nil {
		t.Fatal(err)
	}
	vs, err := s.Votes(ctx, p.ID)
	want := []groupapp.Vote{{Poll: p.ID, User: Alice, Choices: []int{1}, At: T0.Add(time.Second)}, {Poll: p.ID, User: Bob, Choices: []int{1}, At: T0.Add(2 * time.Second)}}
	if err != nil || !cmp.Equal(vs, want) {
		t.Errorf("Votes: got %+v, %v; want %+v", vs, err, want)
	}

	closed := T0.Add(time.Minute)
	changes, err = s.ClosePoll(ctx, Group, p.ID, closed, notify(groupapp.ChangePoll, p.ID, Alice))
	if err != nil {
		t.Fatalf("ClosePoll: %v", err)
	}
	checkChanges(t, "ClosePoll", changes, p.ID, Alice)
	changes, err = s.ClosePoll(ctx, Group, p.ID, closed.Add(time.Minute), notify(groupapp.ChangePoll, p.ID, Alice))
	if err != nil || len(changes) != 0 {
		t.Errorf("ClosePoll again: got %v, %v; want nothing changed", changes, err)
	}
	if got, _ := s.Poll(ctx, Group, p.ID); !got.Closed.Equal(closed) {
		t.Errorf("closed poll: got closed %v, want %v", got.Closed, closed)
	}
	_, err = s.ClosePoll(ctx, Group, p.ID+100, closed, nil)
	wantCode(t, "ClosePoll of no poll", err, hongyan.CodeNotFound)
	_, _, err = s.CreatePoll(ctx, groupapp.Poll{Question: "no group", Options: []string{"a", "b"}}, nil)
	wantCode(t, "CreatePoll without group", err, hongyan.CodeInvalid)
}

func testCheckinStore(t *testing.T, s groupapp.Store) {
	ctx := t.Context()
	in := func(u hongyan.UserID, day int64, wantAdded bool) groupapp.Tally {
		t.Helper()
		tl, added, changes, err := s.CheckIn(ctx, groupapp.Checkin{Group: Group, User: u, Day: day, At: T0.Add(time.Duration(day) * time.Minute)},
			notify(groupapp.ChangeCheckin, int64(u), Owner, u))
		if err != nil {
			t.Fatalf("CheckIn(%d, day %d): %v", u, day, err)
		}
		if added != wantAdded {
			t.Fatalf("CheckIn(%d, day %d): got added %v, want %v", u, day, added, wantAdded)
		}
		if added {
			checkChanges(t, "CheckIn", changes, int64(u), Owner, u)
		} else if len(changes) != 0 {
			t.Errorf("CheckIn again: got changes %+v, want none", changes)
		}
		return tl
	}
	in(Alice, 10, true)
	in(Alice, 11, true)
	in(Alice, 11, false)
	tl := in(Alice, 12, true)
	if tl.Streak != 3 || tl.Best != 3 || tl.Total != 3 || tl.LastDay != 12 {
		t.Errorf("three days running: got %+v", tl)
	}
	tl = in(Alice, 14, true) // missed day 13
	if tl.Streak != 1 || tl.Best != 3 || tl.Total != 4 || tl.LastDay != 14 {
		t.Errorf("after a gap: got %+v", tl)
	}
	in(Bob, 14, true)
	got, err := s.Tally(ctx, Group, Alice)
	if err != nil || got != tl {
		t.Errorf("Tally: got %+v, %v; want %+v", got, err, tl)
	}
	got, err = s.Tally(ctx, Group, Owner)
	if err != nil || got.Total != 0 || got.Streak != 0 {
		t.Errorf("Tally of someone who never checked in: got %+v, %v; want zero", got, err)
	}
	ts, err := s.Tallies(ctx, Group, 13, 10)
	if err != nil || len(ts) != 2 {
		t.Errorf("Tallies since 13: got %+v, %v; want Alice and Bob", ts, err)
	}
	ts, err = s.Tallies(ctx, Group+1, 0, 10)
	if err != nil || len(ts) != 0 {
		t.Errorf("Tallies of another group: got %+v, %v; want none", ts, err)
	}
}

func testHomeworkStore(t *testing.T, s groupapp.Store) {
	ctx := t.Context()
	h, changes, err := s.CreateHomework(ctx, groupapp.Homework{Group: Group, Creator: Owner, Title: "Essay", Body: "500 words\non geese",
		Due: T0.Add(24 * time.Hour), Created: T0}, notify(groupapp.ChangeHomework, 0, Owner, Alice))
	if err != nil {
		t.Fatalf("CreateHomework: %v", err)
	}
	checkChanges(t, "CreateHomework", changes, h.ID, Owner, Alice)
	got, err := s.Homework(ctx, Group, h.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(h, got); diff != "" {
		t.Errorf("Homework (-stored +read):\n%s", diff)
	}
	_, err = s.Homework(ctx, Group+1, h.ID)
	wantCode(t, "Homework of another group", err, hongyan.CodeNotFound)
	hs, err := s.Homeworks(ctx, Group, 0, 5)
	if err != nil || len(hs) != 1 || hs[0].ID != h.ID {
		t.Errorf("Homeworks: got %+v, %v", hs, err)
	}
	changes, err = s.Submit(ctx, Group, groupapp.Submission{Homework: h.ID, User: Alice, Text: "draft", At: T0}, 1<<40, notify(groupapp.ChangeHomework, h.ID, Owner))
	if err != nil {
		t.Fatalf("Submit: %v", err)
	}
	checkChanges(t, "Submit", changes, h.ID, Owner)
	if _, err := s.Submit(ctx, Group, groupapp.Submission{Homework: h.ID, User: Alice, Text: "final", At: T0.Add(time.Minute)}, 1<<40, nil); err != nil {
		t.Fatal(err)
	}
	_, err = s.Submit(ctx, Group+1, groupapp.Submission{Homework: h.ID, User: Bob, Text: "x", At: T0}, 1<<40, nil)
	wantCode(t, "Submit through another group", err, hongyan.CodeNotFound)
	subs, err := s.Submissions(ctx, h.ID)
	want := []groupapp.Submission{{Homework: h.ID, User: Alice, Text: "final", At: T0.Add(time.Minute)}}
	if err != nil || !cmp.Equal(subs, want) {
		t.Errorf("Submissions: got %+v, %v; want %+v", subs, err, want)
	}
	ok, err := s.Remind(ctx, Group, h.ID, T0.Add(time.Hour), T0)
	if err != nil || !ok {
		t.Errorf("first Remind: got %v, %v; want ok", ok, err)
	}
	ok, err = s.Remind(ctx, Group, h.ID, T0.Add(90*time.Minute), T0.Add(30*time.Minute))
	if err != nil || ok {
		t.Errorf("Remind too soon: got %v, %v; want refused", ok, err)
	}
	ok, err = s.Remind(ctx, Group, h.ID, T0.Add(3*time.Hour), T0.Add(2*time.Hour))
	if err != nil || !ok {
		t.Errorf("Remind later: got %v, %v; want ok", ok, err)
	}
	_, err = s.Remind(ctx, Group, h.ID+100, T0, T0)
	wantCode(t, "Remind of no homework", err, hongyan.CodeNotFound)
}

func testAnnouncementStore(t *testing.T, s groupapp.Store) {
	ctx := t.Context()
	a, changes, err := s.CreateAnnouncement(ctx, groupapp.Announcement{Group: Group, Author: Owner, Text: "Sports day on Friday", Created: T0, Updated: T0},
		notify(groupapp.ChangeAnnouncement, 0, Owner, Alice))
	if err != nil {
		t.Fatalf("CreateAnnouncement: %v", err)
	}
	checkChanges(t, "CreateAnnouncement", changes, a.ID, Owner, Alice)
	b, _, err := s.CreateAnnouncement(ctx, groupapp.Announcement{Group: Group, Author: Admin, Text: "Bring water", Pinned: true, Created: T0, Updated: T0}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Announcement(ctx, Group, a.ID)
	if err != nil || !cmp.Equal(got, a) {
		t.Errorf("Announcement: got %+v, %v; want %+v", got, err, a)
	}
	_, err = s.Announcement(ctx, Group+1, a.ID)
	wantCode(t, "Announcement of another group", err, hongyan.CodeNotFound)
	list := func(pinned bool) []int64 {
		t.Helper()
		as, err := s.Announcements(ctx, Group, 0, 10, pinned)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, a := range as {
			ids = append(ids, a.ID)
		}
		return ids
	}
	if got, want := list(false), []int64{b.ID, a.ID}; !cmp.Equal(got, want) {
		t.Errorf("Announcements: got %v, want %v", got, want)
	}
	if got, want := list(true), []int64{b.ID}; !cmp.Equal(got, want) {
		t.Errorf("pinned Announcements: got %v, want %v", got, want)
	}
	a.Removed, a.Updated = true, T0.Add(time.Minute)
	changes, err = s.UpdateAnnouncement(ctx, a, notify(groupapp.ChangeAnnouncement, a.ID, Alice))
	if err != nil {
		t.Fatalf("UpdateAnnouncement: %v", err)
	}
	checkChanges(t, "UpdateAnnouncement", changes, a.ID, Alice)
	if got, want := list(false), []int64{b.ID}; !cmp.Equal(got, want) {
		t.Errorf("after removal: got %v, want %v", got, want)
	}
	if got, err := s.Announcement(ctx, Group, a.ID); err != nil || !got.Removed || !got.Updated.Equal(a.Updated) {
		t.Errorf("a removed announcement: got %+v, %v; want it kept, removed", got, err)
	}
	_, err = s.UpdateAnnouncement(ctx, groupapp.Announcement{ID: a.ID, Group: Group + 1}, nil)
	wantCode(t, "UpdateAnnouncement through another group", err, hongyan.CodeNotFound)
}

func testEventStore(t *testing.T, s groupapp.Store) {
	ctx := t.Context()
	e, changes, err := s.CreateEvent(ctx, groupapp.Event{Group: Group, Creator: Alice, Title: "Hike", Place: "West gate", Start: T0.Add(48 * time.Hour),
		Limit: 2, Created: T0}, notify(groupapp.ChangeEvent, 0, Alice, Bob))
	if err != nil {
		t.Fatalf("CreateEvent: %v", err)
	}
	checkChanges(t, "CreateEvent", changes, e.ID, Alice, Bob)
	got, err := s.Event(ctx, Group, e.ID)
	if err != nil || !cmp.Equal(got, e) {
		t.Errorf("Event: got %+v, %v; want %+v", got, err, e)
	}
	_, err = s.Event(ctx, Group+1, e.ID)
	wantCode(t, "Event of another group", err, hongyan.CodeNotFound)
	for _, u := range []hongyan.UserID{Bob, Alice, Owner} {
		changes, err := s.SignUp(ctx, Group, groupapp.Signup{Event: e.ID, User: u, At: T0}, notify(groupapp.ChangeEvent, e.ID, Alice))
		if err != nil {
			t.Fatalf("SignUp %d: %v", u, err)
		}
		checkChanges(t, "SignUp", changes, e.ID, Alice)
	}
	changes, err = s.SignUp(ctx, Group, groupapp.Signup{Event: e.ID, User: Bob, At: T0}, notify(groupapp.ChangeEvent, e.ID, Alice))
	if err != nil || len(changes) != 0 {
		t.Errorf("SignUp again: got %v, %v; want nothing changed", changes, err)
	}
	_, err = s.SignUp(ctx, Group+1, groupapp.Signup{Event: e.ID, User: Admin, At: T0}, nil)
	wantCode(t, "SignUp through another group", err, hongyan.CodeNotFound)
	order := func() []hongyan.UserID {
		t.Helper()
		ups, err := s.Signups(ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		var out []hongyan.UserID
		for i, u := range ups {
			if i > 0 && u.Seq <= ups[i-1].Seq {
				t.Errorf("sign-ups out of order: %+v", ups)
			}
			out = append(out, u.User)
		}
		return out
	}
	if got, want := order(), []hongyan.UserID{Bob, Alice, Owner}; !cmp.Equal(got, want) {
		t.Errorf("Signups: got %v, want %v", got, want)
	}
	changes, err = s.CancelSignup(ctx, Group, e.ID, Bob, notify(groupapp.ChangeEvent, e.ID, Alice))
	if err != nil {
		t.Fatal(err)
	}
	checkChanges(t, "CancelSignup", changes, e.ID, Alice)
	changes, err = s.CancelSignup(ctx, Group, e.ID, Bob, notify(groupapp.ChangeEvent, e.ID, Alice))
	if err != nil || len(changes) != 0 {
		t.Errorf("CancelSignup again: got %v, %v; want nothing changed", changes, err)
	}
	if _, err := s.SignUp(ctx, Group, groupapp.Signup{Event: e.ID, User: Bob, At: T0}, nil); err != nil {
		t.Fatal(err)
	}
	if got, want := order(), []hongyan.UserID{Alice, Owner, Bob}; !cmp.Equal(got, want) {
		t.Errorf("after Bob cancelled and came back: got %v, want %v (at the end)", got, want)
	}
	if es, err := s.Events(ctx, Group, 0, 5); err != nil || len(es) != 1 {
		t.Errorf("Events: got %+v, %v", es, err)
	}
	ok, err := s.RemindEvent(ctx, Group, e.ID, T0.Add(time.Hour), T0)
	if err != nil || !ok {
		t.Errorf("RemindEvent: got %v, %v", ok, err)
	}
	ok, err = s.RemindEvent(ctx, Group, e.ID, T0.Add(90*time.Minute), T0.Add(30*time.Minute))
	if err != nil || ok {
		t.Errorf("RemindEvent too soon: got %v, %v; want refused", ok, err)
	}
}
