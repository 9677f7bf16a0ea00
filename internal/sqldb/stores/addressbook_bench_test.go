package stores_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"hongyan/internal/account"
	"hongyan/internal/addressbook"
	"hongyan/internal/hongyan"
	"hongyan/internal/postgres"
	"hongyan/internal/postgres/pgtest"
	"hongyan/internal/sqldb"
	"hongyan/internal/sqldb/stores"
	"hongyan/internal/sqlite"
)

// BenchmarkMatch: one address-book match of 1,000 numbers written with a
// country code, sent as their 2,000 hashes (each with and without it),
// against 100,000 users with bound phone numbers, 100 of the numbers
// theirs (10 of those not findable). It runs the feature's Match on the
// real stores: the quota in the address-book tables, the lookup of the
// hashes in the accounts table (through
// account.Service.FindableByPhoneHash), the block check in the contacts'.
// Hashing on the client is not timed; neither is the making of the salt,
// which hashes every seeded phone (logged once).
//
//	HONGYAN_TEST_POSTGRES=… go test ./internal/sqldb/stores -run '^$' -bench Match -benchtime 50x
func BenchmarkMatch(b *testing.B) {
	for _, name := range []string{"sqlite", "postgres"} {
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			var db *stores.DB
			var err error
			if name == "sqlite" {
				db, err = sqlite.Open(ctx, b.TempDir())
			} else {
				db, err = postgres.Open(ctx, pgtest.DSN(b))
			}
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			const users, uploaded, members = 100_000, 1000, 100
			seedAccounts(b, db, users)
			accounts := account.New(db.Accounts(), nil, hongyan.Publisher{}, account.DefaultConfig())
			cfg := addressbook.DefaultConfig()
			cfg.MatchPerDay, cfg.MatchPerRequest = 1<<40, 2*uploaded
			t0 := time.Now()
			salt, _, err := accounts.PhoneSalt(ctx)
			if err != nil {
				b.Fatal(err)
			}
			b.Logf("%s: making the salt hashed %d phones in %v", name, users, time.Since(t0).Round(time.Millisecond))
			svc := addressbook.New(db.AddressBooks(), accounts, benchRelations{db}, nil, hongyan.Publisher{}, cfg)
			// Every tenth of the first 1,000 numbers belongs to a user;
			// the rest to nobody here. Written as a phone shows them.
			phones := make([]string, uploaded)
			for i := range phones {
				n := 20_000_000 + i*10
				if i%10 != 0 {
					n = 90_000_000 + i
				}
				phones[i] = fmt.Sprintf("+86 138 %04d %04d", n/10000%10000, n%10000)
			}
			var hashes [][]byte
			for _, p := range phones {
				hashes = append(hashes, addressbook.HashPhones(salt, p, cfg.CountryCode)...)
			}
			me := hongyan.Caller{User: 1 << 40}
			b.ResetTimer()
			for b.Loop() {
				ms, err := svc.Match(ctx, me, hashes)
				if err != nil {
					b.Fatal(err)
				}
				if len(ms) != members-members/10 {
					b.Fatalf("got %d matches, want %d", len(ms), members-members/10)
				}
			}
		})
	}
}

// benchRelations reads blocks from the contact store, as the node's
// adapter reads them through the contact feature.
type benchRelations struct{ db *stores.DB }

func (r benchRelations) Blocked(ctx context.Context, a, b hongyan.UserID) (bool, error) {
	ab, err := r.db.Contacts().Relation(ctx, a, b)
	if err != nil {
		return false, err
	}
	ba, err := r.db.Contacts().Relation(ctx, b, a)
	return ab.ToBlocksFrom || ba.ToBlocksFrom, err
}

// seedAccounts writes n accounts in bulk: user i has the phone number
// 1382xxxxxxx (i*10, as written without the country code for even i and
// with it for odd i); every hundredth user does not let others find them
// by phone.
func seedAccounts(b *testing.B, db *stores.DB, n int) {
	ctx := context.Background()
	now := time.Now().UnixMilli()
	for start := 0; start < n; start += 4096 {
		err := db.Write(ctx, func(t *sqldb.Tx) error {
			end := min(n, start+4096)
			for s, k := start, 0; s < end; s += k {
				k = sqldb.Chunk(end - s)
				var args []any
				for i := s; i < s+k; i++ {
					num := 20_000_000 + i*10
					phone := fmt.Sprintf("138%08d", num)
					if i%2 == 1 {
						phone = "+86" + phone
					}
					id := fmt.Sprintf("bench_%06d", i)
					args = append(args, id, id, false, "x", phone, id, "", 0, "", "", true, i%100 != 10, true, now)
				}
				q := t.RowsSQL(`INSERT INTO accounts (account_id, account_key, account_id_changed, password_hash, phone, nickname, avatar,
					gender, region, signature, find_by_account_id, find_by_phone, add_needs_verification, created) VALUES `, k, make([]string, 14), "")
				if _, err := t.Exec(q, args...); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
