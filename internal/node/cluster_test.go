package node_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"hongyan/internal/config"
	"hongyan/internal/postgres/pgtest"
	"hongyan/internal/wsclient"
)

// natsServer runs a NATS server inside the test process and returns its URL.
func natsServer(t *testing.T) string {
	t.Helper()
	s, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatalf("nats server: %v", err)
	}
	s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats server not ready")
	}
	t.Cleanup(s.Shutdown)
	return s.ClientURL()
}

// Two nodes on one PostgreSQL database and one NATS: a message sent through
// one node reaches, as a live push, a device connected to the other, and
// the other node's device sends back the same way. With bus = "memory" the
// second node never hears of the first one's commits (the negative case
// below), so the pushes prove the bus joins them.
func TestClusterPushesAcrossNodes(t *testing.T) {
	dsn := pgtest.DSN(t)
	url := natsServer(t)
	cluster := func(bus string) (a, b config.Config) {
		for _, c := range []*config.Config{&a, &b} {
			*c = config.Default()
			c.Storage.Driver, c.Storage.Postgres = "postgres", dsn
			c.Data = t.TempDir()
			c.Bus = bus
		}
		return a, b
	}
	ca, cb := cluster(url)
	a, b := startNode(t, ca), startNode(t, cb)
	if resp, _ := get(t, b, user{}, "/readyz"); resp.StatusCode != 200 {
		t.Fatalf("/readyz of a node on NATS: got %d, want 200", resp.StatusCode)
	}
	alice, bob := registerUser(t, a, "clu_alice"), registerUser(t, b, "clu_bob01")
	befriend(t, a, alice, bob)

	// live returns a syncer of a device that has caught up and, with no
	// heartbeat, learns of new changes only from pushes.
	live := func(c *wsclient.Conn) *wsclient.Syncer {
		t.Helper()
		s := wsclient.NewSyncer(c, 0)
		s.Heartbeat = -1
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for !s.Live() {
			if _, err := s.Next(ctx); err != nil {
				t.Fatalf("catching up: %v", err)
			}
		}
		return s
	}
	expect := func(s *wsclient.Syncer, text string, within time.Duration) error {
		ctx, cancel := context.WithTimeout(context.Background(), within)
		defer cancel()
		for {
			changes, err := s.Next(ctx)
			if err != nil {
				return err
			}
			for _, c := range changes {
				if c.GetMessage().GetText() == text {
					return nil
				}
			}
		}
	}
	bobOnB, aliceOnA := live(session(t, b, bob)), live(session(t, a, alice))
	ac, bc := session(t, a, alice), session(t, b, bob)
	for i := range 5 {
		text := fmt.Sprintf("from a %d", i)
		call(t, ac, send(bob.id, fmt.Sprintf("a%d", i), text))
		if err := expect(bobOnB, text, 20*time.Second); err != nil {
			t.Fatalf("bob's device on node b, message %d sent on node a: %v", i, err)
		}
		text = fmt.Sprintf("from b %d", i)
		call(t, bc, send(alice.id, fmt.Sprintf("b%d", i), text))
		if err := expect(aliceOnA, text, 20*time.Second); err != nil {
			t.Fatalf("alice's device on node a, message %d sent on node b: %v", i, err)
		}
	}

	// Negative case: two nodes on the database with a bus each in memory.
	// Nothing tells bob's device on y of the message committed on x, so no
	// push comes (the device would learn of it only by syncing). A push can
	// never arrive here, so the bounded wait cannot pass by luck.
	t.Run("memory bus does not cross", func(t *testing.T) {
		ma, mb := cluster("memory")
		x, y := startNode(t, ma), startNode(t, mb)
		bobOnY := live(session(t, y, bob))
		call(t, session(t, x, alice), send(bob.id, "mem1", "over memory"))
		if err := expect(bobOnY, "over memory", time.Second); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("waiting for a push across in-memory buses: got %v, want none (deadline exceeded)", err)
		}
	})
}
