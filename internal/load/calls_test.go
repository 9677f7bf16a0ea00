package load_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"hongyan/internal/config"
	"hongyan/internal/hongyan"
	"hongyan/internal/load"
	"hongyan/internal/load/impair"
	"hongyan/internal/turnserver"
)

// w9-calls through an impairment proxy in front of the node's TURN: the
// callers relay through it, every call is set up and none is dropped,
// the proxy's loss shows in the voice figures, FEC rebuilds most of it,
// and each stream has an estimated MOS.
func TestCallsThroughImpairedTURN(t *testing.T) {
	if testing.Short() {
		t.Skip("places calls through a node")
	}
	cfg := config.Default()
	cfg.Limits = config.Limits{}
	cfg.Calls.PlacePerMinute = 1 << 20
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n, url := serveNode(t, cfg)
	opt := load.Options{Server: url, Users: 4, Duration: 2 * time.Minute, MaxCalls: 4,
		CallTalk: 2 * time.Second, Seed: 1, TURN: load.TURNOptions{
			Impair: &impair.Link{Drop: 0.1, Jitter: 60 * time.Millisecond},
			ICEServers: func(user string) []turnserver.ICEServer {
				id, _ := strconv.ParseInt(user, 10, 64)
				return n.ICEServers(hongyan.UserID(id), time.Now())
			}}}
	r, err := load.Run(ctx, "w9-calls", opt)
	if err != nil {
		t.Fatal(err)
	}
	c := r.Calls
	if c.Calls != 4 || c.SetUp != 4 || c.Dropped != 0 || c.NotSetUp != 0 || c.DropPct != 10 {
		t.Fatalf("calls %+v; want 4 set up and hung up, none dropped, at 10%% drop", c)
	}
	v := c.Voice
	if v == nil || v.Streams != 8 {
		t.Fatalf("voice %+v; want 8 streams (both ends of 4 calls)", v)
	}
	// Each stream ~50 packets at 10 % loss: some lost, FEC recovers most.
	if v.Lost == 0 || v.Recovered == 0 || v.Recovered+v.Concealed != v.Lost || v.Concealed > v.Lost/2 {
		t.Errorf("voice %+v; want losses, most recovered by FEC", v)
	}
	if v.JitterMs <= 1 || v.DelayMs <= 0 || v.MOSMin < 1 || v.MOSMean > 4.5 || v.MOSMin > v.MOSMean {
		t.Errorf("voice %+v; want jitter and delay measured and MOS within 1–4.5", v)
	}
}
