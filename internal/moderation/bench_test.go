package moderation_test

import (
	"os"
	"testing"
	"time"

	"hongyan/internal/hongyan"
	"hongyan/internal/membus"
	"hongyan/internal/moderation"
	"hongyan/internal/postgres"
	"hongyan/internal/postgres/pgtest"
	"hongyan/internal/sqldb/stores"
	"hongyan/internal/sqlite"
)

// BenchmarkCheck measures the question the gateway asks on every hello,
// sign-in and limited request: is this user penalised? 10,000 users, one
// in ten with a penalty history (half of those in force).
func BenchmarkCheck(b *testing.B) {
	open := map[string]func(b *testing.B) *stores.DB{
		"sqlite": func(b *testing.B) *stores.DB {
			db, err := sqlite.Open(b.Context(), b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			return db
		},
		"postgres": func(b *testing.B) *stores.DB {
			if os.Getenv("HONGYAN_TEST_POSTGRES") == "" {
				b.Skip("HONGYAN_TEST_POSTGRES not set")
			}
			db, err := postgres.Open(b.Context(), pgtest.DSN(b))
			if err != nil {
				b.Fatal(err)
			}
			return db
		},
	}
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			db := open[engine](b)
			defer db.Close()
			w := &world{}
			s := moderation.New(db.Moderation(), w, w, w, hongyan.Publisher{Bus: membus.New()}, moderation.DefaultConfig())
			ctx := b.Context()
			mod := moderation.Principal{Admin: 1, Name: "m", Role: moderation.RoleModerator}
			for u := hongyan.UserID(1); u <= 10_000; u += 10 {
				d := time.Hour
				if u%20 == 1 {
					d = time.Millisecond // ended by the time we ask
				}
				if _, err := s.Penalize(ctx, mod, moderation.PenaltyInput{User: u, Kind: moderation.KindLimitFeatures, For: d, Reason: "bench"}); err != nil {
					b.Fatal(err)
				}
			}
			time.Sleep(2 * time.Millisecond) // let the short ones end
			for _, c := range []struct {
				name string
				user hongyan.UserID
				want bool
			}{{"clean", 5, true}, {"ended", 1, true}, {"limited", 11, false}} {
				b.Run(c.name, func(b *testing.B) {
					for b.Loop() {
						err := s.Check(ctx, c.user, moderation.ActionFeatures)
						if (err == nil) != c.want {
							b.Fatalf("Check(%d): %v", c.user, err)
						}
					}
				})
			}
		})
	}
}
