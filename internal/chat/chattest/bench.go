package chattest

import (
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"hongyan/internal/chat"
	"hongyan/internal/hongyan"
)

// BenchmarkAppend measures b.N durable one-to-one sends through s from
// about senders concurrent goroutines (rounded to a multiple of
// GOMAXPROCS), each sending to a conversation of its own and notifying both
// members, as the chat service does. Each call returns only after its
// commit is durable, so the goroutines model that many clients each
// waiting for their ack. It reports msgs/s.
func BenchmarkAppend(b *testing.B, s chat.Store, senders int) {
	var next, ids atomic.Int64
	const text = "a short text message of about eighty bytes, like most messages people send...."
	b.SetParallelism(max(1, senders/runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		k := next.Add(1)
		a, c := hongyan.UserID(2*k-1), hongyan.UserID(2*k)
		notify := []hongyan.UserID{a, c}
		for pb.Next() {
			m := chat.NewMessage{A: a, B: c, Message: chat.Message{
				Sender: a, SenderDevice: 1, ClientID: "c" + strconv.FormatInt(ids.Add(1), 10), Text: text, Time: time.Now(),
			}}
			if _, _, _, err := s.AppendMessage(b.Context(), m, notify); err != nil {
				b.Errorf("AppendMessage: %v", err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}
