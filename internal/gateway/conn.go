package gateway

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/coder/websocket"
	"google.golang.org/protobuf/proto"

	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/hongyan"
)

const (
	outQueue       = 64   // frames queued for a client before it counts as too slow
	maxPending     = 1024 // pushed changes held before falling back to the store
	maxConcurrent  = 64   // requests of one connection handled at once
	syncPageMax    = 1000
	syncPageDef    = 500
	maxQRWait      = 60 * time.Second
	errFrameClosed = "connection closed"
)

// conn is one client connection. Three goroutines serve it: the reader
// (requests), the writer (frames out, and live pushes), and short-lived
// request goroutines for requests that wait (sends, QR login claims).
type conn struct {
	g    *Gateway
	ws   *websocket.Conn
	addr string

	ctx    context.Context // cancelled when the connection ends
	cancel context.CancelFunc
	out    chan outFrame // encoded frames to write
	wake   chan struct{} // new changes are pending
	sem    chan struct{} // bounds concurrent requests

	mu      sync.Mutex // guards the fields below
	caller  hongyan.Caller
	sub     hongyan.Subscription
	live    bool             // the device caught up; push from sent on
	sent    int64            // last change-log seq this device was given
	pending []hongyan.Change // pushed changes not yet delivered
	gap     bool             // pending overflowed: read from the store
	peers   map[hongyan.ConversationID]hongyan.UserID
	mine    map[string]bool // client IDs sent on this connection, their copy not yet pushed
	busy    int             // requests being handled
	kicked  bool            // signed out: close once the requests in hand are answered

	pushMu sync.Mutex // serialises sync responses and live pushes
}

func newConn(g *Gateway, ws *websocket.Conn, addr string) *conn {
	return &conn{
		g: g, ws: ws, addr: addr,
		out:  make(chan outFrame, outQueue),
		wake: make(chan struct{}, 1),
		sem:  make(chan struct{}, maxConcurrent),
	}
}

func (c *conn) serve(parent context.Context) {
	c.ctx, c.cancel = context.WithCancel(context.Background())
	defer c.cancel()
	go c.writeLoop()
	c.readLoop()
	c.mu.Lock()
	sub := c.sub
	c.sub = nil
	c.mu.Unlock()
	if sub != nil {
		sub.Unsubscribe()
	}
}

func (c *conn) identity() (hongyan.Caller, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.caller, c.caller.User != 0
}

func (c *conn) readLoop() {
	for {
		typ, data, err := c.ws.Read(c.ctx)
		if err != nil {
			if errors.Is(err, websocket.ErrMessageTooBig) {
				c.ws.Close(websocket.StatusMessageTooBig, "frame too large")
			}
			c.cancel()
			return
		}
		if typ != websocket.MessageBinary {
			c.send(errorFrame(0, hongyan.Errorf(hongyan.CodeInvalid, "frames must be binary protobuf")))
			continue
		}
		var f pb.ClientFrame
		if err := proto.Unmarshal(data, &f); err != nil {
			c.send(errorFrame(0, hongyan.Errorf(hongyan.CodeInvalid, "malformed frame")))
			continue
		}
		if waits(&f) {
			select {
			case c.sem <- struct{}{}:
			case <-c.ctx.Done():
				return
			}
			go func() {
				defer func() { <-c.sem }()
				c.handle(&f)
			}()
			continue
		}
		c.handle(&f)
	}
}

// waits reports whether a request may wait long (for a commit or for
// another device) and so runs beside the reader.
func waits(f *pb.ClientFrame) bool {
	switch f.Req.(type) {
	case *pb.ClientFrame_Send, *pb.ClientFrame_Forward, *pb.ClientFrame_Recall, *pb.ClientFrame_Broadcast, *pb.ClientFrame_QrLoginClaim:
		return true
	}
	return false
}

// maxMine bounds the client IDs a connection remembers for compact copies;
// past it they are forgotten, which only costs bytes.
const maxMine = 1024

// sentHere records that this connection is sending clientID, so that the
// message's copy pushed back to it can be compact.
func (c *conn) sentHere(clientID string, sending bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !sending {
		delete(c.mine, clientID)
		return
	}
	if c.mine == nil || len(c.mine) >= maxMine {
		c.mine = make(map[string]bool)
	}
	c.mine[clientID] = true
}

// takeMine reports whether this connection sent clientID and forgets it.
func (c *conn) takeMine(clientID string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.mine[clientID] {
		return false
	}
	delete(c.mine, clientID)
	return true
}

// outFrame is an encoded frame; last closes the connection after it.
type outFrame struct {
	b    []byte
	last bool
}

// send queues a frame for the client. A client whose queue is full is too
// slow to keep: it is disconnected and will catch up from its cursor.
func (c *conn) send(f *pb.ServerFrame) {
	b, err := proto.Marshal(f)
	if err != nil {
		c.g.log.Error("marshal frame", "err", err)
		return
	}
	select {
	case c.out <- outFrame{b: b}:
	case <-c.ctx.Done():
	default:
		c.g.log.Warn("client too slow; disconnecting", "addr", c.addr)
		c.ws.Close(websocket.StatusTryAgainLater, "too slow")
		c.cancel()
	}
}

func (c *conn) writeLoop() {
	for {
		select {
		case f := <-c.out:
			if err := c.write(f.b); err != nil {
				c.cancel()
				return
			}
			if f.last {
				c.ws.Close(websocket.StatusPolicyViolation, "signed out")
				c.cancel()
				return
			}
		case <-c.wake:
			c.push()
		case <-c.ctx.Done():
			return
		}
	}
}

func (c *conn) write(b []byte) error {
	ctx, cancel := context.WithTimeout(c.ctx, c.g.opt.WriteTimeout)
	defer cancel()
	return c.ws.Write(ctx, websocket.MessageBinary, b)
}

// onEvent receives the bus events of this connection's user. It runs on
// the publisher's goroutine, so it only records and signals.
func (c *conn) onEvent(data []byte) {
	e, err := hongyan.DecodeEvent(data)
	if err != nil {
		c.g.log.Error("bad bus event", "err", err)
		return
	}
	switch e.Kind {
	case hongyan.EventChanges:
		c.mu.Lock()
		if len(c.pending)+len(e.Changes) > maxPending {
			c.pending, c.gap = nil, true
		} else {
			c.pending = append(c.pending, e.Changes...)
		}
		c.mu.Unlock()
		select {
		case c.wake <- struct{}{}:
		default:
		}
	case hongyan.EventTyping:
		c.trySend(&pb.ServerFrame{Body: &pb.ServerFrame_Typing{Typing: &pb.TypingPush{
			Conversation: int64(e.Conversation), User: int64(e.From)}}})
	case hongyan.EventDeviceRevoked:
		me, _ := c.identity()
		if e.Device == 0 || e.Device == me.Device {
			c.kick()
		}
	}
}

// trySend queues an ephemeral frame, dropping it if the client is behind.
func (c *conn) trySend(f *pb.ServerFrame) {
	b, err := proto.Marshal(f)
	if err != nil {
		return
	}
	select {
	case c.out <- outFrame{b: b}:
	default:
	}
}

// kick tells a signed-out device so and closes its connection, after the
// answers to the requests it is handling (such as its own logout).
func (c *conn) kick() {
	c.mu.Lock()
	c.kicked = true
	now := c.busy == 0
	c.mu.Unlock()
	if now {
		c.sendKicked()
	}
}

func (c *conn) sendKicked() {
	b, _ := proto.Marshal(&pb.ServerFrame{Body: &pb.ServerFrame_Kicked{Kicked: &pb.Kicked{Reason: "signed out"}}})
	select {
	case c.out <- outFrame{b: b, last: true}:
	default:
		c.ws.Close(websocket.StatusPolicyViolation, "signed out")
		c.cancel()
	}
}

// begin and end bracket the handling of one request.
func (c *conn) begin() {
	c.mu.Lock()
	c.busy++
	c.mu.Unlock()
}

func (c *conn) end() {
	c.mu.Lock()
	c.busy--
	kick := c.kicked && c.busy == 0
	c.mu.Unlock()
	if kick {
		c.sendKicked()
	}
}

// push delivers pending changes to a device that has caught up. Changes
// at or below the device's position are dropped; a gap (a missed or
// overflowed event) is filled from the store, so the device always gets
// every entry once, in order.
func (c *conn) push() {
	c.pushMu.Lock()
	defer c.pushMu.Unlock()
	c.mu.Lock()
	if !c.live {
		c.mu.Unlock()
		return
	}
	pending, gap, sent, me := c.pending, c.gap, c.sent, c.caller
	c.pending, c.gap = nil, false
	c.mu.Unlock()

	var fresh []hongyan.Change
	for _, ch := range pending {
		if ch.Seq > sent {
			fresh = append(fresh, ch)
		}
	}
	if len(fresh) == 0 && !gap {
		return
	}
	contiguous := !gap
	for i, ch := range fresh {
		if ch.Seq != sent+int64(i)+1 {
			contiguous = false
			break
		}
	}
	ctx, cancel := context.WithTimeout(c.ctx, 30*time.Second)
	defer cancel()
	if !contiguous {
		// Read everything after sent from the store, page by page.
		for {
			page, err := c.g.s.Changes.After(ctx, me.User, sent, syncPageMax)
			if err != nil {
				c.g.log.Error("push: read change log", "err", err)
				c.ws.Close(websocket.StatusInternalError, "sync failed; reconnect")
				c.cancel()
				return
			}
			if len(page) == 0 {
				break
			}
			if !c.pushPage(ctx, me, page) {
				return
			}
			sent = page[len(page)-1].Seq
			c.setSent(sent)
			if len(page) < syncPageMax {
				break
			}
		}
		return
	}
	if c.pushPage(ctx, me, fresh) {
		c.setSent(fresh[len(fresh)-1].Seq)
	}
}

func (c *conn) setSent(seq int64) {
	c.mu.Lock()
	if seq > c.sent {
		c.sent = seq
	}
	c.mu.Unlock()
}

func (c *conn) pushPage(ctx context.Context, me hongyan.Caller, changes []hongyan.Change) bool {
	items, err := c.fill(ctx, me, changes)
	if err != nil {
		c.g.log.Error("push: fill changes", "err", err)
		c.ws.Close(websocket.StatusInternalError, "sync failed; reconnect")
		c.cancel()
		return false
	}
	c.send(&pb.ServerFrame{Body: &pb.ServerFrame_Changes{Changes: &pb.SyncResponse{Changes: items}}})
	c.g.m.pushes.Add(float64(len(items)))
	return true
}
