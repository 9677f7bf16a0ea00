package discovery_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"hongyan/internal/discovery"
	"hongyan/internal/hongyan"
	"hongyan/internal/membus"
	"hongyan/internal/postgres"
	"hongyan/internal/postgres/pgtest"
	"hongyan/internal/sqldb/stores"
	"hongyan/internal/sqlite"
)

// world is a fake contact and account feature: blocks and genders.
type world struct {
	mu      sync.Mutex
	blocks  map[[2]hongyan.UserID]bool
	genders map[hongyan.UserID]discovery.Gender
	greets  []string
}

func (w *world) Blocked(_ context.Context, a, b hongyan.UserID) (bool, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.blocks[[2]hongyan.UserID{a, b}] || w.blocks[[2]hongyan.UserID{b, a}], nil
}

func (w *world) Greet(_ context.Context, from, to hongyan.UserID, greeting string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.greets = append(w.greets, fmt.Sprintf("%d>%d:%s", from, to, greeting))
	return nil
}

func (w *world) Card(_ context.Context, u hongyan.UserID) (discovery.Card, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return discovery.Card{Nickname: fmt.Sprintf("user%d", u), Gender: w.genders[u]}, nil
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// engines runs f on SQLite and, when configured, on PostgreSQL.
func engines(t *testing.T, f func(t *testing.T, open func(t *testing.T) *stores.DB)) {
	t.Run("sqlite", func(t *testing.T) {
		f(t, func(t *testing.T) *stores.DB {
			db, err := sqlite.Open(t.Context(), t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		})
	})
	t.Run("postgres", func(t *testing.T) {
		if os.Getenv("HONGYAN_TEST_POSTGRES") == "" {
			pgtest.Require(t)
		}
		f(t, func(t *testing.T) *stores.DB {
			db, err := postgres.Open(t.Context(), pgtest.DSN(t))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		})
	})
}

type fixture struct {
	s   *discovery.Service
	w   *world
	c   *clock
	ctx context.Context
}

func newFixture(t *testing.T, db *stores.DB, cfg discovery.Config) *fixture {
	w := &world{blocks: map[[2]hongyan.UserID]bool{}, genders: map[hongyan.UserID]discovery.Gender{}}
	c := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	cfg.Now, cfg.Salt = c.now, 42
	return &fixture{s: discovery.New(db.Discovery(), w, w, hongyan.Publisher{Bus: membus.New()}, cfg), w: w, c: c, ctx: t.Context()}
}

func me(u hongyan.UserID) hongyan.Caller { return hongyan.Caller{User: u} }

func wantCode(t *testing.T, what string, err error, code hongyan.Code) {
	t.Helper()
	if got := hongyan.ErrorCode(err); got != code {
		t.Errorf("%s: got error %v (code %q), want code %q", what, err, got, code)
	}
}

// offset returns the point d metres north of p.
func north(p discovery.Point, d float64) discovery.Point {
	return discovery.Point{Lat: p.Lat + d/111195, Lon: p.Lon}
}

var shanghai = discovery.Point{Lat: 31.2304, Lon: 121.4737}

func TestNearby(t *testing.T) {
	engines(t, func(t *testing.T, open func(t *testing.T) *stores.DB) {
		f := newFixture(t, open(t), discovery.Config{})
		f.w.genders[2], f.w.genders[3], f.w.genders[5] = discovery.GenderFemale, discovery.GenderMale, discovery.GenderFemale
		_, err := f.s.Nearby(f.ctx, me(1), discovery.GenderAny)
		wantCode(t, "Nearby before sharing", err, hongyan.CodePrecondition)
		for u, d := range map[hongyan.UserID]float64{1: 0, 2: 60, 3: 1500, 4: 20000, 5: 4000, 6: 300} {
			if err := f.s.SetLocation(f.ctx, me(u), north(shanghai, d)); err != nil {
				t.Fatalf("SetLocation %d: %v", u, err)
			}
		}
		f.w.blocks[[2]hongyan.UserID{6, 1}] = true // 6 blocked me
		ps, err := f.s.Nearby(f.ctx, me(1), discovery.GenderAny)
		if err != nil {
			t.Fatalf("Nearby: %v", err)
		}
		var got []string
		for _, p := range ps {
			got = append(got, fmt.Sprint(p.User))
			if p.Card.Nickname != fmt.Sprintf("user%d", p.User) {
				t.Errorf("card of %d: got %+v", p.User, p.Card)
			}
		}
		// Nearest first; 4 is too far; 6 blocked me.
		if want := "2 3 5"; strings.Join(got, " ") != want {
			t.Errorf("Nearby: got %v, want %s", got, want)
		}
		for _, p := range ps {
			ok := false
			for _, b := range discovery.Bands {
				ok = ok || p.Band == b
			}
			if !ok {
				t.Errorf("Nearby %d: distance %d is not a band", p.User, p.Band)
			}
		}
		// One query a minute.
		_, err = f.s.Nearby(f.ctx, me(1), discovery.GenderAny)
		wantCode(t, "Nearby twice in a minute", err, hongyan.CodeRateLimited)
		f.c.add(time.Minute)
		ps, err = f.s.Nearby(f.ctx, me(1), discovery.GenderFemale)
		if err != nil || len(ps) != 2 || ps[0].User != 2 || ps[1].User != 5 {
			t.Errorf("Nearby women: got %+v, %v; want 2 and 5", ps, err)
		}
		// 6 sees neither me (they blocked me) nor is seen.
		f.c.add(time.Minute)
		ps, err = f.s.Nearby(f.ctx, me(6), discovery.GenderAny)
		if err != nil {
			t.Fatalf("Nearby of 6: %v", err)
		}
		for _, p := range ps {
			if p.User == 1 {
				t.Errorf("a blocked person sees me nearby")
			}
		}
		// Clearing: gone at once; others no longer see me.
		if err := f.s.ClearLocation(f.ctx, me(2)); err != nil {
			t.Fatal(err)
		}
		f.c.add(time.Minute)
		ps, _ = f.s.Nearby(f.ctx, me(1), discovery.GenderAny)
		for _, p := range ps {
			if p.User == 2 {
				t.Errorf("a cleared location is still seen")
			}
		}
		_, err = f.s.Nearby(f.ctx, me(2), discovery.GenderAny)
		wantCode(t, "Nearby after clearing", err, hongyan.CodePrecondition)
		// Entries expire after an hour.
		f.c.add(time.Hour)
		_, err = f.s.Nearby(f.ctx, me(1), discovery.GenderAny)
		wantCode(t, "Nearby after my location expired", err, hongyan.CodePrecondition)
		if err := f.s.SetLocation(f.ctx, me(1), shanghai); err != nil {
			t.Fatal(err)
		}
		ps, err = f.s.Nearby(f.ctx, me(1), discovery.GenderAny)
		if err != nil || len(ps) != 0 {
			t.Errorf("Nearby after everyone else expired: got %+v, %v; want none", ps, err)
		}
		if n, err := f.s.Prune(f.ctx); err != nil || n < 4 {
			t.Errorf("Prune: got %d, %v; want the 4 expired spots at least", n, err)
		}
	})
}

func TestNearbyBadInput(t *testing.T) {
	engines(t, func(t *testing.T, open func(t *testing.T) *stores.DB) {
		f := newFixture(t, open(t), discovery.Config{})
		for _, p := range []discovery.Point{{Lat: 91}, {Lat: -90.5}, {Lon: 180.1}, {Lon: -181}, {Lat: nan()}} {
			wantCode(t, fmt.Sprintf("SetLocation %v", p), f.s.SetLocation(f.ctx, me(1), p), hongyan.CodeInvalid)
		}
		_, err := f.s.Nearby(f.ctx, me(1), discovery.GenderAny)
		wantCode(t, "Nearby after bad locations only", err, hongyan.CodePrecondition)
		_, err = f.s.Nearby(f.ctx, me(1), 7)
		wantCode(t, "Nearby with an unknown gender", err, hongyan.CodeInvalid)
		_, err = f.s.Shake(f.ctx, me(1), &discovery.Point{Lat: 100})
		wantCode(t, "Shake at a bad location", err, hongyan.CodeInvalid)
	})
}

func nan() float64 { var z float64; return z / z }

func TestShake(t *testing.T) {
	engines(t, func(t *testing.T, open func(t *testing.T) *stores.DB) {
		f := newFixture(t, open(t), discovery.Config{})
		m, err := f.s.Shake(f.ctx, me(1), nil)
		if err != nil || m != nil {
			t.Fatalf("first shake: got %+v, %v; want waiting", m, err)
		}
		f.c.add(4 * time.Second) // out of the window
		m, err = f.s.Shake(f.ctx, me(2), nil)
		if err != nil || m != nil {
			t.Fatalf("shake after the window: got %+v, %v; want waiting", m, err)
		}
		f.c.add(time.Second)
		m, err = f.s.Shake(f.ctx, me(3), nil)
		if err != nil || m == nil || m.User != 2 || m.Card.Nickname != "user2" || m.Band != 0 {
			t.Fatalf("shake in the window: got %+v, %v; want user 2 without a distance", m, err)
		}
		r, err := f.s.ShakeResult(f.ctx, me(2))
		if err != nil || r == nil || r.User != 3 {
			t.Errorf("ShakeResult of the waiting one: got %+v, %v; want 3", r, err)
		}
		r, err = f.s.ShakeResult(f.ctx, me(1))
		if err != nil || r != nil {
			t.Errorf("ShakeResult of the unmatched: got %+v, %v; want none", r, err)
		}
		// Nearest first when both shared a location; never a blocked one.
		f.c.add(time.Minute)
		far, near := north(shanghai, 3000), north(shanghai, 150)
		for u, p := range map[hongyan.UserID]discovery.Point{10: far, 11: near} {
			if m, err := f.s.Shake(f.ctx, me(u), &p); err != nil || (m != nil && m.User != 10 && m.User != 11) {
				t.Fatalf("Shake %d: %+v, %v", u, m, err)
			}
		}
		// 10 and 11 may have matched each other; check the one who waits.
		r10, _ := f.s.ShakeResult(f.ctx, me(10))
		if r10 == nil {
			f.w.blocks[[2]hongyan.UserID{12, 11}] = true
			m, err = f.s.Shake(f.ctx, me(12), &shanghai)
			if err != nil || m == nil || m.User != 10 || m.Band == 0 {
				t.Errorf("Shake beside a blocked one: got %+v, %v; want 10 with a band", m, err)
			}
		} else if r10.User != 11 || r10.Band < 2000 {
			t.Errorf("Shake of 10: got %+v, want 11 with a band of 3 km's", r10)
		}
		_, _ = f.s.Shake(f.ctx, me(10), nil)
		r, _ = f.s.ShakeResult(f.ctx, me(11))
		if r != nil && r.User == 10 {
			t.Errorf("ShakeResult after the other shook again: got %+v, want none", r)
		}
	})
}

func TestShakeRate(t *testing.T) {
	engines(t, func(t *testing.T, open func(t *testing.T) *stores.DB) {
		f := newFixture(t, open(t), discovery.Config{ShakesPerMinute: 2})
		for range 2 {
			if _, err := f.s.Shake(f.ctx, me(1), nil); err != nil {
				t.Fatal(err)
			}
		}
		_, err := f.s.Shake(f.ctx, me(1), nil)
		wantCode(t, "third shake in a minute", err, hongyan.CodeRateLimited)
	})
}

// Many shake at once: each is matched at most once and pairs agree.
func TestShakeConcurrent(t *testing.T) {
	engines(t, func(t *testing.T, open func(t *testing.T) *stores.DB) {
		f := newFixture(t, open(t), discovery.Config{})
		const n = 60
		got := make([]*discovery.Match, n+1)
		var wg sync.WaitGroup
		for u := 1; u <= n; u++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				m, err := f.s.Shake(f.ctx, me(hongyan.UserID(u)), nil)
				if err != nil {
					t.Errorf("Shake %d: %v", u, err)
				}
				got[u] = m
			}()
		}
		wg.Wait()
		partner := map[hongyan.UserID]hongyan.UserID{}
		for u := 1; u <= n; u++ {
			r, err := f.s.ShakeResult(f.ctx, me(hongyan.UserID(u)))
			if err != nil {
				t.Fatal(err)
			}
			if r != nil {
				partner[hongyan.UserID(u)] = r.User
			}
			if got[u] != nil && (r == nil || r.User != got[u].User) {
				t.Errorf("user %d was told %d but holds %+v", u, got[u].User, r)
			}
		}
		for u, p := range partner {
			if partner[p] != u {
				t.Errorf("user %d matched %d, who matched %d", u, p, partner[p])
			}
		}
		if len(partner) < n-1 {
			t.Errorf("%d of %d shakers matched; want all but at most one", len(partner), n)
		}
	})
}

func TestBottles(t *testing.T) {
	engines(t, func(t *testing.T, open func(t *testing.T) *stores.DB) {
		f := newFixture(t, open(t), discovery.Config{PicksPerDay: 3, ThrowsPerDay: 2})
		thrower, picker, stranger := me(1), me(2), me(3)
		v, err := f.s.Pick(f.ctx, picker)
		if err != nil || v != nil {
			t.Fatalf("Pick from an empty sea: got %+v, %v; want none", v, err)
		}
		b, err := f.s.Throw(f.ctx, thrower, "  有人吗？  ")
		if err != nil || b.Text != "有人吗？" || !b.Mine {
			t.Fatalf("Throw: got %+v, %v", b, err)
		}
		_, err = f.s.Reply(f.ctx, thrower, b.ID, "me")
		wantCode(t, "thrower replies first", err, hongyan.CodePrecondition)
		if v, _ := f.s.Pick(f.ctx, thrower); v != nil {
			t.Errorf("picked my own bottle")
		}
		v, err = f.s.Pick(f.ctx, picker)
		if err != nil || v == nil || v.ID != b.ID || v.Mine {
			t.Fatalf("Pick: got %+v, %v; want bottle %d", v, err, b.ID)
		}
		_, err = f.s.Reply(f.ctx, stranger, b.ID, "hi")
		wantCode(t, "a stranger replies", err, hongyan.CodeNotFound)
		_, err = f.s.Get(f.ctx, stranger, b.ID)
		wantCode(t, "a stranger reads", err, hongyan.CodeNotFound)
		wantCode(t, "a stranger throws it back", f.s.Return(f.ctx, stranger, b.ID), hongyan.CodeNotFound)
		if _, err := f.s.Reply(f.ctx, picker, b.ID, "在的"); err != nil {
			t.Fatalf("Reply: %v", err)
		}
		if _, err := f.s.Reply(f.ctx, thrower, b.ID, "你好"); err != nil {
			t.Fatalf("Reply back: %v", err)
		}
		wantCode(t, "throw back an answered bottle", f.s.Return(f.ctx, picker, b.ID), hongyan.CodePrecondition)
		// Adding each other: the greeting goes to the other, by ID,
		// without either learning it beforehand.
		wantCode(t, "a stranger greets", f.s.Greet(f.ctx, stranger, b.ID, "hi"), hongyan.CodeNotFound)
		if err := f.s.Greet(f.ctx, thrower, b.ID, "加个好友吧"); err != nil {
			t.Fatalf("Greet: %v", err)
		}
		if got, want := strings.Join(f.w.greets, ","), "1>2:加个好友吧"; got != want {
			t.Errorf("greetings: got %q, want %q", got, want)
		}
		got, err := f.s.Get(f.ctx, thrower, b.ID)
		if err != nil || len(got.Messages) != 2 || got.Messages[0].Mine || !got.Messages[1].Mine {
			t.Errorf("Get by thrower: got %+v, %v", got, err)
		}
		list, err := f.s.Bottles(f.ctx, picker)
		if err != nil || len(list) != 1 || list[0].Mine || len(list[0].Messages) != 2 || !list[0].Messages[0].Mine {
			t.Errorf("Bottles of the picker: got %+v, %v", list, err)
		}
		// Blocking ends the conversation.
		f.w.blocks[[2]hongyan.UserID{1, 2}] = true
		_, err = f.s.Reply(f.ctx, picker, b.ID, "?")
		wantCode(t, "reply after a block", err, hongyan.CodeDenied)
		wantCode(t, "greet after a block", f.s.Greet(f.ctx, picker, b.ID, "?"), hongyan.CodeDenied)
		// A blocked person's bottles are never picked; they stay drifting.
		b2, _ := f.s.Throw(f.ctx, thrower, "second")
		if v, err := f.s.Pick(f.ctx, picker); err != nil || v != nil {
			t.Errorf("Pick a blocked person's bottle: got %+v, %v; want none", v, err)
		}
		v, err = f.s.Pick(f.ctx, stranger)
		if err != nil || v == nil || v.ID != b2.ID {
			t.Fatalf("Pick by another: got %+v, %v; want %d", v, err, b2.ID)
		}
		if err := f.s.Return(f.ctx, stranger, b2.ID); err != nil {
			t.Fatalf("Return: %v", err)
		}
		// Daily limits, in Asia/Shanghai: throws 2, picks 3.
		_, err = f.s.Throw(f.ctx, thrower, "third")
		wantCode(t, "third throw of the day", err, hongyan.CodeRateLimited)
		_, err = f.s.Pick(f.ctx, stranger)
		if err != nil {
			t.Fatalf("second pick: %v", err)
		}
		_, err = f.s.Pick(f.ctx, stranger)
		if err != nil {
			t.Fatalf("third pick: %v", err)
		}
		_, err = f.s.Pick(f.ctx, stranger)
		wantCode(t, "fourth pick of the day", err, hongyan.CodeRateLimited)
		f.c.add(12 * time.Hour) // 00:00 in Shanghai: a new day
		if _, err := f.s.Pick(f.ctx, stranger); err != nil {
			t.Errorf("pick on the next day: %v", err)
		}
		if _, err := f.s.Throw(f.ctx, thrower, "新的一天"); err != nil {
			t.Errorf("throw on the next day: %v", err)
		}
		// Bottles expire after 7 days.
		f.c.add(7*24*time.Hour + time.Minute)
		if v, err := f.s.Pick(f.ctx, me(4)); err != nil || v != nil {
			t.Errorf("Pick after 7 days: got %+v, %v; want none", v, err)
		}
	})
}

func TestBottleBadInput(t *testing.T) {
	engines(t, func(t *testing.T, open func(t *testing.T) *stores.DB) {
		f := newFixture(t, open(t), discovery.Config{})
		for _, text := range []string{"", "   ", strings.Repeat("瓶", discovery.MaxBottleText+1), "a\x00b", "\xff"} {
			_, err := f.s.Throw(f.ctx, me(1), text)
			wantCode(t, fmt.Sprintf("Throw %.20q", text), err, hongyan.CodeInvalid)
		}
		if list, _ := f.s.Bottles(f.ctx, me(1)); len(list) != 0 {
			t.Errorf("bad bottles were stored: %+v", list)
		}
		if _, err := f.s.Throw(f.ctx, me(1), strings.Repeat("瓶", discovery.MaxBottleText)); err != nil {
			t.Errorf("Throw of the longest text: %v", err)
		}
		_, err := f.s.Reply(f.ctx, me(1), 12345, "x")
		wantCode(t, "Reply to no bottle", err, hongyan.CodeNotFound)
	})
}
