package node_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"hongyan/internal/config"
	pb "hongyan/internal/gen/hongyanv1"
)

// BenchmarkBotStreamEvents: b.N events are stored, then a bot opens the
// event stream from 0 (acknowledging each) and the time until it read all
// of them, in order and once each, is measured:
//
//	go test ./internal/node -run '^$' -bench BotStreamEvents -benchtime 3000x
func BenchmarkBotStreamEvents(b *testing.B) {
	benchEngines(b, func(b *testing.B, cfg config.Config) {
		srv, _ := startNodeWith(b, cfg)
		tb := benchT{b}
		owner := tb.register(srv, "stream_owner")
		o := tb.session(srv, owner)
		created := tb.call(o, &pb.ClientFrame{Req: &pb.ClientFrame_BotCreate{BotCreate: &pb.BotCreateRequest{Name: "Bench"}}}).GetBotCreated()
		tb.call(o, &pb.ClientFrame{Req: &pb.ClientFrame_FriendRequest{FriendRequest: &pb.FriendRequestRequest{User: created.Bot.Account}}})
		var wg sync.WaitGroup
		for w := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := tb.session(srv, owner)
				for i := w; i < b.N; i += 8 {
					tb.call(c, send(created.Bot.Account, fmt.Sprintf("m%d", i), fmt.Sprintf("msg %d", i)))
				}
			}()
		}
		wg.Wait()
		want := int64(b.N + 1) // and the friend request
		deadline := time.Now().Add(5 * time.Minute)
		for tb.events(srv, created.Token) < want {
			if time.Now().After(deadline) {
				b.Fatalf("events not stored in time")
			}
			time.Sleep(20 * time.Millisecond)
		}
		b.ResetTimer()
		start := time.Now()
		s := mustStream(b, srv, created.Token, 0)
		for seq := int64(1); seq <= want; seq++ {
			if e := s.next(); e.Seq != seq {
				b.Fatalf("event %d arrived as %d", e.Seq, seq)
			}
			s.ack(seq)
		}
		elapsed := time.Since(start)
		b.StopTimer()
		b.ReportMetric(float64(want)/elapsed.Seconds(), "events/s")
		b.ReportMetric(0, "ns/op")
	})
}

// BenchmarkBotGroupMessageToStream: one group message at a time, the time
// from the sender's request to the bot reading it on its event stream.
//
//	go test ./internal/node -run '^$' -bench BotGroupMessageToStream -benchtime 300x
func BenchmarkBotGroupMessageToStream(b *testing.B) {
	benchEngines(b, func(b *testing.B, cfg config.Config) {
		srv, _ := startNodeWith(b, cfg)
		tb := benchT{b}
		o, m1, g := tb.latencyGroup(srv, "slat")
		created := tb.call(o, &pb.ClientFrame{Req: &pb.ClientFrame_BotCreate{BotCreate: &pb.BotCreateRequest{Name: "Lat"}}}).GetBotCreated()
		tb.call(o, &pb.ClientFrame{Req: &pb.ClientFrame_BotAddToGroup{BotAddToGroup: &pb.BotAddToGroupRequest{Group: g, Bot: created.Bot.Id}}})
		// Start after what happened so far (the bot joining).
		s := mustStream(b, srv, created.Token, tb.events(srv, created.Token))
		sender := tb.session(srv, m1)
		lat := make([]time.Duration, 0, b.N)
		b.ResetTimer()
		for i := range b.N {
			text := fmt.Sprintf("lat %d", i)
			start := time.Now()
			tb.call(sender, &pb.ClientFrame{Req: &pb.ClientFrame_Send{Send: &pb.SendRequest{Group: g, ClientId: text, Text: text}}})
			for {
				e := s.next()
				s.ack(e.Seq)
				if messageText(e) == text {
					break
				}
			}
			lat = append(lat, time.Since(start))
		}
		b.StopTimer()
		slices.Sort(lat)
		q := func(p float64) float64 {
			return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
		}
		b.ReportMetric(q(0.50), "p50-ms")
		b.ReportMetric(q(0.99), "p99-ms")
		b.ReportMetric(0, "ns/op")
	})
}
