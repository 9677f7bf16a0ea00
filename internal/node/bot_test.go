package node_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"hongyan/internal/bot"
	"hongyan/internal/config"
	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/node"
	"hongyan/internal/wsclient"
)

// botClient calls a node's bot API with a token.
type botClient struct {
	t     *testing.T
	base  string
	token string
}

type apiAnswer struct {
	status int
	body   map[string]any
	raw    []byte
}

func (c botClient) do(method, path string, body any) apiAnswer {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, _ := json.Marshal(b)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := apiAnswer{status: resp.StatusCode, raw: raw}
	json.Unmarshal(raw, &a.body)
	return a
}

func (a apiAnswer) code() string {
	e, _ := a.body["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

// want checks the status and, for errors, the code.
func (c botClient) want(what string, a apiAnswer, status int, code string) apiAnswer {
	c.t.Helper()
	if a.status != status || (code != "" && a.code() != code) {
		c.t.Fatalf("%s: %d %s; want %d %s", what, a.status, a.raw, status, code)
	}
	return a
}

// receiver is a webhook endpoint that verifies every signature and keeps
// each event once by its webhook-id.
type receiver struct {
	mu     sync.Mutex
	secret string
	got    map[string]bot.Envelope
	dups   int
	bad    int
	notify chan struct{}
}

func newReceiver() *receiver {
	return &receiver{got: map[string]bot.Envelope{}, notify: make(chan struct{}, 1)}
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	ts, _ := strconv.ParseInt(req.Header.Get("webhook-timestamp"), 10, 64)
	id := req.Header.Get("webhook-id")
	r.mu.Lock()
	defer r.mu.Unlock()
	if !bot.Verify(r.secret, id, ts, body, req.Header.Get("webhook-signature"), time.Now(), 5*time.Minute) {
		r.bad++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var e bot.Envelope
	if err := json.Unmarshal(body, &e); err != nil || e.ID != id {
		r.bad++
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if _, ok := r.got[id]; ok {
		r.dups++
	}
	r.got[id] = e
	select {
	case r.notify <- struct{}{}:
	default:
	}
	w.WriteHeader(http.StatusNoContent)
}

// waitFor waits until the receiver holds an event of typ whose data
// contains frag.
func (r *receiver) waitFor(t *testing.T, typ, frag string) bot.Envelope {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		r.mu.Lock()
		for _, e := range r.got {
			if e.Type == typ && strings.Contains(string(e.Data), frag) {
				r.mu.Unlock()
				return e
			}
		}
		r.mu.Unlock()
		select {
		case <-r.notify:
		case <-time.After(200 * time.Millisecond):
		case <-deadline:
			t.Fatalf("no %s webhook with %q", typ, frag)
		}
	}
}

// pollFor long-polls the bot's events until one of typ with frag arrives.
func (c botClient) pollFor(typ, frag string, after *int64) map[string]any {
	c.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		a := c.want("events", c.do("GET", fmt.Sprintf("/bot/v1/events?after=%d&timeout=5", *after), nil), 200, "")
		evs, _ := a.body["events"].([]any)
		for _, x := range evs {
			e := x.(map[string]any)
			*after = int64(e["seq"].(float64))
			data, _ := json.Marshal(e["data"])
			if e["type"] == typ && strings.Contains(string(data), frag) {
				return e
			}
		}
	}
	c.t.Fatalf("no %s event with %q", typ, frag)
	return nil
}

func TestBots(t *testing.T) {
	forEachEngineWith(t, func(cfg *config.Config) {
		cfg.Bots.AllowPrivateWebhooks = true
		cfg.Bots.WebhookFirstRetry = config.Duration{Duration: 200 * time.Millisecond}
		cfg.Bots.WebhookMaxRetry = config.Duration{Duration: time.Second}
	}, func(t *testing.T, srv *httptest.Server) {
		alice := registerUser(t, srv, "alice_bots")
		bob := registerUser(t, srv, "bob_bots")
		carol := registerUser(t, srv, "carol_bots")
		dave := registerUser(t, srv, "dave_bots")
		befriend(t, srv, alice, bob)
		befriend(t, srv, alice, carol)
		a := session(t, srv, alice)
		g := createGroup(t, a, "Bot lab", []int64{bob.id, carol.id}).Id

		created := call(t, a, &pb.ClientFrame{Req: &pb.ClientFrame_BotCreate{BotCreate: &pb.BotCreateRequest{Name: "Echo"}}}).GetBotCreated()
		b := created.GetBot()
		if created.Token == "" || b.Account == 0 || !strings.HasPrefix(b.AccountId, "bot_") {
			t.Fatalf("created %v", created)
		}
		api := botClient{t: t, base: srv.URL, token: created.Token}
		me := api.want("me", api.do("GET", "/bot/v1/me", nil), 200, "")
		if int64(me.body["bot_id"].(float64)) != b.Id {
			t.Fatalf("me = %s", me.raw)
		}

		// The webhook, verified by the receiver.
		rcv := newReceiver()
		hook := httptest.NewServer(rcv)
		defer hook.Close()
		wh := call(t, a, &pb.ClientFrame{Req: &pb.ClientFrame_BotWebhookSet{BotWebhookSet: &pb.BotWebhookRequest{Bot: b.Id, Url: hook.URL + "/hook"}}}).GetBotWebhook()
		rcv.mu.Lock()
		rcv.secret = wh.Secret
		rcv.mu.Unlock()

		// Bob adds the bot (accepted at once) and writes to it.
		bs := session(t, srv, bob)
		fr := call(t, bs, &pb.ClientFrame{Req: &pb.ClientFrame_FriendRequest{FriendRequest: &pb.FriendRequestRequest{User: b.Account, Greeting: "hi bot"}}}).GetFriendRequest()
		if fr.GetState() != pb.RequestState_REQUEST_STATE_ACCEPTED {
			t.Fatalf("friend request to a bot: %v, want accepted at once", fr.GetState())
		}
		call(t, bs, send(b.Account, "b1", "hello bot"))
		var after int64
		api.pollFor("friend_request", `"greeting":"hi bot"`, &after)
		api.pollFor("message", `"text":"hello bot"`, &after)
		rcv.waitFor(t, "message", `"text":"hello bot"`)

		// The bot answers in the direct chat.
		sent := api.want("reply", api.do("POST", "/bot/v1/messages", map[string]any{"chat": map[string]any{"type": "direct", "id": bob.id}, "text": "hello bob", "client_id": "r1"}), 200, "")
		if sent.body["message_id"].(float64) <= 0 {
			t.Fatalf("reply = %s", sent.raw)
		}
		// A stranger is no contact of the bot.
		api.want("send to a stranger", api.do("POST", "/bot/v1/messages", map[string]any{"chat": map[string]any{"type": "direct", "id": dave.id}, "text": "hi"}), 409, "failed_precondition")

		// Not in the group yet: denied. Only the group's owner adds it.
		api.want("send before added", api.do("POST", "/bot/v1/messages", map[string]any{"chat": map[string]any{"type": "group", "id": g}, "text": "hi"}), 403, "permission_denied")
		addBot := func(c *pb.ClientFrame_BotAddToGroup) *pb.ClientFrame { return &pb.ClientFrame{Req: c} }
		if code := callCode(session(t, srv, carol), addBot(&pb.ClientFrame_BotAddToGroup{BotAddToGroup: &pb.BotAddToGroupRequest{Group: g, Bot: b.Id}})); code != "permission_denied" {
			t.Fatalf("a member adds a bot: %q, want permission_denied", code)
		}
		if code := callCode(session(t, srv, dave), addBot(&pb.ClientFrame_BotAddToGroup{BotAddToGroup: &pb.BotAddToGroupRequest{Group: g, Bot: b.Id}})); code != "permission_denied" {
			t.Fatalf("a stranger adds a bot: %q, want permission_denied", code)
		}
		call(t, a, addBot(&pb.ClientFrame_BotAddToGroup{BotAddToGroup: &pb.BotAddToGroupRequest{Group: g, Bot: b.Id}}))
		api.want("send to the group", api.do("POST", "/bot/v1/messages", map[string]any{"chat": map[string]any{"type": "group", "id": g}, "text": "hello group"}), 200, "")
		info := api.want("group", api.do("GET", fmt.Sprintf("/bot/v1/groups/%d", g), nil), 200, "")
		if info.body["name"] != "Bot lab" || info.body["members"].(float64) != 4 {
			t.Fatalf("group = %s", info.raw)
		}
		members := api.want("members", api.do("GET", fmt.Sprintf("/bot/v1/groups/%d/members", g), nil), 200, "")
		if !strings.Contains(string(members.raw), strconv.FormatInt(b.Account, 10)) {
			t.Fatalf("members = %s, want the bot among them", members.raw)
		}

		// A mention reaches the webhook as a mention.
		call(t, bs, &pb.ClientFrame{Req: &pb.ClientFrame_Send{Send: &pb.SendRequest{Group: g, ClientId: "m1", Text: "@Echo ping", Mentions: []int64{b.Account}}}})
		rcv.waitFor(t, "mention", `"text":"@Echo ping"`)

		// members:manage: not in the token, then not granted, then both.
		api.want("remove without scope", api.do("DELETE", fmt.Sprintf("/bot/v1/groups/%d/members/%d", g, carol.id), nil), 403, "permission_denied")
		mtok := call(t, a, &pb.ClientFrame{Req: &pb.ClientFrame_BotToken{BotToken: &pb.BotTokenRequest{Bot: b.Id, Scopes: []string{bot.ScopeMembers, bot.ScopeGroupsRead}, Group: g}}}).GetBotToken().Token
		mapi := botClient{t: t, base: srv.URL, token: mtok}
		mapi.want("remove without grant", mapi.do("DELETE", fmt.Sprintf("/bot/v1/groups/%d/members/%d", g, carol.id), nil), 403, "permission_denied")
		call(t, a, addBot(&pb.ClientFrame_BotAddToGroup{BotAddToGroup: &pb.BotAddToGroupRequest{Group: g, Bot: b.Id, Scopes: []string{bot.ScopeSend, bot.ScopeGroupsRead, bot.ScopeMembers}}}))
		mapi.want("remove", mapi.do("DELETE", fmt.Sprintf("/bot/v1/groups/%d/members/%d", g, carol.id), nil), 200, "")
		rcv.waitFor(t, "member_left", strconv.FormatInt(carol.id, 10))
		mapi.want("the limited token cannot send", mapi.do("POST", "/bot/v1/messages", map[string]any{"chat": map[string]any{"type": "group", "id": g}, "text": "x"}), 403, "permission_denied")

		// Bad input changes nothing and says why.
		api.want("no token", botClient{t: t, base: srv.URL}.do("GET", "/bot/v1/me", nil), 401, "unauthenticated")
		api.want("wrong token", botClient{t: t, base: srv.URL, token: "hyb_wrong"}.do("GET", "/bot/v1/me", nil), 401, "unauthenticated")
		api.want("unknown field", api.do("POST", "/bot/v1/messages", []byte(`{"chat":{"type":"group","id":1},"text":"x","sudo":true}`)), 400, "invalid_argument")
		api.want("not JSON", api.do("POST", "/bot/v1/messages", []byte(`{`)), 400, "invalid_argument")
		api.want("too large", api.do("POST", "/bot/v1/messages", []byte(`{"text":"`+strings.Repeat("x", 70<<10)+`"}`)), 413, "too_large")
		api.want("bad chat", api.do("POST", "/bot/v1/messages", map[string]any{"chat": map[string]any{"type": "moon", "id": 1}, "text": "x"}), 400, "invalid_argument")
		api.want("unknown path", api.do("GET", "/bot/v1/nothing", nil), 404, "not_found")

		// Blocked: bob blocks the bot; its messages are refused.
		call(t, bs, &pb.ClientFrame{Req: &pb.ClientFrame_Block{Block: &pb.BlockRequest{User: b.Account, Blocked: true}}})
		if a := api.do("POST", "/bot/v1/messages", map[string]any{"chat": map[string]any{"type": "direct", "id": bob.id}, "text": "still there?"}); a.status == 200 {
			t.Fatalf("a blocked bot's message was sent: %s", a.raw)
		}

		// Removed from the group: the bot reads nothing of it any more.
		call(t, a, &pb.ClientFrame{Req: &pb.ClientFrame_RemoveMembers{RemoveMembers: &pb.GroupUsersRequest{Group: g, Users: []int64{b.Account}}}})
		api.want("group after removal", api.do("GET", fmt.Sprintf("/bot/v1/groups/%d", g), nil), 404, "not_found")
		api.want("send after removal", api.do("POST", "/bot/v1/messages", map[string]any{"chat": map[string]any{"type": "group", "id": g}, "text": "x"}), 404, "")

		// A stranger's bot has no grant; the stranger cannot see alice's bot.
		ds := session(t, srv, dave)
		dbot := call(t, ds, &pb.ClientFrame{Req: &pb.ClientFrame_BotCreate{BotCreate: &pb.BotCreateRequest{Name: "Spy"}}}).GetBotCreated()
		dapi := botClient{t: t, base: srv.URL, token: dbot.Token}
		dapi.want("stranger's bot reads the group", dapi.do("GET", fmt.Sprintf("/bot/v1/groups/%d", g), nil), 403, "permission_denied")
		if code := callCode(ds, &pb.ClientFrame{Req: &pb.ClientFrame_BotDeliveries{BotDeliveries: &pb.BotDeliveriesRequest{Bot: b.Id}}}); code != "not_found" {
			t.Fatalf("stranger reads deliveries: %q", code)
		}
		if code := callCode(ds, &pb.ClientFrame{Req: &pb.ClientFrame_BotToken{BotToken: &pb.BotTokenRequest{Bot: b.Id, Scopes: []string{bot.ScopeSend}}}}); code != "not_found" {
			t.Fatalf("stranger issues a token: %q", code)
		}

		// The owner's delivery log shows the deliveries.
		log := call(t, a, &pb.ClientFrame{Req: &pb.ClientFrame_BotDeliveries{BotDeliveries: &pb.BotDeliveriesRequest{Bot: b.Id}}}).GetBotDeliveries()
		delivered := 0
		for _, d := range log.Deliveries {
			if d.Status == "delivered" && d.LastStatus == 204 {
				delivered++
			}
		}
		if delivered < 3 {
			t.Fatalf("delivery log has %d delivered entries: %v", delivered, log.Deliveries)
		}
		rcv.mu.Lock()
		defer rcv.mu.Unlock()
		if rcv.bad != 0 || rcv.dups != 0 {
			t.Fatalf("receiver saw %d bad signatures and %d duplicates", rcv.bad, rcv.dups)
		}
	})
}

// TestBotWebhookSurvivesRestart: events queued while the receiver is down
// are delivered by a new node on the same database after a restart.
func TestBotWebhookSurvivesRestart(t *testing.T) {
	cfg := config.Default()
	cfg.Data = t.TempDir()
	cfg.Bots.AllowPrivateWebhooks = true
	cfg.Bots.WebhookFirstRetry = config.Duration{Duration: 100 * time.Millisecond}
	cfg.Bots.WebhookMaxRetry = config.Duration{Duration: 300 * time.Millisecond}
	cfg.Bots.WebhookAttempts = 1000
	cfg.Limits = config.Limits{}
	cfg.PasswordCost = config.TestPasswordCost
	n, err := node.New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(n.Handler())
	alice := registerUser(t, srv, "alice_restart")
	a := session(t, srv, alice)
	created := call(t, a, &pb.ClientFrame{Req: &pb.ClientFrame_BotCreate{BotCreate: &pb.BotCreateRequest{Name: "Durable"}}}).GetBotCreated()
	rcv := newReceiver()
	down := true
	var mu sync.Mutex
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		d := down
		mu.Unlock()
		if d {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		rcv.ServeHTTP(w, r)
	}))
	defer hook.Close()
	wh := call(t, a, &pb.ClientFrame{Req: &pb.ClientFrame_BotWebhookSet{BotWebhookSet: &pb.BotWebhookRequest{Bot: created.Bot.Id, Url: hook.URL}}}).GetBotWebhook()
	rcv.secret = wh.Secret
	befriend(t, srv, alice, user{id: created.Bot.Account})
	for i := range 5 {
		call(t, a, send(created.Bot.Account, fmt.Sprintf("c%d", i), fmt.Sprintf("note %d", i)))
	}
	// Wait until the node has tried (and failed) at least once, then stop it.
	api := botClient{t: t, base: srv.URL, token: created.Token}
	var after int64
	api.pollFor("message", "note 4", &after)
	n.Close()
	srv.Close()

	mu.Lock()
	down = false
	mu.Unlock()
	startNodeWith(t, cfg)
	for i := range 5 {
		rcv.waitFor(t, "message", fmt.Sprintf("note %d", i))
	}
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	if rcv.bad != 0 || rcv.dups != 0 {
		t.Fatalf("bad %d, duplicates %d", rcv.bad, rcv.dups)
	}
}

// TestBotChangesReachOwnerDevices: creating a bot and setting its webhook
// reach the owner's other device through the change log.
func TestBotChangesReachOwnerDevices(t *testing.T) {
	forEachEngine(t, func(t *testing.T, srv *httptest.Server) {
		alice := registerUser(t, srv, "alice_botsync")
		other := secondDevice(t, srv, alice)
		a := session(t, srv, alice)
		created := call(t, a, &pb.ClientFrame{Req: &pb.ClientFrame_BotCreate{BotCreate: &pb.BotCreateRequest{Name: "Synced"}}}).GetBotCreated()
		call(t, a, &pb.ClientFrame{Req: &pb.ClientFrame_BotWebhookSet{BotWebhookSet: &pb.BotWebhookRequest{Bot: created.Bot.Id, Url: "https://example.com/h"}}})
		s := wsclient.NewSyncer(session(t, srv, other), 0)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		seen := 0
		for seen < 2 {
			cs, err := s.Next(ctx)
			if err != nil {
				t.Fatalf("after %d bot changes: %v", seen, err)
			}
			for _, c := range cs {
				if b := c.GetBot(); b != nil {
					if b.Id != created.Bot.Id || b.Name != "Synced" {
						t.Fatalf("bot change %v, want bot %d", b, created.Bot.Id)
					}
					seen++
				}
			}
		}
	})
}
