package officialacct_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"hongyan/internal/hongyan"
	oa "hongyan/internal/officialacct"
	"hongyan/internal/sqlite"
)

// countingNames answers nicknames and records each lookup's size.
type countingNames struct{ calls []int }

func (c *countingNames) Nicknames(_ context.Context, users []hongyan.UserID) (map[hongyan.UserID]string, error) {
	c.calls = append(c.calls, len(users))
	out := make(map[hongyan.UserID]string, len(users))
	for _, u := range users {
		out[u] = fmt.Sprintf("Reader %d", u)
	}
	return out, nil
}

// A page of followers costs one nickname lookup for the page, not one per
// follower; a search one per batch it looks at; only operators ask.
func TestFollowersOneLookupAPage(t *testing.T) {
	db, err := sqlite.Open(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx, st := t.Context(), db.OfficialAccounts()
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	org, err := st.EnsureOrg(ctx, "Org", 1, t0)
	if err != nil {
		t.Fatal(err)
	}
	a, err := st.CreateAccount(ctx, oa.Account{Org: org.ID, AppID: "wxpage0000000001", OriginalID: "gh_page000001", Name: "Page",
		Kind: oa.KindService, SecretHash: oa.HashToken("s"), Created: t0}, 1)
	if err != nil {
		t.Fatal(err)
	}
	for u := hongyan.UserID(100); u < 112; u++ {
		if _, _, _, err := st.Follow(ctx, a.ID, u, oa.Follow{OpenID: fmt.Sprintf("o%04d", u), UnionID: fmt.Sprintf("u%04d", u), At: t0}, nil); err != nil {
			t.Fatal(err)
		}
	}
	names := &countingNames{}
	s := oa.New(st, hongyan.Publisher{})
	s.SetNames(names)
	owner := hongyan.Caller{User: 1}
	page, err := s.Followers(ctx, owner, a.ID, oa.FanQuery{Limit: 5})
	if err != nil || len(page.Fans) != 5 || page.Next != "o0104" || page.Fans[0].Nickname != "Reader 100" {
		t.Fatalf("first page: got %+v, %v; want 5 named followers, next o0104", page, err)
	}
	if fmt.Sprint(names.calls) != "[5]" {
		t.Errorf("nickname lookups for a page of 5: got %v, want [5]", names.calls)
	}
	names.calls = nil
	page, err = s.Followers(ctx, owner, a.ID, oa.FanQuery{Search: "reader 11", Limit: 50})
	if err != nil || len(page.Fans) != 2 || page.Next != "" {
		t.Fatalf("search: got %+v, %v; want Reader 110 and 111, no next", page, err)
	}
	if fmt.Sprint(names.calls) != "[12]" {
		t.Errorf("nickname lookups for a search of 12 followers: got %v, want [12]", names.calls)
	}
	names.calls = nil
	if _, err := s.Followers(ctx, hongyan.Caller{User: 100}, a.ID, oa.FanQuery{Search: "reader"}); hongyan.ErrorCode(err) != hongyan.CodeDenied {
		t.Errorf("a follower lists the followers: got %v, want permission denied", err)
	}
	if len(names.calls) != 0 {
		t.Errorf("a refused request looked up nicknames: %v", names.calls)
	}
}
