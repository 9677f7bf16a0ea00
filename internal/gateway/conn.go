package gateway

import (
	"context"
	"errors"
	"net"
	"os"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"

	"hongyan/internal/changelog"
	"hongyan/internal/gateway/ws"
	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/hongyan"
)

const (
	outQueue       = 64 // frames queued for a client before it counts as too slow
	inQueue        = 64 // requests read ahead of the one being handled
	maxConcurrent  = 64 // requests of one connection handled at once
	maxQRWait      = 60 * time.Second
	closeWait      = 5 * time.Second // how long a closing client has to answer the close frame
	errFrameClosed = "connection closed"
)

// conn is one client connection. It is built so that an idle connection
// costs little: one goroutine (the reader, with a minimal stack, blocked
// reading the next frame header) and no buffers. Everything else runs on
// demand and ends when there is nothing left to do:
//
//   - the handler goroutine handles the requests read, in order, and exits
//     when none are left; requests that may wait long (sends, QR login
//     claims) run on goroutines of their own beside it;
//   - the writer goroutine writes queued frames (several per system call
//     when they pile up) and delivers pending live pushes, and exits when
//     both are done.
//
// The WebSocket protocol (RFC 6455, server side, without extensions) is
// spoken directly on the hijacked connection, through package ws: the
// libraries at hand keep buffers and a second goroutine per connection for
// its whole life, which was most of the memory of an idle connection (see
// BENCHMARKS.md, w2-idle, and docs/architecture.md).
type conn struct {
	g    *Gateway
	nc   net.Conn
	addr string

	life connCtx       // cancelled when the connection ends; see context
	wake chan struct{} // new changes are pending
	sem  chan struct{} // bounds concurrent requests; made by the first request that waits

	mu     sync.Mutex // guards the fields below
	caller hongyan.Caller
	sub    hongyan.Subscription
	peers  map[hongyan.ConversationID]hongyan.UserID
	mine   map[string]bool // client IDs sent on this connection, their copy not yet pushed
	// helloBy: when (mono) a connection that has not said hello is
	// closed.
	helloBy  int64
	in       []inFrame     // requests read and not yet handled
	inBytes  int32         // their bytes
	busy     int32         // requests being handled
	room     chan struct{} // signals the reader that the request queue has room (made when first full)
	out      []outFrame    // frames to write
	kicked   bool          // signed out: close once the requests in hand are answered
	draining bool          // the node drains: close once the requests in hand are answered
	handling bool          // the handler goroutine is running
	full     bool          // the reader waits for room in the request queue
	writing  bool          // the writer goroutine is running
	closing  bool          // a close frame is on its way; nothing more is written

	// unauth: counted among the node's unauthenticated connections;
	// guarded by g.mu.
	unauth bool
	// closeSent is set once the close frame is written; guarded by wmu.
	closeSent bool

	pushMu sync.Mutex // serialises sync responses and live pushes
	wmu    sync.Mutex // serialises writes to nc

	feed changelog.Live // the device's live feed, once it has caught up
	rd   ws.Reader      // the client's frames (the reader goroutine's alone)
}

// context is the connection's lifetime context, cancelled when it ends.
func (c *conn) context() context.Context { return &c.life }

// epoch starts the clock of mono.
var epoch = time.Now()

// mono is a monotonic clock reading in nanoseconds, never 0: a time kept
// in 8 bytes instead of a time.Time's 24.
func mono() int64 { return int64(time.Since(epoch)) + 1 }

// inFrame is a data message read from the client.
type inFrame struct {
	binary bool
	data   []byte
}

// outFrame is an encoded frame. A frame with a close code (last) closes
// the connection after it, with that code and reason.
type outFrame struct {
	b      []byte
	op     ws.Opcode // 0 means binary
	close  ws.StatusCode
	reason string
}

func (f outFrame) last() bool { return f.close != 0 }

func newConn(g *Gateway, nc net.Conn, addr string, pre []byte) *conn {
	c := &conn{
		g: g, nc: nc, addr: addr,
		wake: make(chan struct{}, 1),
	}
	c.rd.Reset(nc, pre, int64(g.opt.MaxUnauthenticatedBytes), g.budget)
	return c
}

// cancel ends the connection's context.
func (c *conn) cancel() { c.life.cancel() }

// connCtx is a connection's lifetime context. Unlike context.WithCancel,
// which keeps a map of the contexts derived from it for as long as it
// lives, it lets each request's context register through AfterFunc and
// keeps nothing once the request is done: an idle connection holds no
// more than these fields.
type connCtx struct {
	mu       sync.Mutex
	done     chan struct{} // made on first use; closed by cancel
	canceled bool
	after    []*func() // functions to run (each on its own goroutine) on cancel
	reqs     *reqCtx   // the requests in hand (see reqCtx), ended on cancel
}

// closedChan is the Done channel of contexts cancelled before anyone asked.
var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

func (x *connCtx) Deadline() (time.Time, bool) { return time.Time{}, false }
func (x *connCtx) Value(any) any               { return nil }

func (x *connCtx) Done() <-chan struct{} {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.done == nil {
		x.done = make(chan struct{})
		if x.canceled {
			x.done = closedChan
		}
	}
	return x.done
}

func (x *connCtx) Err() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.canceled {
		return context.Canceled
	}
	return nil
}

// AfterFunc arranges for f to run on its own goroutine once x is
// cancelled, unless stop is called first (context.AfterFunc's contract;
// the context package uses it to cancel contexts derived from x).
func (x *connCtx) AfterFunc(f func()) (stop func() bool) {
	x.mu.Lock()
	if x.canceled {
		x.mu.Unlock()
		go f()
		return func() bool { return false }
	}
	p := &f
	x.after = append(x.after, p)
	x.mu.Unlock()
	return func() bool {
		x.mu.Lock()
		defer x.mu.Unlock()
		for i, q := range x.after {
			if q == p {
				x.after = append(x.after[:i], x.after[i+1:]...)
				if len(x.after) == 0 {
					x.after = nil
				}
				return true
			}
		}
		return false
	}
}

func (x *connCtx) cancel() {
	x.mu.Lock()
	if x.canceled {
		x.mu.Unlock()
		return
	}
	x.canceled = true
	if x.done == nil {
		x.done = closedChan
	} else {
		close(x.done)
	}
	after := x.after
	x.after = nil
	x.cancelRequestsLocked()
	x.mu.Unlock()
	for _, f := range after {
		go (*f)()
	}
}

func (x *connCtx) String() string { return "gateway.connCtx" }

// serve reads the connection until it ends, then releases it. It runs on
// a goroutine of its own (the HTTP server's goroutine has returned), whose
// stack stays at the minimum: it only reads frames and queues them, and
// while it waits for one (an idle connection) its frames are few and
// small (TestIdleConnStack).
func (c *conn) serve() {
	for {
		if err := c.rd.Wait(); err != nil {
			c.readEnded(err)
			break
		}
		if !c.readOne() {
			break
		}
	}
	c.release()
	c.g.forget(c)
}

// release frees what an ended connection holds.
func (c *conn) release() {
	c.rd.Close()
	c.nc.Close()
	c.cancel()
	c.mu.Lock()
	sub := c.sub
	c.sub = nil
	c.closing = true
	c.out = nil
	c.dropRequestsLocked()
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

// readOne reads the frame that began to arrive (and any that complete a
// message): a data message goes to the request queue, control frames are
// answered. After the server began closing it only waits (at most
// closeWait) for the client's close frame. It reports false when the
// connection is to end. It keeps its own stack small (no buffers on it,
// no request handled on it).
func (c *conn) readOne() bool {
	m, err := c.rd.Next()
	if err != nil {
		return c.readFailed(err)
	}
	return c.onMessage(m)
}

// readFailed handles Next's error: a protocol violation closes the
// connection with its status (the reader then waits for the client's
// close); anything else ends it. It reports whether to read on.
func (c *conn) readFailed(err error) bool {
	var ce *ws.CloseError
	if errors.As(err, &ce) && c.markClosing() {
		c.closeWith(ce.Code, ce.Reason)
		c.rd.Closing()
		return true
	}
	c.readEnded(err)
	return false
}

// readEnded handles the end of reading: a connection that did not say
// hello in time is told so (1008) before it is dropped.
func (c *conn) readEnded(err error) {
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		return
	}
	if _, authed := c.identity(); !authed && c.markClosing() {
		c.cancel()
		c.writeClose(ws.StatusPolicyViolation, "hello timeout")
	}
}

// onMessage handles a message or control frame read; it reports whether
// to read on.
func (c *conn) onMessage(m ws.Message) bool {
	switch m.Op {
	case ws.OpClose:
		if c.markClosing() {
			// Answer with the client's status, then end.
			c.cancel()
			c.writeClose(m.Code, "")
		}
		return false
	case ws.OpPing:
		c.queue(outFrame{b: m.Data, op: ws.OpPong})
	case ws.OpPong:
	default:
		c.mu.Lock()
		closing := c.closing
		c.mu.Unlock()
		if closing {
			c.rd.Closing()
			return true
		}
		return c.request(inFrame{binary: m.Op == ws.OpBinary, data: m.Data})
	}
	return true
}

// request queues a request for the handler goroutine, starting it when it
// is not running. When inQueue requests or the connection's share of
// bytes are waiting it blocks until the handler takes one (so a client
// cannot make the server buffer without bound). It reports false when
// the connection ended meanwhile.
func (c *conn) request(f inFrame) bool {
	c.mu.Lock()
	c.in = append(c.in, f)
	c.inBytes += int32(len(f.data))
	if !c.handling {
		c.handling = true
		c.g.work.Go(c.handleLoop)
	}
	if !c.queueFullLocked() {
		c.mu.Unlock()
		return true
	}
	c.full = true
	if c.room == nil {
		c.room = make(chan struct{}, 1)
	}
	room := c.room
	c.mu.Unlock()
	select {
	case <-room:
		return true
	case <-c.context().Done():
		return false
	}
}

// queueFullLocked reports whether the request queue holds as much as the
// connection may buffer: inQueue requests, or its bytes (far fewer before
// hello than after).
func (c *conn) queueFullLocked() bool {
	limit := c.g.opt.MaxUnauthenticatedBytes
	if c.caller.User != 0 {
		limit = c.g.opt.MaxFrameBytes
	}
	return len(c.in) >= inQueue || int(c.inBytes) >= limit
}

// handleLoop handles queued requests in order until none are left.
func (c *conn) handleLoop() {
	for {
		c.mu.Lock()
		if len(c.in) == 0 || c.context().Err() != nil {
			c.dropRequestsLocked()
			c.handling = false
			c.mu.Unlock()
			return
		}
		f := c.in[0]
		c.in[0] = inFrame{}
		c.in = c.in[1:]
		c.inBytes -= int32(len(f.data))
		if c.full && !c.queueFullLocked() {
			c.full = false
			select {
			case c.room <- struct{}{}:
			default:
			}
		}
		c.mu.Unlock()
		if !c.serveRequest(f) {
			return
		}
	}
}

// dropRequestsLocked forgets the queued requests and returns their bytes
// to the node's budget; an idle connection keeps no queue.
func (c *conn) dropRequestsLocked() {
	for _, f := range c.in {
		c.g.budget.Release(int64(cap(f.data)))
	}
	c.in, c.inBytes = nil, 0
}

// serveRequest handles one request. A request that may wait long runs
// beside the ones after it: on a goroutine of its own, or, when no other
// request is queued, on this one, which then stops being the handler (the
// next request starts another) — it reports false then.
func (c *conn) serveRequest(in inFrame) bool {
	// The frame's bytes leave the node's budget once decoded (the
	// decoded request copies what it keeps).
	c.g.budget.Release(int64(cap(in.data)))
	if !in.binary {
		c.send(errorFrame(0, hongyan.Errorf(hongyan.CodeInvalid, "frames must be binary protobuf")))
		return true
	}
	f := new(pb.ClientFrame)
	if err := proto.Unmarshal(in.data, f); err != nil {
		c.send(errorFrame(0, hongyan.Errorf(hongyan.CodeInvalid, "malformed frame")))
		return true
	}
	if !c.g.routeOf(f).waits {
		c.handle(f)
		return true
	}
	c.mu.Lock()
	if c.sem == nil {
		c.sem = make(chan struct{}, maxConcurrent)
	}
	sem := c.sem
	select {
	case sem <- struct{}{}:
		if len(c.in) == 0 {
			c.handling = false
			c.mu.Unlock()
			c.handle(f)
			<-sem
			return false
		}
		c.mu.Unlock()
	default:
		// maxConcurrent requests are in hand: wait (and so stop reading
		// this client) until one ends.
		c.mu.Unlock()
		select {
		case sem <- struct{}{}:
		case <-c.context().Done():
			return true
		}
	}
	c.g.work.Go(func() {
		defer func() { <-sem }()
		c.handle(f)
	})
	return true
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
	if len(c.mine) == 0 {
		c.mine = nil // an idle connection keeps no map
	}
	return true
}

// send queues a frame for the client. A client whose queue is full is too
// slow to keep: it is disconnected and will catch up from its cursor.
func (c *conn) send(f *pb.ServerFrame) {
	b, err := proto.Marshal(f)
	if err != nil {
		c.g.log.Error("marshal frame", "err", err)
		return
	}
	if !c.queue(outFrame{b: b}) {
		c.g.log.Warn("client too slow; disconnecting", c.logAttrs()...)
		c.shut(ws.StatusTryAgainLater, "too slow")
	}
}

// queue adds a frame to the write queue and makes sure the writer runs.
// It reports false when the queue is full. Frames queued after the
// connection began closing are dropped.
func (c *conn) queue(f outFrame) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		return true
	}
	if len(c.out) >= outQueue {
		return false
	}
	c.out = append(c.out, f)
	c.startWriterLocked()
	return true
}

// startWriter starts the writer goroutine unless it runs already (or the
// connection is closing).
func (c *conn) startWriter() {
	c.mu.Lock()
	c.startWriterLocked()
	c.mu.Unlock()
}

func (c *conn) startWriterLocked() {
	if !c.writing && !c.closing {
		c.writing = true
		c.g.work.Go(c.writeLoop)
	}
}

// writeLoop writes queued frames and delivers pending pushes until both
// are done, then exits. Pending pushes are encoded first and written with
// the frames already queued (a send's answer and the sender's own copy of
// the message, most often), so that they take one system call.
func (c *conn) writeLoop() {
	for {
		c.mu.Lock()
		wake := false
		select {
		case <-c.wake:
			wake = true
		default:
		}
		if (len(c.out) == 0 && !wake) || c.closing {
			c.writing = false
			c.out = nil // an idle connection keeps no queue
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		if wake {
			c.push() // queues its frames behind those waiting
		}
		c.mu.Lock()
		frames := c.out
		c.out = nil
		c.mu.Unlock()
		if len(frames) == 0 {
			continue
		}
		var last outFrame
		for i, f := range frames {
			if f.last() {
				frames, last = frames[:i+1], f
				break
			}
		}
		if err := c.writeFrames(frames); err != nil {
			c.mu.Lock()
			c.writing = false
			closing := c.closing
			c.mu.Unlock()
			if !closing {
				c.abort() // too slow, or gone
			}
			return
		}
		if last.last() {
			c.shut(last.close, last.reason)
			continue
		}
		// Keep the queue's array for the next frames while writing
		// goes on.
		clear(frames)
		c.mu.Lock()
		if c.out == nil && !c.closing {
			c.out = frames[:0]
		}
		c.mu.Unlock()
	}
}

// framesPool holds write buffers for batches of frames.
var framesPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// writeFrames writes frames to the socket in one system call, bounded by
// the write timeout: a client that cannot take them that long is dropped.
func (c *conn) writeFrames(frames []outFrame) error {
	size := 0
	for _, f := range frames {
		size += 10 + len(f.b)
	}
	var bp *[]byte
	var buf []byte
	if size <= 64<<10 {
		bp = framesPool.Get().(*[]byte)
		buf = (*bp)[:0]
	} else {
		buf = make([]byte, 0, size)
	}
	for _, f := range frames {
		if f.b == nil && f.last() {
			continue // only closes: the close frame follows
		}
		op := f.op
		if op == 0 {
			op = ws.OpBinary
		}
		buf = ws.AppendHeader(buf, op, len(f.b))
		buf = append(buf, f.b...)
	}
	c.wmu.Lock()
	err := net.ErrClosed // nothing follows a close frame
	if !c.closeSent {
		c.nc.SetWriteDeadline(time.Now().Add(c.g.opt.WriteTimeout))
		_, err = c.nc.Write(buf)
	}
	c.wmu.Unlock()
	if bp != nil && cap(buf) <= 64<<10 {
		*bp = buf[:0]
		framesPool.Put(bp)
	}
	return err
}

// markClosing stops all further writes but the close frame; it reports
// whether this call did it.
func (c *conn) markClosing() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		return false
	}
	c.closing = true
	c.out = nil
	return true
}

// shut closes the connection with a close frame carrying code and reason.
// The client has closeWait to answer it; the reader then drops the
// connection. It does not block.
func (c *conn) shut(code ws.StatusCode, reason string) {
	if !c.markClosing() {
		return
	}
	c.closeWith(code, reason)
}

// closeWith sends the close frame of a connection marked closing.
func (c *conn) closeWith(code ws.StatusCode, reason string) {
	c.cancel()
	c.nc.SetReadDeadline(time.Now().Add(closeWait))
	go c.writeClose(code, reason)
}

// abort drops the connection without a close frame (it cannot be written).
func (c *conn) abort() {
	c.markClosing()
	c.cancel()
	c.nc.Close()
}

// writeClose writes a close frame (after any write in progress).
func (c *conn) writeClose(code ws.StatusCode, reason string) {
	b := ws.AppendClose(nil, code, reason)
	c.wmu.Lock()
	if !c.closeSent {
		c.closeSent = true
		c.nc.SetWriteDeadline(time.Now().Add(closeWait))
		c.nc.Write(b)
	}
	c.wmu.Unlock()
}

// onEvent receives the bus events of this connection's user. It runs on
// the publisher's goroutine, so it only records and signals.
func (c *conn) onEvent(data []byte) {
	e, err := hongyan.DecodeEvent(data)
	if err != nil {
		c.g.log.Error("bad bus event", c.logAttrs("err", err)...)
		return
	}
	switch e.Kind {
	case hongyan.EventChanges:
		c.feed.Add(e.Changes)
		select {
		case c.wake <- struct{}{}:
		default:
		}
		c.startWriter()
	case hongyan.EventTyping:
		c.trySend(&pb.ServerFrame{Body: &pb.ServerFrame_Typing{Typing: &pb.TypingPush{
			Conversation: int64(e.Conversation), User: int64(e.From)}}})
	case hongyan.EventCallSignal:
		// Only the device in the call takes it (every tab it has open).
		if me, _ := c.identity(); me.Device == e.Device {
			if f := callSignalPush(e.Data); f != nil {
				c.trySend(f)
			}
		}
	case hongyan.EventGroupCall:
		if f := groupCallPush(e.Data); f != nil {
			c.trySend(f)
		}
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
	c.queue(outFrame{b: b})
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
	if !c.queue(outFrame{b: b, close: ws.StatusPolicyViolation, reason: "signed out"}) {
		c.shut(ws.StatusPolicyViolation, "signed out")
	}
}

// drainReason is the close reason of a connection closed because its node
// is draining: the client connects again (to another node).
const drainReason = "node draining; connect again"

// drain closes the connection with 1001 once the requests in hand are
// answered and their answers written (at once when none is in hand).
func (c *conn) drain() {
	c.mu.Lock()
	c.draining = true
	now := c.busy == 0
	c.mu.Unlock()
	if now {
		c.sendDrained()
	}
}

func (c *conn) sendDrained() {
	if !c.queue(outFrame{close: ws.StatusGoingAway, reason: drainReason}) {
		c.shut(ws.StatusGoingAway, drainReason)
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
	drained := c.draining && !c.kicked && c.busy == 0
	// A sync that reached the head signals wake for the changes that
	// arrived meanwhile; the writer delivers them.
	if len(c.wake) > 0 {
		c.startWriterLocked()
	}
	c.mu.Unlock()
	if kick {
		c.sendKicked()
	}
	if drained {
		c.sendDrained()
	}
}

// push delivers pending changes to a device that has caught up
// (changelog.Live: in order, each once, a gap filled from the store).
// It reads the store with the connection's own context: those reads end
// with the connection (a timer and a context per push would be two of
// every message's allocations).
func (c *conn) push() {
	c.pushMu.Lock()
	defer c.pushMu.Unlock()
	me, _ := c.identity()
	retry, err := c.feed.Deliver(c.context(), c.g.s.Changes, me.User, c)
	switch {
	case errors.Is(err, changelog.ErrBehind):
		c.shut(ws.StatusTryAgainLater, "sync again")
	case err != nil:
		if !c.gone(err) {
			c.g.log.Error("push", c.logAttrs("err", err)...)
		}
		c.shut(ws.StatusInternalError, "sync failed; reconnect")
	case retry > 0:
		time.AfterFunc(retry, c.poke)
	}
}

// poke makes the writer look at the pending changes again.
func (c *conn) poke() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
	c.startWriter()
}

// PushChanges sends changes to the device as a push (changelog.Device).
func (c *conn) PushChanges(ctx context.Context, changes []hongyan.Change) error {
	me, _ := c.identity()
	items, err := c.fill(ctx, me, changes)
	if err != nil {
		return err
	}
	c.send(&pb.ServerFrame{Body: &pb.ServerFrame_Changes{Changes: &pb.SyncResponse{Changes: items}}})
	c.g.m.pushes.Add(float64(len(items)))
	return nil
}
