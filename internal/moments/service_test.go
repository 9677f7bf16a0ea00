package moments_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"hongyan/internal/hongyan"
	"hongyan/internal/membus"
	"hongyan/internal/moments"
	"hongyan/internal/sqlite"
)

// friends is a fake contact feature: symmetric friendships and blocks.
type friends struct {
	pairs  map[[2]hongyan.UserID]bool
	blocks map[[2]hongyan.UserID]bool
}

func (f *friends) befriend(a, b hongyan.UserID) {
	f.pairs[[2]hongyan.UserID{a, b}], f.pairs[[2]hongyan.UserID{b, a}] = true, true
}

func (f *friends) Friends(_ context.Context, u hongyan.UserID) ([]moments.Friend, error) {
	var out []moments.Friend
	for p := range f.pairs {
		if p[0] == u && !f.blocks[p] && !f.blocks[[2]hongyan.UserID{p[1], p[0]}] {
			out = append(out, moments.Friend{User: p[1]})
		}
	}
	return out, nil
}

func (f *friends) Friendship(_ context.Context, a, b hongyan.UserID) (bool, bool, error) {
	blocked := f.blocks[[2]hongyan.UserID{a, b}] || f.blocks[[2]hongyan.UserID{b, a}]
	return f.pairs[[2]hongyan.UserID{a, b}] && !blocked, blocked, nil
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newService(t *testing.T, fanout int) (*moments.Service, *friends, *clock) {
	t.Helper()
	db, err := sqlite.Open(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	rel := &friends{pairs: map[[2]hongyan.UserID]bool{}, blocks: map[[2]hongyan.UserID]bool{}}
	c := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	return moments.New(db.Moments(), rel, nil, hongyan.Publisher{Bus: membus.New()}, moments.Config{Now: c.now, FanoutLimit: fanout}), rel, c
}

func ids(vs []moments.View) []int64 {
	out := []int64{}
	for _, v := range vs {
		out = append(out, v.Post.ID)
	}
	return out
}

// Friends see all, the last 6 months or the last 3 days of a person's
// posts, as that person chooses, on every path; both timeline paths.
func TestFriendsRange(t *testing.T) {
	for _, fanout := range []int{0, -1} {
		s, rel, c := newService(t, fanout)
		ctx := context.Background()
		author, viewer := hongyan.Caller{User: 1}, hongyan.Caller{User: 2}
		rel.befriend(1, 2)
		start := c.t
		var posted []int64 // newest first
		for _, age := range []time.Duration{300 * 24 * time.Hour, 30 * 24 * time.Hour, 48 * time.Hour, time.Hour} {
			c.t = start.Add(300*24*time.Hour - age)
			p, err := s.Post(ctx, author, moments.Draft{Text: "x"})
			if err != nil {
				t.Fatal(err)
			}
			posted = append([]int64{p.ID}, posted...)
		}
		c.t = start.Add(300 * 24 * time.Hour)
		for _, tc := range []struct {
			r    moments.Range
			want []int64
		}{
			{moments.RangeAll, posted},
			{moments.RangeMonths6, posted[:3]},
			{moments.RangeDays3, posted[:2]},
		} {
			r := tc.r
			if _, err := s.Update(ctx, author, moments.Update{FriendsRange: &r}); err != nil {
				t.Fatal(err)
			}
			feed, _, err := s.Feed(ctx, viewer, 0, 20)
			if err != nil || !slices.Equal(ids(feed), tc.want) {
				t.Errorf("fanout %d, range %d: feed %v, %v; want %v", fanout, r, ids(feed), err, tc.want)
			}
			album, _, err := s.Album(ctx, viewer, author.User, 0, 20)
			if err != nil || !slices.Equal(ids(album), tc.want) {
				t.Errorf("fanout %d, range %d: album %v, %v; want %v", fanout, r, ids(album), err, tc.want)
			}
			_, err = s.Get(ctx, viewer, posted[3])
			if want := tc.r == moments.RangeAll; (err == nil) != want {
				t.Errorf("fanout %d, range %d: get the oldest post: %v", fanout, r, err)
			}
			own, _, _ := s.Album(ctx, author, author.User, 0, 20)
			if !slices.Equal(ids(own), posted) {
				t.Errorf("fanout %d, range %d: the author's own album %v, want all", fanout, r, ids(own))
			}
		}
	}
}

// Strangers see at most the latest 10 posts for all friends, and only
// when allowed; a block hides even those.
func TestStrangersSee10(t *testing.T) {
	s, rel, c := newService(t, 0)
	ctx := context.Background()
	author, stranger := hongyan.Caller{User: 1}, hongyan.Caller{User: 3}
	var public []int64
	for i := range 13 {
		c.t = c.t.Add(time.Minute)
		d := moments.Draft{Text: "x"}
		if i == 12 {
			d.Visibility = moments.VisiblePrivate
		}
		p, err := s.Post(ctx, author, d)
		if err != nil {
			t.Fatal(err)
		}
		if i < 12 {
			public = append([]int64{p.ID}, public...)
		}
	}
	if got, _, _ := s.Album(ctx, stranger, 1, 0, 50); len(got) != 0 {
		t.Errorf("not allowed: stranger sees %v", ids(got))
	}
	on := true
	if _, err := s.Update(ctx, author, moments.Update{StrangersSee10: &on}); err != nil {
		t.Fatal(err)
	}
	got, _, _ := s.Album(ctx, stranger, 1, 0, 50)
	if !slices.Equal(ids(got), public[:10]) {
		t.Errorf("stranger's album: %v, want the latest 10 public %v", ids(got), public[:10])
	}
	if page, next, _ := s.Album(ctx, stranger, 1, public[5], 50); !slices.Equal(ids(page), public[6:10]) || next != 0 {
		t.Errorf("stranger's album after %d: %v (next %d), want %v", public[5], ids(page), next, public[6:10])
	}
	if _, err := s.Get(ctx, stranger, public[10]); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Errorf("stranger gets the 11th post: %v, want not_found", err)
	}
	if err := s.Like(ctx, stranger, public[0]); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Errorf("stranger likes: %v, want not_found", err)
	}
	rel.blocks[[2]hongyan.UserID{1, 3}] = true
	if got, _, _ := s.Album(ctx, stranger, 1, 0, 50); len(got) != 0 {
		t.Errorf("blocked stranger sees %v", ids(got))
	}
}

// After a friend likes and comments on my post, my notifications say 2
// unread, in the list and on each notification (the CLI prints one a line);
// marking them read brings both to 0.
func TestNotificationsUnread(t *testing.T) {
	s, rel, _ := newService(t, 0)
	ctx := context.Background()
	author, friend := hongyan.Caller{User: 1}, hongyan.Caller{User: 2}
	rel.befriend(1, 2)
	p, err := s.Post(ctx, author, moments.Draft{Text: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Like(ctx, friend, p.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Comment(ctx, friend, p.ID, "nice", 0); err != nil {
		t.Fatal(err)
	}
	ns, unread, err := s.Notifications(ctx, author, 0, 20)
	if err != nil || len(ns) != 2 || unread != 2 {
		t.Fatalf("notifications: %d, unread %d, %v; want 2 and 2", len(ns), unread, err)
	}
	for _, n := range ns {
		if n.Unread != 2 {
			t.Errorf("notification %d (kind %d): unread %d, want 2", n.ID, n.Kind, n.Unread)
		}
	}
	if err := s.MarkRead(ctx, author, ns[0].ID); err != nil {
		t.Fatal(err)
	}
	ns, unread, _ = s.Notifications(ctx, author, 0, 20)
	if unread != 0 || len(ns) != 2 || ns[0].Unread != 0 {
		t.Errorf("after reading: unread %d (on the first %d), want 0", unread, ns[0].Unread)
	}
}
