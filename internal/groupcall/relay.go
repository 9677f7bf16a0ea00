package groupcall

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"hongyan/internal/hongyan"
)

// A device connected to one node joins a room hosted by another: the
// request is relayed to the host over the bus, on the host's subject,
// and the answer comes back on the asker's, matched by an ID.

// The relayed operations.
const (
	opJoin   = "join"
	opAnswer = "answer"
	opLeave  = "leave"
	opFloor  = "floor"
)

// request is one relayed request; response its answer.
type request struct {
	ID     uint64                 `json:"i"`
	From   string                 `json:"f"` // the asking node
	Op     string                 `json:"o"`
	Group  hongyan.ConversationID `json:"g"`
	Kind   Kind                   `json:"k"`
	User   hongyan.UserID         `json:"u"`
	Device hongyan.DeviceID       `json:"d,omitempty"`
	SDP    string                 `json:"s,omitempty"`
	Take   bool                   `json:"t,omitempty"`
}

type response struct {
	ID      uint64       `json:"i"`
	Code    hongyan.Code `json:"c,omitempty"`
	Message string       `json:"m,omitempty"`
	Moved   bool         `json:"mv,omitempty"` // the node does not host the room (any more)
	Offer   string       `json:"o,omitempty"`
	Speaker bool         `json:"sp,omitempty"`
	Room    Room         `json:"r"`
	Floor   Floor        `json:"fl"`
}

// Bounds of what the bus carries: an SDP of MaxSDP bytes escaped in JSON
// (at most six bytes each, "\u00XX"), and a room.
const (
	maxNode     = 64
	maxRequest  = 6*MaxSDP + 1024
	maxResponse = 6*MaxSDP + maxRoomBytes + 1024
	// maxInFlight bounds the relayed requests a host handles at once;
	// past it, it answers unavailable.
	maxInFlight = 256
)

var errBadRelay = errors.New("malformed group call relay message")

func validNode(n string) bool {
	if n == "" || len(n) > maxNode {
		return false
	}
	for _, c := range n {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// decodeRequest decodes a relayed request; malformed or oversized input
// is an error, never a panic.
func decodeRequest(b []byte) (request, error) {
	var q request
	if len(b) > maxRequest {
		return q, errBadRelay
	}
	if err := json.Unmarshal(b, &q); err != nil {
		return request{}, errBadRelay
	}
	switch {
	case !validNode(q.From), !q.Kind.valid(), q.Group <= 0, q.User <= 0, len(q.SDP) > MaxSDP:
		return request{}, errBadRelay
	case q.Op != opJoin && q.Op != opAnswer && q.Op != opLeave && q.Op != opFloor:
		return request{}, errBadRelay
	}
	return q, nil
}

// decodeResponse decodes a relayed answer, bounded as decodeRequest.
func decodeResponse(b []byte) (response, error) {
	var r response
	if len(b) > maxResponse {
		return r, errBadRelay
	}
	if err := json.Unmarshal(b, &r); err != nil || r.ID == 0 || len(r.Offer) > 2*MaxSDP || len(r.Message) > 1024 {
		return response{}, errBadRelay
	}
	return r, nil
}

func nodeSubject(node string) string  { return "hy.groupcall." + node }
func replySubject(node string) string { return "hy.groupcall." + node + ".r" }

type relay struct {
	s        *Service
	ids      atomic.Uint64
	inflight chan struct{}
	subs     []hongyan.Subscription

	mu      sync.Mutex
	pending map[uint64]chan response
}

func newRelay(s *Service) *relay {
	r := &relay{s: s, inflight: make(chan struct{}, maxInFlight), pending: map[uint64]chan response{}}
	bus := s.pub.Bus
	if bus == nil {
		return r
	}
	for subject, fn := range map[string]func([]byte){nodeSubject(s.cfg.Node): r.serve, replySubject(s.cfg.Node): r.answered} {
		sub, err := bus.Subscribe(subject, fn)
		if err != nil {
			s.cfg.Log.Warn("group call relay: subscribing", "subject", subject, "err", err)
			continue
		}
		r.subs = append(r.subs, sub)
	}
	return r
}

func (r *relay) close() {
	for _, sub := range r.subs {
		sub.Unsubscribe()
	}
}

// ask relays q to node and waits for its answer.
func (r *relay) ask(ctx context.Context, node string, q request) (response, error) {
	if r.s.pub.Bus == nil || !validNode(node) {
		return response{}, hongyan.Errorf(hongyan.CodeUnavailable, "the group call's node cannot be reached")
	}
	q.ID, q.From = r.ids.Add(1), r.s.cfg.Node
	ch := make(chan response, 1)
	r.mu.Lock()
	r.pending[q.ID] = ch
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		delete(r.pending, q.ID)
		r.mu.Unlock()
	}()
	b, _ := json.Marshal(q) // plain fields: cannot fail
	if err := r.s.pub.Bus.Publish(ctx, nodeSubject(node), b); err != nil {
		return response{}, hongyan.Wrap(err, hongyan.CodeUnavailable, "the group call's node cannot be reached")
	}
	t := time.NewTimer(r.s.cfg.RelayTimeout)
	defer t.Stop()
	select {
	case resp := <-ch:
		switch {
		case resp.Moved:
			return resp, errNotHost
		case resp.Code != "":
			return resp, hongyan.Errorf(resp.Code, "%s", resp.Message)
		}
		return resp, nil
	case <-t.C:
		return response{}, hongyan.Errorf(hongyan.CodeUnavailable, "the group call's node did not answer")
	case <-ctx.Done():
		return response{}, hongyan.Wrap(ctx.Err(), hongyan.CodeUnavailable, "the group call's node did not answer")
	}
}

// answered hands an answer to the request waiting for it.
func (r *relay) answered(b []byte) {
	resp, err := decodeResponse(b)
	if err != nil {
		r.s.cfg.Log.Warn("group call relay: malformed answer", "bytes", len(b))
		return
	}
	r.mu.Lock()
	ch := r.pending[resp.ID]
	r.mu.Unlock()
	if ch != nil {
		select {
		case ch <- resp:
		default:
		}
	}
}

// serve handles a request relayed to this node, off the bus's goroutine.
func (r *relay) serve(b []byte) {
	q, err := decodeRequest(b)
	if err != nil {
		r.s.cfg.Log.Warn("group call relay: malformed request", "bytes", len(b))
		return
	}
	select {
	case r.inflight <- struct{}{}:
	default:
		r.reply(q, response{ID: q.ID, Code: hongyan.CodeUnavailable, Message: "the group call's node is busy"})
		return
	}
	go func() {
		defer func() { <-r.inflight }()
		ctx, cancel := context.WithTimeout(context.Background(), r.s.cfg.RelayTimeout)
		defer cancel()
		r.reply(q, r.s.handle(ctx, q))
	}()
}

func (r *relay) reply(q request, resp response) {
	resp.ID = q.ID
	b, _ := json.Marshal(resp)
	ctx, cancel := context.WithTimeout(context.Background(), r.s.cfg.RelayTimeout)
	defer cancel()
	if err := r.s.pub.Bus.Publish(ctx, replySubject(q.From), b); err != nil {
		r.s.cfg.Log.Warn("group call relay: answering", "node", q.From, "err", err)
	}
}

// handle does a relayed request as the room's host.
func (s *Service) handle(ctx context.Context, q request) response {
	k := key{q.Group, q.Kind}
	var resp response
	var err error
	if q.Op != opJoin {
		// Any other request is for a room this node hosts.
		r, _, ok, lerr := s.load(ctx, k)
		if lerr != nil {
			err = lerr
		} else if !ok || r.Host != s.cfg.Node {
			err = errNotHost
		}
	}
	if err == nil {
		me := hongyan.Caller{User: q.User, Device: q.Device}
		switch q.Op {
		case opJoin:
			var sess Session
			sess, err = s.hostJoin(ctx, k, me)
			resp.Room, resp.Offer, resp.Speaker = sess.Room, sess.Offer, sess.Speaker
		case opAnswer:
			err = s.hostAnswer(ctx, k, q.User, q.SDP)
		case opLeave:
			resp.Room, err = s.leave(ctx, k, q.User, "")
		case opFloor:
			resp.Floor, err = s.hostFloor(ctx, k, q.User, q.Take)
		}
	}
	switch {
	case errors.Is(err, errNotHost):
		resp.Moved = true
	case err != nil:
		resp.Code = hongyan.ErrorCode(err)
		resp.Message = "the group call's node refused the request"
		var e *hongyan.Error
		if errors.As(err, &e) {
			resp.Message = e.Message
		}
	}
	return resp
}
