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

// A message to many users crosses NATS once, on the fan-out subject, and
// each node gives its own subscribers exactly the events they would have
// had one by one; a malformed fan-out is dropped and counted.
func TestFanout(t *testing.T) {
	url := startServer(t)
	a, b := open(t, url), open(t, url)
	raw, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	perUser, fanouts := make(chan string, 16), make(chan int, 4)
	if _, err := raw.Subscribe("hy.user.>", func(m *nats.Msg) { perUser <- m.Subject }); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Subscribe(natsbus.FanoutSubject, func(m *nats.Msg) { fanouts <- len(m.Data) }); err != nil {
		t.Fatal(err)
	}
	raw.Flush()

	msg := []byte("the group message, encoded once")
	var changes []hongyan.Change
	for u := hongyan.UserID(1); u <= 5; u++ {
		changes = append(changes, hongyan.Change{User: u, Seq: int64(u), Kind: hongyan.ChangeMessage, Conversation: 42, Ref: 7, Data: msg})
	}
	got := make(chan []byte, 16)
	for _, u := range []hongyan.UserID{1, 3} {
		sub, err := b.Subscribe(hongyan.UserSubject(u), func(d []byte) { got <- d })
		if err != nil {
			t.Fatal(err)
		}
		defer sub.Unsubscribe()
	}
	if err := (hongyan.Publisher{Bus: a}).PublishChanges(context.Background(), changes); err != nil {
		t.Fatal(err)
	}
	want := map[hongyan.UserID][]byte{}
	for _, c := range changes {
		want[c.User] = hongyan.AppendEvent(nil, hongyan.Event{Kind: hongyan.EventChanges, Changes: []hongyan.Change{c}})
	}
	seen := map[hongyan.UserID]bool{}
	for range 2 {
		select {
		case d := <-got:
			e, err := hongyan.DecodeEvent(d)
			if err != nil || len(e.Changes) != 1 {
				t.Fatalf("delivered %x: %v", d, err)
			}
			u := e.Changes[0].User
			if string(d) != string(want[u]) || seen[u] {
				t.Errorf("user %d: got %x (seen before: %v), want %x", u, d, seen[u], want[u])
			}
			seen[u] = true
		case <-time.After(10 * time.Second):
			t.Fatal("fan-out not delivered")
		}
	}
	if !seen[1] || !seen[3] {
		t.Errorf("delivered to %v, want users 1 and 3", seen)
	}
	select {
	case n := <-fanouts:
		if n >= 2*len(msg) {
			t.Errorf("fan-out of %d bytes carries the message more than once (%d bytes)", n, len(msg))
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no message on the fan-out subject")
	}
	raw.Flush()
	select {
	case s := <-perUser:
		t.Errorf("a per-user message on %s, want none", s)
	default:
	}

	// Malformed: data whose length runs past the end.
	before := b.Dropped()
	if err := raw.Publish(natsbus.FanoutSubject, []byte{natsbus.Version, 1, 2, 4, 200, 'y'}); err != nil {
		t.Fatal(err)
	}
	raw.Flush()
	// A well-formed message on a user subject after it shows the
	// dispatcher went past the malformed one.
	if err := a.Publish(context.Background(), hongyan.UserSubject(3), []byte("after")); err != nil {
		t.Fatal(err)
	}
	select {
	case d := <-got:
		if string(d) != "after" {
			t.Fatalf("got %q, want %q", d, "after")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("bus stopped after a malformed fan-out")
	}
	if d := b.Dropped() - before; d != 1 {
		t.Errorf("Dropped after a malformed fan-out: got %d more, want 1", d)
	}
}
