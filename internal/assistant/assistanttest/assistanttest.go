// Package assistanttest is the conformance suite of assistant.Store: every
// storage engine runs it.
package assistanttest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"hongyan/internal/assistant"
	"hongyan/internal/hongyan"
)

// Run runs the suite; open returns a fresh, empty store for each test.
func Run(t *testing.T, open func(t *testing.T) assistant.Store) {
	t.Run("Settings", func(t *testing.T) { testSettings(t, open(t)) })
	t.Run("Keywords", func(t *testing.T) { testKeywords(t, open(t)) })
	t.Run("Schedules", func(t *testing.T) { testSchedules(t, open(t)) })
	t.Run("Identity", func(t *testing.T) { testIdentity(t, open(t)) })
	t.Run("Commit", func(t *testing.T) { testCommit(t, open(t)) })
	t.Run("Lotteries", func(t *testing.T) { testLotteries(t, open(t)) })
	t.Run("Birthdays", func(t *testing.T) { testBirthdays(t, open(t)) })
}

// T0 is a time with millisecond precision, as stores keep times.
var T0 = time.UnixMilli(1_760_000_000_123).UTC()

func wantCode(t *testing.T, what string, err error, code hongyan.Code) {
	t.Helper()
	if got := hongyan.ErrorCode(err); got != code {
		t.Errorf("%s: got error %v (code %q), want code %q", what, err, got, code)
	}
}

func testSettings(t *testing.T, s assistant.Store) {
	ctx := t.Context()
	_, err := s.Settings(ctx, 10)
	wantCode(t, "Settings of a group never turned on", err, hongyan.CodeNotFound)
	want := assistant.Settings{Group: 10, Welcome: "欢迎 {name}", Timezone: "Asia/Shanghai", By: 7, Updated: T0}
	if err := s.SetSettings(ctx, want); err != nil {
		t.Fatalf("SetSettings: %v", err)
	}
	got, err := s.Settings(ctx, 10)
	if err != nil {
		t.Fatalf("Settings: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Settings (-want +got):\n%s", diff)
	}
	// Commit moves LastReply; SetSettings leaves it.
	if err := s.Commit(ctx, 0, 1, assistant.Tally{Replied: map[hongyan.ConversationID]time.Time{10: T0.Add(time.Minute)}}); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	want.Welcome = ""
	if err := s.SetSettings(ctx, want); err != nil {
		t.Fatalf("SetSettings: %v", err)
	}
	got, _ = s.Settings(ctx, 10)
	want.LastReply = T0.Add(time.Minute)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Settings after Commit and SetSettings (-want +got):\n%s", diff)
	}
}

func testKeywords(t *testing.T, s assistant.Store) {
	ctx := t.Context()
	a, err := s.AddKeyword(ctx, assistant.Keyword{Group: 10, Word: "价格", Reply: "请看公告", Exact: false, By: 7, Created: T0}, 2)
	if err != nil || a.ID <= 0 {
		t.Fatalf("AddKeyword: %+v, %v", a, err)
	}
	_, err = s.AddKeyword(ctx, assistant.Keyword{Group: 10, Word: "价格", Reply: "again", By: 7, Created: T0}, 2)
	wantCode(t, "AddKeyword of a word the group has", err, hongyan.CodeExists)
	b, err := s.AddKeyword(ctx, assistant.Keyword{Group: 10, Word: "hi", Reply: "hello", Exact: true, By: 7, Created: T0}, 2)
	if err != nil {
		t.Fatalf("AddKeyword: %v", err)
	}
	_, err = s.AddKeyword(ctx, assistant.Keyword{Group: 10, Word: "third", Reply: "x", By: 7, Created: T0}, 2)
	wantCode(t, "AddKeyword over the limit", err, hongyan.CodePrecondition)
	if _, err := s.AddKeyword(ctx, assistant.Keyword{Group: 11, Word: "价格", Reply: "other group", By: 7, Created: T0}, 2); err != nil {
		t.Errorf("AddKeyword in another group: %v", err)
	}
	got, err := s.Keywords(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]assistant.Keyword{a, b}, got); diff != "" {
		t.Errorf("Keywords (-want +got):\n%s", diff)
	}
	wantCode(t, "RemoveKeyword of another group's", s.RemoveKeyword(ctx, 11, a.ID), hongyan.CodeNotFound)
	if err := s.RemoveKeyword(ctx, 10, a.ID); err != nil {
		t.Fatalf("RemoveKeyword: %v", err)
	}
	wantCode(t, "RemoveKeyword again", s.RemoveKeyword(ctx, 10, a.ID), hongyan.CodeNotFound)
	if got, _ := s.Keywords(ctx, 10); len(got) != 1 || got[0].ID != b.ID {
		t.Errorf("Keywords after removal: got %+v, want only %d", got, b.ID)
	}
}

func testSchedules(t *testing.T, s assistant.Store) {
	ctx := t.Context()
	sc := assistant.Schedule{Group: 10, Text: "早上好", First: T0, Repeat: assistant.Daily, Zone: "Asia/Shanghai", Next: T0, By: 7, Updated: T0}
	a, err := s.PutSchedule(ctx, sc, 2)
	if err != nil || a.ID <= 0 {
		t.Fatalf("PutSchedule: %+v, %v", a, err)
	}
	sc.Next, sc.First = T0.Add(time.Hour), T0.Add(time.Hour)
	b, err := s.PutSchedule(ctx, sc, 2)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.PutSchedule(ctx, sc, 2)
	wantCode(t, "PutSchedule over the limit", err, hongyan.CodePrecondition)
	edit := a
	edit.Text, edit.Repeat = "晚安", assistant.Weekly
	if _, err := s.PutSchedule(ctx, edit, 2); err != nil {
		t.Fatalf("PutSchedule edit: %v", err)
	}
	other := edit
	other.Group = 11
	_, err = s.PutSchedule(ctx, other, 2)
	wantCode(t, "PutSchedule editing another group's", err, hongyan.CodeNotFound)
	got, err := s.Schedules(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]assistant.Schedule{edit, b}, got); diff != "" {
		t.Errorf("Schedules (-want +got):\n%s", diff)
	}
	due, err := s.DueSchedules(ctx, T0.Add(time.Minute), 10)
	if err != nil || len(due) != 1 || due[0].ID != a.ID {
		t.Fatalf("DueSchedules at T0+1m: got %+v, %v; want only %d", due, err, a.ID)
	}
	if ok, err := s.AdvanceSchedule(ctx, a.ID, T0, T0.Add(24*time.Hour)); !ok || err != nil {
		t.Fatalf("AdvanceSchedule: %v, %v", ok, err)
	}
	if ok, err := s.AdvanceSchedule(ctx, a.ID, T0, T0.Add(48*time.Hour)); ok || err != nil {
		t.Errorf("AdvanceSchedule from a time it left: got %v, %v; want false", ok, err)
	}
	if due, _ := s.DueSchedules(ctx, T0.Add(time.Minute), 10); len(due) != 0 {
		t.Errorf("DueSchedules after advancing: got %+v, want none", due)
	}
	if ok, err := s.AdvanceSchedule(ctx, b.ID, b.Next, time.Time{}); !ok || err != nil {
		t.Fatalf("AdvanceSchedule to the end: %v, %v", ok, err)
	}
	wantCode(t, "CancelSchedule of one that ended", s.CancelSchedule(ctx, 10, b.ID), hongyan.CodeNotFound)
	wantCode(t, "CancelSchedule of another group's", s.CancelSchedule(ctx, 11, a.ID), hongyan.CodeNotFound)
	if err := s.CancelSchedule(ctx, 10, a.ID); err != nil {
		t.Errorf("CancelSchedule: %v", err)
	}
	if got, _ := s.Schedules(ctx, 10); len(got) != 0 {
		t.Errorf("Schedules after cancel: got %+v, want none", got)
	}
}

func testIdentity(t *testing.T, s assistant.Store) {
	ctx := t.Context()
	_, err := s.Identity(ctx)
	wantCode(t, "Identity before one is made", err, hongyan.CodeNotFound)
	first := assistant.Identity{Bot: 3, Account: 40, Token: "hyb_first"}
	got, err := s.SetIdentity(ctx, first)
	if err != nil || got != first {
		t.Fatalf("SetIdentity: got %+v, %v; want %+v", got, err, first)
	}
	got, err = s.SetIdentity(ctx, assistant.Identity{Bot: 4, Account: 41, Token: "hyb_second"})
	if err != nil || got != first {
		t.Errorf("SetIdentity a second time: got %+v, %v; want the first, %+v", got, err, first)
	}
}

func testCommit(t *testing.T, s assistant.Store) {
	ctx := t.Context()
	if cur, err := s.Cursor(ctx); cur != 0 || err != nil {
		t.Fatalf("Cursor at first: got %d, %v; want 0", cur, err)
	}
	d1, d2 := assistant.DayKey{Group: 10, Day: "2026-12-01"}, assistant.DayKey{Group: 10, Day: "2026-12-02"}
	tally := assistant.Tally{
		Days:   map[assistant.DayKey]assistant.DayStat{d1: {Messages: 3, Joins: 2}, d2: {Messages: 1, Leaves: 1}, {Group: 11, Day: "2026-12-01"}: {Messages: 9}},
		Active: map[assistant.DayKey][]hongyan.UserID{d1: {5, 6, 5}, d2: {5}},
	}
	if err := s.Commit(ctx, 0, 4, tally); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	wantCode(t, "Commit from a cursor it left", s.Commit(ctx, 0, 9, tally), hongyan.CodePrecondition)
	more := assistant.Tally{
		Days:   map[assistant.DayKey]assistant.DayStat{d1: {Messages: 2, Leaves: 1}},
		Active: map[assistant.DayKey][]hongyan.UserID{d1: {6, 7}},
	}
	if err := s.Commit(ctx, 4, 6, more); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	if cur, _ := s.Cursor(ctx); cur != 6 {
		t.Errorf("Cursor: got %d, want 6", cur)
	}
	got, err := s.Stats(ctx, 10, "2026-11-01", "2026-12-31")
	if err != nil {
		t.Fatal(err)
	}
	want := []assistant.DayStat{
		{Day: "2026-12-01", Messages: 5, Active: 3, Joins: 2, Leaves: 1},
		{Day: "2026-12-02", Messages: 1, Active: 1, Leaves: 1},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Stats (-want +got):\n%s", diff)
	}
	if got, _ := s.Stats(ctx, 10, "2026-12-02", "2026-12-02"); len(got) != 1 || got[0].Day != "2026-12-02" {
		t.Errorf("Stats of one day: got %+v", got)
	}
}

func testLotteries(t *testing.T, s assistant.Store) {
	ctx := t.Context()
	mk := func(group hongyan.ConversationID, deadline time.Time) assistant.Lottery {
		t.Helper()
		l, err := s.AddLottery(ctx, assistant.Lottery{Group: group, Title: "新年", Keyword: "抽奖", Winners: 2, Deadline: deadline,
			Seed: "00ff", Hash: "abcd", By: 7, Created: T0}, 2)
		if err != nil || l.ID <= 0 {
			t.Fatalf("AddLottery: %+v, %v", l, err)
		}
		return l
	}
	a := mk(10, T0.Add(time.Hour))
	b := mk(10, T0.Add(2*time.Hour))
	_, err := s.AddLottery(ctx, assistant.Lottery{Group: 10, Title: "x", Keyword: "x", Winners: 1, Deadline: T0, Seed: "00", Hash: "00", Created: T0}, 2)
	wantCode(t, "AddLottery over the limit", err, hongyan.CodePrecondition)
	c := mk(11, T0.Add(time.Hour))

	got, err := s.Lotteries(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]assistant.Lottery{b, a}, got); diff != "" {
		t.Errorf("Lotteries (-want +got):\n%s", diff)
	}
	post, err := s.LotteriesToPost(ctx, T0, 10)
	if err != nil || len(post) != 3 {
		t.Fatalf("LotteriesToPost before any announcement: got %d, %v; want all 3", len(post), err)
	}
	for _, l := range []assistant.Lottery{a, b, c} {
		if err := s.MarkAnnounced(ctx, l.ID); err != nil {
			t.Fatal(err)
		}
	}
	if post, _ := s.LotteriesToPost(ctx, T0, 10); len(post) != 0 {
		t.Errorf("LotteriesToPost after announcing, before deadlines: got %+v", post)
	}
	post, _ = s.LotteriesToPost(ctx, T0.Add(time.Hour), 10)
	if len(post) != 2 || post[0].ID != a.ID || post[1].ID != c.ID {
		t.Errorf("LotteriesToPost at the first deadline: got %+v, want %d and %d", post, a.ID, c.ID)
	}

	tally := assistant.Tally{Entries: []assistant.Entry{{Lottery: a.ID, User: 5}, {Lottery: a.ID, User: 3}, {Lottery: a.ID, User: 5}, {Lottery: b.ID, User: 9}}}
	if err := s.Commit(ctx, 0, 1, tally); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(ctx, 1, 2, assistant.Tally{Entries: []assistant.Entry{{Lottery: a.ID, User: 3}, {Lottery: a.ID, User: 4}}}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Entrants(ctx, a.ID); err != nil || !cmp.Equal(got, []hongyan.UserID{3, 4, 5}) {
		t.Errorf("Entrants: got %v, %v; want [3 4 5]", got, err)
	}
	if err := s.SetResult(ctx, a.ID, []hongyan.UserID{5, 3}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetResult(ctx, a.ID, []hongyan.UserID{4}); err != nil { // drawn once
		t.Fatal(err)
	}
	open, err := s.OpenLotteries(ctx, 10)
	if err != nil || len(open) != 1 || open[0].ID != b.ID {
		t.Errorf("OpenLotteries after a draw: got %+v, %v; want only %d", open, err, b.ID)
	}
	got, _ = s.Lotteries(ctx, 10)
	if len(got) != 2 || !got[1].Drawn || !cmp.Equal(got[1].Result, []hongyan.UserID{5, 3}) {
		t.Errorf("the drawn lottery: got %+v, want drawn with winners [5 3]", got[1])
	}
	if _, err := s.AddLottery(ctx, assistant.Lottery{Group: 10, Title: "x", Keyword: "x", Winners: 1, Deadline: T0, Seed: "00", Hash: "00", Created: T0}, 2); err != nil {
		t.Errorf("AddLottery once one was drawn: %v", err)
	}
}

func testBirthdays(t *testing.T, s assistant.Store) {
	ctx := t.Context()
	_, err := s.Birthday(ctx, 10, 5)
	wantCode(t, "Birthday of one who set none", err, hongyan.CodeNotFound)
	a := assistant.Birthday{Group: 10, User: 5, Month: time.March, Day: 8, Next: T0.Add(time.Hour)}
	b := assistant.Birthday{Group: 10, User: 6, Month: time.May, Day: 1, Next: T0.Add(2 * time.Hour)}
	for _, x := range []assistant.Birthday{a, b, {Group: 11, User: 5, Month: time.June, Day: 2, Next: T0.Add(3 * time.Hour)}} {
		if err := s.SetBirthday(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := s.Birthday(ctx, 10, 5); err != nil || !cmp.Equal(got, a) {
		t.Errorf("Birthday: got %+v, %v; want %+v", got, err, a)
	}
	due, err := s.DueBirthdays(ctx, T0.Add(2*time.Hour), 10)
	if err != nil || !cmp.Equal(due, []assistant.Birthday{a, b}) {
		t.Errorf("DueBirthdays: got %+v, %v; want a and b", due, err)
	}
	if err := s.AdvanceBirthday(ctx, 10, 5, a.Next, T0.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.AdvanceBirthday(ctx, 10, 5, a.Next, T0.Add(48*time.Hour)); err != nil { // from a time it left: nothing
		t.Fatal(err)
	}
	if got, _ := s.Birthday(ctx, 10, 5); !got.Next.Equal(T0.Add(24 * time.Hour)) {
		t.Errorf("after AdvanceBirthday twice from the same time: next %v, want %v", got.Next, T0.Add(24*time.Hour))
	}
	if err := s.SetBirthday(ctx, assistant.Birthday{Group: 10, User: 6}); err != nil {
		t.Fatal(err)
	}
	_, err = s.Birthday(ctx, 10, 6)
	wantCode(t, "Birthday after forgetting it", err, hongyan.CodeNotFound)
}
