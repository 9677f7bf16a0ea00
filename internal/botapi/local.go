package botapi

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	"hongyan/internal/bot"
	"hongyan/internal/hongyan"
)

// Local is a client of the API in this process, holding a bot's token: its
// requests go through the API's handler like any over HTTP, so a built-in
// bot (the Group Assistant) passes the same checks as every bot — token,
// rate limit, scopes, the group owner's grant — and has no other way in.
type Local struct {
	h     http.Handler
	token string
}

// Local returns a client of the API acting with token.
func (a *API) Local(token string) *Local { return &Local{h: a.Handler(), token: token} }

// recorder is the smallest http.ResponseWriter: it keeps the status and body.
type recorder struct {
	h      http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.h }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

// Do sends a request (method, path under /bot/v1/, body as JSON if not
// nil) and decodes the answer into out; an error answer is returned as the
// error it stands for (its code, message and reason).
func (l *Local) Do(ctx context.Context, method, path string, body, out any) error {
	var rd bytes.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return hongyan.Errorf(hongyan.CodeInvalid, "encoding the request: %v", err)
		}
		rd.Reset(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://local/bot/v1/"+path, &rd)
	if err != nil {
		return hongyan.Errorf(hongyan.CodeInvalid, "bad request: %v", err)
	}
	req.Header.Set("Authorization", "Bearer "+l.token)
	req.Header.Set("Content-Type", "application/json")
	rec := &recorder{h: http.Header{}}
	l.h.ServeHTTP(rec, req)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	if rec.status != http.StatusOK {
		var e ErrorBody
		if json.Unmarshal(rec.body.Bytes(), &e) != nil || e.Error.Code == "" {
			return hongyan.Errorf(hongyan.CodeInternal, "bot API answered %d", rec.status)
		}
		return hongyan.Errorf(hongyan.Code(e.Error.Code), "%s", e.Error.Message).WithReason(hongyan.Reason(e.Error.Reason))
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(rec.body.Bytes(), out); err != nil {
		return hongyan.Errorf(hongyan.CodeInternal, "decoding the bot API's answer: %v", err)
	}
	return nil
}

// Events reads the bot's events after seq after (GET /bot/v1/events),
// waiting up to timeoutSecs for the first.
func (l *Local) Events(ctx context.Context, after int64, limit, timeoutSecs int) ([]bot.Envelope, error) {
	q := url.Values{"after": {strconv.FormatInt(after, 10)}, "limit": {strconv.Itoa(limit)}, "timeout": {strconv.Itoa(timeoutSecs)}}
	var out struct {
		Events []bot.Envelope `json:"events"`
	}
	err := l.Do(ctx, http.MethodGet, "events?"+q.Encode(), nil, &out)
	return out.Events, err
}

// Send sends a message (POST /bot/v1/messages).
func (l *Local) Send(ctx context.Context, b SendBody) (Sent, error) {
	var s Sent
	return s, l.Do(ctx, http.MethodPost, "messages", b, &s)
}

// Members lists a group's members (GET /bot/v1/groups/{group}/members).
func (l *Local) Members(ctx context.Context, group int64) ([]MemberInfo, error) {
	var out struct {
		Members []MemberInfo `json:"members"`
	}
	err := l.Do(ctx, http.MethodGet, "groups/"+strconv.FormatInt(group, 10)+"/members", nil, &out)
	return out.Members, err
}
