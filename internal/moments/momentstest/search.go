package momentstest

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"hongyan/internal/hongyan"
	"hongyan/internal/moments"
)

func testSearch(t *testing.T, s moments.Store) {
	ctx := t.Context()
	for i, p := range []moments.Post{
		{ID: 10, Author: 1, Text: "周末爬山 Hiking"},
		{ID: 20, Author: 2, Text: "hiking again"},
		{ID: 30, Author: 3, Text: "HIKING with 3"},
		{ID: 40, Author: 1, Text: "100% sure_thing"},
		{ID: 50, Author: 1, Text: "1000 sureXthing", Location: "hiking"},
	} {
		p.Created = T0.Add(time.Duration(i) * time.Second)
		create(t, s, p)
	}
	search := func(authors []hongyan.UserID, q string, before int64, limit int, want ...int64) {
		t.Helper()
		ps, err := s.Search(ctx, authors, q, before, limit)
		if err != nil {
			t.Fatalf("Search(%v, %q): %v", authors, q, err)
		}
		if diff := cmp.Diff(append([]int64{}, want...), ids(ps)); diff != "" {
			t.Errorf("Search(%v, %q, %d, %d) (-want +got):\n%s", authors, q, before, limit, diff)
		}
	}
	search([]hongyan.UserID{1, 2}, "hiking", 0, 10, 20, 10)
	search([]hongyan.UserID{1, 2, 3}, "HiKiNg", 0, 10, 30, 20, 10)
	search([]hongyan.UserID{1, 2, 3}, "hiking", 30, 10, 20, 10)
	search([]hongyan.UserID{1, 2, 3}, "hiking", 0, 1, 30)
	search([]hongyan.UserID{1}, "爬山", 0, 10, 10)
	search([]hongyan.UserID{1}, "0% s", 0, 10, 40)
	search([]hongyan.UserID{1}, "sure_thing", 0, 10, 40)
	search([]hongyan.UserID{4}, "hiking", 0, 10)
	search(nil, "hiking", 0, 10)
}

// relations is a contact feature for the rules: symmetric friendships
// and blocks.
type relations struct {
	friends map[[2]hongyan.UserID]bool
	blocks  map[[2]hongyan.UserID]bool
}

func (r *relations) befriend(a, b hongyan.UserID, on bool) {
	r.friends[[2]hongyan.UserID{a, b}], r.friends[[2]hongyan.UserID{b, a}] = on, on
}

func (r *relations) blocked(a, b hongyan.UserID) bool {
	return r.blocks[[2]hongyan.UserID{a, b}] || r.blocks[[2]hongyan.UserID{b, a}]
}

func (r *relations) Friends(_ context.Context, u hongyan.UserID) ([]moments.Friend, error) {
	var out []moments.Friend
	for p, on := range r.friends {
		if on && p[0] == u && !r.blocked(p[0], p[1]) {
			out = append(out, moments.Friend{User: p[1]})
		}
	}
	return out, nil
}

func (r *relations) Friendship(_ context.Context, a, b hongyan.UserID) (bool, bool, error) {
	return r.friends[[2]hongyan.UserID{a, b}] && !r.blocked(a, b), r.blocked(a, b), nil
}

type quietBus struct{}

func (quietBus) Publish(context.Context, string, []byte) error { return nil }
func (quietBus) Subscribe(string, func([]byte)) (hongyan.Subscription, error) {
	return nil, hongyan.Errorf(hongyan.CodeUnimplemented, "no subscriptions")
}

// testRules checks, on the store under test, who finds a post by search
// and who may open a post by reference (a favorite or a forwarded card
// keeps only the post's ID, and opening it is Get): the author, friends it
// is visible to; never a stranger, someone blocked, a removed friend, or a
// friend the post or the author's settings leave out.
func testRules(t *testing.T, open func(t *testing.T) moments.Store) {
	ctx := t.Context()
	const ann, ben, cat, dan, eve, fay = 1, 2, 3, 4, 5, 6
	rel := &relations{friends: map[[2]hongyan.UserID]bool{}, blocks: map[[2]hongyan.UserID]bool{}}
	for _, f := range []hongyan.UserID{ben, cat, dan, fay} {
		rel.befriend(ann, f, true)
	}
	now := T0
	svc := moments.New(open(t), rel, nil, hongyan.Publisher{Bus: quietBus{}}, moments.Config{Now: func() time.Time { return now }})
	post := func(author hongyan.UserID, d moments.Draft) int64 {
		t.Helper()
		now = now.Add(time.Minute)
		p, err := svc.Post(ctx, hongyan.Caller{User: author}, d)
		if err != nil {
			t.Fatalf("Post %q: %v", d.Text, err)
		}
		return p.ID
	}
	open1 := post(ann, moments.Draft{Text: "Picnic by the lake"})
	onlyBen := post(ann, moments.Draft{Text: "picnic plans for ben", Visibility: moments.VisibleOnly, People: []hongyan.UserID{ben}})
	notCat := post(ann, moments.Draft{Text: "picnic photos, not for cat", Visibility: moments.VisibleExcept, People: []hongyan.UserID{cat}})
	private := post(ann, moments.Draft{Text: "picnic diary", Visibility: moments.VisiblePrivate})
	catOwn := post(cat, moments.Draft{Text: "cat's picnic"})
	all := []int64{catOwn, private, notCat, onlyBen, open1}

	found := func(who hongyan.UserID) []int64 {
		t.Helper()
		vs, _, err := svc.Search(ctx, hongyan.Caller{User: who}, "PICNIC", 0, 20)
		if err != nil {
			t.Fatalf("Search by %d: %v", who, err)
		}
		out := []int64{}
		for _, v := range vs {
			out = append(out, v.Post.ID)
		}
		return out
	}
	opens := func(who hongyan.UserID) []int64 {
		t.Helper()
		out := []int64{}
		for _, id := range all {
			_, err := svc.Get(ctx, hongyan.Caller{User: who}, id)
			switch {
			case err == nil:
				out = append(out, id)
			case hongyan.ErrorCode(err) != hongyan.CodeNotFound:
				t.Fatalf("Get %d by %d: %v", id, who, err)
			}
		}
		return out
	}
	check := func(what string, who hongyan.UserID, wantFound, wantOpens []int64) {
		t.Helper()
		if got := found(who); !slices.Equal(got, wantFound) {
			t.Errorf("%s: user %d finds %v, want %v", what, who, got, wantFound)
		}
		if got := opens(who); !slices.Equal(got, wantOpens) {
			t.Errorf("%s: user %d opens %v, want %v", what, who, got, wantOpens)
		}
	}
	check("author", ann, []int64{catOwn, private, notCat, onlyBen, open1}, all)
	check("chosen friend", ben, []int64{notCat, onlyBen, open1}, []int64{notCat, onlyBen, open1})
	check("excepted friend", cat, []int64{catOwn, open1}, []int64{catOwn, open1})
	check("friend", dan, []int64{notCat, open1}, []int64{notCat, open1})
	check("stranger", eve, []int64{}, []int64{})
	if vs, _, err := svc.Search(ctx, hongyan.Caller{User: eve}, "picnic", 0, 20); err != nil || len(vs) != 0 {
		t.Errorf("stranger: search finds %d posts (%v); strangers' posts are never searched", len(vs), err)
	}

	on := true
	if _, err := svc.Update(ctx, hongyan.Caller{User: ann}, moments.Update{StrangersSee10: &on}); err != nil {
		t.Fatal(err)
	}
	check("stranger, ann lets strangers see 10", eve, []int64{}, []int64{open1}) // posts for all friends only

	if _, err := svc.Update(ctx, hongyan.Caller{User: ann}, moments.Update{HideMineFrom: []hongyan.UserID{dan}}); err != nil {
		t.Fatal(err)
	}
	check("hidden from", dan, []int64{}, []int64{})
	rel.blocks[[2]hongyan.UserID{fay, ann}] = true
	check("blocked", fay, []int64{}, []int64{})
	rel.befriend(ann, ben, false)
	check("removed friend", ben, []int64{}, []int64{open1}) // a stranger now: ann lets strangers see 10
	off := false
	if _, err := svc.Update(ctx, hongyan.Caller{User: ann}, moments.Update{StrangersSee10: &off}); err != nil {
		t.Fatal(err)
	}
	check("removed friend, strangers see nothing", ben, []int64{}, []int64{})

	// THE RULE on the search path: dan's like is hidden from cat, who is
	// not dan's friend, and shown to the author.
	if _, err := svc.Update(ctx, hongyan.Caller{User: ann}, moments.Update{UnhideMineFrom: []hongyan.UserID{dan}}); err != nil {
		t.Fatal(err)
	}
	if err := svc.Like(ctx, hongyan.Caller{User: dan}, open1); err != nil {
		t.Fatal(err)
	}
	likes := func(who hongyan.UserID) int {
		vs, _, err := svc.Search(ctx, hongyan.Caller{User: who}, "lake", 0, 20)
		if err != nil || len(vs) != 1 {
			t.Fatalf("user %d searches lake: %d posts, %v", who, len(vs), err)
		}
		return len(vs[0].Likes)
	}
	if got := likes(cat); got != 0 {
		t.Errorf("cat sees %d likes of the searched post, want 0 (dan is not cat's friend)", got)
	}
	if got := likes(ann); got != 1 {
		t.Errorf("the author sees %d likes of the searched post, want 1", got)
	}
	for _, q := range []string{"", "   ", strings.Repeat("字", moments.MaxQuery+1)} {
		if _, _, err := svc.Search(ctx, hongyan.Caller{User: ann}, q, 0, 20); hongyan.ErrorCode(err) != hongyan.CodeInvalid {
			t.Errorf("search %q: %v, want invalid_argument", q, err)
		}
	}
}
