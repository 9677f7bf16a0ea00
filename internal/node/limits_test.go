package node_test

import (
	"fmt"
	"testing"
	"time"

	"hongyan/internal/config"
	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/wsclient"
)

// Rate limits hold across the nodes of a cluster: on two nodes sharing
// PostgreSQL and NATS (limits.shared = "auto" counts in the store), a
// client that spreads wrong passwords over both gets 3 tries a minute in
// all, not 3 on each. With limits.shared = "memory" (the negative control)
// each node counts on its own and the same 6 tries all reach the password
// check.
func TestClusterLimitsHoldAcrossNodes(t *testing.T) {
	url := natsServer(t)
	for _, tc := range []struct {
		shared  string
		limited int // of 6 tries
	}{{"auto", 3}, {"memory", 0}} {
		t.Run(tc.shared, func(t *testing.T) {
			srvs, _ := clusterOf2(t, url, config.Limits{Shared: tc.shared, LoginPerMinute: 3})
			u := registerUser(t, srvs[0], "lim_"+tc.shared)
			var codes []string
			limited := 0
			for i := range 6 {
				code := callCode(dial(t, srvs[i%2]), &pb.ClientFrame{Req: &pb.ClientFrame_Login{Login: &pb.LoginRequest{Login: u.account, Password: "not-the-password", DeviceName: "x"}}})
				codes = append(codes, code)
				switch code {
				case "rate_limited":
					limited++
				case "unauthenticated":
				default:
					t.Fatalf("try %d: got code %q, want unauthenticated or rate_limited", i+1, code)
				}
			}
			if limited != tc.limited {
				t.Errorf("6 wrong passwords over two nodes: got %v (%d limited), want %d limited", codes, limited, tc.limited)
			}
			if tc.limited > 0 && codes[3] != "rate_limited" {
				t.Errorf("the 4th try: got %q, want rate_limited (3 a minute in all)", codes[3])
			}
		})
	}
}

// The send limit holds across the nodes of a cluster through leased
// quotas: with 20 sends a minute and limits.shared = "auto" on two nodes
// sharing PostgreSQL and NATS, a user who alternates between the nodes
// gets 20 messages in all (each node leases 10 from the store), not 20 on
// each; refused sends say rate_limited. With limits.shared = "memory"
// (the negative control) each node counts on its own and all 40 go.
func TestSendLimitHoldsAcrossNodes(t *testing.T) {
	url := natsServer(t)
	for _, tc := range []struct {
		shared string
		want   int // of 40 sends
	}{{"auto", 20}, {"memory", 40}} {
		t.Run(tc.shared, func(t *testing.T) {
			srvs, _ := clusterOf2(t, url, config.Limits{Shared: tc.shared, SendsPerMinute: 20})
			a := registerUser(t, srvs[0], "sl_a_"+tc.shared)
			b := registerUser(t, srvs[0], "sl_b_"+tc.shared)
			befriend(t, srvs[0], a, b)
			conns := []*wsclient.Conn{session(t, srvs[0], a), session(t, srvs[1], a)}
			start := time.Now()
			sent := 0
			for i := range 40 {
				switch code := callCode(conns[i%2], send(b.id, fmt.Sprint("sl-", i), "hello")); code {
				case "":
					sent++
				case "rate_limited":
				default:
					t.Fatalf("send %d: got code %q, want none or rate_limited", i+1, code)
				}
			}
			// One send comes back every 3 s: allow for what came back
			// while the test ran.
			back := int(time.Since(start) / (3 * time.Second))
			if sent < tc.want || sent > min(tc.want+back, 40) {
				t.Errorf("40 sends alternating over two nodes with 20 a minute: got %d sent, want %d (+%d refilled at most)", sent, tc.want, back)
			}
		})
	}
}
