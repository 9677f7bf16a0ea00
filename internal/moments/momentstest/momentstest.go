// Package momentstest is the conformance suite of moments.Store: every
// storage engine runs it.
package momentstest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"hongyan/internal/hongyan"
	"hongyan/internal/moments"
)

// Run runs the suite; open returns a fresh, empty store for each test.
func Run(t *testing.T, open func(t *testing.T) moments.Store) {
	t.Run("Posts", func(t *testing.T) { testPosts(t, open(t)) })
	t.Run("Unfanned", func(t *testing.T) { testUnfanned(t, open(t)) })
	t.Run("DeletePost", func(t *testing.T) { testDeletePost(t, open(t)) })
	t.Run("Reactions", func(t *testing.T) { testReactions(t, open(t)) })
	t.Run("Settings", func(t *testing.T) { testSettings(t, open(t)) })
	t.Run("Cover", func(t *testing.T) { testCover(t, open(t)) })
	t.Run("Notifications", func(t *testing.T) { testNotifications(t, open(t)) })
	t.Run("Search", func(t *testing.T) { testSearch(t, open(t)) })
	t.Run("Rules", func(t *testing.T) { testRules(t, open) })
}

// T0 is a time with millisecond precision, as stores keep times.
var T0 = time.UnixMilli(1_760_000_000_123).UTC()

func wantCode(t *testing.T, what string, err error, code hongyan.Code) {
	t.Helper()
	if got := hongyan.ErrorCode(err); got != code {
		t.Errorf("%s: got error %v (code %q), want code %q", what, err, got, code)
	}
}

func ids(ps []moments.Post) []int64 {
	out := []int64{}
	for _, p := range ps {
		out = append(out, p.ID)
	}
	return out
}

func create(t *testing.T, s moments.Store, p moments.Post, inbox ...hongyan.UserID) {
	t.Helper()
	p.Fanout = p.Fanout || len(inbox) > 0
	if _, err := s.CreatePost(t.Context(), p, inbox, nil); err != nil {
		t.Fatalf("CreatePost %d: %v", p.ID, err)
	}
}

func testPosts(t *testing.T, s moments.Store) {
	ctx := t.Context()
	p := moments.Post{ID: 100, Author: 1, Text: "今天天气很好", Location: "西湖",
		Media:      []moments.Media{{ID: "m1", Type: "image/jpeg", Size: 10, Width: 640, Height: 480, Thumbnail: true}},
		Mentions:   []hongyan.UserID{2},
		Visibility: moments.VisibleExcept, Tags: []string{"同事"}, People: []hongyan.UserID{4}, Audience: []hongyan.UserID{4},
		Created: T0, Fanout: true}
	changes, err := s.CreatePost(ctx, p, []hongyan.UserID{1, 2, 3}, []moments.Notification{{Owner: 2, Kind: moments.NotifyMention, Actor: 1, Created: T0}})
	if err != nil {
		t.Fatalf("CreatePost: %v", err)
	}
	if len(changes) != 1 || changes[0].User != 2 || changes[0].Kind != hongyan.ChangeMomentsNotification || changes[0].Seq <= 0 || changes[0].Ref <= 0 {
		t.Fatalf("CreatePost changes: got %+v, want one notification entry for user 2", changes)
	}
	got, err := s.Post(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(p, got); diff != "" {
		t.Errorf("Post (-want +got):\n%s", diff)
	}
	n, err := s.Notification(ctx, 2, changes[0].Ref)
	if err != nil || n.Post != 100 || n.Kind != moments.NotifyMention || n.Actor != 1 {
		t.Errorf("Notification: got %+v, %v; want a mention in post 100 by 1", n, err)
	}
	_, err = s.CreatePost(ctx, moments.Post{ID: 100, Author: 5, Created: T0}, []hongyan.UserID{5}, nil)
	wantCode(t, "CreatePost with a taken ID", err, hongyan.CodeExists)
	_, err = s.Post(ctx, 99)
	wantCode(t, "Post 99", err, hongyan.CodeNotFound)

	link := &moments.Link{URL: "https://example.com/a", Title: "A"}
	create(t, s, moments.Post{ID: 200, Author: 2, Link: link, Created: T0.Add(time.Second)}, 2, 1)
	create(t, s, moments.Post{ID: 300, Author: 1, Text: "private", Visibility: moments.VisiblePrivate, Created: T0.Add(2 * time.Second)}, 1)
	big := make([]hongyan.UserID, 300) // more than one multi-row statement
	for i := range big {
		big[i] = hongyan.UserID(1000 + i)
	}
	create(t, s, moments.Post{ID: 400, Author: 1, Text: "to many", Created: T0.Add(3 * time.Second)}, append([]hongyan.UserID{1}, big...)...)

	inbox := func(owner hongyan.UserID, before int64, limit int, want ...int64) {
		t.Helper()
		ps, err := s.Inbox(ctx, owner, before, limit)
		if err != nil {
			t.Fatalf("Inbox(%d): %v", owner, err)
		}
		if diff := cmp.Diff(append([]int64{}, want...), ids(ps)); diff != "" {
			t.Errorf("Inbox(%d, %d, %d) (-want +got):\n%s", owner, before, limit, diff)
		}
	}
	inbox(1, 0, 10, 400, 300, 200, 100)
	inbox(1, 300, 10, 200, 100)
	inbox(1, 0, 2, 400, 300)
	inbox(2, 0, 10, 200, 100)
	inbox(4, 0, 10)
	inbox(1299, 0, 10, 400)
	ps, _ := s.Inbox(ctx, 2, 0, 1)
	if len(ps) != 1 || ps[0].Link == nil || *ps[0].Link != *link {
		t.Errorf("Inbox(2): got %+v, want post 200 with its link", ps)
	}

	by := func(author hongyan.UserID, before int64, limit int, public bool, want ...int64) {
		t.Helper()
		ps, err := s.ByAuthor(ctx, author, before, limit, public)
		if err != nil {
			t.Fatalf("ByAuthor(%d): %v", author, err)
		}
		if diff := cmp.Diff(append([]int64{}, want...), ids(ps)); diff != "" {
			t.Errorf("ByAuthor(%d, %d, %d, %v) (-want +got):\n%s", author, before, limit, public, diff)
		}
	}
	by(1, 0, 10, false, 400, 300, 100)
	by(1, 0, 10, true, 400)
	by(1, 400, 1, false, 300)
	by(2, 0, 10, true, 200)
	by(3, 0, 10, false)
	_, err = s.Inbox(ctx, 1, 0, 0)
	wantCode(t, "Inbox with limit 0", err, hongyan.CodeInvalid)
}

func testUnfanned(t *testing.T, s moments.Store) {
	ctx := t.Context()
	// Authors 1..1500 (more than one statement's chunk) post once each,
	// unfanned; author 7 also posts fanned out.
	for a := 1; a <= 1500; a++ {
		if _, err := s.CreatePost(ctx, moments.Post{ID: int64(a) * 10, Author: hongyan.UserID(a), Text: "x", Created: T0}, []hongyan.UserID{9999}, nil); err != nil {
			t.Fatal(err)
		}
	}
	create(t, s, moments.Post{ID: 75, Author: 7, Created: T0}, 7, 9999)
	if ps, _ := s.Inbox(ctx, 9999, 0, 10); len(ps) != 1 || ps[0].ID != 75 || !ps[0].Fanout {
		t.Errorf("Inbox of unfanned posts' readers: got %v, want only the fanned-out post 75", ids(ps))
	}
	all := make([]hongyan.UserID, 1500)
	for i := range all {
		all[i] = hongyan.UserID(i + 1)
	}
	check := func(authors []hongyan.UserID, before int64, limit int, want ...int64) {
		t.Helper()
		ps, err := s.Unfanned(ctx, authors, before, limit)
		if err != nil {
			t.Fatalf("Unfanned: %v", err)
		}
		if diff := cmp.Diff(append([]int64{}, want...), ids(ps)); diff != "" {
			t.Errorf("Unfanned(%d authors, %d, %d) (-want +got):\n%s", len(authors), before, limit, diff)
		}
	}
	check(all, 0, 3, 15000, 14990, 14980)
	check(all, 14990, 2, 14980, 14970)
	check([]hongyan.UserID{7, 3, 2000}, 0, 10, 70, 30)
	check([]hongyan.UserID{7, 3}, 70, 10, 30)
	check(nil, 0, 10)
	check(all[1000:], 10020, 3, 10010)
}

func testDeletePost(t *testing.T, s moments.Store) {
	ctx := t.Context()
	create(t, s, moments.Post{ID: 10, Author: 1, Text: "a", Created: T0}, 1, 2)
	if _, err := s.Like(ctx, moments.Like{Post: 10, User: 2, Created: T0}, []moments.Notification{{Owner: 1, Kind: moments.NotifyLike, Actor: 2, Created: T0}}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.AddComment(ctx, moments.Comment{Post: 10, Author: 2, Text: "好", Created: T0}, nil); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "DeletePost by another", s.DeletePost(ctx, 2, 10), hongyan.CodeNotFound)
	if err := s.DeletePost(ctx, 1, 10); err != nil {
		t.Fatalf("DeletePost: %v", err)
	}
	_, err := s.Post(ctx, 10)
	wantCode(t, "Post after DeletePost", err, hongyan.CodeNotFound)
	if ps, err := s.Inbox(ctx, 2, 0, 10); err != nil || len(ps) != 0 {
		t.Errorf("Inbox(2) after delete: got %v, %v; want none", ids(ps), err)
	}
	likes, comments, err := s.Reactions(ctx, []int64{10})
	if err != nil || len(likes)+len(comments) != 0 {
		t.Errorf("Reactions after delete: got %v %v, %v; want none", likes, comments, err)
	}
	if ns, err := s.Notifications(ctx, 1, 0, 10); err != nil || len(ns) != 0 {
		t.Errorf("Notifications after delete: got %+v, %v; want none", ns, err)
	}
	wantCode(t, "DeletePost twice", s.DeletePost(ctx, 1, 10), hongyan.CodeNotFound)
}

func testReactions(t *testing.T, s moments.Store) {
	ctx := t.Context()
	create(t, s, moments.Post{ID: 10, Author: 1, Text: "a", Created: T0}, 1, 2, 3)
	create(t, s, moments.Post{ID: 20, Author: 1, Text: "b", Created: T0}, 1, 2, 3)
	note := []moments.Notification{{Owner: 1, Kind: moments.NotifyLike, Actor: 2, Created: T0}}
	changes, err := s.Like(ctx, moments.Like{Post: 10, User: 2, Created: T0}, note)
	if err != nil || len(changes) != 1 || changes[0].User != 1 {
		t.Fatalf("Like: got %+v, %v; want one entry for the author", changes, err)
	}
	changes, err = s.Like(ctx, moments.Like{Post: 10, User: 2, Created: T0.Add(time.Second)}, note)
	if err != nil || len(changes) != 0 {
		t.Fatalf("Like again: got %+v, %v; want no new notification", changes, err)
	}
	if _, err := s.Like(ctx, moments.Like{Post: 10, User: 3, Created: T0.Add(time.Second)}, nil); err != nil {
		t.Fatal(err)
	}
	c1, changes, err := s.AddComment(ctx, moments.Comment{Post: 10, Author: 2, Text: "真好", Created: T0},
		[]moments.Notification{{Owner: 1, Kind: moments.NotifyComment, Actor: 2, Created: T0}})
	if err != nil || c1.ID <= 0 || len(changes) != 1 {
		t.Fatalf("AddComment: got %+v, %+v, %v", c1, changes, err)
	}
	n, err := s.Notification(ctx, 1, changes[0].Ref)
	if err != nil || n.Comment != c1.ID || n.Post != 10 {
		t.Errorf("comment notification: got %+v, %v; want comment %d on post 10", n, err, c1.ID)
	}
	c2, _, err := s.AddComment(ctx, moments.Comment{Post: 10, Author: 3, ReplyTo: c1.ID, ReplyUser: 2, Text: "同意", Created: T0.Add(time.Second)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	c3, _, err := s.AddComment(ctx, moments.Comment{Post: 20, Author: 1, Text: "x", Created: T0}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Comment(ctx, c2.ID)
	if diff := cmp.Diff(c2, got); err != nil || diff != "" {
		t.Errorf("Comment (-want +got), %v:\n%s", err, diff)
	}
	likes, comments, err := s.Reactions(ctx, []int64{10, 20, 30})
	if err != nil {
		t.Fatal(err)
	}
	wantLikes := []moments.Like{{Post: 10, User: 2, Created: T0}, {Post: 10, User: 3, Created: T0.Add(time.Second)}}
	if diff := cmp.Diff(wantLikes, likes); diff != "" {
		t.Errorf("Reactions likes (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]moments.Comment{c1, c2, c3}, comments); diff != "" {
		t.Errorf("Reactions comments (-want +got):\n%s", diff)
	}
	if err := s.Unlike(ctx, 10, 2); err != nil {
		t.Fatal(err)
	}
	if err := s.Unlike(ctx, 10, 2); err != nil {
		t.Errorf("Unlike twice: %v", err)
	}
	if err := s.DeleteComment(ctx, c1.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "DeleteComment twice", s.DeleteComment(ctx, c1.ID), hongyan.CodeNotFound)
	_, err = s.Comment(ctx, c1.ID)
	wantCode(t, "Comment deleted", err, hongyan.CodeNotFound)
	likes, comments, _ = s.Reactions(ctx, []int64{10})
	if len(likes) != 1 || len(comments) != 1 || comments[0].ID != c2.ID {
		t.Errorf("Reactions after unlike and delete: got %+v %+v", likes, comments)
	}
	ns, _ := s.Notifications(ctx, 1, 0, 10)
	for _, n := range ns {
		if n.Comment == c1.ID {
			t.Errorf("the deleted comment's notification stayed: %+v", n)
		}
	}
	// Many posts at once (a padded VALUES list).
	many := make([]int64, 33)
	for i := range many {
		many[i] = int64(i + 1)
	}
	if _, _, err := s.Reactions(ctx, many); err != nil {
		t.Errorf("Reactions of 33 posts: %v", err)
	}
}

func testCover(t *testing.T, s moments.Store) {
	ctx := t.Context()
	// A cover for someone who never set anything: the defaults stay.
	changes, err := s.SetCover(ctx, 1, "cover-1", []hongyan.Change{{User: 1, Kind: hongyan.ChangeMomentsSettings}})
	if err != nil || len(changes) != 1 || changes[0].Seq <= 0 {
		t.Fatalf("SetCover: got %+v, %v", changes, err)
	}
	if set, err := s.Settings(ctx, 1); err != nil || set.Cover != "cover-1" || set.StrangersSee10 || set.FriendsRange != moments.RangeAll {
		t.Errorf("Settings after SetCover: got %+v, %v; want cover-1 and the defaults", set, err)
	}
	// Other settings keep the cover, and the cover keeps them.
	if _, err := s.SetSettings(ctx, 1, true, moments.RangeDays3, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetCover(ctx, 1, "cover-2", nil); err != nil {
		t.Fatal(err)
	}
	if set, err := s.Settings(ctx, 1); err != nil || set.Cover != "cover-2" || !set.StrangersSee10 || set.FriendsRange != moments.RangeDays3 {
		t.Errorf("Settings after both: got %+v, %v; want cover-2, strangers see 10, 3 days", set, err)
	}
	if set, err := s.Settings(ctx, 2); err != nil || set.Cover != "" {
		t.Errorf("another user's cover: got %q, %v; want none", set.Cover, err)
	}
	if _, err := s.SetCover(ctx, 1, "", nil); err != nil {
		t.Fatal(err)
	}
	if set, err := s.Settings(ctx, 1); err != nil || set.Cover != "" || !set.StrangersSee10 {
		t.Errorf("Settings after removing the cover: got %+v, %v", set, err)
	}
}

func testSettings(t *testing.T, s moments.Store) {
	ctx := t.Context()
	set, err := s.Settings(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(moments.Settings{}, set); diff != "" {
		t.Errorf("default Settings (-want +got):\n%s", diff)
	}
	changes, err := s.SetSettings(ctx, 1, true, moments.RangeDays3, []hongyan.Change{{User: 1, Kind: hongyan.ChangeMomentsSettings}})
	if err != nil || len(changes) != 1 || changes[0].Seq <= 0 {
		t.Fatalf("SetSettings: got %+v, %v", changes, err)
	}
	if _, err := s.SetSettings(ctx, 2, false, moments.RangeMonths6, nil); err != nil {
		t.Fatal(err)
	}
	for _, h := range []struct {
		owner, other hongyan.UserID
		h            moments.Hide
		on           bool
	}{{1, 5, moments.HideMine, true}, {1, 3, moments.HideMine, true}, {1, 6, moments.HideTheirs, true}, {2, 5, moments.HideMine, true},
		{1, 3, moments.HideMine, true}, {1, 7, moments.HideMine, true}, {1, 7, moments.HideMine, false}, {1, 8, moments.HideTheirs, false}} {
		if _, err := s.SetHide(ctx, h.owner, h.other, h.h, h.on, nil); err != nil {
			t.Fatalf("SetHide %+v: %v", h, err)
		}
	}
	set, err = s.Settings(ctx, 1)
	want := moments.Settings{StrangersSee10: true, FriendsRange: moments.RangeDays3, HideMineFrom: []hongyan.UserID{3, 5}, HideTheirs: []hongyan.UserID{6}}
	if diff := cmp.Diff(want, set); err != nil || diff != "" {
		t.Errorf("Settings (-want +got), %v:\n%s", err, diff)
	}
	hiding, err := s.HidingFrom(ctx, 5)
	if diff := cmp.Diff([]hongyan.UserID{1, 2}, hiding); err != nil || diff != "" {
		t.Errorf("HidingFrom(5) (-want +got), %v:\n%s", err, diff)
	}
	if hiding, _ := s.HidingFrom(ctx, 6); len(hiding) != 0 {
		t.Errorf("HidingFrom(6): got %v, want none (6 is hidden the other way)", hiding)
	}
	ranges, err := s.Ranges(ctx, []hongyan.UserID{1, 2, 9})
	wantRanges := map[hongyan.UserID]moments.Settings{1: {StrangersSee10: true, FriendsRange: moments.RangeDays3}, 2: {FriendsRange: moments.RangeMonths6}}
	if diff := cmp.Diff(wantRanges, ranges); err != nil || diff != "" {
		t.Errorf("Ranges (-want +got), %v:\n%s", err, diff)
	}
}

func testNotifications(t *testing.T, s moments.Store) {
	ctx := t.Context()
	var notes []moments.Notification
	for i := range 5 {
		notes = append(notes, moments.Notification{Owner: 1, Kind: moments.NotifyLike, Actor: hongyan.UserID(10 + i), Created: T0})
	}
	create(t, s, moments.Post{ID: 10, Author: 1, Text: "a", Created: T0}, 1)
	var refs []int64
	for i, n := range notes {
		ch, err := s.Like(ctx, moments.Like{Post: 10, User: n.Actor, Created: T0}, notes[i:i+1])
		if err != nil || len(ch) != 1 {
			t.Fatalf("Like: %+v, %v", ch, err)
		}
		refs = append(refs, ch[0].Ref)
	}
	ns, err := s.Notifications(ctx, 1, 0, 3)
	if err != nil || len(ns) != 3 || ns[0].ID != refs[4] || ns[2].ID != refs[2] || ns[0].Actor != 14 || ns[0].Post != 10 {
		t.Fatalf("Notifications: got %+v, %v; want the newest three", ns, err)
	}
	ns, _ = s.Notifications(ctx, 1, refs[2], 10)
	if len(ns) != 2 || ns[0].ID != refs[1] {
		t.Errorf("Notifications before %d: got %+v", refs[2], ns)
	}
	_, err = s.Notification(ctx, 2, refs[0])
	wantCode(t, "another's Notification", err, hongyan.CodeNotFound)
	unread := func(want int) {
		t.Helper()
		if got, err := s.Unread(ctx, 1); err != nil || got != want {
			t.Errorf("Unread: got %d, %v; want %d", got, err, want)
		}
	}
	unread(5)
	changes, err := s.MarkRead(ctx, 1, refs[2], []hongyan.Change{{User: 1, Kind: hongyan.ChangeMomentsRead, Ref: refs[2]}})
	if err != nil || len(changes) != 1 {
		t.Fatalf("MarkRead: %+v, %v", changes, err)
	}
	unread(2)
	if _, err := s.MarkRead(ctx, 1, refs[0], nil); err != nil {
		t.Fatal(err)
	}
	unread(2) // the mark never moves back
	if _, err := s.MarkRead(ctx, 1, refs[4], nil); err != nil {
		t.Fatal(err)
	}
	unread(0)
	if got, err := s.Unread(ctx, 2); err != nil || got != 0 {
		t.Errorf("Unread(2): got %d, %v", got, err)
	}
}
