// Package favoritetest is the conformance suite of favorite.Store: every
// storage engine runs it.
package favoritetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"hongyan/internal/favorite"
	"hongyan/internal/hongyan"
)

// Run runs the suite; open returns a fresh, empty store for each test.
func Run(t *testing.T, open func(t *testing.T) favorite.Store) {
	t.Run("AddGetList", func(t *testing.T) { testAddGetList(t, open(t)) })
	t.Run("EditDelete", func(t *testing.T) { testEditDelete(t, open(t)) })
}

// T0 is a time with millisecond precision, as stores keep times.
var T0 = time.UnixMilli(1_760_000_000_123).UTC()

func add(t *testing.T, s favorite.Store, f favorite.Favorite) favorite.Favorite {
	t.Helper()
	got, _, err := s.Add(t.Context(), f, nil)
	if err != nil {
		t.Fatalf("Add: %v", err)
	}
	return got
}

func testAddGetList(t *testing.T, s favorite.Store) {
	ctx := t.Context()
	msg := favorite.Favorite{Owner: 1, Kind: favorite.KindMessage, Snapshot: []byte{1, 2, 3}, Source: 42, Text: "周末去爬山", Created: T0, Updated: T0}
	got, changes, err := s.Add(ctx, msg, []hongyan.Change{{User: 1, Kind: hongyan.ChangeFavorite}})
	if err != nil {
		t.Fatalf("Add: %v", err)
	}
	if got.ID <= 0 || len(changes) != 1 || changes[0].Ref != got.ID || changes[0].Seq <= 0 {
		t.Fatalf("Add: got ID %d, changes %+v; want a positive ID and one change naming it", got.ID, changes)
	}
	msg.ID = got.ID
	if diff := cmp.Diff(msg, got); diff != "" {
		t.Errorf("Add (-want +got):\n%s", diff)
	}
	again, err := s.Get(ctx, 1, got.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(msg, again); diff != "" {
		t.Errorf("Get (-want +got):\n%s", diff)
	}
	if _, err := s.Get(ctx, 2, got.ID); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Errorf("Get of another owner's favorite: got %v, want not found", err)
	}
	link := add(t, s, favorite.Favorite{Owner: 1, Kind: favorite.KindLink, URL: "https://Go.dev/x_y", Text: "https://Go.dev/x_y", Created: T0, Updated: T0})
	note := add(t, s, favorite.Favorite{Owner: 1, Kind: favorite.KindNote, Text: "买牛奶 100%", Created: T0, Updated: T0})
	add(t, s, favorite.Favorite{Owner: 2, Kind: favorite.KindNote, Text: "别人的爬山", Created: T0, Updated: T0})
	ids := func(fs []favorite.Favorite) []int64 {
		var out []int64
		for _, f := range fs {
			out = append(out, f.ID)
		}
		return out
	}
	for _, tc := range []struct {
		query  string
		before int64
		limit  int
		want   []int64
	}{
		{"", 0, 10, []int64{note.ID, link.ID, got.ID}},
		{"", 0, 2, []int64{note.ID, link.ID}},
		{"", link.ID, 10, []int64{got.ID}},
		{"爬山", 0, 10, []int64{got.ID}},
		{"go.DEV", 0, 10, []int64{link.ID}},
		{"x_y", 0, 10, []int64{link.ID}},
		{"%", 0, 10, []int64{note.ID}},
		{"_", 0, 10, []int64{link.ID}},
		{"nothing", 0, 10, nil},
	} {
		fs, err := s.List(ctx, 1, tc.query, tc.before, tc.limit)
		if err != nil {
			t.Fatalf("List(%q): %v", tc.query, err)
		}
		if got := ids(fs); !cmp.Equal(got, tc.want) {
			t.Errorf("List(%q, before %d, limit %d): got %v, want %v", tc.query, tc.before, tc.limit, got, tc.want)
		}
	}
}

func testEditDelete(t *testing.T, s favorite.Store) {
	ctx := t.Context()
	f := add(t, s, favorite.Favorite{Owner: 1, Kind: favorite.KindNote, Text: "旧", Created: T0, Updated: T0})
	later := T0.Add(time.Hour)
	changes, err := s.SetText(ctx, 1, f.ID, "新", later, []hongyan.Change{{User: 1, Kind: hongyan.ChangeFavorite, Ref: f.ID}})
	if err != nil || len(changes) != 1 {
		t.Fatalf("SetText: %v, %d changes", err, len(changes))
	}
	got, err := s.Get(ctx, 1, f.ID)
	if err != nil || got.Text != "新" || !got.Updated.Equal(later) || !got.Created.Equal(T0) {
		t.Errorf("after SetText: got %+v, %v", got, err)
	}
	if _, err := s.SetText(ctx, 2, f.ID, "x", later, nil); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Errorf("SetText by another owner: got %v, want not found", err)
	}
	if _, err := s.Delete(ctx, 2, f.ID, nil); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Errorf("Delete by another owner: got %v, want not found", err)
	}
	if _, err := s.Delete(ctx, 1, f.ID, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, 1, f.ID); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Errorf("Get after Delete: got %v, want not found", err)
	}
	if _, err := s.Delete(ctx, 1, f.ID, nil); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Errorf("Delete twice: got %v, want not found", err)
	}
}
