package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"

	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/postgres/pgtest"
	"hongyan/internal/testenv"
	"hongyan/internal/wsclient"
)

// cluster is three hongyan processes on one PostgreSQL schema and one
// NATS, behind HAProxy configured by deploy/haproxy.cfg.
type cluster struct {
	nodes []*server
	lb    string // host:port of the load balancer
}

func startCluster(t *testing.T) *cluster {
	t.Helper()
	if os.Getenv(pgtest.EnvDSN) == "" {
		// As every PostgreSQL test: run where a database is named (CI's
		// PostgreSQL step names one).
		t.Skipf("a cluster needs PostgreSQL: set %s", pgtest.EnvDSN)
	}
	haproxy, err := exec.LookPath("haproxy")
	if err != nil {
		testenv.Missing(t, "haproxy is not installed (apt-get install haproxy)")
		return nil
	}
	ns, err := natsserver.NewServer(&natsserver.Options{Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats not ready")
	}
	t.Cleanup(ns.Shutdown)
	dsn := pgtest.DSN(t)
	c := &cluster{}
	env := []string{"HONGYAN_STORAGE_DRIVER=postgres", "HONGYAN_STORAGE_POSTGRES=" + dsn, "HONGYAN_BUS=" + ns.ClientURL(),
		"HONGYAN_GATEWAY_DRAIN_TIMEOUT=5s"}
	data := t.TempDir() // media shared by the nodes
	for range 3 {
		c.nodes = append(c.nodes, startServerEnv(t, data, "127.0.0.1:0", append(env, "HONGYAN_ADMIN_LISTEN="+freeAddr(t))))
	}
	c.lb = freeAddr(t)
	cmd := exec.Command(haproxy, "-f", "../deploy/haproxy.cfg")
	cmd.Env = append(os.Environ(), "LB_LISTEN="+c.lb, "LB_STATS="+freeAddr(t),
		"LB_NODE1="+c.nodes[0].addr, "LB_NODE2="+c.nodes[1].addr, "LB_NODE3="+c.nodes[2].addr)
	out := new(strings.Builder)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	deadline := time.Now().Add(30 * time.Second)
	for !ready("http://" + c.lb) {
		if time.Now().After(deadline) {
			t.Fatalf("haproxy did not serve /readyz:\n%s", out)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return c
}

// Three nodes behind HAProxy: users on whichever node the balancer picks
// get each other's messages as live pushes; when the node a device is on
// is killed, the device connects again through the balancer, to another
// node, within 15 s, and loses nothing; a node stopped with SIGTERM
// drains and its clients move the same way.
func TestClusterBehindHAProxy(t *testing.T) {
	c := startCluster(t)
	if c == nil {
		return
	}
	lb := &server{t: t, addr: c.lb}
	ann, ben := register(t, lb, "lb_ann01"), register(t, lb, "lb_ben01")
	befriend(t, lb, ann, ben)

	ctx := context.Background()
	sent := 0
	for round, victim := range []string{"SIGKILL", "SIGTERM"} {
		bc, err := connect(ctx, lb, ben)
		if err != nil {
			t.Fatal(err)
		}
		s := wsclient.NewSyncer(bc, 0)
		s.Heartbeat = -1 // pushes only
		for !s.Live() {
			if _, err := s.Next(ctx); err != nil {
				t.Fatal(err)
			}
		}
		// Live pushes through the balancer, from whichever node ann's
		// sends land on.
		for i := range 5 {
			sent++
			text := fmt.Sprintf("m%d", sent)
			call(t, lb, ann, &pb.ClientFrame{Req: &pb.ClientFrame_Send{Send: &pb.SendRequest{Peer: ben.user, ClientId: text, Text: text}}})
			if err := waitText(s, text, 20*time.Second); err != nil {
				t.Fatalf("round %d, push %d: %v", round, i, err)
			}
		}
		// Find the node ben's device is on and take it down.
		node := c.nodeWithConnection(t)
		start := time.Now()
		if victim == "SIGKILL" {
			node.kill()
		} else {
			node.stop()
		}
		select {
		case <-bc.Done():
		case <-time.After(15 * time.Second):
			t.Fatalf("%s: the device's connection did not end", victim)
		}
		// The client connects again through the balancer.
		var bc2 *wsclient.Conn
		for {
			bc2, err = connect(ctx, lb, ben)
			if err == nil {
				break
			}
			if time.Since(start) > 15*time.Second {
				t.Fatalf("%s: no node took the device within 15 s: %v", victim, err)
			}
			time.Sleep(100 * time.Millisecond) // a client's reconnect backoff
		}
		t.Logf("%s: the device was back on another node %v after the kill", victim, time.Since(start).Round(time.Millisecond))
		bc2.Close()
		bc.Close()
		*node = *node.restart()
	}
	// Nothing lost, nothing doubled, in order.
	got := history(t, lb, ben)
	if len(got) != sent {
		t.Fatalf("history: got %d messages, want %d", len(got), sent)
	}
	for i, m := range got {
		if want := fmt.Sprintf("m%d", i+1); m.GetText() != want {
			t.Fatalf("history[%d]: got %q, want %q", i, m.GetText(), want)
		}
	}
}

// nodeWithConnection returns the node that holds the one open client
// connection (each node's gauge on its admin listener).
func (c *cluster) nodeWithConnection(t *testing.T) *server {
	t.Helper()
	// The connections of earlier one-off calls close asynchronously: wait
	// until the device's is the only one left, so that the node found is
	// the device's and not one still closing a call's.
	deadline := time.Now().Add(10 * time.Second)
	for {
		var holder *server
		total := 0
		for _, n := range c.nodes {
			if k := n.connections(t); k > 0 {
				holder, total = n, total+k
			}
		}
		if total == 1 {
			return holder
		}
		if time.Now().After(deadline) {
			t.Fatalf("connections on the nodes: %d, want the device's alone", total)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func waitText(s *wsclient.Syncer, text string, within time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	for {
		changes, err := s.Next(ctx)
		if err != nil {
			return err
		}
		for _, ch := range changes {
			if ch.GetMessage().GetText() == text {
				return nil
			}
		}
	}
}
