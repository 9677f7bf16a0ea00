package assistant_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"hongyan/internal/assistant"
	"hongyan/internal/hongyan"
	"hongyan/internal/postgres"
	"hongyan/internal/postgres/pgtest"
	"hongyan/internal/sqlite"
)

// fakeGroups keeps roles in memory; AddAssistant records the grant asked.
type fakeGroups struct {
	mu      sync.Mutex
	roles   map[hongyan.ConversationID]map[hongyan.UserID]string
	added   map[hongyan.ConversationID][]string
	botAccs map[hongyan.UserID]bool
}

func (f *fakeGroups) Role(_ context.Context, c hongyan.Caller, g hongyan.ConversationID) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.roles[g][c.User]
	if !ok {
		return "", hongyan.Errorf(hongyan.CodeNotFound, "not a member")
	}
	return r, nil
}

func (f *fakeGroups) AddAssistant(_ context.Context, c hongyan.Caller, g hongyan.ConversationID, scopes []string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.roles[g][c.User] != "owner" {
		return hongyan.Errorf(hongyan.CodeDenied, "only the group's owner may add a bot")
	}
	f.added[g] = scopes
	return nil
}

func (f *fakeGroups) IsBot(_ context.Context, u hongyan.UserID) (bool, error) {
	return f.botAccs[u], nil
}

// fakeAPI is the bot API: a log of events, and the sends it was asked for,
// each client ID once (as the chat feature keeps them).
type fakeAPI struct {
	mu     sync.Mutex
	events []assistant.Event
	sent   []sent
	ids    map[string]bool
	failAt int // the failAt-th send fails with CodeUnavailable (0: none)
	// noCards: the grant lacks apps:write (PostCard is denied).
	noCards bool
	sends   int
	members map[hongyan.UserID]string
}

type sent struct {
	chat assistant.Chat
	text string // an app card's: "[card] " title, a new line, description
}

func (f *fakeAPI) Events(_ context.Context, after int64, limit int) ([]assistant.Event, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []assistant.Event
	for _, e := range f.events {
		if e.Seq > after && len(out) < limit {
			out = append(out, e)
		}
	}
	return out, nil
}

func (f *fakeAPI) Send(_ context.Context, c assistant.Chat, text, clientID string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sends++
	if f.sends == f.failAt {
		return hongyan.Errorf(hongyan.CodeUnavailable, "the store is away")
	}
	if f.ids[clientID] {
		return nil
	}
	f.ids[clientID] = true
	f.sent = append(f.sent, sent{c, text})
	return nil
}

func (f *fakeAPI) PostCard(_ context.Context, g hongyan.ConversationID, c assistant.Card, clientID string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.noCards {
		return hongyan.Errorf(hongyan.CodeDenied, "the group's owner has not granted apps:write")
	}
	if utf8.RuneCountInString(c.Title) > 64 || utf8.RuneCountInString(c.Description) > 200 {
		return hongyan.Errorf(hongyan.CodeInvalid, "a card over the API's limits: %q %q", c.Title, c.Description)
	}
	f.sends++
	if f.ids[clientID] {
		return nil
	}
	f.ids[clientID] = true
	f.sent = append(f.sent, sent{assistant.Chat{Group: g}, "[card] " + c.Title + "\n" + c.Description})
	return nil
}

func (f *fakeAPI) MemberNames(context.Context, hongyan.ConversationID) (map[hongyan.UserID]string, error) {
	return f.members, nil
}

func (f *fakeAPI) add(typ string, at time.Time, data any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, _ := json.Marshal(data)
	f.events = append(f.events, assistant.Event{Seq: int64(len(f.events) + 1), Type: typ, Time: at, Data: b})
}

func (f *fakeAPI) message(g hongyan.ConversationID, from hongyan.UserID, at time.Time, text string) {
	f.add("message", at, map[string]any{"chat": map[string]any{"type": "group", "id": g}, "sender": from, "kind": "text", "text": text})
}

func (f *fakeAPI) taken() []sent {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.sent
	f.sent = nil
	return out
}

const (
	owner hongyan.UserID         = 1
	admin hongyan.UserID         = 2
	alice hongyan.UserID         = 3
	self  hongyan.UserID         = 99
	other hongyan.UserID         = 98 // another bot
	grp   hongyan.ConversationID = 500
)

var (
	me    = hongyan.Caller{User: owner}
	shang = mustZone("Asia/Shanghai")
	t0    = time.Date(2026, 12, 1, 9, 0, 0, 0, shang)
)

func mustZone(n string) *time.Location {
	l, err := time.LoadLocation(n)
	if err != nil {
		panic(err)
	}
	return l
}

type env struct {
	svc    *assistant.Service
	groups *fakeGroups
	api    *fakeAPI
	run    *assistant.Runner
	now    time.Time
	store  assistant.Store
}

func newEnv(t *testing.T) *env {
	t.Helper()
	db, err := sqlite.Open(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e := &env{
		groups: &fakeGroups{roles: map[hongyan.ConversationID]map[hongyan.UserID]string{grp: {owner: "owner", admin: "admin", alice: "member"}},
			added: map[hongyan.ConversationID][]string{}, botAccs: map[hongyan.UserID]bool{other: true, self: true}},
		api: &fakeAPI{ids: map[string]bool{}, members: map[hongyan.UserID]string{alice: "Alice", 4: "小明"}},
		now: t0, store: db.Assistant(),
	}
	e.svc = assistant.New(e.store, e.groups, assistant.DefaultConfig())
	e.svc.SetClock(func() time.Time { return e.now })
	e.run = e.svc.Runner(e.api, self)
	return e
}

func (e *env) enable(t *testing.T) {
	t.Helper()
	if _, err := e.svc.Enable(t.Context(), me, grp, ""); err != nil {
		t.Fatalf("Enable: %v", err)
	}
}

func (e *env) step(t *testing.T) {
	t.Helper()
	for {
		n, err := e.run.Step(t.Context())
		if err != nil {
			t.Fatalf("Step: %v", err)
		}
		if n == 0 {
			return
		}
	}
}

func wantCode(t *testing.T, what string, err error, code hongyan.Code) {
	t.Helper()
	if got := hongyan.ErrorCode(err); got != code {
		t.Errorf("%s: got error %v (code %q), want code %q", what, err, got, code)
	}
}

func wantSent(t *testing.T, what string, got []sent, want ...sent) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s: sent %+v, want %+v", what, got, want)
	}
}

func TestEnableIsTheOwners(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	_, err := e.svc.Enable(ctx, hongyan.Caller{User: admin}, grp, "")
	wantCode(t, "Enable by an admin", err, hongyan.CodeDenied)
	_, err = e.svc.SetWelcome(ctx, me, grp, "hi")
	wantCode(t, "SetWelcome before the assistant is on", err, hongyan.CodePrecondition)
	_, err = e.svc.Enable(ctx, me, grp, "Mars/Olympus")
	wantCode(t, "Enable with an unknown timezone", err, hongyan.CodeInvalid)
	e.enable(t)
	if got := e.groups.added[grp]; !slices.Equal(got, assistant.Scopes) {
		t.Errorf("grant asked: got %v, want %v", got, assistant.Scopes)
	}
	if _, err := e.svc.SetWelcome(ctx, hongyan.Caller{User: admin}, grp, "欢迎 {name}"); err != nil {
		t.Errorf("SetWelcome by an admin: %v", err)
	}
	_, err = e.svc.SetWelcome(ctx, hongyan.Caller{User: alice}, grp, "hi")
	wantCode(t, "SetWelcome by a member", err, hongyan.CodeDenied)
	_, err = e.svc.Get(ctx, hongyan.Caller{User: 77}, grp)
	wantCode(t, "Get by a stranger", err, hongyan.CodeNotFound)
	v, err := e.svc.Get(ctx, me, grp)
	if err != nil || !v.On || v.Settings.Welcome != "欢迎 {name}" || v.Settings.Timezone != assistant.DefaultTimezone {
		t.Errorf("Get: got %+v, %v", v, err)
	}
}

func TestWelcome(t *testing.T) {
	e := newEnv(t)
	e.enable(t)
	if _, err := e.svc.SetWelcome(t.Context(), me, grp, "欢迎 {name} 加入！"); err != nil {
		t.Fatal(err)
	}
	e.api.add("member_joined", t0, map[string]any{"group": grp, "actor": owner, "users": []hongyan.UserID{alice, 4}})
	e.api.add("member_joined", t0, map[string]any{"group": grp, "actor": owner, "users": []hongyan.UserID{self}})  // itself: no welcome
	e.api.add("member_joined", t0, map[string]any{"group": 501, "actor": owner, "users": []hongyan.UserID{alice}}) // not on there
	e.api.add("friend_request", t0, map[string]any{"request_id": 5, "from": alice})
	e.step(t)
	wantSent(t, "welcome and friend greeting", e.api.taken(),
		sent{assistant.Chat{Group: grp}, "欢迎 Alice、小明 加入！"},
		sent{assistant.Chat{User: alice}, assistant.DefaultConfig().FriendGreeting})
	// Off again: no welcome.
	if _, err := e.svc.SetWelcome(t.Context(), me, grp, ""); err != nil {
		t.Fatal(err)
	}
	e.api.add("member_joined", t0, map[string]any{"group": grp, "actor": owner, "users": []hongyan.UserID{7}})
	e.step(t)
	wantSent(t, "with the welcome off", e.api.taken())
}

func TestKeywords(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	e.enable(t)
	if _, err := e.svc.AddKeyword(ctx, me, grp, "价格", "价格见群公告", false); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.AddKeyword(ctx, me, grp, "Hi", "Hello!", true); err != nil {
		t.Fatal(err)
	}
	_, err := e.svc.AddKeyword(ctx, me, grp, "  ", "x", false)
	wantCode(t, "AddKeyword of blanks", err, hongyan.CodeInvalid)
	_, err = e.svc.AddKeyword(ctx, me, grp, "long", string(make([]rune, assistant.MaxReply+1)), false)
	wantCode(t, "AddKeyword with a long reply", err, hongyan.CodeInvalid)

	e.api.message(grp, alice, t0, "请问价格多少？")                     // contains
	e.api.message(grp, alice, t0.Add(time.Second), "hi")         // exact, but within the cooldown
	e.api.message(grp, other, t0.Add(time.Minute), "hi")         // a bot: never answered
	e.api.message(grp, self, t0.Add(time.Minute), "价格")          // itself
	e.api.message(grp, alice, t0.Add(2*time.Minute), "hi there") // exact keyword is not the message
	e.api.message(grp, alice, t0.Add(3*time.Minute), " HI ")     // exact, case folded
	e.api.message(501, alice, t0.Add(4*time.Minute), "价格")       // another group, assistant off
	e.step(t)
	wantSent(t, "keyword replies", e.api.taken(),
		sent{assistant.Chat{Group: grp}, "价格见群公告"}, sent{assistant.Chat{Group: grp}, "Hello!"})

	ks, _ := e.store.Keywords(ctx, grp)
	if err := e.svc.RemoveKeyword(ctx, me, grp, ks[0].ID); err != nil {
		t.Fatal(err)
	}
	e.api.message(grp, alice, t0.Add(10*time.Minute), "价格")
	e.step(t)
	wantSent(t, "a removed keyword", e.api.taken())
}

// A flood of matching messages is answered once per cooldown.
func TestKeywordCooldown(t *testing.T) {
	e := newEnv(t)
	e.enable(t)
	if _, err := e.svc.AddKeyword(t.Context(), me, grp, "go", "went", false); err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		e.api.message(grp, alice, t0.Add(time.Duration(i)*time.Second), "go go go")
	}
	e.step(t)
	if got, want := len(e.api.taken()), 10; got != want { // 100 s, a 10 s cooldown
		t.Errorf("replies to 100 messages in 100 s: got %d, want %d", got, want)
	}
}

// A step that fails half-way sends nothing twice when retried, and counts
// every event once.
func TestRetriedStep(t *testing.T) {
	e := newEnv(t)
	e.enable(t)
	if _, err := e.svc.SetWelcome(t.Context(), me, grp, "welcome {name}"); err != nil {
		t.Fatal(err)
	}
	e.api.add("member_joined", t0, map[string]any{"group": grp, "users": []hongyan.UserID{alice}})
	e.api.add("member_joined", t0, map[string]any{"group": grp, "users": []hongyan.UserID{4}})
	e.api.message(grp, alice, t0, "hello")
	e.api.failAt = 2
	if _, err := e.run.Step(t.Context()); hongyan.ErrorCode(err) != hongyan.CodeUnavailable {
		t.Fatalf("Step with a failing send: got %v, want CodeUnavailable", err)
	}
	e.step(t)
	wantSent(t, "after a retried step", e.api.taken(),
		sent{assistant.Chat{Group: grp}, "welcome Alice"}, sent{assistant.Chat{Group: grp}, "welcome 小明"})
	days, err := e.svc.Stats(t.Context(), me, grp, 1)
	if err != nil {
		t.Fatal(err)
	}
	if want := (assistant.DayStat{Day: "2026-12-01", Messages: 1, Active: 1, Joins: 2}); days[0] != want {
		t.Errorf("Stats: got %+v, want %+v", days[0], want)
	}
}

func TestStats(t *testing.T) {
	e := newEnv(t)
	e.enable(t)
	e.now = t0.Add(48 * time.Hour)
	late := time.Date(2026, 11, 30, 23, 30, 0, 0, time.UTC) // 07:30 on Dec 1 in Shanghai
	e.api.message(grp, alice, late, "a")
	e.api.message(grp, 4, t0, "b")
	e.api.message(grp, alice, t0, "c")
	e.api.message(grp, other, t0, "a bot")
	e.api.add("member_joined", t0.Add(24*time.Hour), map[string]any{"group": grp, "users": []hongyan.UserID{8, 9}})
	e.api.add("member_left", t0.Add(24*time.Hour), map[string]any{"group": grp, "users": []hongyan.UserID{8}})
	e.api.add("member_left", t0.Add(24*time.Hour), map[string]any{"group": grp, "users": []hongyan.UserID{self}})
	e.step(t)
	got, err := e.svc.Stats(t.Context(), me, grp, 4)
	if err != nil {
		t.Fatal(err)
	}
	want := []assistant.DayStat{{Day: "2026-11-30"}, {Day: "2026-12-01", Messages: 3, Active: 2}, {Day: "2026-12-02", Joins: 2, Leaves: 1}, {Day: "2026-12-03"}}
	if !slices.Equal(got, want) {
		t.Errorf("Stats:\n got %+v\nwant %+v", got, want)
	}
	_, err = e.svc.Stats(t.Context(), me, grp, assistant.MaxStatsDays+1)
	wantCode(t, "Stats of too many days", err, hongyan.CodeInvalid)
	_, err = e.svc.Stats(t.Context(), hongyan.Caller{User: alice}, grp, 1)
	wantCode(t, "Stats to a member", err, hongyan.CodeDenied)
}

func TestNextAt(t *testing.T) {
	ny := mustZone("America/New_York")
	first := time.Date(2026, 3, 1, 9, 0, 0, 0, ny)
	daily := assistant.Schedule{First: first, Repeat: assistant.Daily, Zone: "America/New_York"}
	weekly := assistant.Schedule{First: first, Repeat: assistant.Weekly, Zone: "America/New_York"}
	once := assistant.Schedule{First: first, Repeat: assistant.Once, Zone: "America/New_York"}
	for _, c := range []struct {
		name string
		sc   assistant.Schedule
		t    time.Time
		want time.Time
	}{
		{"before the first", daily, first.Add(-time.Hour), first},
		{"at the first", daily, first, time.Date(2026, 3, 2, 9, 0, 0, 0, ny)},
		{"across the DST change", daily, time.Date(2026, 3, 8, 10, 0, 0, 0, ny), time.Date(2026, 3, 9, 9, 0, 0, 0, ny)},
		{"weeks later", weekly, time.Date(2026, 3, 20, 0, 0, 0, 0, ny), time.Date(2026, 3, 22, 9, 0, 0, 0, ny)},
		{"once, past", once, first, time.Time{}},
	} {
		if got := assistant.NextAt(c.sc, c.t); !got.Equal(c.want) {
			t.Errorf("%s: NextAt(%v) = %v, want %v", c.name, c.t, got, c.want)
		}
	}
}

func TestSchedules(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	e.enable(t)
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC) // read as 10:00 in Shanghai
	daily, err := e.svc.PutSchedule(ctx, me, grp, 0, "早安", at, assistant.Daily)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 12, 1, 10, 0, 0, 0, shang); !daily.Next.Equal(want) {
		t.Errorf("Next: got %v, want %v", daily.Next, want)
	}
	once, err := e.svc.PutSchedule(ctx, me, grp, 0, "会议开始", at.Add(30*time.Minute), assistant.Once)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.PutSchedule(ctx, me, grp, 0, "past", time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC), assistant.Once)
	wantCode(t, "a one-off in the past", err, hongyan.CodeInvalid)
	_, err = e.svc.PutSchedule(ctx, me, grp, 0, "x", at, "hourly")
	wantCode(t, "an unknown repeat", err, hongyan.CodeInvalid)

	e.now = time.Date(2026, 12, 1, 9, 59, 0, 0, shang)
	e.step(t)
	wantSent(t, "before the time", e.api.taken())
	e.now = time.Date(2026, 12, 1, 10, 0, 30, 0, shang)
	e.step(t)
	e.step(t)
	wantSent(t, "at the time", e.api.taken(), sent{assistant.Chat{Group: grp}, "早安"})

	// Down for three days: the daily post comes once, the one-off once.
	e.now = time.Date(2026, 12, 4, 11, 0, 0, 0, shang)
	e.step(t)
	e.step(t)
	wantSent(t, "after three days down", e.api.taken(), sent{assistant.Chat{Group: grp}, "会议开始"}, sent{assistant.Chat{Group: grp}, "早安"})
	scs, _ := e.store.Schedules(ctx, grp)
	if len(scs) != 1 || scs[0].ID != daily.ID || !scs[0].Next.Equal(time.Date(2026, 12, 5, 10, 0, 0, 0, shang)) {
		t.Errorf("Schedules after: got %+v, want the daily one, next on Dec 5", scs)
	}
	wantCode(t, "cancel of the one-off that posted", e.svc.CancelSchedule(ctx, me, grp, once.ID), hongyan.CodeNotFound)

	// Edit: a new text and time; cancel.
	if _, err := e.svc.PutSchedule(ctx, me, grp, daily.ID, "晚安", time.Date(2026, 12, 4, 22, 0, 0, 0, time.UTC), assistant.Daily); err != nil {
		t.Fatal(err)
	}
	e.now = time.Date(2026, 12, 4, 22, 0, 1, 0, shang)
	e.step(t)
	wantSent(t, "after the edit", e.api.taken(), sent{assistant.Chat{Group: grp}, "晚安"})
	if err := e.svc.CancelSchedule(ctx, me, grp, daily.ID); err != nil {
		t.Fatal(err)
	}
	e.now = e.now.Add(48 * time.Hour)
	e.step(t)
	wantSent(t, "after cancelling", e.api.taken())
}

func TestMatch(t *testing.T) {
	ks := []assistant.Keyword{{Word: "Price", Reply: "p"}, {Word: "hi", Reply: "h", Exact: true}}
	for text, want := range map[string]string{"the PRICE?": "p", "hi": "h", " Hi ": "h", "hit": "", "": "", "价格": ""} {
		if got := assistant.Match(ks, text); got != want {
			t.Errorf("Match(%q) = %q, want %q", text, got, want)
		}
	}
}

// BenchmarkRunner measures events handled per second by the runner: group
// messages from 50 members (every 10th matching a keyword), pages of 100
// events each committed with the statistics and the cursor, on SQLite in a
// temp dir and on PostgreSQL (with HONGYAN_TEST_POSTGRES). The bot API is
// a fake here: this is the runner's and the store's cost.
//
//	go test ./internal/assistant -run '^$' -bench Runner -benchmem
func BenchmarkRunner(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		db, err := sqlite.Open(context.Background(), b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		benchRunner(b, db.Assistant())
	})
	b.Run("postgres", func(b *testing.B) {
		pgtest.Require(b)
		db, err := postgres.Open(context.Background(), pgtest.DSN(b))
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		benchRunner(b, db.Assistant())
	})
}

func benchRunner(b *testing.B, store assistant.Store) {
	groups := &fakeGroups{roles: map[hongyan.ConversationID]map[hongyan.UserID]string{grp: {owner: "owner"}},
		added: map[hongyan.ConversationID][]string{}, botAccs: map[hongyan.UserID]bool{}}
	api := &fakeAPI{ids: map[string]bool{}}
	svc := assistant.New(store, groups, assistant.DefaultConfig())
	ctx := context.Background()
	if _, err := svc.Enable(ctx, me, grp, ""); err != nil {
		b.Fatal(err)
	}
	if _, err := svc.AddKeyword(ctx, me, grp, "价格", "见公告", false); err != nil {
		b.Fatal(err)
	}
	for i := range b.N {
		text := fmt.Sprint("message ", i)
		if i%10 == 0 {
			text = "价格?"
		}
		api.message(grp, hongyan.UserID(100+i%50), t0.Add(time.Duration(i)*time.Second), text)
	}
	r := svc.Runner(api, self)
	b.ResetTimer()
	handled := 0
	for handled < b.N {
		n, err := r.Step(ctx)
		if err != nil {
			b.Fatal(err)
		}
		handled += n
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
