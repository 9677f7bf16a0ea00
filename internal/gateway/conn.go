package gateway

import (
	"cmp"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"google.golang.org/protobuf/proto"

	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/hongyan"
)

const (
	outQueue       = 64   // frames queued for a client before it counts as too slow
	inQueue        = 64   // requests read ahead of the one being handled
	maxPending     = 1024 // pushed changes held before falling back to the store
	maxConcurrent  = 64   // requests of one connection handled at once
	syncPageMax    = 1000
	syncPageDef    = 500
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
// spoken directly on the hijacked connection: the libraries at hand keep
// buffers and a second goroutine per connection for its whole life, which
// was most of the memory of an idle connection (see BENCHMARKS.md, w2-idle).
type conn struct {
	g    *Gateway
	nc   net.Conn
	addr string

	ctx  context.Context // cancelled when the connection ends (it is &life)
	life connCtx
	wake chan struct{} // new changes are pending
	sem  chan struct{} // bounds concurrent requests; made by the first request that waits

	mu      sync.Mutex // guards the fields below
	caller  hongyan.Caller
	sub     hongyan.Subscription
	live    bool             // the device caught up; push from sent on
	sent    int64            // last change-log seq this device was given
	pending []hongyan.Change // pushed changes not yet delivered
	gap     bool             // pending overflowed: read from the store
	hole    time.Time        // since when pending changes do not continue from sent (zero: they do)
	peers   map[hongyan.ConversationID]hongyan.UserID
	mine    map[string]bool // client IDs sent on this connection, their copy not yet pushed
	busy    int             // requests being handled
	kicked  bool            // signed out: close once the requests in hand are answered

	in       []inFrame     // requests read and not yet handled
	handling bool          // the handler goroutine is running
	full     bool          // the reader waits for room in the request queue
	room     chan struct{} // signals the reader that the request queue has room (made when first full)
	out      []outFrame    // frames to write
	writing  bool          // the writer goroutine is running
	closing  bool          // a close frame is on its way; nothing more is written

	pushMu sync.Mutex // serialises sync responses and live pushes
	wmu    sync.Mutex // serialises writes to nc
	// closeSent is set once the close frame is written; guarded by wmu.
	closeSent bool

	pre []byte   // bytes the HTTP server read past the handshake; read first
	hdr [14]byte // the frame header being read (the reader's alone)
}

// inFrame is a data message read from the client.
type inFrame struct {
	binary bool
	data   []byte
}

// outFrame is an encoded frame; last closes the connection after it.
type outFrame struct {
	b    []byte
	op   byte // WebSocket opcode; 0 means binary
	last bool
}

// WebSocket opcodes (RFC 6455 §5.2).
const (
	opContinuation = 0x0
	opText         = 0x1
	opBinary       = 0x2
	opClose        = 0x8
	opPing         = 0x9
	opPong         = 0xA
)

func newConn(g *Gateway, nc net.Conn, addr string, pre []byte) *conn {
	c := &conn{
		g: g, nc: nc, addr: addr, pre: pre,
		wake: make(chan struct{}, 1),
	}
	c.ctx = &c.life
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
	mu    sync.Mutex
	done  chan struct{} // made on first use; closed by cancel
	err   error
	after []*func() // functions to run (each on its own goroutine) on cancel
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
		if x.err != nil {
			x.done = closedChan
		}
	}
	return x.done
}

func (x *connCtx) Err() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.err
}

// AfterFunc arranges for f to run on its own goroutine once x is
// cancelled, unless stop is called first (context.AfterFunc's contract;
// the context package uses it to cancel contexts derived from x).
func (x *connCtx) AfterFunc(f func()) (stop func() bool) {
	x.mu.Lock()
	if x.err != nil {
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
	if x.err != nil {
		x.mu.Unlock()
		return
	}
	x.err = context.Canceled
	if x.done == nil {
		x.done = closedChan
	} else {
		close(x.done)
	}
	after := x.after
	x.after = nil
	x.mu.Unlock()
	for _, f := range after {
		go (*f)()
	}
}

func (x *connCtx) String() string { return "gateway.connCtx" }

// serve reads the connection until it ends, then releases it. It runs on
// a goroutine of its own (the HTTP server's goroutine has returned), whose
// stack stays at the minimum: it only reads frames and queues them.
func (c *conn) serve() {
	c.readLoop()
	c.nc.Close()
	c.cancel()
	c.mu.Lock()
	sub := c.sub
	c.sub = nil
	c.closing = true
	c.out = nil
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

// accept checks a WebSocket handshake, hijacks the connection and answers
// 101. On failure it has written the HTTP error. pre holds bytes the HTTP
// server had read past the request.
func accept(w http.ResponseWriter, r *http.Request) (nc net.Conn, pre []byte, err error) {
	fail := func(status int, err error) (net.Conn, []byte, error) {
		http.Error(w, err.Error(), status)
		return nil, nil, err
	}
	if !r.ProtoAtLeast(1, 1) {
		return fail(http.StatusUpgradeRequired, fmt.Errorf("WebSocket protocol violation: handshake request must be at least HTTP/1.1: %q", r.Proto))
	}
	if !headerHasToken(r.Header, "Connection", "upgrade") || !headerHasToken(r.Header, "Upgrade", "websocket") {
		w.Header().Set("Connection", "Upgrade")
		w.Header().Set("Upgrade", "websocket")
		return fail(http.StatusUpgradeRequired, errors.New("WebSocket protocol violation: expected Connection: Upgrade and Upgrade: websocket"))
	}
	if r.Method != http.MethodGet {
		return fail(http.StatusMethodNotAllowed, fmt.Errorf("WebSocket protocol violation: handshake request method is not GET but %q", r.Method))
	}
	if r.Header.Get("Sec-WebSocket-Version") != "13" {
		w.Header().Set("Sec-WebSocket-Version", "13")
		return fail(http.StatusBadRequest, fmt.Errorf("unsupported WebSocket protocol version (only 13 is supported): %q", r.Header.Get("Sec-WebSocket-Version")))
	}
	keys := r.Header.Values("Sec-WebSocket-Key")
	if len(keys) != 1 {
		return fail(http.StatusBadRequest, errors.New("WebSocket protocol violation: need exactly one Sec-WebSocket-Key"))
	}
	key := strings.TrimSpace(keys[0])
	if v, err := base64.StdEncoding.DecodeString(key); err != nil || len(v) != 16 {
		return fail(http.StatusBadRequest, fmt.Errorf("WebSocket protocol violation: invalid Sec-WebSocket-Key %q", key))
	}
	// A browser page of another origin must not talk to the server with
	// the user's cookies (cross-site WebSocket hijacking).
	if origin := r.Header.Get("Origin"); origin != "" {
		u, err := url.Parse(origin)
		if err != nil || !strings.EqualFold(r.Host, u.Host) {
			return fail(http.StatusForbidden, fmt.Errorf("request Origin %q is not authorized for Host %q", origin, r.Host))
		}
	}
	nc, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return fail(http.StatusInternalServerError, fmt.Errorf("hijack: %w", err))
	}
	if n := brw.Reader.Buffered(); n > 0 {
		b, _ := brw.Reader.Peek(n)
		pre = append([]byte(nil), b...)
	}
	sum := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	resp := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
		base64.StdEncoding.EncodeToString(sum[:]) + "\r\n\r\n"
	nc.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if _, err := nc.Write([]byte(resp)); err != nil {
		nc.Close()
		return nil, nil, err
	}
	nc.SetDeadline(time.Time{})
	return nc, pre, nil
}

// headerHasToken reports whether a comma-separated header holds token
// (case-insensitive).
func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for t := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// readFull reads len(b) bytes, first from what the HTTP server read ahead.
func (c *conn) readFull(b []byte) error {
	if len(c.pre) > 0 {
		n := copy(b, c.pre)
		c.pre = c.pre[n:]
		b = b[n:]
	}
	for len(b) > 0 {
		n, err := c.nc.Read(b)
		b = b[n:]
		if err != nil && len(b) > 0 {
			return err
		}
	}
	return nil
}

// discard reads and drops n bytes.
func (c *conn) discard(n int64) error {
	buf := make([]byte, min(n, 32<<10))
	for n > 0 {
		k := min(n, int64(len(buf)))
		if err := c.readFull(buf[:k]); err != nil {
			return err
		}
		n -= k
	}
	return nil
}

// frameHeader is a decoded WebSocket frame header.
type frameHeader struct {
	fin    bool
	rsv    byte
	op     byte
	masked bool
	n      int64
	key    [4]byte
}

func (c *conn) readHeader() (h frameHeader, err error) {
	b := c.hdr[:]
	if err := c.readFull(b[:2]); err != nil {
		return h, err
	}
	h.fin = b[0]&0x80 != 0
	h.rsv = b[0] & 0x70
	h.op = b[0] & 0x0f
	h.masked = b[1]&0x80 != 0
	h.n = int64(b[1] & 0x7f)
	switch h.n {
	case 126:
		if err := c.readFull(b[:2]); err != nil {
			return h, err
		}
		h.n = int64(binary.BigEndian.Uint16(b))
	case 127:
		if err := c.readFull(b[:8]); err != nil {
			return h, err
		}
		u := binary.BigEndian.Uint64(b)
		if u>>63 != 0 {
			return h, errors.New("frame length overflows")
		}
		h.n = int64(u)
	}
	if h.masked {
		if err := c.readFull(b[:4]); err != nil {
			return h, err
		}
		copy(h.key[:], b[:4])
	}
	return h, nil
}

// unmask XORs b with the client's masking key (RFC 6455 §5.3).
func unmask(b []byte, key [4]byte) {
	k := binary.LittleEndian.Uint32(key[:])
	k8 := uint64(k)<<32 | uint64(k)
	for len(b) >= 8 {
		binary.LittleEndian.PutUint64(b, binary.LittleEndian.Uint64(b)^k8)
		b = b[8:]
	}
	for i := range b {
		b[i] ^= key[i&3]
	}
}

// readLoop reads frames until the connection ends: data messages go to
// the request queue, control frames are answered. After the server began
// closing it only waits (at most closeWait) for the client's close frame.
// It keeps its own stack small (no buffers on it, no request handled on
// it), since an idle connection is this goroutine blocked in a read.
func (c *conn) readLoop() {
	limit := int64(c.g.opt.MaxFrameBytes)
	var msg []byte // a fragmented message being assembled
	var msgBinary, inMsg bool
	for {
		h, err := c.readHeader()
		if err != nil {
			return
		}
		c.mu.Lock()
		closing := c.closing
		c.mu.Unlock()
		bad := true
		switch {
		case h.rsv != 0 || !h.masked:
			c.shut(websocket.StatusProtocolError, "bad frame")
		case h.op >= opClose && (!h.fin || h.n > 125):
			c.shut(websocket.StatusProtocolError, "bad control frame")
		case h.op == opContinuation && !inMsg, (h.op == opText || h.op == opBinary) && inMsg:
			c.shut(websocket.StatusProtocolError, "bad fragment")
		case h.op > opBinary && h.op < opClose || h.op > opPong:
			c.shut(websocket.StatusProtocolError, "unknown opcode")
		case !closing && h.op < opClose && int64(len(msg))+h.n > limit:
			c.shut(websocket.StatusMessageTooBig, "frame too large")
		default:
			bad = false
		}
		if bad || closing && h.op != opClose {
			msg, inMsg = nil, false
			if c.discard(h.n) != nil {
				return
			}
			continue
		}
		if h.op >= opClose {
			if !c.control(h, closing) {
				return
			}
			continue
		}
		if h.op != opContinuation {
			msgBinary, inMsg = h.op == opBinary, true
		}
		if msg == nil && h.fin {
			msg = make([]byte, h.n)
		} else {
			msg = append(msg, make([]byte, h.n)...)
		}
		p := msg[int64(len(msg))-h.n:]
		if err := c.readFull(p); err != nil {
			return
		}
		unmask(p, h.key)
		if !h.fin {
			continue
		}
		if !c.request(inFrame{binary: msgBinary, data: msg}) {
			return
		}
		msg, inMsg = nil, false
	}
}

// control handles a control frame (close, ping, pong); it reports false
// when the connection is to end.
func (c *conn) control(h frameHeader, closing bool) bool {
	p := make([]byte, h.n)
	if err := c.readFull(p); err != nil {
		return false
	}
	unmask(p, h.key)
	switch h.op {
	case opClose:
		if !closing && c.markClosing() {
			// Answer with the client's status, then end.
			code := websocket.StatusNoStatusRcvd
			if len(p) >= 2 {
				code = websocket.StatusCode(binary.BigEndian.Uint16(p))
			}
			c.cancel()
			c.writeClose(code, "")
		}
		return false
	case opPing:
		c.queue(outFrame{b: p, op: opPong})
	}
	return true
}

// request queues a request for the handler goroutine, starting it when it
// is not running. When inQueue requests are waiting it blocks until the
// handler takes one (so a client cannot make the server buffer without
// bound). It reports false when the connection ended meanwhile.
func (c *conn) request(f inFrame) bool {
	c.mu.Lock()
	c.in = append(c.in, f)
	if !c.handling {
		c.handling = true
		go c.handleLoop()
	}
	if len(c.in) < inQueue {
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
	case <-c.ctx.Done():
		return false
	}
}

// handleLoop handles queued requests in order until none are left.
func (c *conn) handleLoop() {
	for {
		c.mu.Lock()
		if len(c.in) == 0 || c.ctx.Err() != nil {
			c.in = nil // an idle connection keeps no queue
			c.handling = false
			c.mu.Unlock()
			return
		}
		f := c.in[0]
		c.in[0] = inFrame{}
		c.in = c.in[1:]
		if c.full && len(c.in) < inQueue {
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

// serveRequest handles one request. A request that may wait long runs
// beside the ones after it: on a goroutine of its own, or, when no other
// request is queued, on this one, which then stops being the handler (the
// next request starts another) — it reports false then.
func (c *conn) serveRequest(in inFrame) bool {
	if !in.binary {
		c.send(errorFrame(0, hongyan.Errorf(hongyan.CodeInvalid, "frames must be binary protobuf")))
		return true
	}
	f := new(pb.ClientFrame)
	if err := proto.Unmarshal(in.data, f); err != nil {
		c.send(errorFrame(0, hongyan.Errorf(hongyan.CodeInvalid, "malformed frame")))
		return true
	}
	if !waits(f) {
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
		case <-c.ctx.Done():
			return true
		}
	}
	go func() {
		defer func() { <-sem }()
		c.handle(f)
	}()
	return true
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
		c.g.log.Warn("client too slow; disconnecting", "addr", c.addr)
		c.shut(websocket.StatusTryAgainLater, "too slow")
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
		go c.writeLoop()
	}
}

// writeLoop writes queued frames and delivers pending pushes until both
// are done, then exits.
func (c *conn) writeLoop() {
	for {
		c.mu.Lock()
		frames := c.out
		c.out = nil
		wake := false
		if len(frames) == 0 {
			select {
			case <-c.wake:
				wake = true
			default:
			}
		}
		if (len(frames) == 0 && !wake) || c.closing {
			c.writing = false
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		if wake {
			c.push()
			continue
		}
		last := false
		for i, f := range frames {
			if f.last {
				frames, last = frames[:i+1], true
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
		if last {
			c.shut(websocket.StatusPolicyViolation, "signed out")
		}
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
		op := f.op
		if op == 0 {
			op = opBinary
		}
		buf = appendFrameHeader(buf, op, len(f.b))
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

// appendFrameHeader appends an unmasked, final frame header.
func appendFrameHeader(b []byte, op byte, n int) []byte {
	b = append(b, 0x80|op)
	switch {
	case n <= 125:
		return append(b, byte(n))
	case n <= 0xffff:
		return binary.BigEndian.AppendUint16(append(b, 126), uint16(n))
	}
	return binary.BigEndian.AppendUint64(append(b, 127), uint64(n))
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
func (c *conn) shut(code websocket.StatusCode, reason string) {
	if !c.markClosing() {
		return
	}
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
func (c *conn) writeClose(code websocket.StatusCode, reason string) {
	var p []byte
	if code != websocket.StatusNoStatusRcvd {
		p = binary.BigEndian.AppendUint16(nil, uint16(code))
		p = append(p, reason[:min(len(reason), 123)]...)
	}
	b := append(appendFrameHeader(nil, opClose, len(p)), p...)
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
		c.startWriter()
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
	if !c.queue(outFrame{b: b, last: true}) {
		c.shut(websocket.StatusPolicyViolation, "signed out")
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
	// A sync that reached the head signals wake for the changes that
	// arrived meanwhile; the writer delivers them.
	if len(c.wake) > 0 {
		c.startWriterLocked()
	}
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
	// Events of concurrent commits may arrive in either order.
	slices.SortFunc(fresh, func(a, b hongyan.Change) int { return cmp.Compare(a.Seq, b.Seq) })
	fresh = slices.CompactFunc(fresh, func(a, b hongyan.Change) bool { return a.Seq == b.Seq })
	n := 0 // the changes that continue from sent
	for n < len(fresh) && fresh[n].Seq == sent+int64(n)+1 {
		n++
	}
	// The connection's own context: a push reads the store only to fill a
	// gap or an entry without data, and those reads end with the
	// connection. (A timer and a context per push would be two of every
	// message's allocations.)
	ctx := context.Context(c.ctx)
	if !gap && n < len(fresh) {
		// A hole: the missing entries' event is most likely a moment
		// behind (another commit's publisher). Deliver what continues,
		// keep the rest, and look again shortly; only a hole that stays
		// is filled from the store.
		if n > 0 {
			if !c.pushPage(ctx, me, fresh[:n]) {
				return
			}
			sent = fresh[n-1].Seq
			c.setSent(sent)
		}
		c.mu.Lock()
		if c.hole.IsZero() {
			c.hole = time.Now()
		}
		wait := holeWait - time.Since(c.hole)
		if wait > 0 {
			c.pending = append(fresh[n:len(fresh):len(fresh)], c.pending...)
			c.mu.Unlock()
			time.AfterFunc(wait, c.poke)
			return
		}
		c.hole = time.Time{}
		c.mu.Unlock()
		gap = true
	} else {
		c.mu.Lock()
		c.hole = time.Time{}
		c.mu.Unlock()
	}
	if gap {
		// Read everything after sent from the store, page by page. The
		// entries already here keep the data their events carried, so
		// that only the missing ones are read again (in a large group,
		// every member's connection would otherwise read each message).
		known := make(map[int64][]byte, len(fresh))
		for _, ch := range fresh {
			if len(ch.Data) > 0 {
				known[ch.Seq] = ch.Data
			}
		}
		for {
			page, err := c.g.s.Changes.After(ctx, me.User, sent, syncPageMax)
			if err != nil {
				c.g.log.Error("push: read change log", "err", err)
				c.shut(websocket.StatusInternalError, "sync failed; reconnect")
				return
			}
			if len(page) == 0 {
				break
			}
			for i := range page {
				if d, ok := known[page[i].Seq]; ok && len(page[i].Data) == 0 {
					page[i].Data = d
				}
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

// holeWait is how long a hole in the pushed changes may stay before the
// missing entries are read from the store.
const holeWait = 10 * time.Millisecond

// poke makes the writer look at the pending changes again.
func (c *conn) poke() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
	c.startWriter()
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
		c.shut(websocket.StatusInternalError, "sync failed; reconnect")
		return false
	}
	c.send(&pb.ServerFrame{Body: &pb.ServerFrame_Changes{Changes: &pb.SyncResponse{Changes: items}}})
	c.g.m.pushes.Add(float64(len(items)))
	return true
}
