package natsbus_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"os"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"hongyan/internal/bustest"
	"hongyan/internal/hongyan"
	"hongyan/internal/natsbus"
)

// startServer runs a NATS server inside the test process on a free port.
func startServer(t *testing.T) string {
	t.Helper()
	return runServer(t, &server.Options{Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true}).ClientURL()
}

func open(t *testing.T, url string) *natsbus.Bus {
	t.Helper()
	b, err := natsbus.Open(url, natsbus.Options{Name: t.Name()})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// prefixed keeps runs that share one NATS server apart.
type prefixed struct {
	hongyan.Bus
	p string
}

func (b prefixed) Publish(ctx context.Context, subject string, data []byte) error {
	return b.Bus.Publish(ctx, b.p+subject, data)
}

func (b prefixed) Subscribe(subject string, fn func([]byte)) (hongyan.Subscription, error) {
	return b.Bus.Subscribe(b.p+subject, fn)
}

func prefix(t *testing.T) string {
	var r [6]byte
	rand.Read(r[:])
	return "t" + hex.EncodeToString(r[:]) + "."
}

func suites(t *testing.T, url string) {
	bustest.Run(t, func(t *testing.T) hongyan.Bus {
		return prefixed{open(t, url), prefix(t)}
	})
	bustest.RunPair(t, func(t *testing.T) (hongyan.Bus, hongyan.Bus) {
		p := prefix(t)
		return prefixed{open(t, url), p}, prefixed{open(t, url), p}
	})
}

func TestConformance(t *testing.T) {
	suites(t, startServer(t))
}

// The NATS server of the machine, when one is named (CI names the one it
// runs): the same suite against a server in its own process.
func TestConformanceExternal(t *testing.T) {
	url := os.Getenv("HONGYAN_TEST_NATS")
	if url == "" {
		// As the PostgreSQL suites: run where a server is named (CI's NATS
		// step names the machine's).
		t.Skip("HONGYAN_TEST_NATS is not set (e.g. nats://127.0.0.1:4222)")
	}
	suites(t, url)
}

// A payload of a version this build does not read is dropped and counted,
// and the messages after it still arrive.
func TestUnknownVersionDropped(t *testing.T) {
	url := startServer(t)
	b := open(t, url)
	got := make(chan string, 4)
	sub, err := b.Subscribe("hy.test.version", func(d []byte) { got <- string(d) })
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	raw, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, m := range [][]byte{{natsbus.Version + 1, 'x'}, {}, {natsbus.Version, 'o', 'k'}} {
		if err := raw.Publish("hy.test.version", m); err != nil {
			t.Fatal(err)
		}
	}
	raw.Flush()
	select {
	case g := <-got:
		if g != "ok" {
			t.Fatalf("first delivered: got %q, want %q (the others dropped)", g, "ok")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("nothing delivered")
	}
	if d := b.Dropped(); d != 2 {
		t.Errorf("Dropped: got %d, want 2", d)
	}
}

// A node that loses its NATS server keeps its subscriptions and gets
// messages again once a server is back at the same address.
func TestSurvivesServerRestart(t *testing.T) {
	opts := &server.Options{Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true}
	s := runServer(t, opts)
	url := s.ClientURL()
	port := s.Addr().(*net.TCPAddr).Port
	a, b := open(t, url), open(t, url)
	got := make(chan string, 64)
	sub, err := b.Subscribe("hy.test.restart", func(d []byte) { got <- string(d) })
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	s.Shutdown()
	s.WaitForShutdown()

	again := *opts
	again.Port = port
	runServer(t, &again)
	// Core NATS is at most once: a message sent before b's subscription
	// is restored is lost, so publish until one arrives.
	deadline := time.After(20 * time.Second)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case g := <-got:
			if g != "back" {
				t.Fatalf("got %q, want %q", g, "back")
			}
			if !a.Connected() || !b.Connected() {
				t.Errorf("Connected after delivery: a %v b %v, want both", a.Connected(), b.Connected())
			}
			return
		case <-tick.C:
			a.Publish(context.Background(), "hy.test.restart", []byte("back"))
		case <-deadline:
			t.Fatal("no message after the server came back")
		}
	}
}

func runServer(t *testing.T, opts *server.Options) *server.Server {
	t.Helper()
	s, err := server.NewServer(opts)
	if err != nil {
		t.Fatalf("nats server: %v", err)
	}
	s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats server not ready")
	}
	t.Cleanup(s.Shutdown)
	return s
}
