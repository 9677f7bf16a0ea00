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

	"google.golang.org/protobuf/proto"

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
func (w *rawWS) frame(fin bool, op byte, payload []byte) {
	b0 := op
	if fin {
		b0 |= 0x80
	}
	key := [4]byte{1, 2, 3, 4}
	b := []byte{b0}
	switch n := len(payload); {
	case n <= 125:
		b = append(b, 0x80|byte(n))
	case n <= 0xffff:
		b = binary.BigEndian.AppendUint16(append(b, 0x80|126), uint16(n))
	default:
		b = binary.BigEndian.AppendUint64(append(b, 0x80|127), uint64(n))
	}
	b = append(b, key[:]...)
	for i, c := range payload {
		b = append(b, c^key[i&3])
	}
	if _, err := w.nc.Write(b); err != nil {
		w.t.Fatalf("write frame: %v", err)
	}
}

// read reads one frame from the server (which never masks).
func (w *rawWS) read() (op byte, payload []byte) {
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
	return h[0] & 0x0f, payload
}

func (w *rawWS) response() *pb.ServerFrame {
	w.t.Helper()
	op, p := w.read()
	if op != opBinary {
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
	w.frame(false, opBinary, ping[:1])
	w.frame(true, opPing, []byte("hi"))
	w.frame(false, opContinuation, ping[1:2])
	w.frame(true, opContinuation, ping[2:])
	if op, p := w.read(); op != opPong || string(p) != "hi" {
		t.Fatalf("after ping: got opcode %d %q, want pong \"hi\"", op, p)
	}
	if f := w.response(); f.Id != 9 || f.GetPong() == nil {
		t.Fatalf("fragmented ping request: got %v, want pong 9", f)
	}
	// Text frames are refused, and the connection goes on.
	w.frame(true, opText, []byte("{}"))
	if f := w.response(); f.GetError().GetCode() != "invalid_argument" {
		t.Fatalf("text frame: got %v, want invalid_argument", f)
	}
	// The client closes: the server answers with the same status and
	// closes the connection.
	w.frame(true, opClose, binary.BigEndian.AppendUint16(nil, 1000))
	if op, p := w.read(); op != opClose || binary.BigEndian.Uint16(p) != 1000 {
		t.Fatalf("close: got opcode %d %v, want close 1000", op, p)
	}
	if _, err := w.br.ReadByte(); err != io.EOF {
		t.Fatalf("after close: read %v, want EOF", err)
	}
}

func TestFrameTooLarge(t *testing.T) {
	w := dialRaw(t, testServer(t))
	w.frame(false, opBinary, make([]byte, 600))
	w.frame(true, opContinuation, make([]byte, 600)) // 1,200 bytes > 1 KiB
	if op, p := w.read(); op != opClose || binary.BigEndian.Uint16(p) != 1009 {
		t.Fatalf("oversized message: got opcode %d %v, want close 1009", op, p)
	}
	w.frame(true, opClose, binary.BigEndian.AppendUint16(nil, 1009))
	if _, err := w.br.ReadByte(); err != io.EOF {
		t.Fatalf("after close: read %v, want EOF", err)
	}
}

func TestBadFramesClose(t *testing.T) {
	for name, send := range map[string]func(w *rawWS){
		"unmasked": func(w *rawWS) { w.nc.Write([]byte{0x82, 0x01, 0x00}) },
		"rsv bits": func(w *rawWS) { w.nc.Write([]byte{0xc2, 0x80, 0, 0, 0, 0}) },
		"long control": func(w *rawWS) {
			w.frame(true, opPing, make([]byte, 200))
		},
		"continuation first": func(w *rawWS) { w.frame(true, opContinuation, []byte{1}) },
		"unknown opcode":     func(w *rawWS) { w.frame(true, 0x3, nil) },
	} {
		t.Run(name, func(t *testing.T) {
			w := dialRaw(t, testServer(t))
			send(w)
			if op, p := w.read(); op != opClose || binary.BigEndian.Uint16(p) != 1002 {
				t.Fatalf("got opcode %d %v, want close 1002", op, p)
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
	w.frame(true, opBinary, ping)
	w.response()
	g.Close()
	if op, p := w.read(); op != opClose || binary.BigEndian.Uint16(p) != 1001 {
		t.Fatalf("gateway closed: got opcode %d %v, want close 1001", op, p)
	}
	w.frame(true, opClose, binary.BigEndian.AppendUint16(nil, 1001))
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
