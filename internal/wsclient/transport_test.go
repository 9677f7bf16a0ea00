package wsclient

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/coder/websocket"
	"google.golang.org/protobuf/proto"

	"hongyan/internal/gen/hongyanv1"
)

// The client answers the server's pings (a library server's Ping waits
// for the pong).
func TestTransportAnswersPing(t *testing.T) {
	t.Parallel()
	pinged := make(chan error, 1)
	fs := newFakeServer(t, func(sc *serverConn, f *hongyanv1.ClientFrame) {
		// Read on: Ping needs the server's reader to see the pong, so
		// answer from another goroutine.
		go func() {
			pinged <- sc.ws.Ping(context.Background())
			sc.send(pong(f.Id, 7))
		}()
	})
	c := dial(t, fs)
	head, err := c.Ping(t.Context(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := <-pinged; err != nil {
		t.Errorf("server's ping: %v", err)
	}
	if head != 7 {
		t.Errorf("head: got %d, want 7", head)
	}
}

// A message the server sends in fragments arrives whole.
func TestTransportFragments(t *testing.T) {
	t.Parallel()
	text := strings.Repeat("片", 40_000) // 120,000 bytes: 64-bit length fragments
	fs := newFakeServer(t, func(sc *serverConn, f *hongyanv1.ClientFrame) {
		data := mustMarshal(t, &hongyanv1.ServerFrame{Id: f.Id, Body: &hongyanv1.ServerFrame_Messages{Messages: &hongyanv1.MessageList{
			Messages: []*hongyanv1.Message{{Text: text}}}}})
		w, err := sc.ws.Writer(context.Background(), websocket.MessageBinary)
		if err != nil {
			t.Error(err)
			return
		}
		// Each Write is a frame of its own: one with a 64-bit length,
		// one with a 16-bit length, then short ones.
		for i := 0; len(data) > 0; i++ {
			n := min(len(data), []int{70_000, 1_000, 100}[min(i, 2)])
			if _, err := w.Write(data[:n]); err != nil {
				t.Error(err)
				return
			}
			data = data[n:]
		}
		w.Close()
	})
	c := dial(t, fs)
	r, err := c.Call(t.Context(), ping(0))
	if err != nil {
		t.Fatal(err)
	}
	if got := r.GetMessages().GetMessages()[0].GetText(); got != text {
		t.Errorf("text: got %d bytes, want %d", len(got), len(text))
	}
}

// A close frame from the server ends the connection with its status, and
// is answered.
func TestTransportServerCloseFrame(t *testing.T) {
	t.Parallel()
	closed := make(chan error, 1)
	fs := newFakeServer(t, func(sc *serverConn, f *hongyanv1.ClientFrame) {
		go func() { closed <- sc.ws.Close(websocket.StatusTryAgainLater, "sync again") }()
	})
	c := dial(t, fs)
	if _, err := c.Ping(t.Context(), 0); !errors.Is(err, ErrClosed) {
		t.Errorf("Ping answered by a close frame = %v, want ErrClosed", err)
	}
	<-c.Done()
	if err := c.Err(); err == nil || !strings.Contains(err.Error(), "1013 (StatusTryAgainLater)") || !strings.Contains(err.Error(), "sync again") {
		t.Errorf("Err: got %v, want the server's status 1013 and reason", err)
	}
	if err := <-closed; err != nil {
		t.Errorf("server's close handshake: %v (the client did not answer)", err)
	}
}

func mustMarshal(t *testing.T, f *hongyanv1.ServerFrame) []byte {
	t.Helper()
	data, err := proto.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// Go's done gets each response once, on the reader; when the connection
// ends, the calls still waiting get its failure, once each.
func TestGo(t *testing.T) {
	t.Parallel()
	fs := newFakeServer(t, func(sc *serverConn, f *hongyanv1.ClientFrame) {
		switch f.GetPing().GetCursor() {
		case 1:
			sc.send(pong(f.Id, 10))
		case 2:
			sc.send(&hongyanv1.ServerFrame{Id: f.Id, Error: &hongyanv1.Error{Code: "not_found", Message: "no"}})
		case 3:
			sc.ws.CloseNow() // the third call is never answered
		}
	})
	c := dial(t, fs)
	type result struct {
		head int64
		err  error
	}
	results := make(chan result, 10)
	for cursor := int64(1); cursor <= 3; cursor++ {
		err := c.Go(ping(cursor), func(f *hongyanv1.ServerFrame, err error) {
			results <- result{f.GetPong().GetHead(), err}
		})
		if err != nil {
			t.Fatalf("Go %d: %v", cursor, err)
		}
	}
	if r := <-results; r.err != nil || r.head != 10 {
		t.Errorf("first call: got head %d, err %v; want 10, nil", r.head, r.err)
	}
	if r := <-results; ErrorCode(r.err) != "not_found" {
		t.Errorf("second call: got err %v, want not_found", r.err)
	}
	if r := <-results; !errors.Is(r.err, ErrClosed) {
		t.Errorf("third call: got err %v, want ErrClosed", r.err)
	}
	<-c.Done()
	select {
	case r := <-results:
		t.Errorf("a call answered twice: %+v", r)
	default:
	}
	if err := c.Go(ping(4), func(*hongyanv1.ServerFrame, error) { t.Error("done called for a call Go refused") }); !errors.Is(err, ErrClosed) {
		t.Errorf("Go after the connection ended: got %v, want ErrClosed", err)
	}
}
