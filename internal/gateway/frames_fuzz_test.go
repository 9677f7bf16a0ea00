package gateway

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"hongyan/internal/gateway/ws"
	pb "hongyan/internal/gen/hongyanv1"
)

// maskedFrame encodes one client frame (masked, as clients must).
func maskedFrame(fin bool, op ws.Opcode, payload []byte) []byte {
	return ws.AppendClientFrame(nil, fin, op, [4]byte{9, 8, 7, 6}, payload)
}

// handshake opens a WebSocket connection to srv by hand.
func handshake(srv *httptest.Server) (net.Conn, *bufio.Reader, error) {
	nc, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		return nil, nil, err
	}
	nc.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(nc, "GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"+
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
	br := bufio.NewReader(nc)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		nc.Close()
		return nil, nil, err
	}
	resp.Body.Close()
	return nc, br, nil
}

// FuzzWebSocketStream sends arbitrary bytes as the WebSocket stream of a
// connection, then checks that the server still answers a ping on a new
// connection: no input may crash or wedge the frame reader.
func FuzzWebSocketStream(f *testing.F) {
	ping, _ := proto.Marshal(&pb.ClientFrame{Id: 7, Req: &pb.ClientFrame_Ping{Ping: &pb.Ping{}}})
	f.Add(maskedFrame(true, ws.OpBinary, ping))
	f.Add(append(maskedFrame(false, ws.OpBinary, ping[:2]), maskedFrame(true, ws.OpContinuation, ping[2:])...))
	f.Add(maskedFrame(true, ws.OpPing, []byte("hi")))
	f.Add(maskedFrame(true, ws.OpClose, []byte{3, 232}))
	f.Add(maskedFrame(true, ws.OpText, []byte("not protobuf")))
	f.Add([]byte{0x82, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4}) // a 2^63-byte frame
	f.Add([]byte{0x82, 0x7e, 0x04, 0x01})                                                 // unmasked, length 1025
	f.Add([]byte{0x8b, 0x80, 1, 2, 3, 4})                                                 // unknown control opcode
	f.Add([]byte{0x09, 0x80, 1, 2, 3, 4})                                                 // fragmented ping
	g := New(Services{}, Options{MaxFrameBytes: 1 << 10, WriteTimeout: time.Second})
	srv := httptest.NewServer(g)
	defer func() { g.Close(); srv.Close() }()
	f.Fuzz(func(t *testing.T, stream []byte) {
		nc, br, err := handshake(srv)
		if err != nil {
			t.Fatalf("handshake: %v", err)
		}
		nc.Write(stream)
		nc.(*net.TCPConn).CloseWrite() // the server reads the stream, then end of file
		nc.SetReadDeadline(time.Now().Add(2 * time.Second))
		io.Copy(io.Discard, br) // whatever the server answers, until it closes
		nc.Close()

		nc, br, err = handshake(srv)
		if err != nil {
			t.Fatalf("handshake after the stream: %v", err)
		}
		defer nc.Close()
		if _, err := nc.Write(maskedFrame(true, ws.OpBinary, ping)); err != nil {
			t.Fatal(err)
		}
		var h [2]byte
		if _, err := io.ReadFull(br, h[:]); err != nil {
			t.Fatalf("no answer to a ping after the stream %x: %v", stream, err)
		}
		p := make([]byte, h[1]&0x7f)
		if _, err := io.ReadFull(br, p); err != nil {
			t.Fatal(err)
		}
		var resp pb.ServerFrame
		if err := proto.Unmarshal(p, &resp); err != nil || resp.Id != 7 || resp.GetPong() == nil {
			t.Fatalf("answer to a ping: got %v, %v; want pong 7", &resp, err)
		}
	})
}
