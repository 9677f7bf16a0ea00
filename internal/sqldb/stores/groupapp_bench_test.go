package stores_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"hongyan/internal/groupapp"
	"hongyan/internal/hongyan"
	"hongyan/internal/postgres"
	"hongyan/internal/postgres/pgtest"
	"hongyan/internal/sqldb/stores"
	"hongyan/internal/sqlite"
)

// BenchmarkGroupAppVote and BenchmarkGroupAppCheckin: votes on one poll and
// check-ins in one group by concurrent members (b.RunParallel, so that the
// writer commits them in groups), each in its transaction with one
// change-log entry for every member of the group — what a vote or a
// check-in costs the store in a group of 10 and of 500 (the default size
// limit). A vote replaces the member's earlier one; every check-in is a
// new (member, day).
//
//	HONGYAN_TEST_POSTGRES=… go test ./internal/sqldb/stores -run '^$' -bench GroupApp -benchtime 2000x
func BenchmarkGroupAppVote(b *testing.B) {
	benchGroupApp(b, func(ctx context.Context, s groupapp.Store, poll int64, n int64, members int, notify []hongyan.Change) error {
		_, err := s.Vote(ctx, benchGroup, groupapp.Vote{Poll: poll, User: hongyan.UserID(n%int64(members) + 1), Choices: []int{int(n % 3)}, At: time.Now()}, notify)
		return err
	})
}

func BenchmarkGroupAppCheckin(b *testing.B) {
	benchGroupApp(b, func(ctx context.Context, s groupapp.Store, _ int64, n int64, members int, notify []hongyan.Change) error {
		_, added, _, err := s.CheckIn(ctx, groupapp.Checkin{Group: benchGroup, User: hongyan.UserID(n%int64(members) + 1), Day: 20_000 + n/int64(members), At: time.Now()}, notify)
		if err == nil && !added {
			return fmt.Errorf("check-in %d was not new", n)
		}
		return err
	})
}

const benchGroup hongyan.ConversationID = 7

func benchGroupApp(b *testing.B, op func(ctx context.Context, s groupapp.Store, poll, n int64, members int, notify []hongyan.Change) error) {
	for _, engine := range []string{"sqlite", "postgres"} {
		for _, members := range []int{10, 500} {
			b.Run(fmt.Sprintf("%s/members=%d", engine, members), func(b *testing.B) {
				ctx := context.Background()
				var db *stores.DB
				var err error
				if engine == "sqlite" {
					db, err = sqlite.Open(ctx, b.TempDir())
				} else {
					db, err = postgres.Open(ctx, pgtest.DSN(b))
				}
				if err != nil {
					b.Fatal(err)
				}
				defer db.Close()
				s := db.GroupApps()
				p, _, err := s.CreatePoll(ctx, groupapp.Poll{Group: benchGroup, Creator: 1, Question: "Q", Options: []string{"a", "b", "c"}, Created: time.Now()}, nil)
				if err != nil {
					b.Fatal(err)
				}
				var next atomic.Int64
				b.SetParallelism(8)
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						n := next.Add(1) - 1
						notify := make([]hongyan.Change, members)
						for i := range notify {
							notify[i] = hongyan.Change{User: hongyan.UserID(i + 1), Kind: groupapp.ChangePoll, Conversation: benchGroup, Ref: p.ID}
						}
						if err := op(ctx, s, p.ID, n, members, notify); err != nil {
							b.Error(err)
							return
						}
					}
				})
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
			})
		}
	}
}
