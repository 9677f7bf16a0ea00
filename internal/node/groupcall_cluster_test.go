package node_test

import (
	"context"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"hongyan/internal/callclient"
	"hongyan/internal/config"
	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/postgres/pgtest"
	"hongyan/internal/sfu"
	"hongyan/internal/wsclient"
)

// A group call across the nodes of a cluster (one PostgreSQL, one NATS): a
// member connected to each node joins the group's call, and they are in
// one room, on the SFU of the node where it was opened; each hears the
// other. A member watching from the second node sees both. Joins through
// the second node, again and again, carry media; the call's cards are
// posted once each. The join → first audio packet times are logged
// (BENCHMARKS.md).
func TestGroupCallAcrossNodes(t *testing.T) {
	dsn := pgtest.DSN(t)
	url := natsServer(t)
	var cfgs [2]config.Config
	for i := range cfgs {
		cfgs[i] = config.Default()
		cfgs[i].Storage.Driver, cfgs[i].Storage.Postgres = "postgres", dsn
		cfgs[i].Data = t.TempDir()
		cfgs[i].Bus = url
	}
	a, na := startNodeWith(t, cfgs[0])
	b, nb := startNodeWith(t, cfgs[1])
	us := groupOfFriends(t, a, "xgcall", 3)
	onA, onB, watcher := session(t, a, us[0]), session(t, b, us[1]), session(t, b, us[2])
	g := createGroup(t, onA, "跨节点群", ids(us[1:])).Id
	log := watchGroupCalls(watcher)
	voice := pb.GroupCallKind_GROUP_CALL_KIND_VOICE

	first := joinRoom(t, onA, g, voice)
	first.Talk(true)
	// joins joins and leaves through c, rounds times, and returns the
	// join → first audio packet times, sorted; check runs after the
	// first join's first packet.
	joins := func(c *wsclient.Conn, rounds int, check func(r *callclient.Room)) []time.Duration {
		var setups []time.Duration
		for i := range rounds {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			t0 := time.Now()
			r, err := callclient.JoinRoom(ctx, c, g, voice)
			if err != nil {
				cancel()
				t.Fatalf("round %d: join: %v", i, err)
			}
			r.Talk(true)
			for p, _ := r.Received(); p == 0; p, _ = r.Received() {
				if ctx.Err() != nil {
					t.Fatalf("round %d: no audio reached the joining device", i)
				}
				time.Sleep(2 * time.Millisecond) // polling a media counter, not synchronising
			}
			setups = append(setups, time.Since(t0))
			if i == 0 && check != nil {
				check(r)
			}
			if _, err := r.Leave(ctx); err != nil {
				t.Fatalf("round %d: leave: %v", i, err)
			}
			cancel()
		}
		slices.Sort(setups)
		return setups
	}
	rounds := 10
	if v, err := strconv.Atoi(os.Getenv("HONGYAN_GROUPCALL_ROUNDS")); err == nil && v > 0 {
		rounds = v
	}
	remote := joins(onB, rounds, func(r *callclient.Room) {
		// Both directions carry audio, and the watcher on b sees both.
		waitGrow(t, "the member on node b to hear a's", func() bool { p, _ := r.Received(); return p > 25 })
		before, _ := first.Received()
		waitGrow(t, "the member on node a to hear b's", func() bool { p, _ := first.Received(); return p > before+25 })
		log.until(t, "both participants, seen from node b", func(v *pb.GroupCall) bool { return v.Group == g && len(v.Participants) == 2 })
		// One room, on the SFU of node a, where it was opened.
		sa, sb := na.MediaRooms().(*sfu.SFU).Stats(), nb.MediaRooms().(*sfu.SFU).Stats()
		if sa.Rooms != 1 || sa.Participants != 2 || sb.Rooms != 0 {
			t.Errorf("SFUs: a %d rooms, %d participants; b %d rooms; want one room of two on a, none on b", sa.Rooms, sa.Participants, sb.Rooms)
		}
	})
	local := joins(session(t, a, us[1]), rounds, nil)
	pct := func(d []time.Duration, q int) time.Duration { return d[(len(d)-1)*q/100] }
	t.Logf("join → first audio packet, %d joins each: through the host's own node p50 %v p99 %v; through the other node p50 %v p99 %v",
		rounds, pct(local, 50), pct(local, 99), pct(remote, 50), pct(remote, 99))

	first.Leave(context.Background())
	log.until(t, "the call's end", func(v *pb.GroupCall) bool { return v.Group == g && v.Ended != 0 && len(v.Participants) == 0 })
	msgs, _ := groupView(t, watcher, g)
	var started, ended int
	for _, m := range msgs {
		if m.Kind == pb.MessageKind_MESSAGE_KIND_CALL {
			if m.GetCall().End == pb.CallEnd_CALL_END_NONE {
				started++
			} else {
				ended++
			}
		}
	}
	if started != 1 || ended != 1 {
		t.Errorf("group chat: %d started and %d ended cards, want one each", started, ended)
	}
}
