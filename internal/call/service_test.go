package call_test

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"hongyan/internal/call"
	"hongyan/internal/hongyan"
	"hongyan/internal/membus"
	"hongyan/internal/postgres"
	"hongyan/internal/postgres/pgtest"
	"hongyan/internal/sqldb/stores"
	"hongyan/internal/sqlite"
)

// world is a fake contact and chat feature: friendships, blocks and the
// records posted.
type world struct {
	mu      sync.Mutex
	friends map[[2]hongyan.UserID]bool
	blocks  map[[2]hongyan.UserID]bool
	records map[int64]call.Call
	posts   int
	fail    error // PostRecord fails with this while set
}

func (w *world) Friendship(_ context.Context, a, b hongyan.UserID) (bool, bool, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	blocked := w.blocks[[2]hongyan.UserID{a, b}] || w.blocks[[2]hongyan.UserID{b, a}]
	return w.friends[[2]hongyan.UserID{min(a, b), max(a, b)}] && !blocked, blocked, nil
}

func (w *world) PostRecord(_ context.Context, c call.Call) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.fail != nil {
		return w.fail
	}
	w.posts++
	w.records[c.ID] = c
	return nil
}

func (w *world) record(id int64) (call.Call, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	c, ok := w.records[id]
	return c, ok
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// engines runs f on SQLite and, when configured, on PostgreSQL.
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
	s   *call.Service
	w   *world
	c   *clock
	bus *membus.Bus
	ctx context.Context
}

func newFixture(t *testing.T, db *stores.DB) *fixture {
	w := &world{friends: map[[2]hongyan.UserID]bool{}, blocks: map[[2]hongyan.UserID]bool{}, records: map[int64]call.Call{}}
	for _, p := range [][2]hongyan.UserID{{1, 2}, {1, 3}, {2, 3}, {1, 4}} {
		w.friends[p] = true
	}
	c := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	bus := membus.New()
	s := call.New(db.Calls(), w, w, nil, hongyan.Publisher{Bus: bus}, call.Config{Now: c.now})
	return &fixture{s: s, w: w, c: c, bus: bus, ctx: t.Context()}
}

func dev(u hongyan.UserID, d hongyan.DeviceID) hongyan.Caller {
	return hongyan.Caller{User: u, Device: d}
}

func wantCode(t *testing.T, what string, err error, code hongyan.Code) {
	t.Helper()
	if got := hongyan.ErrorCode(err); got != code {
		t.Errorf("%s: got error %v (code %q), want code %q", what, err, got, code)
	}
}

func (f *fixture) place(t *testing.T, from, to hongyan.UserID) call.Call {
	t.Helper()
	c, err := f.s.Place(f.ctx, dev(from, 1), to, false)
	if err != nil {
		t.Fatalf("Place %d→%d: %v", from, to, err)
	}
	return c
}

func TestWhoMayCall(t *testing.T) {
	engines(t, func(t *testing.T, db *stores.DB) {
		f := newFixture(t, db)
		_, err := f.s.Place(f.ctx, dev(1, 1), 5, false)
		wantCode(t, "calling a stranger", err, hongyan.CodeDenied)
		f.w.blocks[[2]hongyan.UserID{4, 1}] = true
		_, err = f.s.Place(f.ctx, dev(1, 1), 4, false)
		wantCode(t, "calling one who blocked me", err, hongyan.CodeDenied)
		_, err = f.s.Place(f.ctx, dev(1, 1), 1, false)
		wantCode(t, "calling myself", err, hongyan.CodeInvalid)
		_, err = f.s.Place(f.ctx, dev(1, 0), 2, false)
		wantCode(t, "calling without a device", err, hongyan.CodeInvalid)
		if cur, _ := f.s.Current(f.ctx, dev(1, 1)); cur != nil {
			t.Errorf("after refused calls: in call %+v, want none", cur)
		}
		c := f.place(t, 1, 2)
		_, err = f.s.Get(f.ctx, dev(5, 1), c.ID)
		wantCode(t, "a stranger reading the call", err, hongyan.CodeNotFound)
		_, err = f.s.Hangup(f.ctx, dev(5, 1), c.ID, false)
		wantCode(t, "a stranger hanging up", err, hongyan.CodeNotFound)
		_, err = f.s.Accept(f.ctx, dev(1, 2), c.ID)
		wantCode(t, "the caller accepting", err, hongyan.CodeDenied)
	})
}

func TestFirstDeviceToAnswerWins(t *testing.T) {
	engines(t, func(t *testing.T, db *stores.DB) {
		f := newFixture(t, db)
		c := f.place(t, 1, 2)
		if c.State != call.StateRinging || !c.Deadline.Equal(f.c.now().Add(time.Minute)) {
			t.Fatalf("placed: got %+v, want ringing for 60 s", c)
		}
		f.c.add(2 * time.Second)
		got, err := f.s.Accept(f.ctx, dev(2, 7), c.ID)
		if err != nil || got.State != call.StateActive || got.CalleeDevice != 7 {
			t.Fatalf("Accept on device 7: %+v, %v; want active on 7", got, err)
		}
		_, err = f.s.Accept(f.ctx, dev(2, 8), c.ID)
		wantCode(t, "accepting on a second device", err, hongyan.CodePrecondition)
		if r := hongyan.ErrorReason(err); r != call.ReasonAnsweredElsewhere {
			t.Errorf("reason: got %q, want %q", r, call.ReasonAnsweredElsewhere)
		}
		_, err = f.s.Decline(f.ctx, dev(2, 8), c.ID)
		wantCode(t, "declining on a second device", err, hongyan.CodePrecondition)
		if again, err := f.s.Accept(f.ctx, dev(2, 7), c.ID); err != nil || again.CalleeDevice != 7 {
			t.Errorf("accepting again on 7: %+v, %v; want the same call", again, err)
		}
		f.c.add(192 * time.Second)
		end, err := f.s.Hangup(f.ctx, dev(1, 1), c.ID, false)
		if err != nil || end.End != call.EndHungUp || end.Duration() != 192*time.Second {
			t.Fatalf("Hangup: %+v, %v; want hung up after 192 s", end, err)
		}
		rec, ok := f.w.record(c.ID)
		if !ok || rec.End != call.EndHungUp || rec.Duration() != 192*time.Second {
			t.Errorf("record: got %+v (posted %v), want hung up, 03:12", rec, ok)
		}
		if again, err := f.s.Hangup(f.ctx, dev(2, 7), c.ID, false); err != nil || again.End != call.EndHungUp {
			t.Errorf("hanging up an ended call: %+v, %v; want it unchanged", again, err)
		}
		if f.w.posts != 1 {
			t.Errorf("records posted: got %d, want 1", f.w.posts)
		}
	})
}

func TestEnds(t *testing.T) {
	engines(t, func(t *testing.T, db *stores.DB) {
		f := newFixture(t, db)
		tests := []struct {
			name string
			act  func(c call.Call) (call.Call, error)
			want call.End
		}{
			{"caller cancels", func(c call.Call) (call.Call, error) { return f.s.Hangup(f.ctx, dev(1, 1), c.ID, false) }, call.EndCancelled},
			{"callee declines", func(c call.Call) (call.Call, error) { return f.s.Decline(f.ctx, dev(2, 3), c.ID) }, call.EndDeclined},
			{"callee hangs up ringing", func(c call.Call) (call.Call, error) { return f.s.Hangup(f.ctx, dev(2, 3), c.ID, false) }, call.EndDeclined},
			{"media failed", func(c call.Call) (call.Call, error) {
				if _, err := f.s.Accept(f.ctx, dev(2, 3), c.ID); err != nil {
					return c, err
				}
				return f.s.Hangup(f.ctx, dev(2, 3), c.ID, true)
			}, call.EndFailed},
		}
		for _, tt := range tests {
			c := f.place(t, 1, 2)
			got, err := tt.act(c)
			if err != nil || got.State != call.StateEnded || got.End != tt.want {
				t.Errorf("%s: got %+v, %v; want ended %v", tt.name, got, err, tt.want)
			}
			if rec, ok := f.w.record(c.ID); !ok || rec.End != tt.want {
				t.Errorf("%s: record %+v (posted %v), want %v", tt.name, rec, ok, tt.want)
			}
			if cur, _ := f.s.Current(f.ctx, dev(2, 3)); cur != nil {
				t.Errorf("%s: callee still in call %+v", tt.name, cur)
			}
			_, err = f.s.Accept(f.ctx, dev(2, 3), c.ID)
			wantCode(t, tt.name+": accepting after the end", err, hongyan.CodePrecondition)
		}
	})
}

func TestBusy(t *testing.T) {
	engines(t, func(t *testing.T, db *stores.DB) {
		f := newFixture(t, db)
		first := f.place(t, 1, 2)
		busy := f.place(t, 3, 2)
		if busy.State != call.StateEnded || busy.End != call.EndBusy {
			t.Fatalf("calling one who is ringing: got %+v, want busy", busy)
		}
		if rec, ok := f.w.record(busy.ID); !ok || rec.End != call.EndBusy {
			t.Errorf("busy record: %+v (posted %v)", rec, ok)
		}
		if busy := f.place(t, 2, 3); busy.End != call.EndBusy {
			t.Errorf("calling out while ringing: got %+v, want busy", busy)
		}
		if _, err := f.s.Hangup(f.ctx, dev(1, 1), first.ID, false); err != nil {
			t.Fatal(err)
		}
		if c := f.place(t, 3, 2); c.State != call.StateRinging {
			t.Errorf("calling after the first ended: got %+v, want ringing", c)
		}
	})
}

func TestNoAnswerAndLiveness(t *testing.T) {
	engines(t, func(t *testing.T, db *stores.DB) {
		f := newFixture(t, db)
		c := f.place(t, 1, 2)
		f.c.add(59 * time.Second)
		if n, err := f.s.Sweep(f.ctx); err != nil || n != 0 {
			t.Fatalf("sweep at 59 s: ended %d, %v; want none", n, err)
		}
		f.c.add(2 * time.Second)
		if n, err := f.s.Sweep(f.ctx); err != nil || n != 1 {
			t.Fatalf("sweep at 61 s: ended %d, %v; want 1", n, err)
		}
		got, _ := f.s.Get(f.ctx, dev(1, 1), c.ID)
		if got.End != call.EndNoAnswer {
			t.Errorf("after 61 s: got %+v, want no answer", got)
		}
		if rec, ok := f.w.record(c.ID); !ok || rec.End != call.EndNoAnswer {
			t.Errorf("no-answer record: %+v (posted %v)", rec, ok)
		}

		// An accepted call lives while keep-alives come.
		c = f.place(t, 1, 2)
		if _, err := f.s.Accept(f.ctx, dev(2, 5), c.ID); err != nil {
			t.Fatal(err)
		}
		_, err := f.s.KeepAlive(f.ctx, dev(2, 6), c.ID)
		wantCode(t, "keep-alive from a device not in the call", err, hongyan.CodeDenied)
		for range 3 {
			f.c.add(30 * time.Second)
			if _, err := f.s.KeepAlive(f.ctx, dev(1, 1), c.ID); err != nil {
				t.Fatal(err)
			}
			if n, _ := f.s.Sweep(f.ctx); n != 0 {
				t.Fatalf("sweep of a live call ended %d", n)
			}
		}
		f.c.add(46 * time.Second)
		if n, _ := f.s.Sweep(f.ctx); n != 1 {
			t.Fatalf("sweep of a silent call: ended %d, want 1", n)
		}
		if got, _ := f.s.Get(f.ctx, dev(1, 1), c.ID); got.End != call.EndFailed {
			t.Errorf("silent call: got %+v, want failed", got)
		}
	})
}

func TestRecordRetried(t *testing.T) {
	engines(t, func(t *testing.T, db *stores.DB) {
		f := newFixture(t, db)
		f.w.fail = hongyan.Errorf(hongyan.CodeUnavailable, "down")
		c := f.place(t, 1, 2)
		if _, err := f.s.Hangup(f.ctx, dev(1, 1), c.ID, false); err != nil {
			t.Fatal(err)
		}
		if _, ok := f.w.record(c.ID); ok {
			t.Fatalf("record posted while the chat was down")
		}
		f.w.mu.Lock()
		f.w.fail = nil
		f.w.mu.Unlock()
		if _, err := f.s.Sweep(f.ctx); err != nil {
			t.Fatal(err)
		}
		if rec, ok := f.w.record(c.ID); !ok || rec.End != call.EndCancelled {
			t.Errorf("record after the sweep: %+v (posted %v), want cancelled", rec, ok)
		}
		f.s.Sweep(f.ctx)
		if f.w.posts != 1 {
			t.Errorf("records posted: got %d, want 1", f.w.posts)
		}
	})
}

func TestSignalReachesTheOtherDevice(t *testing.T) {
	engines(t, func(t *testing.T, db *stores.DB) {
		f := newFixture(t, db)
		got := make(chan hongyan.Event, 4)
		sub, err := f.bus.Subscribe(hongyan.UserSubject(2), func(b []byte) {
			if e, err := hongyan.DecodeEvent(b); err == nil && e.Kind == hongyan.EventCallSignal {
				got <- e
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		defer sub.Unsubscribe()
		c := f.place(t, 1, 2)
		offer := call.Signal{Call: c.ID, Kind: call.SignalOffer, SDP: "v=0\r\n"}
		wantCode(t, "an offer before the answer", f.s.Signal(f.ctx, dev(1, 1), offer), hongyan.CodePrecondition)
		if _, err := f.s.Accept(f.ctx, dev(2, 9), c.ID); err != nil {
			t.Fatal(err)
		}
		wantCode(t, "a stranger's signal", f.s.Signal(f.ctx, dev(5, 1), offer), hongyan.CodeNotFound)
		wantCode(t, "a signal from another device of the caller", f.s.Signal(f.ctx, dev(1, 2), offer), hongyan.CodeDenied)
		wantCode(t, "a signal from a device that did not answer", f.s.Signal(f.ctx, dev(2, 8), offer), hongyan.CodeDenied)
		big := offer
		big.SDP = strings.Repeat("a", call.MaxSDP+1)
		wantCode(t, "an SDP over 16 KiB", f.s.Signal(f.ctx, dev(1, 1), big), hongyan.CodeInvalid)
		bad := call.Signal{Call: c.ID, Kind: call.SignalCandidate, Candidate: strings.Repeat("c", call.MaxCandidate+1)}
		wantCode(t, "a long candidate", f.s.Signal(f.ctx, dev(1, 1), bad), hongyan.CodeInvalid)
		wantCode(t, "an unknown kind", f.s.Signal(f.ctx, dev(1, 1), call.Signal{Call: c.ID, Kind: 9}), hongyan.CodeInvalid)
		if err := f.s.Signal(f.ctx, dev(1, 1), offer); err != nil {
			t.Fatal(err)
		}
		select {
		case e := <-got:
			g, err := call.DecodeSignal(e.Data)
			if err != nil || e.Device != 9 || e.From != 1 || g.Call != c.ID || g.Kind != call.SignalOffer || g.SDP != offer.SDP || g.From != 1 {
				t.Errorf("relayed: event %+v, signal %+v, %v; want the offer for device 9", e, g, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("the offer never reached the callee's subject")
		}
		if len(got) != 0 {
			t.Errorf("refused signals were relayed: %d", len(got))
		}
		// A flood is cut off (600 a minute per device).
		err = nil
		for i := 0; i < 700 && hongyan.ErrorCode(err) != hongyan.CodeRateLimited; i++ {
			err = f.s.Signal(f.ctx, dev(2, 9), call.Signal{Call: c.ID, Kind: call.SignalCandidate, Candidate: "candidate:x"})
		}
		wantCode(t, "a flood of signals", err, hongyan.CodeRateLimited)
	})
}

func TestSwitchVideo(t *testing.T) {
	engines(t, func(t *testing.T, db *stores.DB) {
		f := newFixture(t, db)
		c := f.place(t, 1, 2)
		if _, err := f.s.Accept(f.ctx, dev(2, 2), c.ID); err != nil {
			t.Fatal(err)
		}
		v, err := f.s.SetVideo(f.ctx, dev(2, 2), c.ID, true)
		if err != nil || !v.Video {
			t.Fatalf("SetVideo: %+v, %v", v, err)
		}
		if got, _ := f.s.Get(f.ctx, dev(1, 1), c.ID); !got.Video || got.State != call.StateActive {
			t.Errorf("after switching: got %+v, want an active video call", got)
		}
		_, err = f.s.SetVideo(f.ctx, dev(3, 1), c.ID, false)
		wantCode(t, "a stranger switching", err, hongyan.CodeNotFound)
	})
}

func FuzzDecodeSignal(f *testing.F) {
	f.Add(call.EncodeSignal(call.Signal{Call: 1, From: 2, Kind: call.SignalOffer, SDP: "v=0"}))
	f.Add(call.EncodeSignal(call.Signal{Call: 1, From: 2, Kind: call.SignalCandidate, Candidate: "candidate:1 1 udp 1 127.0.0.1 5000 typ host", Mid: "0"}))
	f.Add([]byte(`{"c":1,"k":3,"n":"\u0000"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		g, err := call.DecodeSignal(b)
		if err != nil {
			return
		}
		if err := g.Validate(); err != nil {
			t.Fatalf("a decoded signal does not validate: %v", err)
		}
		again, err := call.DecodeSignal(call.EncodeSignal(g))
		if err != nil || again != g {
			t.Fatalf("round trip: got %+v, %v; want %+v", again, err, g)
		}
	})
}

// Calls placed are limited per user (20 a minute), in the store.
func TestPlaceRate(t *testing.T) {
	engines(t, func(t *testing.T, db *stores.DB) {
		f := newFixture(t, db)
		f.c.t = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) // the start of a minute
		for i := range 20 {
			c := f.place(t, 1, 2)
			if _, err := f.s.Hangup(f.ctx, dev(1, 1), c.ID, false); err != nil {
				t.Fatalf("hang up %d: %v", i, err)
			}
		}
		_, err := f.s.Place(f.ctx, dev(1, 1), 2, false)
		wantCode(t, "the 21st call in a minute", err, hongyan.CodeRateLimited)
		// Another service (another node) on the same store shares the count.
		other := call.New(db.Calls(), f.w, f.w, nil, hongyan.Publisher{Bus: f.bus}, call.Config{Now: f.c.now})
		_, err = other.Place(f.ctx, dev(1, 1), 2, false)
		wantCode(t, "the 21st call through another node", err, hongyan.CodeRateLimited)
		f.c.add(time.Minute)
		f.place(t, 1, 2)
	})
}
