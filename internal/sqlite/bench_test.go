package sqlite_test

import (
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"hongyan/internal/chat"
	"hongyan/internal/chat/chattest"
	"hongyan/internal/group"
	"hongyan/internal/hongyan"
	"hongyan/internal/officialacct/officialaccttest"
	"hongyan/internal/sqlite"
)

// BenchmarkAppendMessageParallel measures durable one-to-one message sends
// from many concurrent senders (512 and 2048 goroutines, each with a
// conversation of its own), each call returning only after its group
// commit is durable. It reports msgs/s and the mean operations per commit.
//
//	go test -run '^$' -bench AppendMessageParallel -benchtime 200000x ./internal/sqlite
func BenchmarkAppendMessageParallel(b *testing.B) {
	for _, senders := range []int{16, 512, 2048} {
		b.Run(fmt.Sprintf("senders=%d", senders), func(b *testing.B) {
			db, err := sqlite.Open(b.Context(), b.TempDir())
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

// BenchmarkMessagesAt10k measures catching up 10,000 messages spread over
// 100 conversations with one MessagesAt call.
//
//	go test -run '^$' -bench MessagesAt10k ./internal/sqlite
func BenchmarkMessagesAt10k(b *testing.B) {
	db, err := sqlite.Open(b.Context(), b.TempDir())
	if err != nil {
		b.Fatalf("Open: %v", err)
	}
	defer db.Close()
	store := db.Chats()
	const convs, per = 100, 100
	var wg sync.WaitGroup
	refs := make([]chat.Ref, 0, convs*per)
	var mu sync.Mutex
	for c := range convs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a, d := hongyan.UserID(2*c+1), hongyan.UserID(2*c+2)
			for i := range per {
				m := chat.NewMessage{A: a, B: d, Message: chat.Message{Sender: a, ClientID: strconv.Itoa(i),
					Text: "a short text message of about eighty bytes, like most messages people send....", Time: time.Now()}}
				got, _, _, err := store.AppendMessage(b.Context(), m, []hongyan.UserID{a, d})
				if err != nil {
					b.Errorf("AppendMessage: %v", err)
					return
				}
				mu.Lock()
				refs = append(refs, chat.Ref{Conversation: got.Conversation, Seq: got.Seq})
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	b.ResetTimer()
	for b.Loop() {
		msgs, err := store.MessagesAt(b.Context(), refs)
		if err != nil || len(msgs) != len(refs) {
			b.Fatalf("MessagesAt: got %d messages, %v, want %d", len(msgs), err, len(refs))
		}
	}
	b.ReportMetric(float64(len(refs))*float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkGroupFanout500 measures durable sends into a 500-member group
// chat: each commit appends the message and one change-log entry per
// member. It reports msgs/s and deliveries/s (change-log entries).
//
//	go test -run '^$' -bench GroupFanout500 -benchtime 2000x ./internal/sqlite
func BenchmarkGroupFanout500(b *testing.B) {
	for _, senders := range []int{1, 16, 64} {
		b.Run(fmt.Sprintf("senders=%d", senders), func(b *testing.B) {
			db, err := sqlite.Open(b.Context(), b.TempDir())
			if err != nil {
				b.Fatalf("Open: %v", err)
			}
			defer db.Close()
			members := make([]group.Member, 500)
			for i := range members {
				members[i] = group.Member{User: hongyan.UserID(i + 1), Joined: time.Now(), Active: true}
			}
			members[0].Role = group.RoleOwner
			g, _, err := db.Groups().Create(b.Context(), group.Group{Name: "bench", Owner: 1, Created: time.Now()}, members, nil,
				group.Notice{Kind: group.NoticeCreated, Actor: 1}, nil)
			if err != nil {
				b.Fatal(err)
			}
			var ids sync.Mutex
			next := 0
			b.SetParallelism(max(1, senders/2))
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					ids.Lock()
					next++
					n := next
					ids.Unlock()
					m := chat.NewMessage{Group: g.ID, Message: chat.Message{
						Sender: hongyan.UserID(n%500 + 1), SenderDevice: 1, ClientID: "g" + strconv.Itoa(n), Text: "大家好", Time: time.Now(),
					}}
					if _, _, _, err := db.Chats().AppendMessage(b.Context(), m, nil); err != nil {
						b.Errorf("AppendMessage: %v", err)
						return
					}
				}
			})
			secs := time.Since(start).Seconds()
			b.ReportMetric(float64(b.N)/secs, "msgs/s")
			b.ReportMetric(float64(b.N)*500/secs, "deliveries/s")
		})
	}
}

// BenchmarkOABroadcast measures an official account's broadcast to all of
// its followers (officialaccttest.BenchmarkBroadcast).
//
//	go test -run '^$' -bench OABroadcast -benchtime 3x -timeout 30m ./internal/sqlite
func BenchmarkOABroadcast(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("followers=%d", n), func(b *testing.B) {
			db, err := sqlite.Open(b.Context(), b.TempDir())
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
//	go test -run '^$' -bench OAForumPage -benchtime 2s ./internal/sqlite
func BenchmarkOAForumPage(b *testing.B) {
	db, err := sqlite.Open(b.Context(), b.TempDir())
	if err != nil {
		b.Fatalf("Open: %v", err)
	}
	defer db.Close()
	officialaccttest.BenchmarkForumPage(b, db.OfficialAccounts(), 50_000)
}
