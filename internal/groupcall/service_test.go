package groupcall

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"hongyan/internal/hongyan"
)

// fakeMembers: group 1 has users 1–4; anyone else is not a member.
type fakeMembers struct{ out map[hongyan.UserID]bool }

func (f fakeMembers) Member(_ context.Context, g hongyan.ConversationID, u hongyan.UserID) error {
	if g != 1 || u < 1 || u > 4 || f.out[u] {
		return hongyan.Errorf(hongyan.CodeNotFound, "not a member")
	}
	return nil
}

func (f fakeMembers) Members(ctx context.Context, g hongyan.ConversationID, u hongyan.UserID) ([]hongyan.UserID, error) {
	if err := f.Member(ctx, g, u); err != nil {
		return nil, err
	}
	var out []hongyan.UserID
	for v := hongyan.UserID(1); v <= 4; v++ {
		if !f.out[v] {
			out = append(out, v)
		}
	}
	return out, nil
}

// fakeRooms is an engine with 2 speaker slots and one floor per room.
type fakeRooms struct {
	mu     sync.Mutex
	in     map[string]map[string]bool // room → participants
	floor  map[string]string
	answer map[string]string
}

func newFakeRooms() *fakeRooms {
	return &fakeRooms{in: map[string]map[string]bool{}, floor: map[string]string{}, answer: map[string]string{}}
}

func (f *fakeRooms) Join(_ context.Context, room string, _ Kind, p string) (string, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.in[room] == nil {
		f.in[room] = map[string]bool{}
	}
	f.in[room][p] = true
	return "offer " + p, len(f.in[room]) <= 2, nil
}

func (f *fakeRooms) Answer(room, p, sdp string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.in[room][p] {
		return errors.New("no such participant")
	}
	f.answer[p] = sdp
	return nil
}

func (f *fakeRooms) Leave(room, p string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.in[room], p)
}

func (f *fakeRooms) RequestFloor(room, p string) (bool, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if h := f.floor[room]; h != "" && h != p {
		return false, h, nil
	}
	f.floor[room] = p
	return true, p, nil
}

func (f *fakeRooms) ReleaseFloor(room, p string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.floor[room] == p {
		delete(f.floor, room)
	}
}

type fakeICE struct{}

func (fakeICE) ICEServers(context.Context, hongyan.UserID) ([]ICEServer, error) {
	return []ICEServer{{URLs: []string{"turn:127.0.0.1:3478"}, Username: "u", Credential: "c"}}, nil
}

type fakeRecords struct {
	mu             sync.Mutex
	started, ended []Room
}

func (f *fakeRecords) Started(_ context.Context, r Room) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.started = append(f.started, r)
	return nil
}

func (f *fakeRecords) Ended(_ context.Context, r Room) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ended = append(f.ended, r)
	return nil
}

// fakeBus keeps what was published to whom.
type fakeBus struct {
	mu  sync.Mutex
	got map[string][]Room
}

func (b *fakeBus) Publish(_ context.Context, subject string, data []byte) error {
	e, err := hongyan.DecodeEvent(data)
	if err != nil || e.Kind != hongyan.EventGroupCall {
		return errors.New("not a group-call event")
	}
	r, err := DecodeRoom(e.Data)
	if err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.got[subject] = append(b.got[subject], r)
	return nil
}

func (b *fakeBus) Subscribe(string, func([]byte)) (hongyan.Subscription, error) {
	return nil, errors.New("not used")
}

func (b *fakeBus) last(u hongyan.UserID) (Room, int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	rs := b.got[hongyan.UserSubject(u)]
	if len(rs) == 0 {
		return Room{}, 0
	}
	return rs[len(rs)-1], len(rs)
}

type fixture struct {
	s     *Service
	rooms *fakeRooms
	rec   *fakeRecords
	bus   *fakeBus
	mem   fakeMembers
	now   time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{rooms: newFakeRooms(), rec: &fakeRecords{}, bus: &fakeBus{got: map[string][]Room{}}, mem: fakeMembers{out: map[hongyan.UserID]bool{}},
		now: time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)}
	f.s = New(f.mem, f.rooms, fakeICE{}, f.rec, newMemStore(), hongyan.Publisher{Bus: f.bus}, Config{MaxHold: 30 * time.Second, Now: func() time.Time { return f.now }})
	t.Cleanup(f.s.Close)
	return f
}

func me(u hongyan.UserID, d hongyan.DeviceID) hongyan.Caller {
	return hongyan.Caller{User: u, Device: d}
}

func code(err error) hongyan.Code { return hongyan.ErrorCode(err) }

func TestJoinIsForMembersAndOpensTheRoomOnce(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.s.Join(ctx, me(9, 1), 1, Voice); code(err) != hongyan.CodeNotFound {
		t.Errorf("a stranger joins: got %v, want not_found", err)
	}
	if _, err := f.s.Join(ctx, me(1, 1), 1, 7); code(err) != hongyan.CodeInvalid {
		t.Errorf("an unknown kind: got %v, want invalid_argument", err)
	}
	off := New(f.mem, nil, fakeICE{}, f.rec, newMemStore(), hongyan.Publisher{}, Config{})
	defer off.Close()
	if _, err := off.Join(ctx, me(1, 1), 1, Voice); code(err) != hongyan.CodeUnavailable {
		t.Errorf("no media engine: got %v, want unavailable", err)
	}
	s1, err := f.s.Join(ctx, me(1, 1), 1, Voice)
	if err != nil {
		t.Fatal(err)
	}
	if !s1.Speaker || s1.Offer == "" || len(s1.ICE) != 1 || s1.ICE[0].Username != "u" || len(s1.Room.Participants) != 1 || !s1.Room.Started.Equal(f.now) {
		t.Errorf("first join: got %+v, want a speaker with an offer, the ICE servers and the room opened now", s1)
	}
	f.now = f.now.Add(time.Minute)
	for _, u := range []hongyan.UserID{2, 3} {
		if _, err := f.s.Join(ctx, me(u, 1), 1, Voice); err != nil {
			t.Fatal(err)
		}
	}
	r, err := f.s.Current(ctx, me(4, 1), 1, Voice)
	if err != nil || len(r.Participants) != 3 || r.Participants[2].Speaker {
		t.Errorf("current: got %+v, %v; want three participants, the third a listener", r, err)
	}
	if _, err := f.s.Current(ctx, me(9, 1), 1, Voice); code(err) != hongyan.CodeNotFound {
		t.Errorf("a stranger asks: got %v, want not_found", err)
	}
	// Every member's devices were told, the one not in the call too.
	if got, _ := f.bus.last(4); len(got.Participants) != 3 {
		t.Errorf("push to a member outside the call: got %+v, want three participants", got)
	}
	if _, n := f.bus.last(9); n != 0 {
		t.Errorf("a stranger got %d pushes, want none", n)
	}
	if len(f.rec.started) != 1 {
		t.Errorf("started cards: got %d, want 1", len(f.rec.started))
	}
	// The walkie-talkie room is another room, and posts no card.
	if _, err := f.s.Join(ctx, me(4, 1), 1, Talkie); err != nil {
		t.Fatal(err)
	}
	if len(f.rec.started) != 1 {
		t.Errorf("a walkie-talkie room posted a card")
	}
	// Everyone leaves: the call ends once, with its duration.
	f.now = f.now.Add(2 * time.Minute)
	for _, u := range []hongyan.UserID{1, 2, 3} {
		if _, err := f.s.Leave(ctx, me(u, 1), 1, Voice); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.s.Leave(ctx, me(1, 1), 1, Voice); err != nil {
		t.Errorf("leaving twice: %v", err)
	}
	if len(f.rec.ended) != 1 || f.rec.ended[0].Duration() != 3*time.Minute {
		t.Errorf("ended cards: got %+v, want one of 3 minutes", f.rec.ended)
	}
	if got, _ := f.bus.last(4); got.Ended.IsZero() || len(got.Participants) != 0 {
		t.Errorf("last push: got %+v, want the call ended", got)
	}
	if len(f.rooms.in["g1.1"]) != 0 {
		t.Errorf("the engine still has %v", f.rooms.in["g1.1"])
	}
}

// A second device's join replaces the first; the engine telling that the
// first device's connection closed does not take the second out, and a
// device in one room joining another leaves the first.
func TestRejoinAndGone(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.s.Join(ctx, me(1, 1), 1, Voice); err != nil {
		t.Fatal(err)
	}
	first := f.s.engineName(key{1, Voice}, 1)
	if _, err := f.s.Join(ctx, me(1, 2), 1, Voice); err != nil {
		t.Fatal(err)
	}
	second := f.s.engineName(key{1, Voice}, 1)
	if first == second || f.rooms.in["g1.1"][first] {
		t.Fatalf("rejoin: names %q and %q, engine %v; want the first gone", first, second, f.rooms.in["g1.1"])
	}
	f.s.Gone("g1.1", first)
	if r, _ := f.s.Current(ctx, me(1, 2), 1, Voice); len(r.Participants) != 1 || r.Participants[0].Device != 2 {
		t.Errorf("after the old connection's end: got %+v, want device 2 still in", r)
	}
	if err := f.s.Answer(ctx, me(1, 2), 1, Voice, "v=0 answer"); err != nil || f.rooms.answer[second] != "v=0 answer" {
		t.Errorf("answer: %v, engine has %q", err, f.rooms.answer[second])
	}
	if err := f.s.Answer(ctx, me(2, 1), 1, Voice, "v=0"); code(err) != hongyan.CodePrecondition {
		t.Errorf("an answer from one not in the call: got %v, want failed_precondition", err)
	}
	if err := f.s.Answer(ctx, me(1, 2), 1, Voice, string(make([]byte, MaxSDP+1))); code(err) != hongyan.CodeInvalid {
		t.Errorf("an oversized answer: got %v, want invalid_argument", err)
	}
	if _, err := f.s.Join(ctx, me(1, 2), 1, Talkie); err != nil {
		t.Fatal(err)
	}
	if r, _ := f.s.Current(ctx, me(1, 2), 1, Voice); len(r.Participants) != 0 || len(f.rec.ended) != 1 {
		t.Errorf("joining the walkie-talkie room: the call has %+v (ended cards %d), want it left and ended", r.Participants, len(f.rec.ended))
	}
	f.s.Gone("g1.2", f.s.engineName(key{1, Talkie}, 1))
	if r, _ := f.s.Current(ctx, me(1, 2), 1, Talkie); len(r.Participants) != 0 {
		t.Errorf("after its connection ended: got %+v, want the room empty", r)
	}
	f.s.Gone("garbage", "x") // ignored
}

func TestFloorAndStatus(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.s.Floor(ctx, me(1, 1), 1, true); code(err) != hongyan.CodePrecondition {
		t.Errorf("the floor of a room I am not in: got %v, want failed_precondition", err)
	}
	for _, u := range []hongyan.UserID{1, 2} {
		if _, err := f.s.Join(ctx, me(u, 1), 1, Talkie); err != nil {
			t.Fatal(err)
		}
	}
	if fl, err := f.s.Floor(ctx, me(1, 1), 1, true); err != nil || !fl.Granted {
		t.Fatalf("take a free floor: %+v, %v", fl, err)
	}
	f.s.FloorChanged("g1.2", f.s.engineName(key{1, Talkie}, 1)) // as the engine tells it
	if got, _ := f.bus.last(2); got.FloorHolder != 1 || !got.FloorUntil.Equal(f.now.Add(30*time.Second)) {
		t.Errorf("floor push: got %+v, want held by 1 for 30 s", got)
	}
	if fl, err := f.s.Floor(ctx, me(2, 1), 1, true); err != nil || fl.Granted || fl.Holder != 1 {
		t.Errorf("take a held floor: got %+v, %v; want refused, held by 1", fl, err)
	}
	// A member removed from the group loses the room when asking for the floor.
	f.mem.out[2] = true
	if _, err := f.s.Floor(ctx, me(2, 1), 1, true); code(err) != hongyan.CodeNotFound {
		t.Errorf("a removed member takes the floor: got %v, want not_found", err)
	}
	if r, _ := f.s.Current(ctx, me(1, 1), 1, Talkie); len(r.Participants) != 1 {
		t.Errorf("after the removed member's request: got %+v, want them out", r.Participants)
	}
	// The holder leaves: the floor is free.
	if _, err := f.s.Leave(ctx, me(1, 1), 1, Talkie); err != nil {
		t.Fatal(err)
	}
	// Status: only a change is pushed, only to participants.
	for _, u := range []hongyan.UserID{1, 3} {
		if _, err := f.s.Join(ctx, me(u, 1), 1, Voice); err != nil {
			t.Fatal(err)
		}
	}
	_, before := f.bus.last(3)
	_, beforeOut := f.bus.last(4)
	if err := f.s.Status(ctx, me(1, 1), 1, Voice, true, false); err != nil {
		t.Fatal(err)
	}
	if err := f.s.Status(ctx, me(1, 1), 1, Voice, true, false); err != nil {
		t.Fatal(err)
	}
	got, after := f.bus.last(3)
	if after != before+1 || !got.Participants[0].Muted {
		t.Errorf("status pushes: %d, last %+v; want one, muted", after-before, got)
	}
	if _, n := f.bus.last(4); n != beforeOut {
		t.Errorf("a member outside the call got a status push")
	}
	if err := f.s.Status(ctx, me(4, 1), 1, Voice, false, true); code(err) != hongyan.CodePrecondition {
		t.Errorf("status from one not in the call: got %v, want failed_precondition", err)
	}
}

func TestDecodeRoomRefusesGarbage(t *testing.T) {
	for _, b := range [][]byte{nil, []byte("{"), []byte(`{"g":1,"t":9}`), []byte(`{"g":0,"t":1}`), make([]byte, maxRoomBytes+1)} {
		if _, err := DecodeRoom(b); err == nil {
			t.Errorf("DecodeRoom(%.20q) = nil error", b)
		}
	}
	r := Room{Group: 5, Kind: Talkie, Started: time.UnixMilli(1000), Participants: []Participant{{User: 2, Speaker: true, Joined: time.UnixMilli(1500)}}, FloorHolder: 2}
	got, err := DecodeRoom(EncodeRoom(r))
	if err != nil || got.Group != 5 || got.FloorHolder != 2 || len(got.Participants) != 1 || !got.Participants[0].Joined.Equal(r.Participants[0].Joined) {
		t.Errorf("round trip: got %+v, %v", got, err)
	}
}
