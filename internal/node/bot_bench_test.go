package node_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"hongyan/internal/config"
	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/postgres/pgtest"
	"hongyan/internal/wsclient"
)

// benchEngines runs fn on SQLite and, with HONGYAN_TEST_POSTGRES, on
// PostgreSQL.
func benchEngines(b *testing.B, fn func(b *testing.B, cfg config.Config)) {
	base := config.Default()
	base.Bots.AllowPrivateWebhooks = true
	base.Bots.WebhookFirstRetry = config.Duration{Duration: 50 * time.Millisecond}
	base.Bots.WebhookMaxRetry = config.Duration{Duration: 200 * time.Millisecond}
	base.Bots.WebhookAttempts = 1000
	base.Bots.RequestsPerMinute = 1_000_000
	b.Run("sqlite", func(b *testing.B) {
		cfg := base
		cfg.Data = b.TempDir()
		fn(b, cfg)
	})
	if os.Getenv("HONGYAN_TEST_POSTGRES") != "" {
		b.Run("postgres", func(b *testing.B) {
			cfg := base
			cfg.Storage.Driver = "postgres"
			cfg.Storage.Postgres = pgtest.DSN(b)
			cfg.Data = b.TempDir()
			fn(b, cfg)
		})
	}
}

// benchReceiver verifies each delivery and records when each event came.
type benchReceiver struct {
	*receiver
	gate    chan struct{} // closed: answer; open: refuse with 503 (retried)
	arrived sync.Map      // text → time
}

func (r *benchReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	select {
	case <-r.gate:
		r.receiver.ServeHTTP(w, req)
	default:
		w.WriteHeader(http.StatusServiceUnavailable)
	}
}

func (r *benchReceiver) count() (n, dups, bad int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got), r.dups, r.bad
}

// BenchmarkBotWebhookDeliveries: b.N events wait in the outbox (the
// receiver refuses them, so they are retried every 50–200 ms), then the receiver opens and the
// time until it verified all of them is measured. Run with a fixed count:
//
//	go test ./internal/node -run '^$' -bench BotWebhookDeliveries -benchtime 3000x
func BenchmarkBotWebhookDeliveries(b *testing.B) {
	benchEngines(b, func(b *testing.B, cfg config.Config) {
		srv, _ := startNodeWith(b, cfg)
		tb := benchT{b}
		owner := tb.register(srv, "bench_owner")
		o := tb.session(srv, owner)
		created := tb.call(o, &pb.ClientFrame{Req: &pb.ClientFrame_BotCreate{BotCreate: &pb.BotCreateRequest{Name: "Bench"}}}).GetBotCreated()
		rcv := &benchReceiver{receiver: newReceiver(), gate: make(chan struct{})}
		hook := httptest.NewServer(rcv)
		defer hook.Close()
		wh := tb.call(o, &pb.ClientFrame{Req: &pb.ClientFrame_BotWebhookSet{BotWebhookSet: &pb.BotWebhookRequest{Bot: created.Bot.Id, Url: hook.URL}}}).GetBotWebhook()
		rcv.secret = wh.Secret
		tb.call(o, &pb.ClientFrame{Req: &pb.ClientFrame_FriendRequest{FriendRequest: &pb.FriendRequestRequest{User: created.Bot.Account}}})
		// The events: b.N messages from 8 connections at once.
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
		want := b.N + 1 // and the friend request
		// Wait until every event is stored (and so queued).
		deadline := time.Now().Add(5 * time.Minute)
		for {
			if n := tb.events(srv, created.Token); n >= int64(want) {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("events not stored in time")
			}
			time.Sleep(20 * time.Millisecond)
		}
		b.ResetTimer()
		start := time.Now()
		close(rcv.gate)
		for {
			n, _, _ := rcv.count()
			if n >= want {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("delivered %d of %d", n, want)
			}
			time.Sleep(2 * time.Millisecond)
		}
		elapsed := time.Since(start)
		b.StopTimer()
		time.Sleep(300 * time.Millisecond) // a duplicate would come now
		n, dups, bad := rcv.count()
		b.ReportMetric(float64(n)/elapsed.Seconds(), "deliveries/s")
		b.ReportMetric(float64(want-min(n, want)), "lost")
		b.ReportMetric(float64(dups), "duplicated")
		b.ReportMetric(float64(bad), "bad-signatures")
		if dups != 0 || bad != 0 || n != want {
			b.Fatalf("got %d of %d, %d duplicated, %d bad", n, want, dups, bad)
		}
	})
}

// BenchmarkBotGroupMessageToWebhook: one group message at a time, the time
// from the sender's request to the bot's webhook receiving it.
//
//	go test ./internal/node -run '^$' -bench BotGroupMessageToWebhook -benchtime 300x
func BenchmarkBotGroupMessageToWebhook(b *testing.B) {
	benchEngines(b, func(b *testing.B, cfg config.Config) {
		srv, _ := startNodeWith(b, cfg)
		tb := benchT{b}
		o, m1, g := tb.latencyGroup(srv, "lat")
		created := tb.call(o, &pb.ClientFrame{Req: &pb.ClientFrame_BotCreate{BotCreate: &pb.BotCreateRequest{Name: "Lat"}}}).GetBotCreated()
		rcv := &benchReceiver{receiver: newReceiver(), gate: make(chan struct{})}
		close(rcv.gate)
		hook := httptest.NewServer(rcv)
		defer hook.Close()
		wh := tb.call(o, &pb.ClientFrame{Req: &pb.ClientFrame_BotWebhookSet{BotWebhookSet: &pb.BotWebhookRequest{Bot: created.Bot.Id, Url: hook.URL}}}).GetBotWebhook()
		rcv.secret = wh.Secret
		tb.call(o, &pb.ClientFrame{Req: &pb.ClientFrame_BotAddToGroup{BotAddToGroup: &pb.BotAddToGroupRequest{Group: g, Bot: created.Bot.Id}}})
		sender := tb.session(srv, m1)
		lat := make([]time.Duration, 0, b.N)
		b.ResetTimer()
		for i := range b.N {
			text := fmt.Sprintf("lat %d", i)
			start := time.Now()
			tb.call(sender, &pb.ClientFrame{Req: &pb.ClientFrame_Send{Send: &pb.SendRequest{Group: g, ClientId: text, Text: text}}})
			for !rcv.has(text) {
				select {
				case <-rcv.notify:
				case <-time.After(time.Millisecond):
				}
				if time.Since(start) > time.Minute {
					b.Fatalf("message %d never reached the webhook", i)
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

func (r *receiver) has(text string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.got {
		if strings.Contains(string(e.Data), `"text":"`+text+`"`) {
			return true
		}
	}
	return false
}

// benchT gives benchmarks the helpers the tests use.
type benchT struct{ b *testing.B }

// latencyGroup registers an owner and two members (prefix_owner,
// prefix_member1, …), makes them friends and a group of the three; it
// returns the owner's session, the first member and the group.
func (tb benchT) latencyGroup(srv *httptest.Server, prefix string) (*wsclient.Conn, user, int64) {
	owner := tb.register(srv, prefix+"_owner")
	m1 := tb.register(srv, prefix+"_member1")
	m2 := tb.register(srv, prefix+"_member2")
	for _, m := range []user{m1, m2} {
		fr := tb.call(tb.session(srv, owner), &pb.ClientFrame{Req: &pb.ClientFrame_FriendRequest{FriendRequest: &pb.FriendRequestRequest{User: m.id}}}).GetFriendRequest()
		tb.call(tb.session(srv, m), &pb.ClientFrame{Req: &pb.ClientFrame_AnswerRequest{AnswerRequest: &pb.AnswerRequest{Request: fr.Id, Accept: true}}})
	}
	o := tb.session(srv, owner)
	g := tb.call(o, &pb.ClientFrame{Req: &pb.ClientFrame_CreateGroup{CreateGroup: &pb.CreateGroupRequest{Name: "Latency", Members: []int64{m1.id, m2.id}}}}).GetGroup().Id
	return o, m1, g
}

func (tb benchT) register(srv *httptest.Server, account string) user {
	c, err := dialB(tb.b, srv)
	if err != nil {
		tb.b.Fatal(err)
	}
	sess, err := c.Register(context.Background(), &pb.RegisterRequest{AccountId: account, Password: "password-" + account, Nickname: account})
	if err != nil {
		tb.b.Fatal(err)
	}
	return user{id: sess.User, device: sess.Device, account: account, token: sess.Token}
}

func dialB(b *testing.B, srv *httptest.Server) (*wsclient.Conn, error) {
	c, err := wsclient.Dial(context.Background(), srv.URL)
	if err == nil {
		b.Cleanup(func() { c.Close() })
	}
	return c, err
}

func (tb benchT) session(srv *httptest.Server, u user) *wsclient.Conn {
	c, err := dialB(tb.b, srv)
	if err != nil {
		tb.b.Fatal(err)
	}
	if _, err := c.Hello(context.Background(), u.token); err != nil {
		tb.b.Fatal(err)
	}
	return c
}

func (tb benchT) call(c *wsclient.Conn, f *pb.ClientFrame) *pb.ServerFrame {
	resp, err := c.Call(context.Background(), f)
	if err != nil {
		tb.b.Fatalf("%T: %v", f.Req, err)
	}
	return resp
}

// events returns the bot's newest event number.
func (tb benchT) events(srv *httptest.Server, token string) int64 {
	var last int64
	for {
		req, _ := http.NewRequest("GET", fmt.Sprintf("%s/bot/v1/events?after=%d&timeout=0", srv.URL, last), nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			tb.b.Fatal(err)
		}
		var page struct {
			Events []json.RawMessage
			Next   int64
		}
		json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if len(page.Events) == 0 {
			return last
		}
		last = page.Next
	}
}
