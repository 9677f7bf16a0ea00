package node_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"hongyan/internal/bot"
	"hongyan/internal/botapi"
	"hongyan/internal/config"
	pb "hongyan/internal/gen/hongyanv1"
)

// eventStream is a bot's end of GET /bot/v1/events/stream.
type eventStream struct {
	tb   testing.TB
	conn *websocket.Conn
}

// dialStream opens the event stream after seq after with token; it
// returns the HTTP status when the server refused the upgrade.
func dialStream(tb testing.TB, srv *httptest.Server, token string, after int64) (*eventStream, int) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	h := http.Header{}
	if token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	u := "ws" + strings.TrimPrefix(srv.URL, "http") + fmt.Sprintf("/bot/v1/events/stream?after=%d", after)
	conn, resp, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		if resp != nil {
			return nil, resp.StatusCode
		}
		tb.Fatalf("dial the event stream: %v", err)
	}
	conn.SetReadLimit(1 << 20)
	tb.Cleanup(func() { conn.CloseNow() })
	return &eventStream{tb: tb, conn: conn}, http.StatusSwitchingProtocols
}

func mustStream(tb testing.TB, srv *httptest.Server, token string, after int64) *eventStream {
	tb.Helper()
	s, status := dialStream(tb, srv, token, after)
	if s == nil {
		tb.Fatalf("event stream refused with %d", status)
	}
	return s
}

// next reads the next event; it fails the test on anything else.
func (s *eventStream) next() bot.Envelope {
	s.tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	typ, data, err := s.conn.Read(ctx)
	if err != nil {
		s.tb.Fatalf("reading the event stream: %v", err)
	}
	var e bot.Envelope
	if err := json.Unmarshal(data, &e); typ != websocket.MessageText || err != nil || e.Seq <= 0 {
		s.tb.Fatalf("frame %v %s: not an event (%v)", typ, data, err)
	}
	return e
}

func (s *eventStream) ack(seq int64) {
	s.tb.Helper()
	if err := s.conn.Write(context.Background(), websocket.MessageText, fmt.Appendf(nil, `{"ack":%d}`, seq)); err != nil {
		s.tb.Fatalf("ack %d: %v", seq, err)
	}
}

// closed waits for the server to close the stream and returns the code,
// skipping events still in flight.
func (s *eventStream) closed() websocket.StatusCode {
	s.tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for {
		if _, _, err := s.conn.Read(ctx); err != nil {
			if ctx.Err() != nil {
				s.tb.Fatalf("the server did not close the stream")
			}
			return websocket.CloseStatus(err)
		}
	}
}

func messageText(e bot.Envelope) string {
	var d struct {
		Text string `json:"text"`
	}
	json.Unmarshal(e.Data, &d)
	return d.Text
}

// TestBotEventStream: events arrive over the WebSocket in order; a
// reconnect from the last handled seq loses and repeats nothing; a second
// stream replaces the first; a revoked token's stream closes at once.
func TestBotEventStream(t *testing.T) {
	forEachEngine(t, func(t *testing.T, srv *httptest.Server) {
		alice := registerUser(t, srv, "alice_stream")
		a := session(t, srv, alice)
		created := call(t, a, &pb.ClientFrame{Req: &pb.ClientFrame_BotCreate{BotCreate: &pb.BotCreateRequest{Name: "Streamer"}}}).GetBotCreated()
		befriend(t, srv, alice, user{id: created.Bot.Account})

		if _, status := dialStream(t, srv, "", 0); status != http.StatusUnauthorized {
			t.Fatalf("stream without a token: %d, want 401", status)
		}
		if _, status := dialStream(t, srv, "hyb_nothing", 0); status != http.StatusUnauthorized {
			t.Fatalf("stream with an unknown token: %d, want 401", status)
		}

		s := mustStream(t, srv, created.Token, 0)
		if e := s.next(); e.Type != bot.EventFriendRequest || e.Seq != 1 {
			t.Fatalf("first event %+v, want the friend request as seq 1", e)
		}
		for i := range 5 {
			call(t, a, send(created.Bot.Account, fmt.Sprintf("s%d", i), fmt.Sprintf("stream %d", i)))
		}
		var last int64 = 1
		for i := range 3 {
			e := s.next()
			if e.Seq != last+1 || messageText(e) != fmt.Sprintf("stream %d", i) || e.Type != bot.EventMessage {
				t.Fatalf("event %+v after seq %d, want message %q as seq %d", e, last, fmt.Sprintf("stream %d", i), last+1)
			}
			last = e.Seq
			s.ack(last)
		}
		// The bot goes away having handled 3 of the 5; more come meanwhile.
		s.conn.Close(websocket.StatusNormalClosure, "")
		for i := 5; i < 8; i++ {
			call(t, a, send(created.Bot.Account, fmt.Sprintf("s%d", i), fmt.Sprintf("stream %d", i)))
		}
		s = mustStream(t, srv, created.Token, last)
		for i := 3; i < 8; i++ {
			e := s.next()
			if e.Seq != last+1 || messageText(e) != fmt.Sprintf("stream %d", i) {
				t.Fatalf("after reconnecting: event %+v, want %q as seq %d", e, fmt.Sprintf("stream %d", i), last+1)
			}
			last = e.Seq
			s.ack(last)
		}

		// Long polling reads the same events.
		api := botClient{t: t, base: srv.URL, token: created.Token}
		page := api.want("poll", api.do("GET", "/bot/v1/events?after=0&timeout=0", nil), 200, "")
		if got := int64(page.body["next"].(float64)); got != last {
			t.Fatalf("long polling's next = %d, the stream's last = %d", got, last)
		}

		// A second stream with the token replaces the first.
		s2 := mustStream(t, srv, created.Token, last)
		if code := s.closed(); code != botapi.CloseReplaced {
			t.Fatalf("first stream closed with %d, want %d (replaced)", code, botapi.CloseReplaced)
		}
		call(t, a, send(created.Bot.Account, "s8", "stream 8"))
		if e := s2.next(); e.Seq != last+1 || messageText(e) != "stream 8" {
			t.Fatalf("replacing stream: %+v, want stream 8 as %d", e, last+1)
		}

		// Revoking the token closes its stream at once and refuses it after.
		api.want("revoke", api.do("DELETE", "/bot/v1/token", nil), 200, "")
		if code := s2.closed(); code != botapi.CloseRevoked {
			t.Fatalf("stream of a revoked token closed with %d, want %d", code, botapi.CloseRevoked)
		}
		if _, status := dialStream(t, srv, created.Token, 0); status != http.StatusUnauthorized {
			t.Fatalf("stream with a revoked token: %d, want 401", status)
		}
		api.want("revoked token", api.do("GET", "/bot/v1/me", nil), 401, "unauthenticated")
	})
}

// TestBotEventStreamRefusesBadFrames: oversize, binary, malformed and
// impossible acks close the stream with a code; the node serves on.
func TestBotEventStreamRefusesBadFrames(t *testing.T) {
	cfg := config.Default()
	cfg.Data = t.TempDir()
	srv := startNode(t, cfg)
	alice := registerUser(t, srv, "alice_badframes")
	a := session(t, srv, alice)
	created := call(t, a, &pb.ClientFrame{Req: &pb.ClientFrame_BotCreate{BotCreate: &pb.BotCreateRequest{Name: "Strict"}}}).GetBotCreated()
	cases := []struct {
		name  string
		typ   websocket.MessageType
		frame string
		want  websocket.StatusCode
	}{
		{"oversize", websocket.MessageText, `{"ack":` + strings.Repeat(" ", botapi.MaxClientFrame) + `0}`, websocket.StatusMessageTooBig},
		{"binary", websocket.MessageBinary, `{"ack":0}`, websocket.StatusUnsupportedData},
		{"garbage", websocket.MessageText, "\xff\x00not json", websocket.StatusInvalidFramePayloadData},
		{"unknown field", websocket.MessageText, `{"ack":0,"sudo":true}`, websocket.StatusInvalidFramePayloadData},
		{"no ack", websocket.MessageText, `{}`, websocket.StatusInvalidFramePayloadData},
		{"ack ahead", websocket.MessageText, `{"ack":999999}`, websocket.StatusPolicyViolation},
		{"ack negative", websocket.MessageText, `{"ack":-1}`, websocket.StatusPolicyViolation},
	}
	for _, c := range cases {
		s := mustStream(t, srv, created.Token, 0)
		if err := s.conn.Write(context.Background(), c.typ, []byte(c.frame)); err != nil {
			t.Fatalf("%s: write: %v", c.name, err)
		}
		if code := s.closed(); code != c.want {
			t.Fatalf("%s: closed with %d, want %d", c.name, code, c.want)
		}
	}
	if _, status := dialStream(t, srv, created.Token, 0); status != http.StatusSwitchingProtocols {
		t.Fatalf("stream after bad frames: %d", status)
	}
	api := botClient{t: t, base: srv.URL, token: created.Token}
	api.want("me after bad frames", api.do("GET", "/bot/v1/me", nil), 200, "")
	api.want("bad after", api.do("GET", "/bot/v1/events/stream?after=x", nil), 400, "invalid_argument")
}
