package botapi

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/coder/websocket"

	"hongyan/internal/bot"
	"hongyan/internal/hongyan"
)

// The event stream: GET /bot/v1/events/stream?after=SEQ upgrades to a
// WebSocket on which the server sends each event after SEQ, in order, as
// one JSON text frame (the envelope long polling and webhooks show), and
// the bot answers {"ack": SEQ} for what it has handled. At most Window
// events are sent and not yet acknowledged: that is the send queue, and a
// bot that acknowledges nothing for Idle is disconnected. The server keeps
// no acknowledgement: a bot reconnects with after= the last event it
// handled. The events are those of long polling, read by the same
// Service.Events under the same token.

// Close codes of the stream (RFC 6455 §7.4: 4000–4999 are the
// application's).
const (
	CloseRevoked  websocket.StatusCode = 4001 // the token was revoked or the bot is gone
	CloseReplaced websocket.StatusCode = 4002 // a newer stream was opened with the same token
	CloseIdle     websocket.StatusCode = 4008 // no acknowledgement or pong within the idle timeout
)

// MaxClientFrame bounds a frame from the bot ({"ack": SEQ} is short).
const MaxClientFrame = 256

// StreamConfig bounds event streams.
type StreamConfig struct {
	Window       int           // events sent and not yet acknowledged (at most bot.MaxEventsPage)
	Ping         time.Duration // between pings (and idle checks)
	Idle         time.Duration // no ack of a sent event, or no pong, for this long closes the stream
	Recheck      time.Duration // how often the token is checked again (revocations the bus lost)
	WriteTimeout time.Duration // one frame's write
}

// DefaultStreamConfig is a node's stream limits.
func DefaultStreamConfig() StreamConfig {
	return StreamConfig{Window: bot.MaxEventsPage, Ping: 20 * time.Second, Idle: 60 * time.Second, Recheck: 30 * time.Second, WriteTimeout: 10 * time.Second}
}

// SetStreamConfig replaces the stream limits (before serving).
func (a *API) SetStreamConfig(c StreamConfig) {
	d := DefaultStreamConfig()
	if c.Window <= 0 || c.Window > bot.MaxEventsPage {
		c.Window = d.Window
	}
	if c.Ping <= 0 {
		c.Ping = d.Ping
	}
	if c.Idle <= 0 {
		c.Idle = d.Idle
	}
	if c.Recheck <= 0 {
		c.Recheck = d.Recheck
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = d.WriteTimeout
	}
	a.hub.mu.Lock()
	a.hub.cfg = c
	a.hub.mu.Unlock()
}

// Fanout tells every node of new streams and revoked tokens, so that a
// token has one stream across nodes and a revoked token's streams end at
// once (the node fills it from the bus; without one, this node only).
type Fanout interface {
	StreamOpened(token int64, opened int64, id string)
	TokenRevoked(token int64)
}

// SetFanout sets where streams and revocations are announced.
func (a *API) SetFanout(f Fanout) {
	a.hub.mu.Lock()
	a.hub.fan = f
	a.hub.mu.Unlock()
}

// StreamOpened ends this node's streams of token opened before (opened,
// id): a newer stream replaces an older one.
func (a *API) StreamOpened(token int64, opened int64, id string) {
	a.hub.each(token, func(s *stream) {
		if s.opened < opened || (s.opened == opened && s.id < id) {
			s.end(CloseReplaced, "replaced by a newer stream with this token")
		}
	})
}

// TokenRevoked ends this node's streams of token.
func (a *API) TokenRevoked(token int64) {
	a.hub.each(token, func(s *stream) { s.end(CloseRevoked, "the token was revoked") })
}

// CloseStreams ends every stream of this node (it is shutting down).
func (a *API) CloseStreams() {
	a.hub.mu.Lock()
	var all []*stream
	for _, ss := range a.hub.live {
		all = append(all, ss...)
	}
	a.hub.mu.Unlock()
	for _, s := range all {
		s.end(websocket.StatusGoingAway, "the server is shutting down")
	}
}

// hub holds a node's live streams by token. Its zero value is ready.
type hub struct {
	mu   sync.Mutex
	cfg  StreamConfig
	fan  Fanout
	live map[int64][]*stream
}

func (h *hub) each(token int64, fn func(*stream)) {
	h.mu.Lock()
	ss := append([]*stream(nil), h.live[token]...)
	h.mu.Unlock()
	for _, s := range ss {
		fn(s)
	}
}

func (h *hub) add(s *stream) (StreamConfig, Fanout) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.live == nil {
		h.live = map[int64][]*stream{}
	}
	h.live[s.token] = append(h.live[s.token], s)
	cfg := h.cfg
	if cfg.Window == 0 {
		cfg = DefaultStreamConfig()
	}
	return cfg, h.fan
}

func (h *hub) remove(s *stream) {
	h.mu.Lock()
	defer h.mu.Unlock()
	ss := h.live[s.token]
	for i, x := range ss {
		if x == s {
			ss = append(ss[:i], ss[i+1:]...)
			break
		}
	}
	if len(ss) == 0 {
		delete(h.live, s.token)
	} else {
		h.live[s.token] = ss
	}
}

// stream is one live event stream.
type stream struct {
	token  int64
	id     string
	opened int64 // Unix nanoseconds

	once   sync.Once
	code   websocket.StatusCode
	reason string
	cancel context.CancelFunc // ends the send loop
}

// end makes the stream close with code and reason (the first call wins).
func (s *stream) end(code websocket.StatusCode, reason string) {
	s.once.Do(func() {
		s.code, s.reason = code, reason
		s.cancel()
	})
}

func newStreamID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// ackFrame is what a bot sends on its stream.
type ackFrame struct {
	Ack *int64 `json:"ack"`
}

// events/stream: see the comment at the top of this file.
func (a *API) stream(w http.ResponseWriter, r *http.Request, p bot.Principal) error {
	after := int64(0)
	if s := r.URL.Query().Get("after"); s != "" {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v < 0 {
			return hongyan.Errorf(hongyan.CodeInvalid, "after must be a number ≥ 0")
		}
		after = v
	}
	// connCtx outlives the send loop so that the close handshake can run.
	connCtx, connDone := context.WithCancel(context.WithoutCancel(r.Context()))
	defer connDone()
	ctx, cancel := context.WithCancel(connCtx)
	defer cancel()
	// Registered before the upgrade is answered: a revocation the bot
	// could see happen after its stream opened must find the stream.
	s := &stream{token: p.Token.ID, id: newStreamID(), opened: time.Now().UnixNano(), cancel: cancel}
	cfg, fan := a.hub.add(s)
	defer a.hub.remove(s)
	a.StreamOpened(s.token, s.opened, s.id)
	if fan != nil {
		fan.StreamOpened(s.token, s.opened, s.id)
	}
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		return nil // Accept answered with the HTTP error
	}
	conn.SetReadLimit(MaxClientFrame)

	acks := make(chan int64)
	go func() {
		for {
			typ, data, err := conn.Read(connCtx)
			if err != nil {
				s.end(websocket.CloseStatus(err), "") // gone, or a frame over the limit (closed with 1009)
				return
			}
			if typ != websocket.MessageText {
				s.end(websocket.StatusUnsupportedData, `send text frames: {"ack": SEQ}`)
				return
			}
			var f ackFrame
			if DecodeJSON(bytes.NewReader(data), &f) != nil || f.Ack == nil {
				s.end(websocket.StatusInvalidFramePayloadData, `a frame is {"ack": SEQ}`)
				return
			}
			select {
			case acks <- *f.Ack:
			case <-ctx.Done():
				return
			}
		}
	}()

	a.sendEvents(ctx, connCtx, conn, s, cfg, p, after, acks)
	s.end(-1, "") // no-op when ended already; orders the reads below after the end
	if s.code == 0 || s.code == -1 || s.code == websocket.StatusNoStatusRcvd || s.code == websocket.StatusAbnormalClosure {
		conn.CloseNow()
		return nil
	}
	conn.Close(s.code, s.reason)
	return nil
}

// sendEvents sends p's bot's events after seq after until ctx ends,
// keeping at most cfg.Window unacknowledged.
func (a *API) sendEvents(ctx, connCtx context.Context, conn *websocket.Conn, s *stream, cfg StreamConfig, p bot.Principal, after int64, acks <-chan int64) {
	cursor := after // read up to here (events p may not see included)
	acked, lastSent := after, after
	var inflight []int64 // seqs sent and not acknowledged, ascending
	lastAck := time.Now()
	ping := time.NewTicker(cfg.Ping)
	defer ping.Stop()
	recheck := time.NewTicker(cfg.Recheck)
	defer recheck.Stop()
	var pong sync.Mutex // one ping at a time
	for ctx.Err() == nil {
		wake := a.wait(p.Bot.ID) // before reading: a Notify in between is not lost
		if room := cfg.Window - len(inflight); room > 0 {
			es, next, err := a.svc.Events(ctx, p, cursor, room)
			if err != nil {
				a.forget(p.Bot.ID, wake)
				if ctx.Err() == nil {
					a.log.Error("bot event stream", "bot", p.Bot.ID, "err", err)
					s.end(websocket.StatusInternalError, "reading events failed; reconnect")
				}
				return
			}
			for _, e := range es {
				raw, _ := json.Marshal(bot.EnvelopeOf(e))
				wctx, done := context.WithTimeout(connCtx, cfg.WriteTimeout)
				err := conn.Write(wctx, websocket.MessageText, raw)
				done()
				if err != nil {
					a.forget(p.Bot.ID, wake)
					s.end(websocket.StatusAbnormalClosure, "")
					return
				}
				if len(inflight) == 0 {
					lastAck = time.Now() // the idle clock starts with the first unacknowledged event
				}
				inflight = append(inflight, e.Seq)
				lastSent = e.Seq
			}
			if next > cursor {
				cursor = next
				a.forget(p.Bot.ID, wake)
				continue
			}
		}
		select {
		case <-wake:
		case n := <-acks:
			if n < acked || n > lastSent {
				s.end(websocket.StatusPolicyViolation, "ack "+strconv.FormatInt(n, 10)+" is not between "+strconv.FormatInt(acked, 10)+" and "+strconv.FormatInt(lastSent, 10))
				break
			}
			for len(inflight) > 0 && inflight[0] <= n {
				inflight = inflight[1:]
			}
			acked, lastAck = n, time.Now()
		case <-ping.C:
			if len(inflight) > 0 && time.Since(lastAck) > cfg.Idle {
				s.end(CloseIdle, "no ack within "+cfg.Idle.String())
				break
			}
			if pong.TryLock() {
				go func() {
					defer pong.Unlock()
					pctx, done := context.WithTimeout(ctx, cfg.Idle)
					defer done()
					if err := conn.Ping(pctx); err != nil && ctx.Err() == nil {
						s.end(CloseIdle, "no pong within "+cfg.Idle.String())
					}
				}()
			}
		case <-recheck.C:
			if err := a.svc.Recheck(ctx, p); err != nil && ctx.Err() == nil {
				if c := hongyan.ErrorCode(err); c == hongyan.CodeUnauth || c == hongyan.CodeNotFound {
					s.end(CloseRevoked, "the token was revoked or the bot is gone")
				}
			}
		case <-ctx.Done():
		}
		a.forget(p.Bot.ID, wake)
	}
}

// revoke answers DELETE /bot/v1/token: the token the request carries is
// revoked, and its event streams end on every node.
func (a *API) revoke(w http.ResponseWriter, r *http.Request, p bot.Principal) error {
	if err := a.svc.Revoke(r.Context(), p); err != nil {
		return err
	}
	a.TokenRevoked(p.Token.ID)
	a.hub.mu.Lock()
	fan := a.hub.fan
	a.hub.mu.Unlock()
	if fan != nil {
		fan.TokenRevoked(p.Token.ID)
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true})
	return nil
}
