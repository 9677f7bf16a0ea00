package wsclient

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"hongyan/internal/gen/hongyanv1"
)

func TestWSURL(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{in: "http://127.0.0.1:8080", want: "ws://127.0.0.1:8080/ws"},
		{in: "http://127.0.0.1:8080/", want: "ws://127.0.0.1:8080/ws"},
		{in: "https://chat.example.com", want: "wss://chat.example.com/ws"},
		{in: "https://chat.example.com/hongyan/", want: "wss://chat.example.com/hongyan/ws"},
		{in: "ws://h:1/ws", want: "ws://h:1/ws"},
		{in: "wss://h/ws?x=1", want: "wss://h/ws"},
		{in: "ftp://h", wantErr: true},
		{in: "127.0.0.1:8080", wantErr: true},
		{in: "http://", wantErr: true},
	}
	for _, tt := range tests {
		got, err := WSURL(tt.in)
		if tt.wantErr {
			if err == nil {
				t.Errorf("WSURL(%q) = %q, want an error", tt.in, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("WSURL(%q) = %q, %v, want %q", tt.in, got, err, tt.want)
		}
	}
}

// TestCallConcurrent checks that responses find their callers when many
// calls are in flight and the server answers out of order.
func TestCallConcurrent(t *testing.T) {
	t.Parallel()
	fs := newFakeServer(t, func(sc *serverConn, f *hongyanv1.ClientFrame) {
		if f.Id == 0 {
			t.Errorf("request with id 0: %v", f)
		}
		// Answer each request from its own goroutine so that responses
		// overtake each other.
		go sc.send(pong(f.Id, f.GetPing().GetCursor()*2))
	})
	c := dial(t, fs)
	var wg sync.WaitGroup
	for i := int64(1); i <= 200; i++ {
		wg.Go(func() {
			head, err := c.Ping(t.Context(), i)
			if err != nil || head != 2*i {
				t.Errorf("Ping(%d) = %d, %v, want %d", i, head, err, 2*i)
			}
		})
	}
	wg.Wait()
}

func TestCallError(t *testing.T) {
	t.Parallel()
	fs := newFakeServer(t, func(sc *serverConn, f *hongyanv1.ClientFrame) {
		sc.send(&hongyanv1.ServerFrame{Id: f.Id, Error: &hongyanv1.Error{Code: "not_found", Message: "no such user"}})
	})
	c := dial(t, fs)
	_, err := c.Call(t.Context(), &hongyanv1.ClientFrame{Req: &hongyanv1.ClientFrame_Me{Me: &hongyanv1.Empty{}}})
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("Call error = %v (%T), want a *Error", err, err)
	}
	if got, want := *e, (Error{Code: "not_found", Message: "no such user"}); got != want {
		t.Errorf("Call error = %+v, want %+v", got, want)
	}
	if got, want := ErrorCode(err), "not_found"; got != want {
		t.Errorf("ErrorCode = %q, want %q", got, want)
	}
	if got, want := err.Error(), "not_found: no such user"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	// Convenience methods pass the server error through unchanged.
	_, err = c.Hello(t.Context(), "tok")
	if got, want := ErrorCode(err), "not_found"; got != want {
		t.Errorf("Hello: ErrorCode(%v) = %q, want %q", err, got, want)
	}
	if got := ErrorCode(errors.New("x")); got != "" {
		t.Errorf("ErrorCode(plain error) = %q, want empty", got)
	}
}

func TestCallMissingBody(t *testing.T) {
	t.Parallel()
	fs := newFakeServer(t, func(sc *serverConn, f *hongyanv1.ClientFrame) {
		sc.send(&hongyanv1.ServerFrame{Id: f.Id}) // an empty OK
	})
	c := dial(t, fs)
	if _, err := c.Call(t.Context(), &hongyanv1.ClientFrame{Req: &hongyanv1.ClientFrame_Logout{Logout: &hongyanv1.Empty{}}}); err != nil {
		t.Errorf("Call(logout) = %v, want success on an empty body", err)
	}
	if s, err := c.Login(t.Context(), &hongyanv1.LoginRequest{}); err == nil {
		t.Errorf("Login = %v, nil, want an error for a response without a session", s)
	}
}

// TestCallContext checks that a call whose context ends gives up without
// harming the connection.
func TestCallContext(t *testing.T) {
	t.Parallel()
	fs := newFakeServer(t, func(sc *serverConn, f *hongyanv1.ClientFrame) {
		if f.GetPing() != nil {
			sc.send(pong(f.Id, 1))
		}
		// Other requests are never answered.
	})
	c := dial(t, fs)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() {
		_, err := c.Call(ctx, &hongyanv1.ClientFrame{Req: &hongyanv1.ClientFrame_Me{Me: &hongyanv1.Empty{}}})
		done <- err
	}()
	// The ping's answer proves the unanswered request was written first.
	if _, err := c.Ping(t.Context(), 0); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Call with a cancelled context = %v, want context.Canceled", err)
	}
	if head, err := c.Ping(t.Context(), 0); err != nil || head != 1 {
		t.Errorf("Ping after cancelled call = %d, %v, want 1, nil", head, err)
	}
}

func TestPushesInOrder(t *testing.T) {
	t.Parallel()
	fs := newFakeServer(t, func(sc *serverConn, f *hongyanv1.ClientFrame) {
		for i := int64(1); i <= 5; i++ {
			sc.send(changesPush(i))
		}
		sc.send(pong(f.Id, 5))
	})
	c := dial(t, fs)
	if _, err := c.Ping(t.Context(), 0); err != nil {
		t.Fatal(err)
	}
	// The pushes preceded the response on the wire, so they are queued.
	for i := int64(1); i <= 5; i++ {
		p := <-c.Pushes()
		if p.Id != 0 {
			t.Errorf("push id = %d, want 0", p.Id)
		}
		if got := p.GetChanges().GetChanges()[0].GetSeq(); got != i {
			t.Errorf("push %d has seq %d", i, got)
		}
	}
}

func TestSlowConsumer(t *testing.T) {
	t.Parallel()
	fs := newFakeServer(t, func(sc *serverConn, f *hongyanv1.ClientFrame) {
		for i := int64(1); i <= 3; i++ {
			sc.send(changesPush(i))
		}
		sc.send(pong(f.Id, 3))
	})
	c := dial(t, fs, WithPushBuffer(2))
	_, err := c.Ping(t.Context(), 0)
	if !errors.Is(err, ErrSlowConsumer) || !errors.Is(err, ErrClosed) {
		t.Fatalf("Ping with a full push buffer = %v, want ErrClosed and ErrSlowConsumer", err)
	}
	<-c.Done()
	if !errors.Is(c.Err(), ErrSlowConsumer) {
		t.Errorf("Err = %v, want ErrSlowConsumer", c.Err())
	}
	// The pushes that fit are still delivered, then the channel closes.
	var n int
	for range c.Pushes() {
		n++
	}
	if n != 2 {
		t.Errorf("got %d pushes, want 2", n)
	}
}

func TestReadLimit(t *testing.T) {
	t.Parallel()
	fs := newFakeServer(t, func(sc *serverConn, f *hongyanv1.ClientFrame) {
		big := &hongyanv1.Message{Text: strings.Repeat("x", ReadLimit)}
		sc.send(&hongyanv1.ServerFrame{Id: f.Id, Body: &hongyanv1.ServerFrame_Messages{Messages: &hongyanv1.MessageList{Messages: []*hongyanv1.Message{big}}}})
	})
	c := dial(t, fs)
	if _, err := c.Ping(t.Context(), 0); !errors.Is(err, ErrClosed) {
		t.Errorf("Call answered by an oversized frame = %v, want ErrClosed", err)
	}
}

func TestClose(t *testing.T) {
	t.Parallel()
	fs := newFakeServer(t, func(sc *serverConn, f *hongyanv1.ClientFrame) {
		sc.send(pong(f.Id, 0))
	})
	c := dial(t, fs)
	if _, err := c.Ping(t.Context(), 0); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("Close = %v", err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	if _, err := c.Ping(t.Context(), 0); !errors.Is(err, ErrClosed) {
		t.Errorf("Ping after Close = %v, want ErrClosed", err)
	}
	if _, ok := <-c.Pushes(); ok {
		t.Errorf("Pushes not closed after Close")
	}
}

// TestServerCloses checks that a call in flight fails when the server drops
// the connection.
func TestServerCloses(t *testing.T) {
	t.Parallel()
	fs := newFakeServer(t, func(sc *serverConn, f *hongyanv1.ClientFrame) {
		sc.ws.CloseNow()
	})
	c := dial(t, fs)
	if _, err := c.Ping(t.Context(), 0); !errors.Is(err, ErrClosed) {
		t.Errorf("Ping on a dropped connection = %v, want ErrClosed", err)
	}
	if c.Err() == nil {
		t.Errorf("Err = nil after the server closed the connection")
	}
}

func TestDialFails(t *testing.T) {
	t.Parallel()
	fs := newFakeServer(t, func(*serverConn, *hongyanv1.ClientFrame) {})
	if _, err := Dial(t.Context(), fs.URL+"/nothing-here/"); err == nil {
		t.Errorf("Dial of a path without a WebSocket succeeded")
	}
}
