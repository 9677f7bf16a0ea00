package botapi_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"hongyan/internal/bot"
	"hongyan/internal/botapi"
	"hongyan/internal/hongyan"
	"hongyan/internal/sqlite"
)

// world fakes what the bot feature needs of the account and group
// features, and a change log of happenings.
type world struct {
	mu  sync.Mutex
	log []bot.Happening
}

func (w *world) CreateBotAccount(context.Context, string, string) (hongyan.UserID, error) {
	return 500, nil
}
func (w *world) Owner(context.Context, hongyan.ConversationID) (hongyan.UserID, error) { return 1, nil }
func (w *world) AddBot(context.Context, hongyan.UserID, hongyan.ConversationID, hongyan.UserID) error {
	return nil
}
func (w *world) RemoveBot(context.Context, hongyan.UserID, hongyan.ConversationID, hongyan.UserID) error {
	return nil
}
func (w *world) Read(_ context.Context, _ hongyan.UserID, after int64, limit int) ([]bot.Happening, int64, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	end := min(int(after)+limit, len(w.log))
	if int(after) >= end {
		return nil, after, nil
	}
	return append([]bot.Happening(nil), w.log[after:end]...), int64(end), nil
}

// newBots is the bot service on a real store in a temporary directory,
// with w standing in for the rest of the node.
func newBots(t *testing.T) (svc *bot.Service, w *world) {
	t.Helper()
	db, err := sqlite.Open(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	w = &world{}
	return bot.New(db.Bots(), w, w, w, bot.DefaultConfig()), w
}

// TestStreamWindowAndIdle: with a window of one the stream sends the next
// event only after an ack, and a bot that acknowledges nothing is closed
// with 4008 after the idle timeout.
func TestStreamWindowAndIdle(t *testing.T) {
	svc, w := newBots(t)
	created, err := svc.Create(t.Context(), hongyan.Caller{User: 1}, "Slow")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		w.log = append(w.log, bot.Happening{Kind: bot.HappenedMessage, Message: hongyan.MessageID(i + 1), Peer: 7, Sender: 7, MsgKind: "text", Text: "m"})
	}
	if evs, err := svc.Pump(t.Context(), created.Bot); err != nil || len(evs) != 3 {
		t.Fatalf("Pump = %d events, %v", len(evs), err)
	}
	api := botapi.New(svc, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	api.SetStreamConfig(botapi.StreamConfig{Window: 1, Ping: 20 * time.Millisecond, Idle: 300 * time.Millisecond})
	srv := httptest.NewServer(api.Handler())
	t.Cleanup(srv.Close)

	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/bot/v1/events/stream",
		&websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + created.Token}}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	read := func() (int64, error) {
		_, data, err := conn.Read(ctx)
		if err != nil {
			return 0, err
		}
		var e bot.Envelope
		if err := json.Unmarshal(data, &e); err != nil {
			t.Fatalf("frame %s: %v", data, err)
		}
		return e.Seq, nil
	}
	if seq, err := read(); err != nil || seq != 1 {
		t.Fatalf("first event: %d, %v", seq, err)
	}
	// Nothing more comes before the ack: the next read is the idle close.
	start := time.Now()
	seq, err := read()
	if err == nil {
		t.Fatalf("event %d sent beyond a window of one", seq)
	}
	if code := websocket.CloseStatus(err); code != botapi.CloseIdle {
		t.Fatalf("closed with %d (%v), want %d", code, err, botapi.CloseIdle)
	}
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Fatalf("closed after %v, before the idle timeout", d)
	}

	// Acknowledging moves the window on.
	conn2, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/bot/v1/events/stream?after=1",
		&websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + created.Token}}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn2.CloseNow()
	conn = conn2
	for want := int64(2); want <= 3; want++ {
		if seq, err := read(); err != nil || seq != want {
			t.Fatalf("event %d, %v; want %d", seq, err, want)
		}
		if err := conn.Write(ctx, websocket.MessageText, []byte(`{"ack":`+strconv.FormatInt(want, 10)+`}`)); err != nil {
			t.Fatal(err)
		}
	}
}
