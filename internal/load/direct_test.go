package load_test

import (
	"context"
	"net"
	"testing"
	"time"

	"hongyan/internal/config"
	"hongyan/internal/load"
	"hongyan/internal/node"
)

// w1-direct with a warm-up: the messages sent while warming up are
// delivered (none lost) but counted neither as sent nor as delivered, so
// the measured window's delivered count equals its sent count.
func TestDirectWarmupUnmeasured(t *testing.T) {
	if testing.Short() {
		t.Skip("sends through a node")
	}
	cfg := config.Default()
	cfg.Limits = config.Limits{}
	_, url := serveNode(t, cfg)
	r, err := load.Run(context.Background(), "w1-direct", load.Options{Server: url,
		Users: 4, Rate: 200, Warmup: 500 * time.Millisecond, Duration: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if r.Errors != 0 || r.Lost != 0 || r.Duplicates != 0 || r.Reordered != 0 {
		t.Fatalf("errors %d lost %d duplicates %d reordered %d; want none", r.Errors, r.Lost, r.Duplicates, r.Reordered)
	}
	delivered := int64(r.DeliveredPerS*r.DurationS + 0.5)
	if r.Sent == 0 || delivered != r.Sent {
		t.Errorf("measured: sent %d, delivered %d; want the same count, more than 0 (warm-up messages in neither)", r.Sent, delivered)
	}
}

// serveNode starts a node of cfg (in a temporary directory, cheap password
// hashes) on a loopback port for the test and returns it with its URL.
func serveNode(t *testing.T, cfg config.Config) (*node.Node, string) {
	t.Helper()
	cfg.Data = t.TempDir()
	cfg.PasswordCost = config.TestPasswordCost
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	n, err := node.New(ctx, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go n.Serve(ctx, ln)
	return n, "http://" + ln.Addr().String()
}
