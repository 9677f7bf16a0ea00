package node_test

import (
	"testing"

	"hongyan/internal/config"
	pb "hongyan/internal/gen/hongyanv1"
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
