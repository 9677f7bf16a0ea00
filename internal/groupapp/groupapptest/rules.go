package groupapptest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"hongyan/internal/groupapp"
	"hongyan/internal/hongyan"
)

func testPollRules(t *testing.T, s groupapp.Store) {
	ctx := t.Context()
	f := NewFixture(s)
	bad := []groupapp.NewPoll{
		{Question: "", Options: []string{"a", "b"}},
		{Question: "one option", Options: []string{"a"}},
		{Question: "twice", Options: []string{"a", " a"}},
		{Question: "empty option", Options: []string{"a", " "}},
		{Question: "past", Options: []string{"a", "b"}, Deadline: T0.Add(-time.Minute)},
		{Question: "control\x01", Options: []string{"a", "b"}},
	}
	for _, np := range bad {
		_, err := f.S.CreatePoll(ctx, caller(Alice), Group, np)
		wantCode(t, "CreatePoll "+np.Question, err, hongyan.CodeInvalid)
	}
	if n := len(f.Cards.Cards); n != 0 {
		t.Errorf("bad polls posted %d cards, want none", n)
	}

	p, err := f.S.CreatePoll(ctx, caller(Alice), Group, groupapp.NewPoll{Question: " Picnic day? ", Options: []string{"Sat", "Sun"}, Deadline: T0.Add(time.Hour)})
	if err != nil {
		t.Fatalf("CreatePoll: %v", err)
	}
	if p.Question != "Picnic day?" || p.Creator != Alice {
		t.Errorf("CreatePoll: got %+v", p)
	}
	if got, want := f.Cards.Last(), (Posted{Group, Alice, groupapp.Card{App: groupapp.AppPoll, Kind: groupapp.CardCreated, Item: p.ID, Title: "Picnic day?"}}); !cmp.Equal(got, want) {
		t.Errorf("card: got %+v, want %+v", got, want)
	}
	_, err = f.S.Vote(ctx, caller(Bob), Group, p.ID, []int{0, 1})
	wantCode(t, "two choices on a single-choice poll", err, hongyan.CodeInvalid)
	_, err = f.S.Vote(ctx, caller(Bob), Group, p.ID, []int{2})
	wantCode(t, "no such option", err, hongyan.CodeInvalid)
	_, err = f.S.Vote(ctx, caller(Bob), Group, p.ID, nil)
	wantCode(t, "no choice", err, hongyan.CodeInvalid)
	v, err := f.S.Vote(ctx, caller(Bob), Group, p.ID, []int{0})
	if err != nil {
		t.Fatalf("Vote: %v", err)
	}
	if !cmp.Equal(v.Counts, []int{1, 0}) || v.Voters != 1 || !cmp.Equal(v.Mine, []int{0}) || !v.Open {
		t.Errorf("after Bob's vote: got %+v", v)
	}
	if _, err := f.S.Vote(ctx, caller(Alice), Group, p.ID, []int{1}); err != nil {
		t.Fatal(err)
	}
	v, err = f.S.Vote(ctx, caller(Bob), Group, p.ID, []int{1}) // changes his mind
	if err != nil {
		t.Fatal(err)
	}
	if !cmp.Equal(v.Counts, []int{0, 2}) || v.Voters != 2 || !cmp.Equal(v.ByOption, [][]hongyan.UserID{nil, {Alice, Bob}}) {
		t.Errorf("after the change: got counts %v voters %d by option %v; want [0 2], 2, [[] [Alice Bob]]", v.Counts, v.Voters, v.ByOption)
	}
	v, err = f.S.Poll(ctx, caller(Owner), Group, p.ID)
	if err != nil || v.Mine != nil || v.Voters != 2 {
		t.Errorf("Poll for the owner, who did not vote: got %+v, %v", v, err)
	}

	// The deadline passes: no more votes, the results stay.
	f.Clock.Set(T0.Add(time.Hour))
	_, err = f.S.Vote(ctx, caller(Bob), Group, p.ID, []int{0})
	wantCode(t, "Vote after the deadline", err, hongyan.CodePrecondition)
	v, _ = f.S.Poll(ctx, caller(Bob), Group, p.ID)
	if v.Open || !cmp.Equal(v.Counts, []int{0, 2}) {
		t.Errorf("after the deadline: got open %v counts %v", v.Open, v.Counts)
	}
	f.Clock.Set(T0)

	// Anonymous, multiple choice; closed early by an admin, not by Bob.
	a, err := f.S.CreatePoll(ctx, caller(Bob), Group, groupapp.NewPoll{Question: "Snacks", Options: []string{"tea", "cake", "fruit"}, Multi: true, Anonymous: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.S.Vote(ctx, caller(Alice), Group, a.ID, []int{2, 0}); err != nil {
		t.Fatal(err)
	}
	_, err = f.S.Vote(ctx, caller(Owner), Group, a.ID, []int{1, 1})
	wantCode(t, "an option twice", err, hongyan.CodeInvalid)
	v, err = f.S.Poll(ctx, caller(Bob), Group, a.ID)
	if err != nil || v.ByOption != nil || !cmp.Equal(v.Counts, []int{1, 0, 1}) {
		t.Errorf("anonymous poll for its creator: got by option %v counts %v, %v; want no names", v.ByOption, v.Counts, err)
	}
	v, _ = f.S.Poll(ctx, caller(Alice), Group, a.ID)
	if !cmp.Equal(v.Mine, []int{0, 2}) {
		t.Errorf("Alice's own choices: got %v, want [0 2]", v.Mine)
	}
	_, err = f.S.ClosePoll(ctx, caller(Alice), Group, a.ID)
	wantCode(t, "ClosePoll by a member who did not create it", err, hongyan.CodeDenied)
	v, err = f.S.ClosePoll(ctx, caller(Admin), Group, a.ID)
	if err != nil || v.Open || v.Closed.IsZero() {
		t.Errorf("ClosePoll by an admin: got %+v, %v", v, err)
	}
	if c := f.Cards.Last(); c.Card.Kind != groupapp.CardClosed || c.Card.Item != a.ID || c.From != Admin {
		t.Errorf("close card: got %+v", c)
	}
	_, err = f.S.Vote(ctx, caller(Alice), Group, a.ID, []int{1})
	wantCode(t, "Vote on a closed poll", err, hongyan.CodePrecondition)

	ps, err := f.S.Polls(ctx, caller(Alice), Group, 0, 0)
	if err != nil || len(ps) != 2 || ps[0].ID != a.ID {
		t.Errorf("Polls: got %d, %v; want 2, newest first", len(ps), err)
	}

	// Muted: no new poll (it posts), but voting is answering.
	f.Groups.Set(Group, groupapp.Member{User: Bob, Muted: true})
	_, err = f.S.CreatePoll(ctx, caller(Bob), Group, groupapp.NewPoll{Question: "muted", Options: []string{"a", "b"}})
	wantCode(t, "CreatePoll while muted", err, hongyan.CodeDenied)
	b, err := f.S.CreatePoll(ctx, caller(Alice), Group, groupapp.NewPoll{Question: "Bob's", Options: []string{"a", "b"}})
	if err != nil {
		t.Fatal(err)
	}
	f.Groups.Set(Group, groupapp.Member{User: Alice, Muted: true})
	if _, err := f.S.Vote(ctx, caller(Bob), Group, b.ID, []int{0}); err != nil {
		t.Errorf("Vote while muted: %v", err)
	}
	_, err = f.S.ClosePoll(ctx, caller(Alice), Group, b.ID)
	wantCode(t, "ClosePoll by its muted creator (it posts a card)", err, hongyan.CodeDenied)
}

func testCheckinRules(t *testing.T, s groupapp.Store) {
	ctx := t.Context()
	f := NewFixture(s)
	// 23:30 UTC on 1 March is 07:30 on 2 March in Shanghai; 16:30 UTC the
	// next day is 00:30 on 3 March there: the next day, not the same one.
	day1 := time.Date(2026, 3, 1, 23, 30, 0, 0, time.UTC)
	f.Clock.Set(day1)
	b, err := f.S.CheckIn(ctx, caller(Alice), Group)
	if err != nil {
		t.Fatalf("CheckIn: %v", err)
	}
	if want := groupapp.Day(day1, Shanghai); b.Day != want || b.Me.Streak != 1 || !b.Me.Today || b.Today != 1 || b.Zone != "Asia/Shanghai" {
		t.Errorf("first check-in: got %+v, want day %d, streak 1", b, want)
	}
	if b.Day != time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC).Unix()/86400 {
		t.Errorf("day of %v in Shanghai: got %d, want 2 March", day1, b.Day)
	}
	if _, err := f.S.CheckIn(ctx, caller(Alice), Group); err != nil {
		t.Fatal(err)
	}
	f.Clock.Set(day1.Add(17 * time.Hour))
	b, _ = f.S.CheckIn(ctx, caller(Alice), Group)
	if b.Me.Streak != 2 || b.Me.Total != 2 {
		t.Errorf("next day in Shanghai: got %+v, want streak 2 of 2", b.Me)
	}
	b, _ = f.S.CheckIn(ctx, caller(Bob), Group)
	if b.Me.Streak != 1 {
		t.Errorf("Bob: got %+v", b.Me)
	}
	// Muted members may check in.
	f.Groups.Set(Group, groupapp.Member{User: Owner, Role: groupapp.RoleOwner, Muted: true})
	f.Clock.Set(day1.Add(17*time.Hour + time.Minute)) // after Bob: ranked after him
	if _, err := f.S.CheckIn(ctx, caller(Owner), Group); err != nil {
		t.Errorf("CheckIn while muted: %v", err)
	}
	b, err = f.S.Board(ctx, caller(Admin), Group)
	if err != nil {
		t.Fatal(err)
	}
	var ranked []hongyan.UserID
	for _, r := range b.Ranking {
		ranked = append(ranked, r.User)
	}
	if want := []hongyan.UserID{Alice, Bob, Owner}; !cmp.Equal(ranked, want) || b.Today != 3 || b.Me.Today {
		t.Errorf("Board: got ranking %v, today %d, me %+v; want %v, 3, not checked in", ranked, b.Today, b.Me, want)
	}
	// Two days later nobody's streak goes on; Alice checks in again.
	f.Clock.Set(day1.Add(17*time.Hour + 48*time.Hour))
	b, _ = f.S.CheckIn(ctx, caller(Alice), Group)
	if b.Me.Streak != 1 || b.Me.Best != 2 || b.Me.Total != 3 || len(b.Ranking) != 1 {
		t.Errorf("after a gap: got me %+v, ranking %+v", b.Me, b.Ranking)
	}
	// Someone who left drops out of the ranking.
	f.Groups.Remove(Group, Alice)
	b, _ = f.S.Board(ctx, caller(Bob), Group)
	if len(b.Ranking) != 0 || b.Today != 0 {
		t.Errorf("after Alice left: got ranking %+v, today %d", b.Ranking, b.Today)
	}
}

func testHomeworkRules(t *testing.T, s groupapp.Store) {
	ctx := t.Context()
	f := NewFixture(s)
	due := T0.Add(48 * time.Hour)
	_, err := f.S.PostHomework(ctx, caller(Alice), Group, groupapp.NewHomework{Title: "Essay", Due: due})
	wantCode(t, "PostHomework by a member", err, hongyan.CodeDenied)
	_, err = f.S.PostHomework(ctx, caller(Admin), Group, groupapp.NewHomework{Title: "Essay", Due: T0})
	wantCode(t, "PostHomework due now", err, hongyan.CodeInvalid)
	_, err = f.S.PostHomework(ctx, caller(Admin), Group, groupapp.NewHomework{Title: "", Due: due})
	wantCode(t, "PostHomework without title", err, hongyan.CodeInvalid)
	h, err := f.S.PostHomework(ctx, caller(Admin), Group, groupapp.NewHomework{Title: "Essay", Body: "On geese.\nTwo pages.", Due: due})
	if err != nil {
		t.Fatalf("PostHomework: %v", err)
	}
	if c := f.Cards.Last(); c.Card.App != groupapp.AppHomework || c.Card.Kind != groupapp.CardCreated || c.Card.Item != h.ID || c.From != Admin {
		t.Errorf("card: got %+v", c)
	}
	v, err := f.S.Submit(ctx, caller(Alice), Group, h.ID, "My essay")
	if err != nil {
		t.Fatalf("Submit: %v", err)
	}
	if v.Manager || v.Missing != nil || v.Submissions != nil || v.Mine == nil || v.Mine.Text != "My essay" || v.Submitted != 1 || v.Members != 3 {
		t.Errorf("Submit as Alice: got %+v", v)
	}
	_, err = f.S.Submit(ctx, caller(Alice), Group, h.ID, "")
	wantCode(t, "empty answer", err, hongyan.CodeInvalid)
	v, err = f.S.Homework(ctx, caller(Admin), Group, h.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := []hongyan.UserID{Owner, Bob}; !v.Manager || !cmp.Equal(v.Missing, want) || len(v.Submissions) != 1 {
		t.Errorf("Homework for its poster: got missing %v, submissions %+v; want %v", v.Missing, v.Submissions, want)
	}
	// The owner sees it all too; Bob does not.
	if v, _ := f.S.Homework(ctx, caller(Owner), Group, h.ID); !v.Manager || len(v.Missing) != 2 {
		t.Errorf("Homework for the owner: got %+v", v)
	}
	_, err = f.S.Remind(ctx, caller(Bob), Group, h.ID)
	wantCode(t, "Remind by a member", err, hongyan.CodeDenied)
	if _, err := f.S.Remind(ctx, caller(Admin), Group, h.ID); err != nil {
		t.Fatalf("Remind: %v", err)
	}
	if c := f.Cards.Last(); c.Card.Kind != groupapp.CardReminder || !cmp.Equal(c.Card.Mentions, []hongyan.UserID{Owner, Bob}) {
		t.Errorf("reminder card: got %+v, want mentions of Owner and Bob", c)
	}
	_, err = f.S.Remind(ctx, caller(Admin), Group, h.ID)
	wantCode(t, "Remind again at once", err, hongyan.CodeRateLimited)
	f.Clock.Set(T0.Add(2 * time.Hour))
	if _, err := f.S.Remind(ctx, caller(Owner), Group, h.ID); err != nil {
		t.Errorf("Remind two hours later: %v", err)
	}
	hs, err := f.S.Homeworks(ctx, caller(Bob), Group, 0, 10)
	if err != nil || len(hs) != 1 || hs[0].Manager || hs[0].Missing != nil {
		t.Errorf("Homeworks for Bob: got %+v, %v", hs, err)
	}
	f.Clock.Set(due)
	_, err = f.S.Submit(ctx, caller(Bob), Group, h.ID, "late")
	wantCode(t, "Submit when due", err, hongyan.CodePrecondition)
}

// testStrangers checks that a stranger and a removed member learn
// nothing and change nothing.
func testStrangers(t *testing.T, s groupapp.Store) {
	ctx := t.Context()
	f := NewFixture(s)
	f.Groups.Set(Group, groupapp.Member{User: Carol})
	p, err := f.S.CreatePoll(ctx, caller(Alice), Group, groupapp.NewPoll{Question: "Q", Options: []string{"a", "b"}})
	if err != nil {
		t.Fatal(err)
	}
	h, err := f.S.PostHomework(ctx, caller(Owner), Group, groupapp.NewHomework{Title: "H", Due: T0.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	f.Groups.Remove(Group, Carol)
	for _, u := range []hongyan.UserID{Carol, Stranger} {
		c := caller(u)
		_, err := f.S.Poll(ctx, c, Group, p.ID)
		wantCode(t, "Poll", err, hongyan.CodeNotFound)
		_, err = f.S.Polls(ctx, c, Group, 0, 10)
		wantCode(t, "Polls", err, hongyan.CodeNotFound)
		_, err = f.S.Vote(ctx, c, Group, p.ID, []int{0})
		wantCode(t, "Vote", err, hongyan.CodeNotFound)
		_, err = f.S.ClosePoll(ctx, c, Group, p.ID)
		wantCode(t, "ClosePoll", err, hongyan.CodeNotFound)
		_, err = f.S.CreatePoll(ctx, c, Group, groupapp.NewPoll{Question: "Q", Options: []string{"a", "b"}})
		wantCode(t, "CreatePoll", err, hongyan.CodeNotFound)
		_, err = f.S.CheckIn(ctx, c, Group)
		wantCode(t, "CheckIn", err, hongyan.CodeNotFound)
		_, err = f.S.Board(ctx, c, Group)
		wantCode(t, "Board", err, hongyan.CodeNotFound)
		_, err = f.S.Homework(ctx, c, Group, h.ID)
		wantCode(t, "Homework", err, hongyan.CodeNotFound)
		_, err = f.S.Submit(ctx, c, Group, h.ID, "x")
		wantCode(t, "Submit", err, hongyan.CodeNotFound)
	}
	// A member of another group cannot reach this group's objects through it.
	other := Group + 1
	f.Groups.Set(other, groupapp.Member{User: Stranger, Role: groupapp.RoleOwner})
	_, err = f.S.Poll(ctx, caller(Stranger), other, p.ID)
	wantCode(t, "Poll through another group", err, hongyan.CodeNotFound)
	_, err = f.S.Vote(ctx, caller(Stranger), other, p.ID, []int{0})
	wantCode(t, "Vote through another group", err, hongyan.CodeNotFound)
	_, err = f.S.Homework(ctx, caller(Stranger), other, h.ID)
	wantCode(t, "Homework through another group", err, hongyan.CodeNotFound)
	v, err := f.S.Poll(ctx, caller(Alice), Group, p.ID)
	if err != nil || v.Voters != 0 {
		t.Errorf("after strangers tried: got %+v, %v; want no votes", v, err)
	}
}

func testAnnouncementRules(t *testing.T, s groupapp.Store) {
	ctx := t.Context()
	f := NewFixture(s)
	_, err := f.S.Announce(ctx, caller(Alice), Group, "I am not an admin", false)
	wantCode(t, "Announce by a member", err, hongyan.CodeDenied)
	_, err = f.S.Announce(ctx, caller(Admin), Group, "  ", false)
	wantCode(t, "Announce nothing", err, hongyan.CodeInvalid)
	a, err := f.S.Announce(ctx, caller(Admin), Group, "Sports day on Friday\nBring water and a hat.", true)
	if err != nil {
		t.Fatalf("Announce: %v", err)
	}
	if c := f.Cards.Last(); c.Card.App != groupapp.AppAnnouncement || c.Card.Item != a.ID || c.Card.Title != "Sports day on Friday" {
		t.Errorf("card: got %+v, want the first line as title", c)
	}
	_, err = f.S.PinAnnouncement(ctx, caller(Alice), Group, a.ID, false)
	wantCode(t, "Unpin by a member", err, hongyan.CodeDenied)
	got, err := f.S.PinAnnouncement(ctx, caller(Owner), Group, a.ID, false)
	if err != nil || got.Pinned {
		t.Errorf("Unpin by the owner: got %+v, %v", got, err)
	}
	as, err := f.S.Announcements(ctx, caller(Alice), Group, 0, 0, false)
	if err != nil || len(as) != 1 || as[0].Pinned {
		t.Errorf("board for a member: got %+v, %v", as, err)
	}
	if _, err := f.S.RemoveAnnouncement(ctx, caller(Admin), Group, a.ID); err != nil {
		t.Fatalf("RemoveAnnouncement: %v", err)
	}
	_, err = f.S.PinAnnouncement(ctx, caller(Admin), Group, a.ID, true)
	wantCode(t, "Pin a removed announcement", err, hongyan.CodeNotFound)
	if v, err := f.S.Announcement(ctx, caller(Alice), Group, a.ID); err != nil || !v.Removed {
		t.Errorf("a removed announcement for a device: got %+v, %v; want it, removed", v, err)
	}
	_, err = f.S.Announcements(ctx, caller(Stranger), Group, 0, 0, false)
	wantCode(t, "board for a stranger", err, hongyan.CodeNotFound)
	_, err = f.S.Announcement(ctx, caller(Carol), Group, a.ID)
	wantCode(t, "announcement for a former member", err, hongyan.CodeNotFound)
	f.Groups.Set(Group, groupapp.Member{User: Admin, Role: groupapp.RoleAdmin, Muted: true})
	_, err = f.S.Announce(ctx, caller(Admin), Group, "muted", false)
	wantCode(t, "Announce while muted", err, hongyan.CodeDenied)
}

func testEventRules(t *testing.T, s groupapp.Store) {
	ctx := t.Context()
	f := NewFixture(s)
	start := T0.Add(24 * time.Hour)
	_, err := f.S.CreateEvent(ctx, caller(Alice), Group, groupapp.NewEvent{Title: "Hike", Start: T0.Add(-time.Hour)})
	wantCode(t, "CreateEvent in the past", err, hongyan.CodeInvalid)
	_, err = f.S.CreateEvent(ctx, caller(Alice), Group, groupapp.NewEvent{Title: "Hike", Start: start, Limit: -1})
	wantCode(t, "CreateEvent with a negative limit", err, hongyan.CodeInvalid)
	e, err := f.S.CreateEvent(ctx, caller(Alice), Group, groupapp.NewEvent{Title: "Hike", Place: "West gate", Start: start, Limit: 2})
	if err != nil {
		t.Fatalf("CreateEvent: %v", err)
	}
	if c := f.Cards.Last(); c.Card.App != groupapp.AppEvent || c.Card.Item != e.ID {
		t.Errorf("card: got %+v", c)
	}
	for _, u := range []hongyan.UserID{Bob, Owner, Admin} {
		if _, err := f.S.SignUp(ctx, caller(u), Group, e.ID); err != nil {
			t.Fatalf("SignUp %d: %v", u, err)
		}
	}
	v, err := f.S.EventOf(ctx, caller(Admin), Group, e.ID)
	if err != nil || !cmp.Equal(v.Going, []hongyan.UserID{Bob, Owner}) || !cmp.Equal(v.Waiting, []hongyan.UserID{Admin}) || v.Mine != 2 || v.WaitingAt != 1 {
		t.Errorf("with the places taken: got going %v waiting %v mine %d at %d, %v", v.Going, v.Waiting, v.Mine, v.WaitingAt, err)
	}
	// Bob cancels: Admin, who waited, gets his place and is told.
	v, err = f.S.CancelSignup(ctx, caller(Bob), Group, e.ID)
	if err != nil || !cmp.Equal(v.Going, []hongyan.UserID{Owner, Admin}) || v.Waiting != nil || v.Mine != 0 {
		t.Errorf("after Bob cancelled: got going %v waiting %v mine %d, %v", v.Going, v.Waiting, v.Mine, err)
	}
	if c := f.Cards.Last(); c.Card.Kind != groupapp.CardPromoted || !cmp.Equal(c.Card.Mentions, []hongyan.UserID{Admin}) || c.From != Alice {
		t.Errorf("promotion card: got %+v, want Admin mentioned, from the creator", c)
	}
	// Someone waiting cancels: nobody is promoted, no card.
	if _, err := f.S.SignUp(ctx, caller(Bob), Group, e.ID); err != nil {
		t.Fatal(err)
	}
	cards := len(f.Cards.Cards)
	if _, err := f.S.CancelSignup(ctx, caller(Bob), Group, e.ID); err != nil {
		t.Fatal(err)
	}
	if len(f.Cards.Cards) != cards {
		t.Errorf("cancelling from the waiting list posted a card: %+v", f.Cards.Last())
	}
	_, err = f.S.RemindEvent(ctx, caller(Bob), Group, e.ID)
	wantCode(t, "RemindEvent by a member who did not create it", err, hongyan.CodeDenied)
	if _, err := f.S.RemindEvent(ctx, caller(Alice), Group, e.ID); err != nil {
		t.Fatalf("RemindEvent by its creator: %v", err)
	}
	if c := f.Cards.Last(); c.Card.Kind != groupapp.CardReminder || !cmp.Equal(c.Card.Mentions, []hongyan.UserID{Owner, Admin}) {
		t.Errorf("reminder: got %+v, want those going mentioned", c)
	}
	_, err = f.S.RemindEvent(ctx, caller(Admin), Group, e.ID)
	wantCode(t, "RemindEvent again at once", err, hongyan.CodeRateLimited)
	// Someone who leaves the group gives up their place.
	f.Groups.Remove(Group, Owner)
	if _, err := f.S.SignUp(ctx, caller(Bob), Group, e.ID); err != nil {
		t.Fatal(err)
	}
	v, _ = f.S.EventOf(ctx, caller(Bob), Group, e.ID)
	if !cmp.Equal(v.Going, []hongyan.UserID{Admin, Bob}) || v.Mine != 1 {
		t.Errorf("after the owner left: got going %v mine %d", v.Going, v.Mine)
	}
	_, err = f.S.SignUp(ctx, caller(Owner), Group, e.ID)
	wantCode(t, "SignUp by a former member", err, hongyan.CodeNotFound)
	_, err = f.S.EventOf(ctx, caller(Stranger), Group, e.ID)
	wantCode(t, "EventOf for a stranger", err, hongyan.CodeNotFound)
	f.Clock.Set(start)
	_, err = f.S.SignUp(ctx, caller(Alice), Group, e.ID)
	wantCode(t, "SignUp once started", err, hongyan.CodePrecondition)
	_, err = f.S.CancelSignup(ctx, caller(Bob), Group, e.ID)
	wantCode(t, "CancelSignup once started", err, hongyan.CodePrecondition)
}
