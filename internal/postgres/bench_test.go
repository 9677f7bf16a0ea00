package postgres_test

import (
	"fmt"
	"testing"

	"hongyan/internal/chat/chattest"
	"hongyan/internal/officialacct/officialaccttest"
	"hongyan/internal/postgres"
	"hongyan/internal/postgres/pgtest"
)

// BenchmarkAppendMessageParallel measures durable one-to-one message sends
// from many concurrent senders (512 and 2048 goroutines, each with a
// conversation of its own), each call returning only after its group
// commit is durable. It reports msgs/s and the mean operations per commit.
//
//	HONGYAN_TEST_POSTGRES=postgres://... go test -run '^$' -bench AppendMessageParallel -benchtime 100000x ./internal/postgres
func BenchmarkAppendMessageParallel(b *testing.B) {
	for _, senders := range []int{512, 2048} {
		b.Run(fmt.Sprintf("senders=%d", senders), func(b *testing.B) {
			db, err := postgres.Open(b.Context(), pgtest.DSN(b))
			if err != nil {
				b.Fatalf("Open: %v", err)
			}
			defer db.Close()
			before := db.Stats()
			chattest.BenchmarkAppend(b, db.Chats(), senders)
			after := db.Stats()
			if n := after.Batches - before.Batches; n > 0 {
				b.ReportMetric(float64(after.Ops-before.Ops)/float64(n), "ops/commit")
			}
		})
	}
}

// BenchmarkOABroadcast measures an official account's broadcast to all of
// its followers (officialaccttest.BenchmarkBroadcast).
//
//	HONGYAN_TEST_POSTGRES=postgres://... go test -run '^$' -bench OABroadcast -benchtime 3x -timeout 30m ./internal/postgres
func BenchmarkOABroadcast(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("followers=%d", n), func(b *testing.B) {
			db, err := postgres.Open(b.Context(), pgtest.DSN(b))
			if err != nil {
				b.Fatalf("Open: %v", err)
			}
			defer db.Close()
			officialaccttest.BenchmarkBroadcast(b, db.OfficialAccounts(), n)
		})
	}
}

// BenchmarkOAForumPage measures reading a page of an official account's
// community (officialaccttest.BenchmarkForumPage).
//
//	HONGYAN_TEST_POSTGRES=postgres://... go test -run '^$' -bench OAForumPage -benchtime 2s ./internal/postgres
func BenchmarkOAForumPage(b *testing.B) {
	db, err := postgres.Open(b.Context(), pgtest.DSN(b))
	if err != nil {
		b.Fatalf("Open: %v", err)
	}
	defer db.Close()
	officialaccttest.BenchmarkForumPage(b, db.OfficialAccounts(), 50_000)
}
