package gateway

import (
	"bufio"
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"hongyan/internal/gateway/ws"
)

// upgradeStatus tries to open a WebSocket connection and returns the
// HTTP status of the answer, with the connection when it was upgraded.
func upgradeStatus(t *testing.T, srv *httptest.Server) (int, net.Conn, *bufio.Reader) {
	t.Helper()
	nc, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(nc, "GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"+
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
	br := bufio.NewReader(nc)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, nc, br
}

// A connection that does not say hello in time is closed with 1008.
func TestHelloTimeout(t *testing.T) {
	g := New(Services{}, Options{HelloTimeout: 100 * time.Millisecond, WriteTimeout: time.Second})
	srv := httptest.NewServer(g)
	t.Cleanup(func() { g.Close(); srv.Close() })
	w := dialRaw(t, srv)
	start := time.Now()
	op, p := w.read() // the test's own read deadline is 10 s
	if op != ws.OpClose || len(p) < 2 || binary.BigEndian.Uint16(p) != 1008 {
		t.Fatalf("silent connection: got opcode %d %q, want close 1008", op, p)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("closed after %v, want about the hello timeout", d)
	}
	// A client that keeps talking without saying hello is closed all the
	// same: the deadline is from the connection's start.
	w = dialRaw(t, srv)
	for {
		w.frame(true, ws.OpPing, []byte("still here"))
		op, p := w.read()
		if op == ws.OpPong {
			continue
		}
		if op != ws.OpClose || len(p) < 2 || binary.BigEndian.Uint16(p) != 1008 {
			t.Fatalf("chatty connection: got opcode %d %q, want close 1008", op, p)
		}
		break
	}
	deadline := time.Now().Add(5 * time.Second)
	for g.Conns() != 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if n := g.Conns(); n != 0 {
		t.Errorf("after the hello timeouts: %d connections, want 0", n)
	}
}

// Connections from one address are bounded, and the bound frees up as
// they close.
func TestConnsPerAddress(t *testing.T) {
	g := New(Services{}, Options{MaxConnsPerAddress: 3, WriteTimeout: time.Second})
	srv := httptest.NewServer(g)
	t.Cleanup(func() { g.Close(); srv.Close() })
	var open []net.Conn
	for i := range 3 {
		status, nc, _ := upgradeStatus(t, srv)
		if status != http.StatusSwitchingProtocols {
			t.Fatalf("connection %d: got status %d, want 101", i+1, status)
		}
		open = append(open, nc)
	}
	if status, _, _ := upgradeStatus(t, srv); status != http.StatusTooManyRequests {
		t.Fatalf("4th connection from the address: got status %d, want 429", status)
	}
	// A connection is counted against its address before the upgrade is
	// answered, and among the open ones just after: wait for all three
	// before closing one, or two could be seen before the third is.
	deadline := time.Now().Add(5 * time.Second)
	for g.Conns() != 3 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	open[0].Close()
	for g.Conns() != 2 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if status, _, _ := upgradeStatus(t, srv); status != http.StatusSwitchingProtocols {
		t.Fatalf("after one closed: got status %d, want 101", status)
	}
}

// Connections that have not said hello are bounded across the node.
func TestUnauthenticatedConns(t *testing.T) {
	g := New(Services{}, Options{MaxUnauthenticatedConns: 2, WriteTimeout: time.Second})
	srv := httptest.NewServer(g)
	t.Cleanup(func() { g.Close(); srv.Close() })
	for i := range 2 {
		if status, _, _ := upgradeStatus(t, srv); status != http.StatusSwitchingProtocols {
			t.Fatalf("connection %d: got status %d, want 101", i+1, status)
		}
	}
	if status, _, _ := upgradeStatus(t, srv); status != http.StatusServiceUnavailable {
		t.Fatalf("3rd unauthenticated connection: got status %d, want 503", status)
	}
}
