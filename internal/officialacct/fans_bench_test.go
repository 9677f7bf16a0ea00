package officialacct_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"hongyan/internal/hongyan"
	oa "hongyan/internal/officialacct"
	"hongyan/internal/postgres"
	"hongyan/internal/postgres/pgtest"
	"hongyan/internal/sqldb/stores"
	"hongyan/internal/sqlite"
)

// benchFans follow the account: more than one search request looks at
// (oa.SearchScan), so a search that matches nobody is the worst case.
const benchFans = 6000

// names is the account feature's answer: every follower's nickname.
type names struct{}

func (names) Nicknames(_ context.Context, users []hongyan.UserID) (map[hongyan.UserID]string, error) {
	out := make(map[hongyan.UserID]string, len(users))
	for _, u := range users {
		out[u] = fmt.Sprintf("读者%d", u)
	}
	return out, nil
}

// BenchmarkFollowerSearch measures one console search request through the
// service: a nickname that matches one follower (a page found early) and
// one that matches nobody (the whole bounded scan of oa.SearchScan
// followers), on both engines.
func BenchmarkFollowerSearch(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		db, err := sqlite.Open(b.Context(), b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		benchSearch(b, db)
	})
	b.Run("postgres", func(b *testing.B) {
		if os.Getenv("HONGYAN_TEST_POSTGRES") == "" {
			pgtest.Require(b)
		}
		db, err := postgres.Open(b.Context(), pgtest.DSN(b))
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		benchSearch(b, db)
	})
}

func benchSearch(b *testing.B, db *stores.DB) {
	ctx := b.Context()
	st := db.OfficialAccounts()
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	org, err := st.EnsureOrg(ctx, "Bench", 1, t0)
	if err != nil {
		b.Fatal(err)
	}
	a, err := st.CreateAccount(ctx, oa.Account{Org: org.ID, AppID: "wxbench000000001", OriginalID: "gh_bench00001", Name: "Bench",
		Kind: oa.KindService, SecretHash: oa.HashToken("secret"), Created: t0}, 1)
	if err != nil {
		b.Fatal(err)
	}
	for u := hongyan.UserID(1000); u < 1000+benchFans; u++ {
		if _, _, _, err := st.Follow(ctx, a.ID, u, oa.Follow{OpenID: fmt.Sprintf("o%08d", u), UnionID: fmt.Sprintf("u%08d", u), At: t0}, nil); err != nil {
			b.Fatal(err)
		}
	}
	s := oa.New(st, hongyan.Publisher{})
	s.SetNames(names{})
	me := hongyan.Caller{User: 1}
	for _, tc := range []struct{ name, q string }{{"one match", "读者1500"}, {"no match", "nobody"}} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				page, err := s.Followers(ctx, me, a.ID, oa.FanQuery{Search: tc.q, Limit: 50})
				if err != nil {
					b.Fatal(err)
				}
				if tc.q == "nobody" && (len(page.Fans) != 0 || page.Next == "") {
					b.Fatalf("no match: got %d fans, next %q; want none and a next page", len(page.Fans), page.Next)
				}
			}
		})
	}
}
