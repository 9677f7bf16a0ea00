// Package bottest is the conformance suite of bot.Store: every storage
// engine runs it (internal/sqlite and internal/postgres tests).
package bottest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"hongyan/internal/bot"
	"hongyan/internal/hongyan"
)

// Run runs the suite; open returns an empty store for each subtest.
func Run(t *testing.T, open func(t *testing.T) bot.Store) {
	t.Run("Bots", func(t *testing.T) { testBots(t, open(t)) })
	t.Run("Tokens", func(t *testing.T) { testTokens(t, open(t)) })
	t.Run("GrantsAndWebhooks", func(t *testing.T) { testGrants(t, open(t)) })
	t.Run("Take", func(t *testing.T) { testTake(t, open(t)) })
	t.Run("Events", func(t *testing.T) { testEvents(t, open(t)) })
	t.Run("Deliveries", func(t *testing.T) { testDeliveries(t, open(t)) })
	t.Run("ClaimOnce", func(t *testing.T) { testClaimOnce(t, open(t)) })
	t.Run("Prune", func(t *testing.T) { testPrune(t, open(t)) })
	t.Run("Apps", func(t *testing.T) { testApps(t, open(t)) })
}

var t0 = time.UnixMilli(1_800_000_000_000).UTC()

func mustBot(t *testing.T, s bot.Store, owner, account hongyan.UserID) bot.Bot {
	t.Helper()
	b, _, err := s.CreateBot(context.Background(), bot.Bot{Owner: owner, Account: account, AccountID: fmt.Sprintf("bot_%d", account), Name: "b", Created: t0}, nil)
	if err != nil {
		t.Fatalf("CreateBot: %v", err)
	}
	return b
}

func testBots(t *testing.T, s bot.Store) {
	ctx := context.Background()
	a := mustBot(t, s, 1, 101)
	b := mustBot(t, s, 1, 102)
	c := mustBot(t, s, 2, 103)
	if a.ID == 0 || a.ID == b.ID {
		t.Fatalf("IDs %d, %d: want distinct non-zero", a.ID, b.ID)
	}
	got, err := s.Bot(ctx, b.ID)
	if err != nil || got != b {
		t.Fatalf("Bot = %+v, %v; want %+v", got, err, b)
	}
	got, err = s.BotByAccount(ctx, 103)
	if err != nil || got.ID != c.ID {
		t.Fatalf("BotByAccount = %+v, %v; want bot %d", got, err, c.ID)
	}
	if _, err := s.Bot(ctx, 9999); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Fatalf("Bot(missing) err = %v, want not_found", err)
	}
	if _, err := s.BotByAccount(ctx, 999); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Fatalf("BotByAccount(missing) err = %v, want not_found", err)
	}
	mine, err := s.BotsOf(ctx, 1)
	if err != nil || len(mine) != 2 || mine[0].ID != a.ID || mine[1].ID != b.ID {
		t.Fatalf("BotsOf(1) = %+v, %v; want a, b", mine, err)
	}
	all, err := s.Bots(ctx, a.ID, 10)
	if err != nil || len(all) != 2 || all[0].ID != b.ID || all[1].ID != c.ID {
		t.Fatalf("Bots(after a) = %+v, %v; want b, c", all, err)
	}
	if _, _, err := s.CreateBot(ctx, bot.Bot{Owner: 3, Account: 101, AccountID: "x", Name: "dup", Created: t0}, nil); err == nil {
		t.Fatalf("a second bot with the same account was stored")
	}
	// The owner's change-log entry goes with the bot, naming it.
	d, changes, err := s.CreateBot(ctx, bot.Bot{Owner: 4, Account: 104, AccountID: "bot_104", Name: "d", Created: t0},
		[]hongyan.Change{{User: 4, Kind: hongyan.ChangeBot}})
	if err != nil || len(changes) != 1 || changes[0].Ref != d.ID || changes[0].Seq == 0 || changes[0].User != 4 {
		t.Fatalf("CreateBot with a change = %+v, %+v, %v", d, changes, err)
	}
	changes, err = s.SetWebhook(ctx, bot.Webhook{Bot: d.ID, URL: "https://example.com/", Secret: "whsec_AAAA", Updated: t0},
		[]hongyan.Change{{User: 4, Kind: hongyan.ChangeBot, Ref: d.ID}})
	if err != nil || len(changes) != 1 || changes[0].Seq <= 0 {
		t.Fatalf("SetWebhook with a change = %+v, %v", changes, err)
	}
}

func testTokens(t *testing.T, s bot.Store) {
	ctx := context.Background()
	b := mustBot(t, s, 1, 101)
	tk, err := s.AddToken(ctx, bot.Token{Bot: b.ID, Hash: bot.HashToken("one"), Scopes: []string{bot.ScopeSend, bot.ScopeMembers}, Group: 77, Created: t0}, 2)
	if err != nil || tk.ID == 0 {
		t.Fatalf("AddToken = %+v, %v", tk, err)
	}
	got, err := s.TokenByHash(ctx, bot.HashToken("one"))
	if err != nil || got.ID != tk.ID || got.Bot != b.ID || got.Group != 77 || !slices.Equal(got.Scopes, tk.Scopes) {
		t.Fatalf("TokenByHash = %+v, %v; want %+v", got, err, tk)
	}
	if _, err := s.TokenByHash(ctx, bot.HashToken("other")); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Fatalf("TokenByHash(unknown) err = %v, want not_found", err)
	}
	if _, err := s.AddToken(ctx, bot.Token{Bot: b.ID, Hash: bot.HashToken("two"), Scopes: []string{bot.ScopeSend}, Created: t0}, 2); err != nil {
		t.Fatalf("second token: %v", err)
	}
	_, err = s.AddToken(ctx, bot.Token{Bot: b.ID, Hash: bot.HashToken("three"), Scopes: []string{bot.ScopeSend}, Created: t0}, 2)
	if hongyan.ErrorCode(err) != hongyan.CodePrecondition {
		t.Fatalf("third token over a limit of 2: err = %v, want failed_precondition", err)
	}
	if _, err := s.TokenByHash(ctx, bot.HashToken("three")); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Fatalf("refused token was stored: %v", err)
	}
	// Deleting: only the bot's own token, once; the other stays.
	other := mustBot(t, s, 2, 202)
	if err := s.DeleteToken(ctx, other.ID, tk.ID); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Fatalf("DeleteToken by another bot: err = %v, want not_found", err)
	}
	if err := s.DeleteToken(ctx, b.ID, tk.ID); err != nil {
		t.Fatalf("DeleteToken: %v", err)
	}
	if _, err := s.TokenByHash(ctx, bot.HashToken("one")); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Fatalf("deleted token still found: %v", err)
	}
	if err := s.DeleteToken(ctx, b.ID, tk.ID); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Fatalf("DeleteToken twice: err = %v, want not_found", err)
	}
	if _, err := s.TokenByHash(ctx, bot.HashToken("two")); err != nil {
		t.Fatalf("the other token went too: %v", err)
	}
	// A slot is free again.
	if _, err := s.AddToken(ctx, bot.Token{Bot: b.ID, Hash: bot.HashToken("four"), Scopes: []string{bot.ScopeSend}, Created: t0}, 2); err != nil {
		t.Fatalf("token after a deletion: %v", err)
	}
}

func testGrants(t *testing.T, s bot.Store) {
	ctx := context.Background()
	b := mustBot(t, s, 1, 101)
	if _, err := s.Grant(ctx, b.ID, 5); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Fatalf("Grant before any: err = %v, want not_found", err)
	}
	if err := s.SetGrant(ctx, bot.Grant{Bot: b.ID, Group: 5, Scopes: []string{bot.ScopeSend}, By: 9, Created: t0}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetGrant(ctx, bot.Grant{Bot: b.ID, Group: 5, Scopes: []string{bot.ScopeSend, bot.ScopeMembers}, By: 9, Created: t0}); err != nil {
		t.Fatal(err)
	}
	g, err := s.Grant(ctx, b.ID, 5)
	if err != nil || !slices.Equal(g.Scopes, []string{bot.ScopeSend, bot.ScopeMembers}) || g.By != 9 {
		t.Fatalf("Grant = %+v, %v; want the second", g, err)
	}
	if _, err := s.Webhook(ctx, b.ID); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Fatalf("Webhook before any: %v", err)
	}
	w := bot.Webhook{Bot: b.ID, URL: "https://example.com/hook", Secret: "whsec_AAAA", Updated: t0}
	if _, err := s.SetWebhook(ctx, w, nil); err != nil {
		t.Fatal(err)
	}
	got, err := s.Webhook(ctx, b.ID)
	if err != nil || got != w {
		t.Fatalf("Webhook = %+v, %v; want %+v", got, err, w)
	}
	if _, err := s.SetWebhook(ctx, bot.Webhook{Bot: b.ID, Updated: t0}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Webhook(ctx, b.ID); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Fatalf("Webhook after removal: %v", err)
	}
}

func testTake(t *testing.T, s bot.Store) {
	ctx := context.Background()
	for i := range 3 {
		ok, err := s.Take(ctx, "k", 10, 3)
		if err != nil || !ok {
			t.Fatalf("take %d: %v, %v; want counted", i, ok, err)
		}
	}
	if ok, err := s.Take(ctx, "k", 10, 3); err != nil || ok {
		t.Fatalf("4th take in a period of 3: %v, %v; want refused", ok, err)
	}
	if ok, err := s.Take(ctx, "other", 10, 3); err != nil || !ok {
		t.Fatalf("another key: %v, %v", ok, err)
	}
	if ok, err := s.Take(ctx, "k", 11, 3); err != nil || !ok {
		t.Fatalf("next period: %v, %v; want counted", ok, err)
	}
}

func ev(typ, key string) bot.Event {
	return bot.Event{Type: typ, Time: t0, Data: []byte(`{"x":1}`), Key: key}
}

func testEvents(t *testing.T, s bot.Store) {
	ctx := context.Background()
	b := mustBot(t, s, 1, 101)
	other := mustBot(t, s, 1, 102)
	if cur, err := s.Cursor(ctx, b.ID); err != nil || cur != 0 {
		t.Fatalf("Cursor = %d, %v; want 0", cur, err)
	}
	got, err := s.AppendEvents(ctx, b.ID, 0, 5, []bot.Event{ev("message", ""), ev("friend_request", "fr:1")})
	if err != nil || len(got) != 2 || got[0].Seq != 1 || got[1].Seq != 2 || got[0].Bot != b.ID {
		t.Fatalf("AppendEvents = %+v, %v; want seqs 1, 2", got, err)
	}
	// A stale cursor changes nothing.
	_, err = s.AppendEvents(ctx, b.ID, 0, 9, []bot.Event{ev("message", "")})
	if hongyan.ErrorCode(err) != hongyan.CodePrecondition {
		t.Fatalf("stale cursor: err = %v, want failed_precondition", err)
	}
	// A repeated key is dropped; numbering stays gapless.
	got, err = s.AppendEvents(ctx, b.ID, 5, 8, []bot.Event{ev("friend_request", "fr:1"), ev("mention", "")})
	if err != nil || len(got) != 1 || got[0].Seq != 3 || got[0].Type != "mention" {
		t.Fatalf("AppendEvents with a seen key = %+v, %v; want only the mention as 3", got, err)
	}
	// Moving the cursor with no events.
	if _, err := s.AppendEvents(ctx, b.ID, 8, 10, nil); err != nil {
		t.Fatal(err)
	}
	if cur, _ := s.Cursor(ctx, b.ID); cur != 10 {
		t.Fatalf("Cursor = %d, want 10", cur)
	}
	// Another bot numbers its own events, and may use the same key.
	got, err = s.AppendEvents(ctx, other.ID, 0, 1, []bot.Event{ev("friend_request", "fr:1")})
	if err != nil || len(got) != 1 || got[0].Seq != 1 {
		t.Fatalf("other bot: %+v, %v", got, err)
	}
	es, err := s.Events(ctx, b.ID, 1, 10)
	if err != nil || len(es) != 2 || es[0].Seq != 2 || es[1].Seq != 3 || string(es[0].Data) != `{"x":1}` || !es[0].Time.Equal(t0) {
		t.Fatalf("Events(after 1) = %+v, %v", es, err)
	}
	es, err = s.Events(ctx, b.ID, 0, 1)
	if err != nil || len(es) != 1 || es[0].Seq != 1 {
		t.Fatalf("Events(limit 1) = %+v, %v", es, err)
	}
	// Without a webhook, no deliveries were queued.
	ds, err := s.Deliveries(ctx, b.ID, 0, 10)
	if err != nil || len(ds) != 0 {
		t.Fatalf("Deliveries without a webhook = %+v, %v", ds, err)
	}
}

func testDeliveries(t *testing.T, s bot.Store) {
	ctx := context.Background()
	b := mustBot(t, s, 1, 101)
	if _, err := s.SetWebhook(ctx, bot.Webhook{Bot: b.ID, URL: "https://example.com/h", Secret: "whsec_AAAA", Updated: t0}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AppendEvents(ctx, b.ID, 0, 2, []bot.Event{ev("message", ""), ev("mention", "")}); err != nil {
		t.Fatal(err)
	}
	// Nothing is due before the events' time.
	ds, err := s.ClaimDeliveries(ctx, t0.Add(-time.Second), t0.Add(time.Minute), 10)
	if err != nil || len(ds) != 0 {
		t.Fatalf("claim before due = %+v, %v", ds, err)
	}
	ds, err = s.ClaimDeliveries(ctx, t0, t0.Add(time.Minute), 10)
	if err != nil || len(ds) != 2 {
		t.Fatalf("claim = %d deliveries, %v; want 2", len(ds), err)
	}
	d := ds[0]
	if d.Bot != b.ID || d.URL != "https://example.com/h" || d.Status != bot.DeliveryPending || d.Event.Seq == 0 || string(d.Event.Data) != `{"x":1}` {
		t.Fatalf("claimed %+v", d)
	}
	// Leased: a second claim (another node) gets nothing.
	if again, err := s.ClaimDeliveries(ctx, t0.Add(time.Second), t0.Add(time.Minute), 10); err != nil || len(again) != 0 {
		t.Fatalf("claim while leased = %d, %v; want 0", len(again), err)
	}
	// One delivered, one to retry later.
	if err := s.FinishDelivery(ctx, ds[0].ID, bot.Outcome{Status: bot.DeliveryDelivered, Attempts: 1, LastStatus: 204}); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishDelivery(ctx, ds[1].ID, bot.Outcome{Status: bot.DeliveryPending, Attempts: 1, NextAt: t0.Add(10 * time.Second), LastStatus: 500, LastError: "HTTP 500"}); err != nil {
		t.Fatal(err)
	}
	if again, err := s.ClaimDeliveries(ctx, t0.Add(5*time.Second), t0.Add(time.Minute), 10); err != nil || len(again) != 0 {
		t.Fatalf("claim before the retry is due = %d, %v; want 0", len(again), err)
	}
	again, err := s.ClaimDeliveries(ctx, t0.Add(10*time.Second), t0.Add(time.Minute), 10)
	if err != nil || len(again) != 1 || again[0].ID != ds[1].ID || again[0].Attempts != 1 || again[0].LastStatus != 500 {
		t.Fatalf("claim of the retry = %+v, %v", again, err)
	}
	if err := s.FinishDelivery(ctx, again[0].ID, bot.Outcome{Status: bot.DeliveryFailed, Attempts: 2, LastError: "gave up"}); err != nil {
		t.Fatal(err)
	}
	log, err := s.Deliveries(ctx, b.ID, 0, 10)
	if err != nil || len(log) != 2 {
		t.Fatalf("Deliveries = %+v, %v", log, err)
	}
	if log[0].ID < log[1].ID {
		t.Fatalf("Deliveries not newest first: %d, %d", log[0].ID, log[1].ID)
	}
	byID := map[int64]bot.Delivery{log[0].ID: log[0], log[1].ID: log[1]}
	if x := byID[ds[0].ID]; x.Status != bot.DeliveryDelivered || x.LastStatus != 204 {
		t.Fatalf("delivered entry = %+v", x)
	}
	if x := byID[ds[1].ID]; x.Status != bot.DeliveryFailed || x.Attempts != 2 || x.LastError != "gave up" {
		t.Fatalf("failed entry = %+v", x)
	}
	page, err := s.Deliveries(ctx, b.ID, log[0].ID, 10)
	if err != nil || len(page) != 1 || page[0].ID != log[1].ID {
		t.Fatalf("Deliveries(before newest) = %+v, %v", page, err)
	}
	if again, err := s.ClaimDeliveries(ctx, t0.Add(time.Hour), t0.Add(2*time.Hour), 10); err != nil || len(again) != 0 {
		t.Fatalf("claim after all settled = %d, %v; want 0", len(again), err)
	}
}

// testClaimOnce claims from several goroutines at once (several nodes):
// each delivery is handed out once.
func testClaimOnce(t *testing.T, s bot.Store) {
	ctx := context.Background()
	b := mustBot(t, s, 1, 101)
	if _, err := s.SetWebhook(ctx, bot.Webhook{Bot: b.ID, URL: "https://example.com/h", Secret: "whsec_AAAA", Updated: t0}, nil); err != nil {
		t.Fatal(err)
	}
	const n = 60
	evs := make([]bot.Event, n)
	for i := range evs {
		evs[i] = ev("message", "")
	}
	if _, err := s.AppendEvents(ctx, b.ID, 0, 1, evs); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	seen := map[int64]int{}
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				ds, err := s.ClaimDeliveries(ctx, t0, t0.Add(time.Hour), 7)
				if err != nil {
					t.Errorf("claim: %v", err)
					return
				}
				if len(ds) == 0 {
					return
				}
				mu.Lock()
				for _, d := range ds {
					seen[d.ID]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != n {
		t.Fatalf("claimed %d distinct deliveries, want %d", len(seen), n)
	}
	for id, c := range seen {
		if c != 1 {
			t.Fatalf("delivery %d claimed %d times", id, c)
		}
	}
}

func testPrune(t *testing.T, s bot.Store) {
	ctx := context.Background()
	b := mustBot(t, s, 1, 101)
	if _, err := s.SetWebhook(ctx, bot.Webhook{Bot: b.ID, URL: "https://example.com/h", Secret: "whsec_AAAA", Updated: t0}, nil); err != nil {
		t.Fatal(err)
	}
	// Times near the wall clock: FinishDelivery stamps outcomes with it.
	now := time.Now().UTC()
	e := bot.Event{Type: "message", Time: now.Add(-time.Minute), Data: []byte(`{}`)}
	if _, err := s.AppendEvents(ctx, b.ID, 0, 1, []bot.Event{e, e, e}); err != nil {
		t.Fatal(err)
	}
	ds, err := s.ClaimDeliveries(ctx, now, now.Add(time.Minute), 10)
	if err != nil || len(ds) != 3 {
		t.Fatalf("claim: %d, %v", len(ds), err)
	}
	// One delivered, one failed, one still pending (settled in FinishDelivery's time: now).
	if err := s.FinishDelivery(ctx, ds[0].ID, bot.Outcome{Status: bot.DeliveryDelivered, Attempts: 1}); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishDelivery(ctx, ds[1].ID, bot.Outcome{Status: bot.DeliveryFailed, Attempts: 8}); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishDelivery(ctx, ds[2].ID, bot.Outcome{Status: bot.DeliveryPending, Attempts: 1, NextAt: t0}); err != nil {
		t.Fatal(err)
	}
	// Nothing is older than an hour ago.
	if n, err := s.Prune(ctx, now.Add(-time.Hour), 100); err != nil || n != 0 {
		t.Fatalf("Prune(before everything) = %d, %v", n, err)
	}
	// Later than all: the settled deliveries and their events go, the
	// pending one and its event stay.
	n, err := s.Prune(ctx, now.Add(time.Hour), 100)
	if err != nil || n != 4 {
		t.Fatalf("Prune = %d, %v; want 2 deliveries and 2 events", n, err)
	}
	log, _ := s.Deliveries(ctx, b.ID, 0, 10)
	if len(log) != 1 || log[0].ID != ds[2].ID {
		t.Fatalf("deliveries left: %+v", log)
	}
	es, _ := s.Events(ctx, b.ID, 0, 10)
	if len(es) != 1 || es[0].Seq != ds[2].Event.Seq {
		t.Fatalf("events left: %+v", es)
	}
}

func testApps(t *testing.T, s bot.Store) {
	ctx := context.Background()
	b := mustBot(t, s, 1, 301)
	if _, err := s.App(ctx, b.ID); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Fatalf("App before registering: err = %v, want not_found", err)
	}
	a := bot.App{Bot: b.ID, Description: "Quiz", RedirectURI: "https://quiz.example/cb", Scopes: []string{bot.ScopeGroupsRead, bot.ScopeMessagesRead},
		SecretHash: bot.HashToken("s1"), Updated: t0}
	if err := s.SetApp(ctx, a); err != nil {
		t.Fatal(err)
	}
	a.Description, a.SecretHash = "Quiz 2", bot.HashToken("s2")
	if err := s.SetApp(ctx, a); err != nil {
		t.Fatal(err)
	}
	got, err := s.App(ctx, b.ID)
	if err != nil || got.Description != "Quiz 2" || !slices.Equal(got.SecretHash, a.SecretHash) || !slices.Equal(got.Scopes, a.Scopes) || !got.Updated.Equal(t0) {
		t.Fatalf("App = %+v, %v; want %+v", got, err, a)
	}

	// A code is taken once.
	c := bot.AppCode{Hash: bot.HashToken("code"), Bot: b.ID, Group: 7, Scopes: []string{bot.ScopeGroupsRead}, By: 9, Redirect: a.RedirectURI,
		Challenge: "ch", Expires: t0.Add(bot.CodeTTL)}
	if err := s.AddAppCode(ctx, c); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	taken := 0
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			gc, err := s.TakeAppCode(ctx, c.Hash)
			if err == nil {
				mu.Lock()
				taken++
				mu.Unlock()
				if gc.Bot != b.ID || gc.Group != 7 || gc.By != 9 || gc.Challenge != "ch" || gc.Redirect != a.RedirectURI || !gc.Expires.Equal(c.Expires) {
					t.Errorf("TakeAppCode = %+v; want %+v", gc, c)
				}
			} else if hongyan.ErrorCode(err) != hongyan.CodeNotFound {
				t.Errorf("TakeAppCode: %v", err)
			}
		}()
	}
	wg.Wait()
	if taken != 1 {
		t.Fatalf("a code was taken %d times, want once", taken)
	}

	// Grants of a group; dropping one takes the group's tokens with it.
	other := mustBot(t, s, 1, 302)
	for _, g := range []bot.Grant{{Bot: b.ID, Group: 7, Scopes: []string{bot.ScopeGroupsRead}, By: 9, Created: t0},
		{Bot: other.ID, Group: 7, Scopes: []string{bot.ScopeSend}, By: 9, Created: t0.Add(time.Second)},
		{Bot: b.ID, Group: 8, Scopes: []string{bot.ScopeSend}, By: 9, Created: t0}} {
		if err := s.SetGrant(ctx, g); err != nil {
			t.Fatal(err)
		}
	}
	gs, err := s.GroupGrants(ctx, 7)
	if err != nil || len(gs) != 2 || gs[0].Bot != b.ID || gs[1].Bot != other.ID || !slices.Equal(gs[1].Scopes, []string{bot.ScopeSend}) {
		t.Fatalf("GroupGrants(7) = %+v, %v", gs, err)
	}
	in7, err := s.AddToken(ctx, bot.Token{Bot: b.ID, Hash: bot.HashToken("t7"), Scopes: []string{bot.ScopeGroupsRead}, Group: 7, App: true, Created: t0}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if tk, err := s.TokenByHash(ctx, bot.HashToken("t7")); err != nil || !tk.App || tk.Group != 7 {
		t.Fatalf("app token = %+v, %v; want App and group 7", tk, err)
	}
	if _, err := s.AddToken(ctx, bot.Token{Bot: b.ID, Hash: bot.HashToken("t8"), Scopes: []string{bot.ScopeSend}, Group: 8, Created: t0}, 10); err != nil {
		t.Fatal(err)
	}
	ids, err := s.DropGrant(ctx, b.ID, 7)
	if err != nil || !slices.Equal(ids, []int64{in7.ID}) {
		t.Fatalf("DropGrant = %v, %v; want [%d]", ids, err, in7.ID)
	}
	if _, err := s.Grant(ctx, b.ID, 7); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Fatalf("dropped grant still there: %v", err)
	}
	if _, err := s.TokenByHash(ctx, bot.HashToken("t7")); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Fatalf("the group's token outlived its grant: %v", err)
	}
	if _, err := s.TokenByHash(ctx, bot.HashToken("t8")); err != nil {
		t.Fatalf("another group's token went too: %v", err)
	}
	if _, err := s.Grant(ctx, other.ID, 7); err != nil {
		t.Fatalf("another bot's grant went too: %v", err)
	}
	if _, err := s.DropGrant(ctx, b.ID, 7); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Fatalf("DropGrant twice: %v, want not_found", err)
	}
}
