package sqlite_test

import (
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"hongyan/internal/chat"
	"hongyan/internal/chat/chattest"
	"hongyan/internal/hongyan"
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
