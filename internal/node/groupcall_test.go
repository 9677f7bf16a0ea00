package node_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"hongyan/internal/callclient"
	"hongyan/internal/config"
	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/wsclient"
)

// pushLog keeps the group-call pushes one device got.
type pushLog struct {
	mu   sync.Mutex
	got  []*pb.GroupCall
	wake chan struct{}
}

func watchGroupCalls(c *wsclient.Conn) *pushLog {
	l := &pushLog{wake: make(chan struct{}, 1)}
	callclient.DrainPushes(c, func(v *pb.GroupCall) {
		l.mu.Lock()
		l.got = append(l.got, v)
		l.mu.Unlock()
		select {
		case l.wake <- struct{}{}:
		default:
		}
	})
	return l
}

// until waits (20 s at most) for a push that ok accepts.
func (l *pushLog) until(t *testing.T, what string, ok func(*pb.GroupCall) bool) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		l.mu.Lock()
		for _, v := range l.got {
			if ok(v) {
				l.mu.Unlock()
				return
			}
		}
		l.mu.Unlock()
		select {
		case <-l.wake:
		case <-deadline:
			t.Fatalf("no push of %s", what)
		}
	}
}

func joinRoom(t *testing.T, c *wsclient.Conn, group int64, kind pb.GroupCallKind) *callclient.Room {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	r, err := callclient.JoinRoom(ctx, c, group, kind)
	if err != nil {
		t.Fatalf("join %v of group %d: %v", kind, group, err)
	}
	t.Cleanup(func() { r.Leave(context.Background()) })
	select {
	case <-r.Connected():
	case <-ctx.Done():
		t.Fatalf("join %v: not connected to the SFU", kind)
	}
	return r
}

// waitGrow waits (20 s at most) until cond holds.
func waitGrow(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond) // polling media counters, not synchronising
	}
}

func voiceRef(g int64) *pb.GroupCallRef {
	return &pb.GroupCallRef{Group: g, Kind: pb.GroupCallKind_GROUP_CALL_KIND_VOICE}
}

// A group voice call through the real node: three members carry media
// through the SFU; a stranger and a removed member cannot join; a fourth
// joiner past sfu.max_speakers listens, and a speaker who leaves frees a
// slot for the next; the others see who is in the call by pushes; the
// chat has "started" and "ended" cards.
func TestGroupCallThroughTheNode(t *testing.T) {
	cfg := config.Default()
	cfg.Data = t.TempDir()
	cfg.SFU.MaxSpeakers = 3
	srv, _ := startNodeWith(t, cfg)
	us := groupOfFriends(t, srv, "gcall", 6)
	cs := make([]*wsclient.Conn, len(us))
	for i, u := range us {
		cs[i] = session(t, srv, u)
	}
	stranger := session(t, srv, registerUser(t, srv, "gcall_stranger"))
	g := createGroup(t, cs[0], "语音群", ids(us[1:])).Id
	logs := make([]*pushLog, len(cs))
	for i, c := range cs {
		logs[i] = watchGroupCalls(c)
	}
	voice := pb.GroupCallKind_GROUP_CALL_KIND_VOICE
	join := func(g int64) *pb.ClientFrame {
		return &pb.ClientFrame{Req: &pb.ClientFrame_GroupCallJoin{GroupCallJoin: &pb.GroupCallJoinRequest{Group: g, Kind: voice}}}
	}
	if code := callCode(stranger, join(g)); code != "not_found" {
		t.Errorf("a stranger joins: got %q, want not_found", code)
	}
	if code := callCode(cs[0], &pb.ClientFrame{Req: &pb.ClientFrame_GroupCallJoin{GroupCallJoin: &pb.GroupCallJoinRequest{Group: g}}}); code != "invalid_argument" {
		t.Errorf("a join without a kind: got %q, want invalid_argument", code)
	}
	// The owner removes us[5]; they cannot join any more.
	call(t, cs[0], &pb.ClientFrame{Req: &pb.ClientFrame_RemoveMembers{RemoveMembers: &pb.GroupUsersRequest{Group: g, Users: []int64{us[5].id}}}})
	if code := callCode(cs[5], join(g)); code != "not_found" {
		t.Errorf("a removed member joins: got %q, want not_found", code)
	}

	rooms := make([]*callclient.Room, 3)
	for i := range rooms {
		rooms[i] = joinRoom(t, cs[i], g, voice)
		if !rooms[i].Speaker {
			t.Errorf("participant %d of 3 with 3 speaker slots: not a speaker", i+1)
		}
		rooms[i].Talk(true)
	}
	// Every participant hears the others.
	for i, r := range rooms {
		waitGrow(t, fmt.Sprintf("participant %d to receive audio", i+1), func() bool { p, _ := r.Received(); return p > 25 })
	}
	// A member not in the call (us[4]) learns who is, by push.
	logs[4].until(t, "three participants", func(v *pb.GroupCall) bool { return v.Group == g && len(v.Participants) == 3 })
	cur := call(t, cs[4], &pb.ClientFrame{Req: &pb.ClientFrame_GroupCallCurrent{GroupCallCurrent: voiceRef(g)}}).GetGroupCall()
	if len(cur.Participants) != 3 || cur.Started == 0 {
		t.Errorf("current: got %v, want three participants", cur)
	}
	if code := callCode(stranger, &pb.ClientFrame{Req: &pb.ClientFrame_GroupCallCurrent{GroupCallCurrent: voiceRef(g)}}); code != "not_found" {
		t.Errorf("a stranger asks for the call: got %q, want not_found", code)
	}

	// The fourth joiner listens, and hears the speakers.
	listener := joinRoom(t, cs[3], g, voice)
	if listener.Speaker {
		t.Errorf("a fourth joiner with three speaker slots: a speaker")
	}
	waitGrow(t, "the listener to receive audio", func() bool { p, _ := listener.Received(); return p > 25 })
	// Speaking and muting are pushed to the others.
	call(t, cs[1], &pb.ClientFrame{Req: &pb.ClientFrame_GroupCallStatus{GroupCallStatus: &pb.GroupCallStatusRequest{Group: g, Kind: voice, Muted: true}}})
	logs[0].until(t, "a muted participant", func(v *pb.GroupCall) bool {
		for _, p := range v.Participants {
			if p.User == us[1].id && p.Muted {
				return true
			}
		}
		return false
	})

	// A speaker leaves: the listener rejoins and takes the free slot.
	if _, err := rooms[2].Leave(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := listener.Leave(context.Background()); err != nil {
		t.Fatal(err)
	}
	again := joinRoom(t, cs[3], g, voice)
	if !again.Speaker {
		t.Errorf("joining after a speaker left: not a speaker")
	}
	again.Talk(true)
	waitGrow(t, "the new speaker to be heard", func() bool { p, _ := rooms[0].Received(); return p > 200 })

	// Everyone leaves: the call ends, and the chat has both cards.
	for _, r := range []*callclient.Room{rooms[0], rooms[1], again} {
		r.Leave(context.Background())
	}
	logs[4].until(t, "the call's end", func(v *pb.GroupCall) bool { return v.Group == g && v.Ended != 0 && len(v.Participants) == 0 })
	msgs, _ := groupView(t, cs[4], g)
	var started, ended bool
	for _, m := range msgs {
		if m.Kind == pb.MessageKind_MESSAGE_KIND_CALL {
			switch r := m.GetCall(); {
			case r.End == pb.CallEnd_CALL_END_NONE:
				started = true
			case r.End == pb.CallEnd_CALL_END_HUNG_UP && r.DurationMs > 0:
				ended = true
			}
		}
	}
	if !started || !ended {
		t.Errorf("group chat: started card %v, ended card %v; want both", started, ended)
	}

	// A group muted by its owner: members still join (and listen); the
	// card of a call a muted member started is the owner's.
	muted := true
	call(t, cs[0], &pb.ClientFrame{Req: &pb.ClientFrame_UpdateGroup{UpdateGroup: &pb.UpdateGroupRequest{Group: g, MutedAll: &muted}}})
	joinRoom(t, cs[2], g, voice)
	joinRoom(t, cs[1], g, voice)
	msgs, _ = groupView(t, cs[4], g)
	if last := msgs[len(msgs)-1]; last.Kind != pb.MessageKind_MESSAGE_KIND_CALL || last.GetCall().End != pb.CallEnd_CALL_END_NONE || last.Sender != us[0].id {
		t.Errorf("a muted member starts a call: last message %v, want the owner's started card", last)
	}
}

// A walkie-talkie room: one holds the floor at a time, everyone is told
// who; a release lets the next take it, and only the holder is heard.
func TestWalkieTalkieThroughTheNode(t *testing.T) {
	cfg := config.Default()
	cfg.Data = t.TempDir()
	srv, _ := startNodeWith(t, cfg)
	us := groupOfFriends(t, srv, "gtalk", 3)
	cs := make([]*wsclient.Conn, len(us))
	for i, u := range us {
		cs[i] = session(t, srv, u)
	}
	g := createGroup(t, cs[0], "对讲群", ids(us[1:])).Id
	logs := make([]*pushLog, len(cs))
	for i, c := range cs {
		logs[i] = watchGroupCalls(c)
	}
	talkie := pb.GroupCallKind_GROUP_CALL_KIND_TALKIE
	ctx := context.Background()
	a, b, c := joinRoom(t, cs[0], g, talkie), joinRoom(t, cs[1], g, talkie), joinRoom(t, cs[2], g, talkie)
	if code := callCode(cs[0], &pb.ClientFrame{Req: &pb.ClientFrame_GroupCallFloor{GroupCallFloor: &pb.GroupCallFloorRequest{Group: g + 1000, Take: true}}}); code != "failed_precondition" {
		t.Errorf("the floor of a room I am not in: got %q, want failed_precondition", code)
	}
	if ok, _, err := a.Floor(ctx, true); err != nil || !ok {
		t.Fatalf("first to take the floor: granted %v, err %v", ok, err)
	}
	if ok, holder, err := b.Floor(ctx, true); err != nil || ok || holder != us[0].id {
		t.Errorf("taking a held floor: granted %v holder %d err %v, want refused, held by %d", ok, holder, err, us[0].id)
	}
	logs[2].until(t, "the floor held by the first", func(v *pb.GroupCall) bool { return v.FloorHolder == us[0].id && v.FloorUntil > 0 })
	a.Talk(true)
	b.Talk(true) // not forwarded: b does not hold the floor
	waitGrow(t, "the holder to be heard", func() bool { p, _ := c.Received(); return p > 25 })
	if p, _ := a.Received(); p > 5 {
		t.Errorf("the holder received %d packets while the other's audio was not forwarded, want none", p)
	}
	a.Talk(false)
	if _, _, err := a.Floor(ctx, false); err != nil {
		t.Fatal(err)
	}
	logs[1].until(t, "the floor free", func(v *pb.GroupCall) bool { return v.FloorHolder == 0 && len(v.Participants) == 3 })
	if ok, _, err := b.Floor(ctx, true); err != nil || !ok {
		t.Fatalf("taking a released floor: granted %v, err %v", ok, err)
	}
	waitGrow(t, "the new holder to be heard", func() bool { p, _ := a.Received(); return p > 25 })
	// The holder leaves: the floor is free for the others.
	b.Leave(ctx)
	logs[0].until(t, "the floor freed by a departure", func(v *pb.GroupCall) bool { return v.FloorHolder == 0 && len(v.Participants) == 2 })
	if ok, _, err := c.Floor(ctx, true); err != nil || !ok {
		t.Errorf("taking the floor its holder left: granted %v, err %v", ok, err)
	}
}
