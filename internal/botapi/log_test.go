package botapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"hongyan/internal/bot"
	"hongyan/internal/botapi"
	"hongyan/internal/hongyan"
)

// failing is Ops whose every call fails with what fail returns for the
// call's context.
type failing struct {
	fail func(ctx context.Context) error
}

func (f failing) Send(ctx context.Context, _, _ hongyan.UserID, _ hongyan.ConversationID, _, _ string) (botapi.Sent, error) {
	return botapi.Sent{}, f.fail(ctx)
}
func (f failing) Group(ctx context.Context, _ hongyan.UserID, _ hongyan.ConversationID) (botapi.GroupInfo, error) {
	return botapi.GroupInfo{}, f.fail(ctx)
}
func (f failing) Members(ctx context.Context, _ hongyan.UserID, _ hongyan.ConversationID) ([]botapi.MemberInfo, error) {
	return nil, f.fail(ctx)
}
func (f failing) AddMembers(ctx context.Context, _ hongyan.ConversationID, _ []hongyan.UserID) error {
	return f.fail(ctx)
}
func (f failing) RemoveMember(ctx context.Context, _ hongyan.ConversationID, _ hongyan.UserID) error {
	return f.fail(ctx)
}
func (f failing) PostCard(ctx context.Context, _ hongyan.UserID, _ hongyan.ConversationID, _ botapi.Card, _ string) (botapi.Sent, error) {
	return botapi.Sent{}, f.fail(ctx)
}

// logTest is a bot API over a real store whose Ops fail as ops does, and
// whose log lines, at every level, land in log.
type logTest struct {
	handler http.Handler
	created bot.Created
	log     bytes.Buffer
}

func newLogTest(t *testing.T, ops botapi.Ops) *logTest {
	t.Helper()
	svc, _ := newBots(t)
	lt := &logTest{}
	var err error
	lt.created, err = svc.Create(t.Context(), hongyan.Caller{User: 1}, "Logged")
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewJSONHandler(&lt.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	lt.handler = botapi.New(svc, ops, log).Handler()
	return lt
}

// serve serves method path with body as the test bot, in ctx, and returns
// the status.
func (lt *logTest) serve(t *testing.T, ctx context.Context, method, path, body string) int {
	t.Helper()
	req := httptest.NewRequestWithContext(ctx, method, path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+lt.created.Token)
	rec := httptest.NewRecorder()
	lt.handler.ServeHTTP(rec, req)
	return rec.Code
}

// lines returns the log lines at level, decoded.
func (lt *logTest) lines(t *testing.T, level slog.Level) []map[string]any {
	t.Helper()
	var out []map[string]any
	d := json.NewDecoder(bytes.NewReader(lt.log.Bytes()))
	d.UseNumber()
	for d.More() {
		var m map[string]any
		if err := d.Decode(&m); err != nil {
			t.Fatalf("log %q: %v", lt.log.String(), err)
		}
		if m["level"] == level.String() {
			out = append(out, m)
		}
	}
	return out
}

// TestCancelledRequestNotLoggedAsError: a request whose client went away
// while it was in hand ends in context.Canceled from the store (which
// passes it through as it is); that is no internal error, so nothing is
// logged at error level, and the answer, which nobody reads, is not a 500.
func TestCancelledRequestNotLoggedAsError(t *testing.T) {
	for _, tc := range []struct {
		name   string
		method string
		path   string
		body   func(lt *logTest) string
		// cancelEarly cancels the request before it is served; otherwise
		// Ops cancels it mid-request.
		cancelEarly bool
	}{
		{
			name: "gone before authentication", method: "GET", path: "/bot/v1/me",
			body: func(*logTest) string { return "" }, cancelEarly: true,
		},
		{
			name: "gone while sending", method: "POST", path: "/bot/v1/messages",
			body: func(*logTest) string { return `{"chat":{"type":"direct","id":7},"text":"hi"}` },
		},
		{
			name: "gone while exchanging an app code", method: "POST", path: "/bot/v1/apps/token",
			body: func(lt *logTest) string {
				return `{"app_id":` + strconv.FormatInt(lt.created.Bot.ID, 10) + `,"client_secret":"s","code":"c"}`
			},
			cancelEarly: true,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			lt := newLogTest(t, failing{fail: func(ctx context.Context) error {
				cancel() // the client hangs up
				return ctx.Err()
			}})
			if tc.cancelEarly {
				cancel()
			}
			status := lt.serve(t, ctx, tc.method, tc.path, tc.body(lt))
			if got, want := status, http.StatusServiceUnavailable; got != want {
				t.Errorf("status = %d, want %d", got, want)
			}
			if got := lt.lines(t, slog.LevelError); len(got) != 0 {
				t.Errorf("error lines = %v, want none", got)
			}
			if got := lt.lines(t, slog.LevelDebug); len(got) != 1 {
				t.Errorf("debug lines = %v, want one", got)
			}
		})
	}
}

// TestInternalErrorLogged: an internal error, including a context error
// while the client is still there (a timeout of the node's own), is logged
// at error level with the bot, the request and the client's address.
func TestInternalErrorLogged(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"storage failure", errors.New("storage: disk I/O error")},
		{"context error of the node's own", context.DeadlineExceeded},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lt := newLogTest(t, failing{fail: func(context.Context) error { return tc.err }})
			status := lt.serve(t, t.Context(), "POST", "/bot/v1/messages", `{"chat":{"type":"direct","id":7},"text":"hi"}`)
			if got, want := status, http.StatusInternalServerError; got != want {
				t.Errorf("status = %d, want %d", got, want)
			}
			lines := lt.lines(t, slog.LevelError)
			if len(lines) != 1 {
				t.Fatalf("error lines = %v, want one", lines)
			}
			line := lines[0]
			for _, f := range []struct {
				key  string
				want string
			}{
				{"bot", strconv.FormatInt(lt.created.Bot.ID, 10)},
				{"account", strconv.FormatInt(int64(lt.created.Bot.Account), 10)},
				{"method", "POST"},
				{"path", "/bot/v1/messages"},
				{"addr", "192.0.2.1:1234"}, // httptest's RemoteAddr
				{"err", tc.err.Error()},
			} {
				if got := toString(line[f.key]); got != f.want {
					t.Errorf("line %v: %s = %q, want %q", line, f.key, got, f.want)
				}
			}
		})
	}
}

func toString(v any) string {
	if n, ok := v.(json.Number); ok {
		return n.String()
	}
	s, _ := v.(string)
	return s
}
