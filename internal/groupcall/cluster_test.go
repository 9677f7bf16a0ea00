package groupcall

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"hongyan/internal/hongyan"
	"hongyan/internal/membus"
)

// clock is a test clock several nodes and goroutines share.
type clock struct{ ms atomic.Int64 }

func (c *clock) now() time.Time         { return time.UnixMilli(c.ms.Load()).UTC() }
func (c *clock) add(d time.Duration)    { c.ms.Add(d.Milliseconds()) }
func newClock(t time.Time) *clock       { c := &clock{}; c.ms.Store(t.UnixMilli()); return c }
func (f *fakeRooms) count(r string) int { f.mu.Lock(); defer f.mu.Unlock(); return len(f.in[r]) }
func (f *fakeRecords) counts() (int, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.started), len(f.ended)
}

// pushes keeps the group-call events each user's subject carried.
type pushes struct {
	mu  sync.Mutex
	got map[hongyan.UserID][]Room
}

func watch(t *testing.T, bus hongyan.Bus, users ...hongyan.UserID) *pushes {
	p := &pushes{got: map[hongyan.UserID][]Room{}}
	for _, u := range users {
		sub, err := bus.Subscribe(hongyan.UserSubject(u), func(b []byte) {
			e, err := hongyan.DecodeEvent(b)
			if err != nil || e.Kind != hongyan.EventGroupCall {
				return
			}
			r, err := DecodeRoom(e.Data)
			if err != nil {
				return
			}
			p.mu.Lock()
			p.got[u] = append(p.got[u], r)
			p.mu.Unlock()
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { sub.Unsubscribe() })
	}
	return p
}

func (p *pushes) last(u hongyan.UserID) Room {
	p.mu.Lock()
	defer p.mu.Unlock()
	if rs := p.got[u]; len(rs) > 0 {
		return rs[len(rs)-1]
	}
	return Room{}
}

type testNode struct {
	s     *Service
	rooms *fakeRooms
}

// cluster starts n nodes on one store and one bus, with a shared clock
// and card log.
func cluster(t *testing.T, n int) ([]testNode, *memStore, *membus.Bus, *clock, *fakeRecords) {
	store, bus, clk, rec := newMemStore(), membus.New(), newClock(time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)), &fakeRecords{}
	t.Cleanup(func() { bus.Close() })
	nodes := make([]testNode, n)
	for i := range nodes {
		nodes[i].rooms = newFakeRooms()
		nodes[i].s = New(fakeMembers{out: map[hongyan.UserID]bool{}}, nodes[i].rooms, fakeICE{}, rec, store, hongyan.Publisher{Bus: bus},
			Config{Node: string(rune('a' + i)), Lease: time.Hour, RelayTimeout: 5 * time.Second, MaxHold: 30 * time.Second, Now: clk.now})
		t.Cleanup(nodes[i].s.Close)
	}
	return nodes, store, bus, clk, rec
}

// A member on each of two nodes joins the same group's call: one room,
// hosted by the node of the first to join, whose engine carries both; the
// second's join, answer, floor and leave are relayed to it. Every member
// sees the same participants, whichever node asks.
func TestOneRoomAcrossNodes(t *testing.T) {
	nodes, _, bus, clk, rec := cluster(t, 2)
	a, b := nodes[0], nodes[1]
	ctx := context.Background()
	p := watch(t, bus, 1, 2, 3)
	s1, err := a.s.Join(ctx, me(1, 1), 1, Voice)
	if err != nil {
		t.Fatal(err)
	}
	clk.add(time.Second)
	s2, err := b.s.Join(ctx, me(2, 1), 1, Voice)
	if err != nil {
		t.Fatalf("join on the other node: %v", err)
	}
	if len(s2.Room.Participants) != 2 || s2.Offer == "" || !s2.Speaker || len(s2.ICE) != 1 || !s2.Room.Started.Equal(s1.Room.Started) {
		t.Errorf("join on node b: got %+v, want the room node a opened, with both, an offer, ICE servers", s2)
	}
	if got, want := a.rooms.count("g1.1"), 2; got != want {
		t.Errorf("host a's engine: got %d participants, want %d", got, want)
	}
	if got := b.rooms.count("g1.1"); got != 0 {
		t.Errorf("node b's engine: got %d participants, want none (the media is on the host)", got)
	}
	if err := b.s.Answer(ctx, me(2, 1), 1, Voice, "v=0 from b"); err != nil {
		t.Fatalf("answer relayed to the host: %v", err)
	}
	name := a.s.engineName(key{1, Voice}, 2)
	a.rooms.mu.Lock()
	got := a.rooms.answer[name]
	a.rooms.mu.Unlock()
	if got != "v=0 from b" {
		t.Errorf("the host's engine got answer %q for %q, want the device's", got, name)
	}
	if err := b.s.Answer(ctx, me(3, 1), 1, Voice, "v=0"); code(err) != hongyan.CodePrecondition {
		t.Errorf("an answer relayed for one not in the call: got %v, want failed_precondition", err)
	}
	for i, n := range nodes {
		r, err := n.s.Current(ctx, me(3, 1), 1, Voice)
		if err != nil || len(r.Participants) != 2 {
			t.Errorf("node %d: current: got %+v, %v; want both participants", i, r, err)
		}
	}
	if got := p.last(3); len(got.Participants) != 2 {
		t.Errorf("a member outside the call: last push %+v, want both participants", got)
	}
	if s, e := rec.counts(); s != 1 || e != 0 {
		t.Errorf("cards: %d started, %d ended; want 1, 0", s, e)
	}
	// Status from node b changes the stored room, seen on a.
	if err := b.s.Status(ctx, me(2, 1), 1, Voice, true, false); err != nil {
		t.Fatal(err)
	}
	if r, _ := a.s.Current(ctx, me(1, 1), 1, Voice); len(r.Participants) != 2 || !r.Participants[1].Muted {
		t.Errorf("node a after a status on b: got %+v, want participant 2 muted", r.Participants)
	}

	// The walkie-talkie room: the floor is taken through node b, on a.
	if _, err := a.s.Join(ctx, me(3, 1), 1, Talkie); err != nil {
		t.Fatal(err)
	}
	if _, err := b.s.Join(ctx, me(4, 1), 1, Talkie); err != nil {
		t.Fatal(err)
	}
	if fl, err := b.s.Floor(ctx, me(4, 1), 1, true); err != nil || !fl.Granted {
		t.Fatalf("floor through node b: got %+v, %v; want granted", fl, err)
	}
	if fl, err := a.s.Floor(ctx, me(3, 1), 1, true); err != nil || fl.Granted {
		t.Errorf("floor taken on the host while b's holds it: got %+v, %v; want refused", fl, err)
	}
	if _, err := b.s.Floor(ctx, me(4, 1), 1, false); err != nil {
		t.Fatal(err)
	}
	if fl, err := a.s.Floor(ctx, me(3, 1), 1, true); err != nil || !fl.Granted {
		t.Errorf("floor after b's released it: got %+v, %v; want granted", fl, err)
	}

	// Leaving through b, then a: the call ends once, on the host.
	clk.add(time.Minute)
	if r, err := b.s.Leave(ctx, me(2, 1), 1, Voice); err != nil || len(r.Participants) != 1 {
		t.Errorf("leave relayed: got %+v, %v; want one left", r, err)
	}
	if got := a.rooms.count("g1.1"); got != 1 {
		t.Errorf("host's engine after b's leave: got %d, want 1", got)
	}
	if _, err := a.s.Leave(ctx, me(1, 1), 1, Voice); err != nil {
		t.Fatal(err)
	}
	if _, e := rec.counts(); e != 1 {
		t.Errorf("ended cards: got %d, want 1", e)
	}
	if got := p.last(2); got.Ended.IsZero() || len(got.Participants) != 0 {
		t.Errorf("participant on b: last push %+v, want the call ended", got)
	}
}

// Members on two nodes open the same room at once: they end up in one
// room, on one host.
func TestConcurrentOpenOneRoom(t *testing.T) {
	for range 20 {
		nodes, store, _, _, rec := cluster(t, 2)
		ctx := context.Background()
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, n := range nodes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = n.s.Join(ctx, me(hongyan.UserID(i+1), 1), 1, Voice)
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("join on node %d: %v", i, err)
			}
		}
		r, err := store.Load(ctx, 1, Voice)
		if err != nil {
			t.Fatal(err)
		}
		st, _ := decodeState(r.State)
		ca, cb := nodes[0].rooms.count("g1.1"), nodes[1].rooms.count("g1.1")
		if len(st.Room.Participants) != 2 || ca+cb != 2 || (ca != 0 && cb != 0) {
			t.Fatalf("two opening at once: stored %d participants, engines a %d b %d; want 2 on one engine", len(st.Room.Participants), ca, cb)
		}
		if s, _ := rec.counts(); s != 1 {
			t.Fatalf("started cards: got %d, want 1", s)
		}
	}
}

// The host dies: its lease runs out, a live node ends the room once
// (participants told, one "ended" card however many nodes sweep), and the
// next join opens the room again on a live node.
func TestHostDeathEndsTheRoomOnce(t *testing.T) {
	nodes, store, bus, clk, rec := cluster(t, 3)
	a, b, c := nodes[0], nodes[1], nodes[2]
	ctx := context.Background()
	p := watch(t, bus, 1, 2, 3)
	if _, err := a.s.Join(ctx, me(1, 1), 1, Voice); err != nil {
		t.Fatal(err)
	}
	if _, err := b.s.Join(ctx, me(2, 1), 1, Voice); err != nil {
		t.Fatal(err)
	}
	// A sweep while the host lives ends nothing.
	clk.add(30 * time.Minute)
	for _, n := range nodes {
		if err := n.s.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if r, _ := b.s.Current(ctx, me(3, 1), 1, Voice); len(r.Participants) != 2 {
		t.Fatalf("after sweeps with the host alive: got %+v, want the call going on", r)
	}
	a.s.halt() // the host dies: no more renewals, no answers
	clk.add(time.Hour + time.Second)
	// b and c both find the room expired before either ends it (as two
	// sweeps at once would), then both end it.
	expired, err := store.Expired(ctx, clk.now(), 10)
	if err != nil || len(expired) != 1 {
		t.Fatalf("expired rooms: got %d, %v; want the call", len(expired), err)
	}
	var wg sync.WaitGroup
	for _, n := range []testNode{b, c} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n.s.expire(ctx, expired[0], clk.now())
			if err := n.s.Sweep(ctx); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if _, e := rec.counts(); e != 1 {
		t.Fatalf("ended cards after two nodes swept: got %d, want 1", e)
	}
	for _, u := range []hongyan.UserID{1, 2, 3} {
		if got := p.last(u); got.Ended.IsZero() || len(got.Participants) != 0 {
			t.Errorf("user %d: last push %+v, want the call ended", u, got)
		}
	}
	if err := c.s.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if _, e := rec.counts(); e != 1 {
		t.Errorf("ended cards after one more sweep: got %d, want 1", e)
	}
	// Rejoining opens the room again, on a live node.
	s, err := b.s.Join(ctx, me(2, 1), 1, Voice)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Room.Participants) != 1 || b.rooms.count("g1.1") != 1 {
		t.Errorf("rejoin after the host died: got %+v, b's engine %d; want a new room on b", s.Room, b.rooms.count("g1.1"))
	}
	if st, _ := rec.counts(); st != 2 {
		t.Errorf("started cards: got %d, want 2 (the new call)", st)
	}
	// A join through c while the dead host's room were still stored would
	// have timed out; now it is relayed to b.
	if s, err := c.s.Join(ctx, me(3, 1), 1, Voice); err != nil || len(s.Room.Participants) != 2 {
		t.Errorf("join through c: got %+v, %v; want the room on b with two", s.Room, err)
	}
}

// A join for a room whose host stopped answering (but whose lease still
// holds) fails with unavailable after the relay timeout, and changes
// nothing.
func TestRelayTimeout(t *testing.T) {
	store, bus, clk, rec := newMemStore(), membus.New(), newClock(time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)), &fakeRecords{}
	defer bus.Close()
	mk := func(node string) *Service {
		s := New(fakeMembers{out: map[hongyan.UserID]bool{}}, newFakeRooms(), fakeICE{}, rec, store, hongyan.Publisher{Bus: bus},
			Config{Node: node, Lease: time.Hour, RelayTimeout: 100 * time.Millisecond, Now: clk.now})
		t.Cleanup(s.Close)
		return s
	}
	a, b := mk("a"), mk("b")
	if _, err := a.Join(context.Background(), me(1, 1), 1, Voice); err != nil {
		t.Fatal(err)
	}
	a.relay.close() // a hangs: it holds the lease but answers nothing
	if _, err := b.Join(context.Background(), me(2, 1), 1, Voice); code(err) != hongyan.CodeUnavailable {
		t.Errorf("join relayed to a silent host: got %v, want unavailable", err)
	}
	if r, _ := b.Current(context.Background(), me(2, 1), 1, Voice); len(r.Participants) != 1 {
		t.Errorf("after the failed join: got %+v, want only the first", r.Participants)
	}
}

// A node that shuts down ends the rooms it hosts at once: participants
// told, the card posted; a room another node hosts goes on.
func TestCloseEndsHostedRooms(t *testing.T) {
	nodes, store, bus, _, rec := cluster(t, 2)
	a, b := nodes[0], nodes[1]
	ctx := context.Background()
	p := watch(t, bus, 2)
	if _, err := a.s.Join(ctx, me(1, 1), 1, Voice); err != nil {
		t.Fatal(err)
	}
	if _, err := b.s.Join(ctx, me(2, 1), 1, Voice); err != nil {
		t.Fatal(err)
	}
	if _, err := b.s.Join(ctx, me(3, 1), 1, Talkie); err != nil {
		t.Fatal(err)
	}
	a.s.Close()
	if _, e := rec.counts(); e != 1 {
		t.Errorf("ended cards: got %d, want 1", e)
	}
	if got := p.last(2); got.Ended.IsZero() || got.Kind != Voice {
		t.Errorf("participant on b: last push %+v, want the call ended", got)
	}
	if a.rooms.count("g1.1") != 0 {
		t.Errorf("a's engine still has the call's participants")
	}
	if _, err := store.Load(ctx, 1, Voice); code(err) != hongyan.CodeNotFound {
		t.Errorf("the call after its host closed: got %v, want not found", err)
	}
	if r, err := store.Load(ctx, 1, Talkie); err != nil || r.Host != "b" {
		t.Errorf("b's walkie-talkie room: got %+v, %v; want it going on", r, err)
	}
}

// A node without a media engine (sfu.enabled off) cannot open a room, but
// joins its devices to a room another node hosts.
func TestNodeWithoutEngineRelays(t *testing.T) {
	nodes, store, bus, clk, rec := cluster(t, 1)
	off := New(fakeMembers{out: map[hongyan.UserID]bool{}}, nil, fakeICE{}, rec, store, hongyan.Publisher{Bus: bus},
		Config{Node: "off", Lease: time.Hour, Now: clk.now})
	t.Cleanup(off.Close)
	ctx := context.Background()
	if _, err := off.Join(ctx, me(1, 1), 1, Voice); code(err) != hongyan.CodeUnavailable {
		t.Errorf("opening a room on a node without an engine: got %v, want unavailable", err)
	}
	if _, err := nodes[0].s.Join(ctx, me(1, 1), 1, Voice); err != nil {
		t.Fatal(err)
	}
	s, err := off.Join(ctx, me(2, 1), 1, Voice)
	if err != nil || len(s.Room.Participants) != 2 || nodes[0].rooms.count("g1.1") != 2 {
		t.Errorf("joining a's room through a node without an engine: got %+v, %v; want both on a", s.Room, err)
	}
}

// A user is in one room at a time across the cluster: joining another
// room through another node leaves the first.
func TestOneRoomPerUserAcrossNodes(t *testing.T) {
	nodes, _, _, _, rec := cluster(t, 2)
	a, b := nodes[0], nodes[1]
	ctx := context.Background()
	if _, err := a.s.Join(ctx, me(1, 1), 1, Voice); err != nil {
		t.Fatal(err)
	}
	if _, err := a.s.Join(ctx, me(2, 1), 1, Voice); err != nil {
		t.Fatal(err)
	}
	if _, err := b.s.Join(ctx, me(1, 2), 1, Talkie); err != nil {
		t.Fatal(err)
	}
	if r, _ := b.s.Current(ctx, me(1, 2), 1, Voice); len(r.Participants) != 1 || r.Has(1) {
		t.Errorf("the call after user 1 joined the walkie-talkie room through b: got %+v, want only user 2", r.Participants)
	}
	if a.rooms.count("g1.1") != 1 {
		t.Errorf("a's engine: got %d in the call, want 1", a.rooms.count("g1.1"))
	}
	if _, e := rec.counts(); e != 0 {
		t.Errorf("ended cards: got %d, want none (user 2 is still in the call)", e)
	}
}
