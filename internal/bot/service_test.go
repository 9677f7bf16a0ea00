package bot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"hongyan/internal/bot"
	"hongyan/internal/hongyan"
	"hongyan/internal/postgres"
	"hongyan/internal/postgres/pgtest"
	"hongyan/internal/sqldb/stores"
	"hongyan/internal/sqlite"
)

// world fakes the account and group features and a bot's change log.
type world struct {
	mu      sync.Mutex
	next    hongyan.UserID
	owners  map[hongyan.ConversationID]hongyan.UserID
	members map[hongyan.ConversationID][]hongyan.UserID
	log     map[hongyan.UserID][]bot.Happening // per account; cursor = index
}

func newWorld() *world {
	return &world{next: 1000, owners: map[hongyan.ConversationID]hongyan.UserID{}, members: map[hongyan.ConversationID][]hongyan.UserID{},
		log: map[hongyan.UserID][]bot.Happening{}}
}

func (w *world) CreateBotAccount(_ context.Context, accountID, nickname string) (hongyan.UserID, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.next++
	return w.next, nil
}

func (w *world) Owner(_ context.Context, g hongyan.ConversationID) (hongyan.UserID, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	o, ok := w.owners[g]
	if !ok {
		return 0, hongyan.Errorf(hongyan.CodeNotFound, "no such group")
	}
	return o, nil
}

func (w *world) AddBot(_ context.Context, owner hongyan.UserID, g hongyan.ConversationID, account hongyan.UserID) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.members[g] = append(w.members[g], account)
	return nil
}

func (w *world) RemoveBot(_ context.Context, owner hongyan.UserID, g hongyan.ConversationID, account hongyan.UserID) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.members[g] = slices.DeleteFunc(w.members[g], func(u hongyan.UserID) bool { return u == account })
	return nil
}

func (w *world) Read(_ context.Context, account hongyan.UserID, after int64, limit int) ([]bot.Happening, int64, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	l := w.log[account]
	end := min(int(after)+limit, len(l))
	if int(after) >= end {
		return nil, after, nil
	}
	return append([]bot.Happening(nil), l[after:end]...), int64(end), nil
}

func (w *world) happen(account hongyan.UserID, hs ...bot.Happening) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.log[account] = append(w.log[account], hs...)
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func engines(t *testing.T, f func(t *testing.T, db *stores.DB)) {
	t.Run("sqlite", func(t *testing.T) {
		db, err := sqlite.Open(t.Context(), t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		f(t, db)
	})
	t.Run("postgres", func(t *testing.T) {
		if os.Getenv("HONGYAN_TEST_POSTGRES") == "" {
			pgtest.Require(t)
		}
		db, err := postgres.Open(t.Context(), pgtest.DSN(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		f(t, db)
	})
}

type fixture struct {
	s   *bot.Service
	w   *world
	c   *clock
	db  *stores.DB
	cfg bot.Config
}

func newFixture(t *testing.T, db *stores.DB, cfg bot.Config) *fixture {
	w := newWorld()
	c := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	s := bot.New(db.Bots(), w, w, w, cfg)
	s.SetClock(c.now)
	return &fixture{s: s, w: w, c: c, db: db, cfg: cfg}
}

func me(u hongyan.UserID) hongyan.Caller { return hongyan.Caller{User: u} }

func wantCode(t *testing.T, what string, err error, code hongyan.Code) {
	t.Helper()
	if got := hongyan.ErrorCode(err); got != code {
		t.Fatalf("%s: err = %v (code %q), want %q", what, err, got, code)
	}
}

func TestOwnershipAndTokens(t *testing.T) {
	engines(t, func(t *testing.T, db *stores.DB) {
		cfg := bot.DefaultConfig()
		cfg.RequestsPerMin = 3
		f := newFixture(t, db, cfg)
		ctx := t.Context()
		const owner, stranger = 1, 2
		created, err := f.s.Create(ctx, me(owner), "Echo")
		if err != nil {
			t.Fatal(err)
		}
		if created.Bot.Owner != owner || created.Bot.Account == 0 || len(created.Bot.AccountID) < 6 {
			t.Fatalf("created %+v", created.Bot)
		}
		if _, err := f.s.Create(ctx, me(owner), ""); hongyan.ErrorCode(err) != hongyan.CodeInvalid {
			t.Fatalf("empty name: %v", err)
		}
		p, err := f.s.Authenticate(ctx, created.Token)
		if err != nil || p.Bot.ID != created.Bot.ID || !p.Token.Has(bot.ScopeSend) || p.Token.Has(bot.ScopeMembers) {
			t.Fatalf("Authenticate = %+v, %v", p, err)
		}
		wantCode(t, "unknown token", func() error { _, err := f.s.Authenticate(ctx, "hyb_nope"); return err }(), hongyan.CodeUnauth)
		wantCode(t, "no prefix", func() error { _, err := f.s.Authenticate(ctx, "secret"); return err }(), hongyan.CodeUnauth)
		// The rate limit: 3 a minute, counted in the store.
		for range 2 {
			if _, err := f.s.Authenticate(ctx, created.Token); err != nil {
				t.Fatal(err)
			}
		}
		wantCode(t, "4th request in a minute", func() error { _, err := f.s.Authenticate(ctx, created.Token); return err }(), hongyan.CodeRateLimited)
		// A second service on the same store (another node) sees the same count.
		other := bot.New(db.Bots(), f.w, f.w, f.w, cfg)
		other.SetClock(f.c.now)
		wantCode(t, "other node", func() error { _, err := other.Authenticate(ctx, created.Token); return err }(), hongyan.CodeRateLimited)
		f.c.add(time.Minute)
		if _, err := f.s.Authenticate(ctx, created.Token); err != nil {
			t.Fatalf("next minute: %v", err)
		}
		// Only the owner manages the bot; to a stranger it does not exist.
		wantCode(t, "stranger issues a token", func() error {
			_, err := f.s.IssueToken(ctx, me(stranger), created.Bot.ID, []string{bot.ScopeSend}, 0)
			return err
		}(), hongyan.CodeNotFound)
		wantCode(t, "stranger sets the webhook", func() error {
			_, err := f.s.SetWebhook(ctx, me(stranger), created.Bot.ID, "https://example.com/")
			return err
		}(), hongyan.CodeNotFound)
		wantCode(t, "stranger reads deliveries", func() error {
			_, err := f.s.Deliveries(ctx, me(stranger), created.Bot.ID, 0, 10)
			return err
		}(), hongyan.CodeNotFound)
		if bs, err := f.s.Bots(ctx, me(stranger)); err != nil || len(bs) != 0 {
			t.Fatalf("stranger's bots = %+v, %v", bs, err)
		}
		wantCode(t, "unknown scope", func() error {
			_, err := f.s.IssueToken(ctx, me(owner), created.Bot.ID, []string{"root"}, 0)
			return err
		}(), hongyan.CodeInvalid)
		wantCode(t, "bad webhook URL", func() error {
			_, err := f.s.SetWebhook(ctx, me(owner), created.Bot.ID, "ftp://example.com/")
			return err
		}(), hongyan.CodeInvalid)
		w, err := f.s.SetWebhook(ctx, me(owner), created.Bot.ID, "https://example.com/hook")
		if err != nil || len(w.Secret) < 40 || w.Secret[:6] != bot.SecretPrefix {
			t.Fatalf("SetWebhook = %+v, %v", w, err)
		}
	})
}

func TestGroupGrants(t *testing.T) {
	engines(t, func(t *testing.T, db *stores.DB) {
		f := newFixture(t, db, bot.DefaultConfig())
		ctx := t.Context()
		const owner, groupOwner, member = 1, 2, 3
		const g, g2 hongyan.ConversationID = 50, 51
		f.w.owners[g], f.w.owners[g2] = groupOwner, groupOwner
		created, err := f.s.Create(ctx, me(owner), "Helper")
		if err != nil {
			t.Fatal(err)
		}
		all, err := f.s.IssueToken(ctx, me(owner), created.Bot.ID, bot.AllScopes, 0)
		if err != nil {
			t.Fatal(err)
		}
		only, err := f.s.IssueToken(ctx, me(owner), created.Bot.ID, []string{bot.ScopeSend, bot.ScopeMembers}, g2)
		if err != nil {
			t.Fatal(err)
		}
		p, _ := f.s.Authenticate(ctx, all)
		po, _ := f.s.Authenticate(ctx, only)
		wantCode(t, "send before being added", f.s.Allow(ctx, p, bot.ScopeSend, g), hongyan.CodeDenied)
		// Only the group's owner adds a bot; the bot's owner is a stranger there.
		wantCode(t, "member adds", func() error { _, err := f.s.AddToGroup(ctx, me(member), g, created.Bot.ID, nil); return err }(), hongyan.CodeDenied)
		wantCode(t, "bot owner adds", func() error { _, err := f.s.AddToGroup(ctx, me(owner), g, created.Bot.ID, nil); return err }(), hongyan.CodeDenied)
		wantCode(t, "unknown group", func() error { _, err := f.s.AddToGroup(ctx, me(groupOwner), 99, created.Bot.ID, nil); return err }(), hongyan.CodeNotFound)
		if len(f.w.members[g]) != 0 {
			t.Fatalf("refused adds changed the group: %v", f.w.members[g])
		}
		if _, err := f.s.AddToGroup(ctx, me(groupOwner), g, created.Bot.ID, nil); err != nil {
			t.Fatal(err)
		}
		if got := f.w.members[g]; len(got) != 1 || got[0] != created.Bot.Account {
			t.Fatalf("group members = %v, want the bot's account", got)
		}
		if err := f.s.Allow(ctx, p, bot.ScopeSend, g); err != nil {
			t.Fatalf("send after being added: %v", err)
		}
		wantCode(t, "members:manage not granted", f.s.Allow(ctx, p, bot.ScopeMembers, g), hongyan.CodeDenied)
		if _, err := f.s.AddToGroup(ctx, me(groupOwner), g, created.Bot.ID, []string{bot.ScopeSend, bot.ScopeMembers}); err != nil {
			t.Fatal(err)
		}
		if err := f.s.Allow(ctx, p, bot.ScopeMembers, g); err != nil {
			t.Fatalf("members:manage after the grant: %v", err)
		}
		// A token limited to g2 cannot act in g, and lacks groups:read.
		wantCode(t, "limited token elsewhere", f.s.Allow(ctx, po, bot.ScopeSend, g), hongyan.CodeDenied)
		wantCode(t, "limited token lacks scope", f.s.Allow(ctx, po, bot.ScopeGroupsRead, g2), hongyan.CodeDenied)
		// Direct chats need only the scope.
		if err := f.s.Allow(ctx, po, bot.ScopeSend, 0); err != nil {
			t.Fatalf("direct send: %v", err)
		}
	})
}

func TestPumpClassifiesOnce(t *testing.T) {
	engines(t, func(t *testing.T, db *stores.DB) {
		f := newFixture(t, db, bot.DefaultConfig())
		ctx := t.Context()
		created, err := f.s.Create(ctx, me(1), "Watcher")
		if err != nil {
			t.Fatal(err)
		}
		b := created.Bot
		acct := b.Account
		f.w.happen(acct,
			bot.Happening{Kind: bot.HappenedMessage, Message: 1, Peer: 7, Sender: 7, MsgKind: "text", Text: "hi"},
			bot.Happening{Kind: bot.HappenedMessage, Message: 2, Peer: 7, Sender: acct, MsgKind: "text", Text: "my own"},
			bot.Happening{Kind: bot.HappenedMessage, Message: 3, Group: 50, Sender: 8, MsgKind: "text", Text: "@bot", Mentions: []hongyan.UserID{acct}},
			bot.Happening{Kind: bot.HappenedMessage, Message: 4, Group: 50, Sender: 8, MsgKind: "text", Text: "chatter"},
			bot.Happening{Kind: bot.HappenedMessage, Message: 5, Group: 50, Sender: 8, MsgKind: "notice", Notice: "joined", Users: []hongyan.UserID{9}},
			bot.Happening{Kind: bot.HappenedMessage, Message: 6, Group: 50, Sender: 8, MsgKind: "notice", Notice: "left", Users: []hongyan.UserID{9}},
			bot.Happening{Kind: bot.HappenedMessage, Message: 7, Group: 50, Sender: 8, MsgKind: "notice", Notice: "renamed"},
			bot.Happening{Kind: bot.HappenedFriendRequest, Request: 11, From: 7, To: acct, Greeting: "hello"},
			bot.Happening{Kind: bot.HappenedFriendRequest, Request: 11, From: 7, To: acct, Greeting: "hello"}, // accepted: same request
			bot.Happening{Kind: bot.HappenedFriendRequest, Request: 12, From: acct, To: 7},
		)
		// Two nodes pump at once: each event is stored once.
		var wg sync.WaitGroup
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := f.s.Pump(ctx, b); err != nil {
					t.Errorf("Pump: %v", err)
				}
			}()
		}
		wg.Wait()
		p, err := f.s.Authenticate(ctx, created.Token)
		if err != nil {
			t.Fatal(err)
		}
		es, _, err := f.s.Events(ctx, p, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		var types []string
		for i, e := range es {
			if e.Seq != int64(i+1) {
				t.Fatalf("event %d has seq %d", i, e.Seq)
			}
			types = append(types, e.Type)
		}
		want := []string{"message", "mention", "message", "member_joined", "member_left", "friend_request"}
		if fmt.Sprint(types) != fmt.Sprint(want) {
			t.Fatalf("event types = %v, want %v", types, want)
		}
		var m struct {
			Chat struct {
				Type string
				ID   int64
			}
			Text   string
			Sender int64
		}
		if err := json.Unmarshal(es[1].Data, &m); err != nil || m.Chat.Type != "group" || m.Chat.ID != 50 || m.Text != "@bot" || m.Sender != 8 {
			t.Fatalf("mention data %s: %+v %v", es[1].Data, m, err)
		}
		// Nothing new: pumping again stores nothing.
		if got, err := f.s.Pump(ctx, b); err != nil || len(got) != 0 {
			t.Fatalf("second pump = %d events, %v", len(got), err)
		}
		wantCode(t, "negative cursor", func() error { _, _, err := f.s.Events(ctx, p, -1, 10); return err }(), hongyan.CodeInvalid)
	})
}

// poster is a webhook receiver that fails the first fails requests.
type poster struct {
	mu    sync.Mutex
	fails int
	got   []bot.Request
}

func (p *poster) Post(_ context.Context, r bot.Request) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.got = append(p.got, r)
	if p.fails > 0 {
		p.fails--
		return 503, nil
	}
	return 204, nil
}

func TestDeliveriesRetryAndSign(t *testing.T) {
	engines(t, func(t *testing.T, db *stores.DB) {
		cfg := bot.DefaultConfig()
		cfg.MaxAttempts = 3
		f := newFixture(t, db, cfg)
		ctx := t.Context()
		created, err := f.s.Create(ctx, me(1), "Hooked")
		if err != nil {
			t.Fatal(err)
		}
		hook, err := f.s.SetWebhook(ctx, me(1), created.Bot.ID, "https://example.com/hook")
		if err != nil {
			t.Fatal(err)
		}
		f.w.happen(created.Bot.Account, bot.Happening{Kind: bot.HappenedMessage, Message: 1, Peer: 7, Sender: 7, MsgKind: "text", Text: "one"})
		if _, err := f.s.Pump(ctx, created.Bot); err != nil {
			t.Fatal(err)
		}
		p := &poster{fails: 1}
		if n, err := f.s.DeliverDue(ctx, p, 10); err != nil || n != 1 {
			t.Fatalf("DeliverDue = %d, %v; want 1", n, err)
		}
		// Not due again until the backoff has passed.
		if n, _ := f.s.DeliverDue(ctx, p, 10); n != 0 {
			t.Fatalf("retried %d before the backoff", n)
		}
		f.c.add(cfg.Backoff(1))
		if n, err := f.s.DeliverDue(ctx, p, 10); err != nil || n != 1 {
			t.Fatalf("retry = %d, %v", n, err)
		}
		if len(p.got) != 2 {
			t.Fatalf("receiver got %d requests, want 2", len(p.got))
		}
		first, second := p.got[0], p.got[1]
		if first.Headers["webhook-id"] != second.Headers["webhook-id"] || first.Headers["webhook-id"] == "" {
			t.Fatalf("webhook-id differs across retries: %q, %q", first.Headers["webhook-id"], second.Headers["webhook-id"])
		}
		ts, _ := strconv.ParseInt(second.Headers["webhook-timestamp"], 10, 64)
		if !bot.Verify(hook.Secret, second.Headers["webhook-id"], ts, second.Body, second.Headers["webhook-signature"], f.c.now(), 5*time.Minute) {
			t.Fatalf("signature does not verify: %v", second.Headers)
		}
		if bot.Verify(hook.Secret, second.Headers["webhook-id"], ts, append([]byte(nil), "x"...), second.Headers["webhook-signature"], f.c.now(), 5*time.Minute) {
			t.Fatalf("a changed body verifies")
		}
		log, err := f.s.Deliveries(ctx, me(1), created.Bot.ID, 0, 10)
		if err != nil || len(log) != 1 || log[0].Status != bot.DeliveryDelivered || log[0].Attempts != 2 || log[0].LastStatus != 204 {
			t.Fatalf("log = %+v, %v", log, err)
		}
		// A receiver that always fails: failed after MaxAttempts.
		f.w.happen(created.Bot.Account, bot.Happening{Kind: bot.HappenedMessage, Message: 2, Peer: 7, Sender: 7, MsgKind: "text", Text: "two"})
		if _, err := f.s.Pump(ctx, created.Bot); err != nil {
			t.Fatal(err)
		}
		bad := &poster{fails: 100}
		for i := 1; i <= cfg.MaxAttempts; i++ {
			if n, err := f.s.DeliverDue(ctx, bad, 10); err != nil || n != 1 {
				t.Fatalf("attempt %d = %d, %v", i, n, err)
			}
			f.c.add(cfg.MaxRetry)
		}
		if n, _ := f.s.DeliverDue(ctx, bad, 10); n != 0 {
			t.Fatalf("attempted after giving up")
		}
		log, _ = f.s.Deliveries(ctx, me(1), created.Bot.ID, 0, 10)
		if len(log) != 2 || log[0].Status != bot.DeliveryFailed || log[0].Attempts != cfg.MaxAttempts || log[0].LastError != "HTTP 503" {
			t.Fatalf("log after giving up = %+v", log)
		}
	})
}

// TestSignVector checks Sign against the Standard Webhooks specification's
// example.
func TestSignVector(t *testing.T) {
	got, err := bot.Sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, []byte(`{"test": 2432232314}`))
	want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
	if err != nil || got != want {
		t.Fatalf("Sign = %q, %v; want %q", got, err, want)
	}
	now := time.Unix(1614265330, 0)
	if !bot.Verify("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, []byte(`{"test": 2432232314}`), "v1,bogus "+want, now, time.Minute) {
		t.Fatalf("Verify refuses the right signature among several")
	}
	if bot.Verify("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, []byte(`{"test": 2432232314}`), want, now.Add(time.Hour), time.Minute) {
		t.Fatalf("Verify accepts an old timestamp")
	}
}

func TestBackoff(t *testing.T) {
	c := bot.Config{FirstRetry: time.Second, MaxRetry: 10 * time.Second}
	for n, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 4: 8 * time.Second, 5: 10 * time.Second, 30: 10 * time.Second} {
		if got := c.Backoff(n); got != want {
			t.Errorf("Backoff(%d) = %v, want %v", n, got, want)
		}
	}
}
