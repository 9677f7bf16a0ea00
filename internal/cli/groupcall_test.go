package cli_test

import (
	"fmt"
	"sync"
	"testing"
)

type roomOut struct {
	Group           int64  `json:"group"`
	Kind            string `json:"kind"`
	Speaker         bool   `json:"speaker"`
	FloorGranted    bool   `json:"floor_granted"`
	Participants    int    `json:"participants"`
	SetupMS         int64  `json:"setup_ms"`
	DurationMS      int64  `json:"duration_ms"`
	PacketsSent     int64  `json:"packets_sent"`
	PacketsReceived int64  `json:"packets_received"`
	PacketsLost     int64  `json:"packets_lost"`
	BytesSent       int64  `json:"bytes_sent"`
	BytesReceived   int64  `json:"bytes_received"`
}

// call group: two members in a group's voice call at once, each hearing
// the other; call talk: one holds the walkie-talkie floor and talks; a
// stranger is refused; --seconds is checked.
func TestGroupCallCLI(t *testing.T) {
	server := startNode(t)
	jo, kai, mei, lee := newDevice(t, server, "jo"), newDevice(t, server, "kai"), newDevice(t, server, "mei"), newDevice(t, server, "lee")
	one[session](jo, "register", "jo_00001", "password-j")
	one[session](kai, "register", "kai_0001", "password-k")
	one[session](mei, "register", "mei_0001", "password-m")
	one[session](lee, "register", "lee_0001", "password-l")
	for _, d := range []*device{kai, mei} {
		d.ok("friends", "request", "jo_00001")
	}
	jo.ok("friends", "accept", "kai_0001")
	jo.ok("friends", "accept", "mei_0001")
	g := one[struct {
		Group int64 `json:"group"`
	}](jo, "groups", "create", "band", "kai_0001", "mei_0001")
	gid := fmt.Sprint(g.Group)

	if code, ecode := lee.fail("call", "group", gid, "--seconds", "1"); code != 1 || ecode != "not_found" {
		t.Errorf("a stranger joins: exit %d, %q; want 1, not_found", code, ecode)
	}
	if code, _ := jo.fail("call", "group", gid, "--seconds", "x"); code != 2 {
		t.Errorf("--seconds x: exit %d, want 2", code)
	}

	var wg sync.WaitGroup
	outs := make([]roomOut, 2)
	for i, d := range []*device{jo, kai} {
		wg.Go(func() { outs[i] = one[roomOut](d, "call", "group", gid, "--seconds", "3") })
	}
	wg.Wait()
	for i, r := range outs {
		if r.Kind != "voice" || !r.Speaker || r.PacketsSent < 50 || r.PacketsReceived < 25 || r.SetupMS <= 0 {
			t.Errorf("member %d in the call: got %+v, want a speaker that sent and received audio", i+1, r)
		}
		if r.PacketsLost > r.PacketsReceived/10 {
			t.Errorf("member %d lost %d of %d packets on loopback", i+1, r.PacketsLost, r.PacketsReceived)
		}
	}
	r := one[roomOut](jo, "call", "talk", gid, "--seconds", "1")
	if r.Kind != "talkie" || !r.FloorGranted || r.PacketsSent < 25 || r.Participants != 1 {
		t.Errorf("call talk alone: got %+v, want the floor granted and audio sent", r)
	}
}
