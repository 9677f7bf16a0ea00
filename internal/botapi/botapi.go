// Package botapi is the bot HTTP JSON API under /bot/v1/ (docs/bots.md):
// a bot, holding a bearer token, sends messages, reads groups and their
// members, manages members within the grant of the group's owner, and
// reads its events by long polling or over a WebSocket (stream.go). It also sends webhook deliveries
// (Poster) through the SSRF guard. The rules are internal/bot's; this
// package converts and calls.
package botapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"hongyan/internal/bot"
	"hongyan/internal/hongyan"
	"hongyan/internal/httpmux"
)

// Ops is what a bot does as its account, filled by the node from the chat
// and group features (which check, as for any user, that the account may).
type Ops interface {
	// Send sends text as account to peer (a direct chat) or group.
	Send(ctx context.Context, account hongyan.UserID, peer hongyan.UserID, group hongyan.ConversationID, text, clientID string) (Sent, error)
	// Group returns group as account, an active member, sees it.
	Group(ctx context.Context, account hongyan.UserID, group hongyan.ConversationID) (GroupInfo, error)
	// Members lists group's members to account, an active member.
	Members(ctx context.Context, account hongyan.UserID, group hongyan.ConversationID) ([]MemberInfo, error)
	// AddMembers invites users to group on behalf of its owner (who granted
	// members:manage); RemoveMember removes user likewise.
	AddMembers(ctx context.Context, group hongyan.ConversationID, users []hongyan.UserID) error
	RemoveMember(ctx context.Context, group hongyan.ConversationID, user hongyan.UserID) error
	// PostCard posts an app card (checked by CheckCard) into group as
	// account, an active member who may post; key names it, so posting
	// it again posts it once. An image must be a media object account may
	// send, an image.
	PostCard(ctx context.Context, account hongyan.UserID, group hongyan.ConversationID, card Card, key string) (Sent, error)
}

// Sent is a message a bot sent.
type Sent struct {
	MessageID int64 `json:"message_id"`
	Seq       int64 `json:"seq"`
}

// GroupInfo is a group as a bot sees it.
type GroupInfo struct {
	ID           int64  `json:"id"`
	Name         string `json:"name"`
	Owner        int64  `json:"owner"`
	Members      int    `json:"members"`
	Announcement string `json:"announcement,omitempty"`
}

// MemberInfo is a group member as a bot sees it.
type MemberInfo struct {
	User     int64  `json:"user"`
	Role     string `json:"role"`
	Nickname string `json:"nickname,omitempty"` // their nickname in this group
	Name     string `json:"name,omitempty"`     // how the group shows them: the group nickname, else the account's
}

// Limits of the API.
const (
	MaxBody        = 64 << 10 // bytes of a request body
	MaxWait        = 60 * time.Second
	DefaultWait    = 25 * time.Second
	maxAddMembers  = 100
	maxClientIDLen = 64
)

// API serves /bot/v1/.
type API struct {
	svc     *bot.Service
	ops     Ops
	log     *slog.Logger
	remover Remover

	mu      sync.Mutex
	waiters map[int64][]chan struct{}

	hub      hub      // live event streams (stream.go)
	profiles Profiles // profile cards for apps (apps.go)
	images   Images   // bots' images for app cards (cards.go)
}

// New returns the API.
func New(svc *bot.Service, ops Ops, log *slog.Logger) *API {
	if log == nil {
		log = slog.Default()
	}
	return &API{svc: svc, ops: ops, log: log, waiters: map[int64][]chan struct{}{}}
}

// Notify wakes the long polls of bot id: it has new events.
func (a *API) Notify(id int64) {
	a.mu.Lock()
	ws := a.waiters[id]
	delete(a.waiters, id)
	a.mu.Unlock()
	for _, c := range ws {
		close(c)
	}
}

func (a *API) wait(id int64) chan struct{} {
	c := make(chan struct{})
	a.mu.Lock()
	a.waiters[id] = append(a.waiters[id], c)
	a.mu.Unlock()
	return c
}

func (a *API) forget(id int64, c chan struct{}) {
	a.mu.Lock()
	defer a.mu.Unlock()
	ws := a.waiters[id]
	for i, w := range ws {
		if w == c {
			ws = append(ws[:i], ws[i+1:]...)
			break
		}
	}
	if len(ws) == 0 {
		delete(a.waiters, id)
	} else {
		a.waiters[id] = ws
	}
}

// Handler serves the API.
func (a *API) Handler() http.Handler {
	mux := httpmux.New()
	mux.HandleFunc("GET /bot/v1/me", a.auth(a.me))
	mux.HandleFunc("POST /bot/v1/messages", a.auth(a.send))
	mux.HandleFunc("GET /bot/v1/groups/{group}", a.auth(a.group))
	mux.HandleFunc("GET /bot/v1/groups/{group}/members", a.auth(a.members))
	mux.HandleFunc("POST /bot/v1/groups/{group}/members", a.auth(a.addMembers))
	mux.HandleFunc("DELETE /bot/v1/groups/{group}/members/{user}", a.auth(a.removeMember))
	mux.HandleFunc("POST /bot/v1/groups/{group}/cards", a.auth(a.postCard))
	mux.HandleFunc("POST /bot/v1/media", a.auth(a.uploadImage))
	mux.HandleFunc("GET /bot/v1/events", a.auth(a.events))
	mux.HandleFunc("GET /bot/v1/events/stream", a.auth(a.stream))
	mux.HandleFunc("DELETE /bot/v1/token", a.auth(a.revoke))
	a.appRoutes(mux)
	a.moderationRoutes(mux)
	mux.HandleFunc("/bot/v1/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, hongyan.Errorf(hongyan.CodeNotFound, "no such endpoint: %s %s", r.Method, r.URL.Path))
	})
	return mux
}

type handler func(w http.ResponseWriter, r *http.Request, p bot.Principal) error

func (a *API) auth(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || len(tok) > bot.MaxTokenLen {
			writeError(w, hongyan.Errorf(hongyan.CodeUnauth, "send the bot token as Authorization: Bearer hyb_…"))
			return
		}
		p, err := a.svc.Authenticate(r.Context(), strings.TrimSpace(tok))
		if err != nil {
			a.fail(w, r, err)
			return
		}
		if err := h(w, r, p); err != nil {
			a.fail(w, r, err, principalAttrs(p)...)
		}
	}
}

// fail answers err to r. An internal error is logged with whose request it
// was (who: the attributes that name the bot or app, none before
// authentication), the method, path and client address, unless the client
// went away meanwhile: then nothing failed, the line is at debug level,
// and the answer (which nobody reads) says unavailable.
func (a *API) fail(w http.ResponseWriter, r *http.Request, err error, who ...any) {
	if hongyan.ErrorCode(err) == hongyan.CodeInternal {
		attrs := append(who[:len(who):len(who)], "method", r.Method, "path", r.URL.Path, "addr", r.RemoteAddr, "err", err)
		if gone(r, err) {
			a.log.Debug("bot api request cancelled", attrs...)
			err = hongyan.Wrap(err, hongyan.CodeUnavailable, "the request was cancelled")
		} else {
			a.log.Error("bot api request failed", attrs...)
		}
	}
	writeError(w, err)
}

// gone reports whether err is the end of r's context: the client closed
// the connection (or the server is shutting down) while r was in hand.
func gone(r *http.Request, err error) bool {
	return r.Context().Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded))
}

// principalAttrs returns the log attributes that say whose a request made
// as p was: p's bot, its account and the token, and for an app's token the
// app (its bot ID) and its group.
func principalAttrs(p bot.Principal) []any {
	attrs := []any{"bot", p.Bot.ID, "account", int64(p.Bot.Account), "token", p.Token.ID}
	if p.Token.App {
		attrs = append(attrs, "app", p.Bot.ID, "group", int64(p.Token.Group))
	}
	return attrs
}

var statuses = map[hongyan.Code]int{
	hongyan.CodeInvalid:       http.StatusBadRequest,
	hongyan.CodeNotFound:      http.StatusNotFound,
	hongyan.CodeExists:        http.StatusConflict,
	hongyan.CodeUnauth:        http.StatusUnauthorized,
	hongyan.CodeDenied:        http.StatusForbidden,
	hongyan.CodePrecondition:  http.StatusConflict,
	hongyan.CodeRateLimited:   http.StatusTooManyRequests,
	hongyan.CodeTooLarge:      http.StatusRequestEntityTooLarge,
	hongyan.CodeUnimplemented: http.StatusNotImplemented,
	hongyan.CodeUnavailable:   http.StatusServiceUnavailable,
}

// ErrorBody is the JSON of every error answer.
type ErrorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Reason  string `json:"reason,omitempty"`
	} `json:"error"`
}

func writeError(w http.ResponseWriter, err error) {
	status, ok := statuses[hongyan.ErrorCode(err)]
	if !ok {
		status = http.StatusInternalServerError
	}
	var b ErrorBody
	b.Error.Code, b.Error.Message, b.Error.Reason = string(hongyan.ErrorCode(err)), hongyan.ErrorMessage(err), string(hongyan.ErrorReason(err))
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "60")
	}
	writeJSON(w, status, b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// decode reads a JSON body of at most MaxBody bytes into v, refusing
// unknown fields and trailing data.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	return DecodeJSON(http.MaxBytesReader(w, r.Body, MaxBody), v)
}

// DecodeJSON decodes exactly one JSON object from rd into v (the API's
// request decoder; fuzzed).
func DecodeJSON(rd io.Reader, v any) error {
	d := json.NewDecoder(rd)
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return hongyan.Errorf(hongyan.CodeTooLarge, "a request body has at most %d bytes", MaxBody)
		}
		return hongyan.Errorf(hongyan.CodeInvalid, "the body is not the JSON expected: %v", shortErr(err))
	}
	if d.More() {
		return hongyan.Errorf(hongyan.CodeInvalid, "the body holds more than one JSON value")
	}
	return nil
}

func shortErr(err error) string {
	s := err.Error()
	if len(s) > 120 {
		s = s[:120]
	}
	return s
}

func pathID(r *http.Request, name string) (int64, error) {
	v, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || v <= 0 {
		return 0, hongyan.Errorf(hongyan.CodeInvalid, "%s must be a positive number", name)
	}
	return v, nil
}

func (a *API) me(w http.ResponseWriter, r *http.Request, p bot.Principal) error {
	writeJSON(w, http.StatusOK, map[string]any{
		"bot_id": p.Bot.ID, "account": int64(p.Bot.Account), "account_id": p.Bot.AccountID, "name": p.Bot.Name,
		"scopes": p.Token.Scopes, "group": int64(p.Token.Group),
	})
	return nil
}

// SendBody is POST /bot/v1/messages.
type SendBody struct {
	Chat struct {
		Type string `json:"type"` // direct or group
		ID   int64  `json:"id"`   // the user or the group
	} `json:"chat"`
	Text     string `json:"text"`
	ClientID string `json:"client_id"`
}

func (a *API) send(w http.ResponseWriter, r *http.Request, p bot.Principal) error {
	var b SendBody
	if err := decode(w, r, &b); err != nil {
		return err
	}
	if b.Chat.ID <= 0 || (b.Chat.Type != "direct" && b.Chat.Type != "group") {
		return hongyan.Errorf(hongyan.CodeInvalid, `chat is {"type": "direct" or "group", "id": a positive number}`)
	}
	if b.Text == "" {
		return hongyan.Errorf(hongyan.CodeInvalid, "text must not be empty")
	}
	if len(b.ClientID) > maxClientIDLen {
		return hongyan.Errorf(hongyan.CodeInvalid, "client_id has at most %d bytes", maxClientIDLen)
	}
	if b.ClientID == "" {
		b.ClientID = "bot-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	}
	var peer hongyan.UserID
	var group hongyan.ConversationID
	if b.Chat.Type == "group" {
		group = hongyan.ConversationID(b.Chat.ID)
	} else {
		peer = hongyan.UserID(b.Chat.ID)
	}
	if err := a.svc.Allow(r.Context(), p, bot.ScopeSend, group); err != nil {
		return err
	}
	s, err := a.ops.Send(r.Context(), p.Bot.Account, peer, group, b.Text, b.ClientID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s)
	return nil
}

func (a *API) group(w http.ResponseWriter, r *http.Request, p bot.Principal) error {
	g, err := pathID(r, "group")
	if err != nil {
		return err
	}
	if err := a.svc.Allow(r.Context(), p, bot.ScopeGroupsRead, hongyan.ConversationID(g)); err != nil {
		return err
	}
	info, err := a.ops.Group(r.Context(), p.Bot.Account, hongyan.ConversationID(g))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, info)
	return nil
}

func (a *API) members(w http.ResponseWriter, r *http.Request, p bot.Principal) error {
	g, err := pathID(r, "group")
	if err != nil {
		return err
	}
	if err := a.svc.Allow(r.Context(), p, bot.ScopeGroupsRead, hongyan.ConversationID(g)); err != nil {
		return err
	}
	ms, err := a.ops.Members(r.Context(), p.Bot.Account, hongyan.ConversationID(g))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"members": ms})
	return nil
}

// manage checks members:manage in group g and that the bot is still an
// active member of it.
func (a *API) manage(r *http.Request, p bot.Principal) (hongyan.ConversationID, error) {
	id, err := pathID(r, "group")
	if err != nil {
		return 0, err
	}
	g := hongyan.ConversationID(id)
	if err := a.svc.Allow(r.Context(), p, bot.ScopeMembers, g); err != nil {
		return 0, err
	}
	if _, err := a.ops.Group(r.Context(), p.Bot.Account, g); err != nil {
		return 0, err
	}
	return g, nil
}

// AddMembersBody is POST /bot/v1/groups/{group}/members.
type AddMembersBody struct {
	Users []int64 `json:"users"`
}

func (a *API) addMembers(w http.ResponseWriter, r *http.Request, p bot.Principal) error {
	g, err := a.manage(r, p)
	if err != nil {
		return err
	}
	var b AddMembersBody
	if err := decode(w, r, &b); err != nil {
		return err
	}
	if len(b.Users) == 0 || len(b.Users) > maxAddMembers {
		return hongyan.Errorf(hongyan.CodeInvalid, "users lists 1 to %d user IDs", maxAddMembers)
	}
	users := make([]hongyan.UserID, len(b.Users))
	for i, u := range b.Users {
		if u <= 0 {
			return hongyan.Errorf(hongyan.CodeInvalid, "user IDs are positive")
		}
		users[i] = hongyan.UserID(u)
	}
	if err := a.ops.AddMembers(r.Context(), g, users); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true})
	return nil
}

func (a *API) removeMember(w http.ResponseWriter, r *http.Request, p bot.Principal) error {
	g, err := a.manage(r, p)
	if err != nil {
		return err
	}
	u, err := pathID(r, "user")
	if err != nil {
		return err
	}
	if err := a.ops.RemoveMember(r.Context(), g, hongyan.UserID(u)); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true})
	return nil
}

// events answers GET /bot/v1/events?after=SEQ&timeout=SECONDS&limit=N:
// the events after SEQ, waiting up to timeout (default 25 s, at most 60 s;
// 0 answers at once) for the first.
func (a *API) events(w http.ResponseWriter, r *http.Request, p bot.Principal) error {
	q := r.URL.Query()
	num := func(name string, def int64) (int64, error) {
		s := q.Get(name)
		if s == "" {
			return def, nil
		}
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v < 0 {
			return 0, hongyan.Errorf(hongyan.CodeInvalid, "%s must be a number ≥ 0", name)
		}
		return v, nil
	}
	after, err := num("after", 0)
	if err != nil {
		return err
	}
	limit, err := num("limit", bot.MaxEventsPage)
	if err != nil {
		return err
	}
	secs, err := num("timeout", int64(DefaultWait/time.Second))
	if err != nil {
		return err
	}
	wait := min(time.Duration(secs)*time.Second, MaxWait)
	ctx, cancel := context.WithTimeout(r.Context(), wait)
	defer cancel()
	for {
		c := a.wait(p.Bot.ID) // before reading: a Notify in between is not lost
		es, next, err := a.svc.Events(r.Context(), p, after, int(min(limit, bot.MaxEventsPage)))
		if err != nil || len(es) > 0 || wait == 0 {
			a.forget(p.Bot.ID, c)
			if err != nil {
				return err
			}
			return writeEvents(w, es, next)
		}
		if next > after { // only events this token may not see: read on
			a.forget(p.Bot.ID, c)
			after = next
			continue
		}
		select {
		case <-c:
		case <-ctx.Done():
			a.forget(p.Bot.ID, c)
			return writeEvents(w, nil, after)
		}
	}
}

func writeEvents(w http.ResponseWriter, es []bot.Event, next int64) error {
	out := make([]bot.Envelope, len(es))
	for i, e := range es {
		out[i] = bot.EnvelopeOf(e)
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": out, "next": next})
	return nil
}
