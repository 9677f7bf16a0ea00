package node_test

import (
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"hongyan/internal/botapi"
	"hongyan/internal/config"
	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/postgres/pgtest"
)

// TestBotsAcrossNodes: two nodes on one PostgreSQL and NATS, the sweep
// turned off (an hour): a bot made on one node hears of messages sent on
// the other through the bus, each event reaches the webhook once though
// both nodes pump and send, and a long poll on the other node wakes.
func TestBotsAcrossNodes(t *testing.T) {
	a, b := twoBotNodes(t)
	owner := registerUser(t, a, "clu_botowner")
	talker := registerUser(t, b, "clu_talker")
	created := call(t, session(t, a, owner), &pb.ClientFrame{Req: &pb.ClientFrame_BotCreate{BotCreate: &pb.BotCreateRequest{Name: "Clustered"}}}).GetBotCreated()
	rcv := newReceiver()
	hook := httptest.NewServer(rcv)
	defer hook.Close()
	wh := call(t, session(t, a, owner), &pb.ClientFrame{Req: &pb.ClientFrame_BotWebhookSet{BotWebhookSet: &pb.BotWebhookRequest{Bot: created.Bot.Id, Url: hook.URL}}}).GetBotWebhook()
	rcv.mu.Lock()
	rcv.secret = wh.Secret
	rcv.mu.Unlock()

	ts := session(t, b, talker)
	call(t, ts, &pb.ClientFrame{Req: &pb.ClientFrame_FriendRequest{FriendRequest: &pb.FriendRequestRequest{User: created.Bot.Account}}})
	// A long poll on node b, waiting before anything is sent.
	polled := make(chan apiAnswer, 1)
	api := botClient{t: t, base: b.URL, token: created.Token}
	var after int64
	api.pollFor("friend_request", "", &after)
	go func() {
		polled <- botClient{t: t, base: b.URL, token: created.Token}.do("GET", fmt.Sprintf("/bot/v1/events?after=%d&timeout=30", after), nil)
	}()
	const n = 20
	for i := range n {
		call(t, ts, send(created.Bot.Account, fmt.Sprintf("clu%d", i), fmt.Sprintf("across %d", i)))
	}
	select {
	case got := <-polled:
		if got.status != 200 || len(got.body["events"].([]any)) == 0 {
			t.Fatalf("long poll on the other node: %d %s", got.status, got.raw)
		}
	case <-time.After(25 * time.Second):
		t.Fatal("the long poll on the other node did not wake")
	}
	for i := range n {
		rcv.waitFor(t, "message", fmt.Sprintf(`"text":"across %d"`, i))
	}
	// Each event has one delivery, and each was sent once.
	os1 := session(t, a, owner)
	deadline := time.Now().Add(20 * time.Second)
	for {
		log := call(t, os1, &pb.ClientFrame{Req: &pb.ClientFrame_BotDeliveries{BotDeliveries: &pb.BotDeliveriesRequest{Bot: created.Bot.Id}}}).GetBotDeliveries().Deliveries
		done := len(log) == n+1
		for _, d := range log {
			done = done && d.Status == "delivered"
			if d.Status == "delivered" && d.Attempts != 1 {
				t.Fatalf("delivery %v took %d attempts", d.EventId, d.Attempts)
			}
		}
		if done {
			break
		}
		if len(log) > n+1 || time.Now().After(deadline) {
			t.Fatalf("delivery log: %d entries, want %d all delivered: %v", len(log), n+1, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	if len(rcv.got) != n+1 || rcv.dups != 0 || rcv.bad != 0 {
		t.Fatalf("receiver: %d events (want %d), %d duplicates, %d bad", len(rcv.got), n+1, rcv.dups, rcv.bad)
	}
}

// TestBotStreamAcrossNodes: two nodes on one PostgreSQL and NATS: a stream
// opened on one node replaces the token's stream on the other, an event
// sent on the other node reaches it, and revoking the token on the other
// node closes it at once.
func TestBotStreamAcrossNodes(t *testing.T) {
	a, b := twoBotNodes(t)
	owner := registerUser(t, a, "clu_streamowner")
	talker := registerUser(t, b, "clu_streamtalker")
	created := call(t, session(t, a, owner), &pb.ClientFrame{Req: &pb.ClientFrame_BotCreate{BotCreate: &pb.BotCreateRequest{Name: "Streamed"}}}).GetBotCreated()
	ts := session(t, b, talker)
	call(t, ts, &pb.ClientFrame{Req: &pb.ClientFrame_FriendRequest{FriendRequest: &pb.FriendRequestRequest{User: created.Bot.Account}}})

	first := mustStream(t, b, created.Token, 0)
	if e := first.next(); e.Type != "friend_request" {
		t.Fatalf("first event %+v", e)
	}
	second := mustStream(t, a, created.Token, 1)
	if code := first.closed(); code != botapi.CloseReplaced {
		t.Fatalf("the stream on the other node closed with %d, want %d", code, botapi.CloseReplaced)
	}
	call(t, ts, send(created.Bot.Account, "cs1", "across the stream"))
	if e := second.next(); e.Seq != 2 || messageText(e) != "across the stream" {
		t.Fatalf("event %+v, want the message as seq 2", e)
	}
	api := botClient{t: t, base: b.URL, token: created.Token}
	api.want("revoke on the other node", api.do("DELETE", "/bot/v1/token", nil), 200, "")
	if code := second.closed(); code != botapi.CloseRevoked {
		t.Fatalf("stream after revocation on the other node closed with %d, want %d", code, botapi.CloseRevoked)
	}
}

// twoBotNodes starts two nodes on one PostgreSQL and NATS with the bot
// sweep turned off (an hour) and webhooks allowed to loopback.
func twoBotNodes(t *testing.T) (*httptest.Server, *httptest.Server) {
	dsn := pgtest.DSN(t)
	url := natsServer(t)
	var cs [2]config.Config
	for i := range cs {
		c := config.Default()
		c.Storage.Driver, c.Storage.Postgres = "postgres", dsn
		c.Data = t.TempDir()
		c.Bus = url
		c.Bots.AllowPrivateWebhooks = true
		c.Bots.SweepInterval = config.Duration{Duration: time.Hour}
		cs[i] = c
	}
	return startNode(t, cs[0]), startNode(t, cs[1])
}
