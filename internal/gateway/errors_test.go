package gateway

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"hongyan/internal/changelog"
	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/hongyan"
)

// heads is a change log whose Head fails with err.
type heads struct{ err error }

func (h heads) After(context.Context, hongyan.UserID, int64, int) ([]hongyan.Change, error) {
	return nil, h.err
}
func (h heads) Head(ctx context.Context, _ hongyan.UserID) (int64, error) { return 0, h.err }
func (h heads) PruneBefore(context.Context, time.Time, int) (int, bool, error) {
	return 0, false, h.err
}

// syncBuffer is a log sink safe for the connection's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A request that fails because its client went away is not an internal
// error (a CLI that exits during its heartbeat used to log one); one that
// fails inside the node is logged, with whose request it was.
func TestRequestErrorsLogged(t *testing.T) {
	for _, tt := range []struct {
		name      string
		err       error
		closed    bool // the client has gone
		wantLog   bool
		wantCodes string
	}{
		{"client gone", context.Canceled, true, false, "unavailable"},
		{"storage failure", errors.New("disk on fire"), false, true, "internal"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var logs syncBuffer
			g := New(Services{Changes: changelog.NewFeed(heads{tt.err}, nil)}, Options{Log: slog.New(slog.NewTextHandler(&logs, nil))})
			server, client := net.Pipe()
			defer client.Close()
			go io.Copy(io.Discard, client)
			c := newConn(g, server, "192.0.2.1:5000", nil)
			c.caller = hongyan.Caller{User: 7, Device: 9}
			if tt.closed {
				c.cancel()
			}
			c.handle(&pb.ClientFrame{Id: 1, Req: &pb.ClientFrame_Ping{Ping: &pb.Ping{}}})
			out := logs.String()
			if got := strings.Contains(out, "level=ERROR"); got != tt.wantLog {
				t.Errorf("an ERROR logged: got %v, want %v; log:\n%s", got, tt.wantLog, out)
			}
			if tt.wantLog && !(strings.Contains(out, "user=7") && strings.Contains(out, "device=9") && strings.Contains(out, "disk on fire")) {
				t.Errorf("the log line lacks the user, the device or the cause:\n%s", out)
			}
			if got := requestCount(g, "ping", tt.wantCodes); got != 1 {
				t.Errorf("requests_total{kind=ping,code=%s}: got %v, want 1", tt.wantCodes, got)
			}
		})
	}
}

// The HTTP endpoints (media, export) treat a cancelled request as the
// WebSocket does: a client that went away is no internal error; a real
// failure is logged with the user and the device.
func TestHTTPErrorsLogged(t *testing.T) {
	for _, tt := range []struct {
		name       string
		err        error
		cancelled  bool
		wantLog    bool
		wantStatus int
	}{
		{"client gone", fmt.Errorf("open blob: %w", context.Canceled), true, false, http.StatusServiceUnavailable},
		{"storage failure", errors.New("disk on fire"), false, true, http.StatusInternalServerError},
		{"not found", hongyan.Errorf(hongyan.CodeNotFound, "no such media"), false, false, http.StatusNotFound},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var logs syncBuffer
			g := New(Services{}, Options{Log: slog.New(slog.NewTextHandler(&logs, nil))})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.cancelled {
				cancel()
			}
			r := httptest.NewRequestWithContext(ctx, "GET", "/media/abc", nil)
			w := httptest.NewRecorder()
			g.mediaError(w, r, hongyan.Caller{User: 7, Device: 9}, tt.err)
			if w.Code != tt.wantStatus {
				t.Errorf("status: got %d, want %d", w.Code, tt.wantStatus)
			}
			out := logs.String()
			if got := strings.Contains(out, "level=ERROR"); got != tt.wantLog {
				t.Errorf("an ERROR logged: got %v, want %v; log:\n%s", got, tt.wantLog, out)
			}
			if tt.wantLog && !(strings.Contains(out, "user=7") && strings.Contains(out, "device=9") && strings.Contains(out, "disk on fire")) {
				t.Errorf("the log line lacks the user, the device or the cause:\n%s", out)
			}
		})
	}
}
