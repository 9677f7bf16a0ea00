package gateway

import (
	"context"
	"encoding/binary"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"hongyan/internal/gateway/ws"
	pb "hongyan/internal/gen/hongyanv1"
)

// A draining gateway admits no connection, lets a connection finish the
// request it has in hand — the answer is written before the close — and
// then closes it with 1001; Drain returns once every connection is gone.
func TestDrain(t *testing.T) {
	g := New(Services{}, Options{WriteTimeout: time.Second})
	srv := httptest.NewServer(g)
	t.Cleanup(func() { g.Close(); srv.Close() })
	busy, idle := dialRaw(t, srv), dialRaw(t, srv)
	ping, _ := proto.Marshal(&pb.ClientFrame{Id: 1, Req: &pb.ClientFrame_Ping{Ping: &pb.Ping{}}})
	for _, w := range []*rawWS{busy, idle} {
		w.frame(true, ws.OpBinary, ping)
		w.response()
	}
	// One connection has a request in hand (as a handler would hold it).
	g.mu.Lock()
	var held *conn
	for c := range g.live {
		held = c
		break
	}
	g.mu.Unlock()
	held.begin()
	var w, other *rawWS
	// Which raw client is the held connection's peer?
	for _, r := range []*rawWS{busy, idle} {
		if r.nc.LocalAddr().String() == held.nc.RemoteAddr().String() {
			w = r
		} else {
			other = r
		}
	}

	drained := make(chan error, 1)
	go func() { drained <- g.Drain(context.Background()) }()

	// The idle connection is closed at once, with 1001 and the reason.
	if op, p := other.read(); op != ws.OpClose || len(p) < 2 || binary.BigEndian.Uint16(p) != 1001 || string(p[2:]) != drainReason {
		t.Fatalf("idle connection: got opcode %d %q, want close 1001 %q", op, p, drainReason)
	}
	other.frame(true, ws.OpClose, binary.BigEndian.AppendUint16(nil, 1001))
	// No new connection while draining.
	if status, _, _ := upgradeStatus(t, srv); status != http.StatusServiceUnavailable {
		t.Errorf("connecting while draining: got %d, want %d", status, http.StatusServiceUnavailable)
	}
	// The request in hand is answered, then the connection closes.
	answer, _ := proto.Marshal(&pb.ServerFrame{Id: 7, Body: &pb.ServerFrame_Pong{Pong: &pb.Pong{}}})
	held.queue(outFrame{b: answer})
	held.end()
	if op, p := w.read(); op != ws.OpBinary {
		t.Fatalf("held connection: got opcode %d %q first, want the answer to its request", op, p)
	} else if f := new(pb.ServerFrame); proto.Unmarshal(p, f) != nil || f.Id != 7 {
		t.Fatalf("held connection: got %v, want the answer with id 7", f)
	}
	if op, p := w.read(); op != ws.OpClose || binary.BigEndian.Uint16(p) != 1001 {
		t.Fatalf("held connection after its answer: got opcode %d %q, want close 1001", op, p)
	}
	w.frame(true, ws.OpClose, binary.BigEndian.AppendUint16(nil, 1001))
	select {
	case err := <-drained:
		if err != nil {
			t.Fatalf("Drain: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("Drain still waiting with %d connections", g.Conns())
	}
	if n := g.Conns(); n != 0 {
		t.Errorf("after Drain: %d connections, want 0", n)
	}
}
