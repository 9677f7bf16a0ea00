package gateway

import (
	"bufio"
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"hongyan/internal/gateway/ws"
	pb "hongyan/internal/gen/hongyanv1"
)

// rawWS is a hand-driven WebSocket client, for frames a library would not
// send (fragments, bad headers).
type rawWS struct {
	t  *testing.T
	nc net.Conn
	br *bufio.Reader
}

func dialRaw(t *testing.T, srv *httptest.Server) *rawWS {
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
	if resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get("Sec-WebSocket-Accept") != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" {
		t.Fatalf("handshake: got %v %v", resp.Status, resp.Header)
	}
	return &rawWS{t: t, nc: nc, br: br}
}

// frame writes one masked frame.
func (w *rawWS) frame(fin bool, op ws.Opcode, payload []byte) {
	if _, err := w.nc.Write(ws.AppendClientFrame(nil, fin, op, [4]byte{1, 2, 3, 4}, payload)); err != nil {
		w.t.Fatalf("write frame: %v", err)
	}
}

// read reads one frame from the server (which never masks).
func (w *rawWS) read() (op ws.Opcode, payload []byte) {
	w.t.Helper()
	var h [2]byte
	if _, err := io.ReadFull(w.br, h[:]); err != nil {
		w.t.Fatalf("read frame: %v", err)
	}
	n := int(h[1] & 0x7f)
	switch n {
	case 126:
		var l [2]byte
		io.ReadFull(w.br, l[:])
		n = int(binary.BigEndian.Uint16(l[:]))
	case 127:
		var l [8]byte
		io.ReadFull(w.br, l[:])
		n = int(binary.BigEndian.Uint64(l[:]))
	}
	payload = make([]byte, n)
	if _, err := io.ReadFull(w.br, payload); err != nil {
		w.t.Fatalf("read payload: %v", err)
	}
	return ws.Opcode(h[0] & 0x0f), payload
}

func (w *rawWS) response() *pb.ServerFrame {
	w.t.Helper()
	op, p := w.read()
	if op != ws.OpBinary {
		w.t.Fatalf("got opcode %d, want binary", op)
	}
	var f pb.ServerFrame
	if err := proto.Unmarshal(p, &f); err != nil {
		w.t.Fatal(err)
	}
	return &f
}

func testServer(t *testing.T) *httptest.Server {
	g := New(Services{}, Options{MaxFrameBytes: 1 << 10, WriteTimeout: time.Second})
	srv := httptest.NewServer(g)
	t.Cleanup(func() { g.Close(); srv.Close() })
	return srv
}

func TestFramesFragmentsAndControl(t *testing.T) {
	w := dialRaw(t, testServer(t))
	ping, _ := proto.Marshal(&pb.ClientFrame{Id: 9, Req: &pb.ClientFrame_Ping{Ping: &pb.Ping{}}})
	// A request in three fragments, with a ping between them.
	w.frame(false, ws.OpBinary, ping[:1])
	w.frame(true, ws.OpPing, []byte("hi"))
	w.frame(false, ws.OpContinuation, ping[1:2])
	w.frame(true, ws.OpContinuation, ping[2:])
	if op, p := w.read(); op != ws.OpPong || string(p) != "hi" {
		t.Fatalf("after ping: got opcode %d %q, want pong \"hi\"", op, p)
	}
	if f := w.response(); f.Id != 9 || f.GetPong() == nil {
		t.Fatalf("fragmented ping request: got %v, want pong 9", f)
	}
	// Text frames are refused, and the connection goes on.
	w.frame(true, ws.OpText, []byte("{}"))
	if f := w.response(); f.GetError().GetCode() != "invalid_argument" {
		t.Fatalf("text frame: got %v, want invalid_argument", f)
	}
	// The client closes: the server answers with the same status and
	// closes the connection.
	w.frame(true, ws.OpClose, binary.BigEndian.AppendUint16(nil, 1000))
	if op, p := w.read(); op != ws.OpClose || binary.BigEndian.Uint16(p) != 1000 {
		t.Fatalf("close: got opcode %d %v, want close 1000", op, p)
	}
	if _, err := w.br.ReadByte(); err != io.EOF {
		t.Fatalf("after close: read %v, want EOF", err)
	}
}

func TestFrameTooLarge(t *testing.T) {
	w := dialRaw(t, testServer(t))
	w.frame(false, ws.OpBinary, make([]byte, 600))
	w.frame(true, ws.OpContinuation, make([]byte, 600)) // 1,200 bytes > 1 KiB
	if op, p := w.read(); op != ws.OpClose || binary.BigEndian.Uint16(p) != 1009 {
		t.Fatalf("oversized message: got opcode %d %v, want close 1009", op, p)
	}
	w.frame(true, ws.OpClose, binary.BigEndian.AppendUint16(nil, 1009))
	if _, err := w.br.ReadByte(); err != io.EOF {
		t.Fatalf("after close: read %v, want EOF", err)
	}
}

func TestBadFramesClose(t *testing.T) {
	closeFrame := func(code uint16, reason string) []byte {
		return append(binary.BigEndian.AppendUint16(nil, code), reason...)
	}
	for _, tt := range []struct {
		name string
		send func(w *rawWS)
		want uint16
	}{
		{"unmasked", func(w *rawWS) { w.nc.Write([]byte{0x82, 0x01, 0x00}) }, 1002},
		{"rsv bits", func(w *rawWS) { w.nc.Write([]byte{0xc2, 0x80, 0, 0, 0, 0}) }, 1002},
		{"long control", func(w *rawWS) { w.frame(true, ws.OpPing, make([]byte, 200)) }, 1002},
		{"fragmented control", func(w *rawWS) { w.frame(false, ws.OpPing, []byte("a")) }, 1002},
		{"continuation first", func(w *rawWS) { w.frame(true, ws.OpContinuation, []byte{1}) }, 1002},
		{"unknown opcode", func(w *rawWS) { w.frame(true, 0x3, nil) }, 1002},
		{"text not UTF-8", func(w *rawWS) { w.frame(true, ws.OpText, []byte{0xc3, 0x28}) }, 1007},
		{"close status 1005", func(w *rawWS) { w.frame(true, ws.OpClose, closeFrame(1005, "")) }, 1002},
		{"close status 999", func(w *rawWS) { w.frame(true, ws.OpClose, closeFrame(999, "")) }, 1002},
		{"close with 1 byte", func(w *rawWS) { w.frame(true, ws.OpClose, []byte{3}) }, 1002},
		{"close reason not UTF-8", func(w *rawWS) { w.frame(true, ws.OpClose, closeFrame(1000, "\xff")) }, 1007},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := dialRaw(t, testServer(t))
			tt.send(w)
			if op, p := w.read(); op != ws.OpClose || len(p) < 2 || binary.BigEndian.Uint16(p) != tt.want {
				t.Fatalf("got opcode %d %v, want close %d", op, p, tt.want)
			}
		})
	}
}

func TestGoingAwayOnClose(t *testing.T) {
	g := New(Services{}, Options{})
	srv := httptest.NewServer(g)
	defer srv.Close()
	w := dialRaw(t, srv)
	ping, _ := proto.Marshal(&pb.ClientFrame{Id: 1, Req: &pb.ClientFrame_Ping{Ping: &pb.Ping{}}})
	w.frame(true, ws.OpBinary, ping)
	w.response()
	g.Close()
	if op, p := w.read(); op != ws.OpClose || binary.BigEndian.Uint16(p) != 1001 {
		t.Fatalf("gateway closed: got opcode %d %v, want close 1001", op, p)
	}
	w.frame(true, ws.OpClose, binary.BigEndian.AppendUint16(nil, 1001))
	if _, err := w.br.ReadByte(); err != io.EOF {
		t.Fatalf("after close: read %v, want EOF", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for g.Conns() != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := g.Conns(); n != 0 {
		t.Errorf("after the close handshake: %d connections, want 0", n)
	}
}

// Before hello a connection may send only small messages: a frame over
// MaxUnauthenticatedBytes closes it with 1009, although it is well within
// the limit of a signed-in connection.
func TestUnauthenticatedLimit(t *testing.T) {
	g := New(Services{}, Options{MaxFrameBytes: 1 << 20, MaxUnauthenticatedBytes: 1 << 10, WriteTimeout: time.Second})
	srv := httptest.NewServer(g)
	t.Cleanup(func() { g.Close(); srv.Close() })
	w := dialRaw(t, srv)
	w.frame(true, ws.OpBinary, make([]byte, 2<<10))
	if op, p := w.read(); op != ws.OpClose || len(p) < 2 || binary.BigEndian.Uint16(p) != 1009 {
		t.Fatalf("a 2 KiB frame before hello: got opcode %d %v, want close 1009", op, p)
	}
}

// The bytes of messages being received are bounded across the node: a
// connection whose message would take the node past MaxBufferedBytes is
// closed with 1013, and the bytes of a connection that ends come back.
func TestNodeBufferBudget(t *testing.T) {
	g := New(Services{}, Options{MaxFrameBytes: 64 << 10, MaxUnauthenticatedBytes: 64 << 10, MaxBufferedBytes: 10 << 10, WriteTimeout: time.Second})
	srv := httptest.NewServer(g)
	t.Cleanup(func() { g.Close(); srv.Close() })
	waitUsed := func(want int64) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for g.budget.Used() != want && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		if got := g.budget.Used(); got != want {
			t.Fatalf("node buffer: got %d bytes, want %d", got, want)
		}
	}
	// A declares a 32 KiB message and sends 6 KiB of it: the node holds
	// 8 KiB for it (4 KiB, then doubled as the bytes came).
	a := dialRaw(t, srv)
	part := ws.AppendClientFrame(nil, true, ws.OpBinary, [4]byte{1, 2, 3, 4}, make([]byte, 32<<10))
	a.nc.Write(part[:14+6<<10])
	waitUsed(8 << 10)
	// B's message needs 4 KiB more than the node has left.
	b := dialRaw(t, srv)
	b.frame(true, ws.OpBinary, make([]byte, 5<<10))
	if op, p := b.read(); op != ws.OpClose || len(p) < 2 || binary.BigEndian.Uint16(p) != 1013 {
		t.Fatalf("a message past the node's buffer: got opcode %d %v, want close 1013", op, p)
	}
	// A goes away: its bytes come back, and C's message is taken.
	a.nc.Close()
	waitUsed(0)
	c := dialRaw(t, srv)
	ping, _ := proto.Marshal(&pb.ClientFrame{Id: 3, Req: &pb.ClientFrame_Ping{Ping: &pb.Ping{}}})
	c.frame(true, ws.OpBinary, ping)
	if f := c.response(); f.Id != 3 || f.GetPong() == nil {
		t.Fatalf("after A left: got %v, want pong 3", f)
	}
	waitUsed(0)
}

// Before hello a connection may have only MaxUnauthenticatedBytes of
// requests waiting to be handled, far less than after it: past that the
// server stops reading it until the handler catches up. Small requests
// that are each allowed must not add up to more.
func TestUnauthenticatedQueueLimit(t *testing.T) {
	const limit = 1 << 10
	g := New(Services{}, Options{MaxFrameBytes: 1 << 20, MaxUnauthenticatedBytes: limit, WriteTimeout: time.Second})
	srv := httptest.NewServer(g)
	t.Cleanup(func() { g.Close(); srv.Close() })
	w := dialRaw(t, srv)
	// Every request begins by entering the gateway's list of requests in
	// hand: holding its lock holds the handler at its first request, so
	// that the rest wait in the connection's queue.
	g.reqs.mu.Lock()
	unlock := sync.OnceFunc(g.reqs.mu.Unlock)
	defer unlock()

	// 20 pings of about 200 bytes (an unknown field pads them), 4 KiB in
	// all: fewer than inQueue, and each well within the limit.
	const n = 20
	var frameBytes int
	for i := range n {
		f, _ := proto.Marshal(&pb.ClientFrame{Id: uint32(i + 1), Req: &pb.ClientFrame_Ping{Ping: &pb.Ping{}}})
		f = protowire.AppendTag(f, 9999, protowire.BytesType)
		f = protowire.AppendBytes(f, make([]byte, 190))
		frameBytes = len(f)
		w.frame(true, ws.OpBinary, f)
	}

	g.mu.Lock()
	var c *conn
	for lc := range g.live {
		c = lc
	}
	g.mu.Unlock()
	// Wait until the reader stops: because the queue is full, or because
	// it read every request (all but the one in hand are queued).
	var full bool
	var queued, bytes int
	deadline := time.Now().Add(10 * time.Second)
	for {
		c.mu.Lock()
		full, queued, bytes = c.full, len(c.in), int(c.inBytes)
		c.mu.Unlock()
		if full || queued >= n-1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if !full || bytes > limit+frameBytes {
		t.Fatalf("before hello, with the handler held: got %d requests (%d bytes) queued, reader waiting %v; want the reader to wait once %d bytes are queued", queued, bytes, full, limit)
	}

	// Once the handler goes on, the reader does too: every request is
	// answered, in order.
	unlock()
	for i := range n {
		if f := w.response(); f.Id != uint32(i+1) || f.GetPong() == nil {
			t.Fatalf("response %d: got %v, want pong %d", i+1, f, i+1)
		}
	}
}
