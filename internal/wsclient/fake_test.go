package wsclient

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/coder/websocket"
	"google.golang.org/protobuf/proto"

	"hongyan/internal/gen/hongyanv1"
)

// serverConn is the server side of one connection to a fakeServer.
type serverConn struct {
	ws *websocket.Conn
}

// send writes f to the client. coder/websocket allows concurrent writes.
func (sc *serverConn) send(f *hongyanv1.ServerFrame) error {
	data, err := proto.Marshal(f)
	if err != nil {
		return err
	}
	return sc.ws.Write(context.Background(), websocket.MessageBinary, data)
}

// fakeServer is an in-test WebSocket server speaking the frame format. Each
// client frame is passed to handle on the connection's read goroutine.
type fakeServer struct {
	URL   string
	conns chan *serverConn // every accepted connection, in order
}

func newFakeServer(t *testing.T, handle func(sc *serverConn, f *hongyanv1.ClientFrame)) *fakeServer {
	t.Helper()
	fs := &fakeServer{conns: make(chan *serverConn, 16)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/ws" {
			http.NotFound(w, r)
			return
		}
		ws, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer ws.CloseNow()
		ws.SetReadLimit(4 << 20)
		sc := &serverConn{ws: ws}
		fs.conns <- sc
		for {
			_, data, err := ws.Read(r.Context())
			if err != nil {
				return
			}
			f := new(hongyanv1.ClientFrame)
			if err := proto.Unmarshal(data, f); err != nil {
				t.Errorf("server: bad client frame: %v", err)
				return
			}
			handle(sc, f)
		}
	}))
	t.Cleanup(srv.Close)
	fs.URL = srv.URL
	return fs
}

// dial connects to fs and closes the connection when the test ends.
func dial(t *testing.T, fs *fakeServer, opts ...Option) *Conn {
	t.Helper()
	c, err := Dial(context.Background(), fs.URL, opts...)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func ping(cursor int64) *hongyanv1.ClientFrame {
	return &hongyanv1.ClientFrame{Req: &hongyanv1.ClientFrame_Ping{Ping: &hongyanv1.Ping{Cursor: cursor}}}
}

func pong(id uint32, head int64) *hongyanv1.ServerFrame {
	return &hongyanv1.ServerFrame{Id: id, Body: &hongyanv1.ServerFrame_Pong{Pong: &hongyanv1.Pong{Head: head}}}
}

func changesPush(seqs ...int64) *hongyanv1.ServerFrame {
	r := &hongyanv1.SyncResponse{}
	for _, s := range seqs {
		r.Changes = append(r.Changes, textChange(s))
		r.Head = s
	}
	return &hongyanv1.ServerFrame{Body: &hongyanv1.ServerFrame_Changes{Changes: r}}
}

func textChange(seq int64) *hongyanv1.Change {
	return &hongyanv1.Change{Seq: seq, Item: &hongyanv1.Change_Message{Message: &hongyanv1.Message{Id: seq, Text: "m"}}}
}
