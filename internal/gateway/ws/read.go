package ws

import (
	"encoding/binary"
	"io"
	"sync/atomic"
	"unicode/utf8"
)

// Message is what Reader.Next returns: a whole data message (text or
// binary, its fragments joined) or a control frame.
type Message struct {
	Op   Opcode // OpText, OpBinary, OpClose, OpPing or OpPong
	Data []byte // the payload (for OpClose, the reason's bytes follow Code on the wire)
	// Code and Reason are a close frame's status (StatusNoStatus when it
	// carried none) and reason.
	Code   StatusCode
	Reason string
}

// Reader reads the frames a client sends (RFC 6455 §5, server side, no
// extensions) and returns whole messages and control frames. It enforces
// the protocol: client frames are masked, reserved bits are clear, control
// frames are short and never fragmented, fragments continue a message,
// text is UTF-8, close frames carry a valid status and a UTF-8 reason.
// A violation is returned as a *CloseError naming the status to close
// with.
//
// While it waits for the next frame header a Reader holds no buffer. A
// message's buffer grows as its bytes arrive (never from the length a
// frame declares), each growth taken from the Reader's Budget; a message
// the Budget cannot hold is refused with StatusTryAgainLater. The bytes
// of a message Next returns stay taken: its receiver releases
// cap(Message.Data) when done with it.
//
// The zero Reader is not usable; call Reset.
type Reader struct {
	src    io.Reader
	limit  atomic.Int64 // see SetLimit
	budget *Budget
	msg    []byte // the message being assembled
	skip   int64  // payload bytes of a refused frame still to discard
	h      header // the frame being read
	hdr    [14]byte
	text   bool // the message being assembled is text
	in     bool // a message is being assembled
	// begun: the first two bytes of the next frame's header are in hdr
	// (read by Wait).
	begun bool
	// closing: the server began closing; data frames are discarded and
	// only a close frame is returned.
	closing bool
}

// Reset makes r read from src, first the bytes of pre, with messages of
// at most limit bytes held in budget (nil: unlimited).
func (r *Reader) Reset(src io.Reader, pre []byte, limit int64, budget *Budget) {
	r.release()
	if len(pre) > 0 {
		src = &prefixed{pre: pre, r: src}
	}
	*r = Reader{src: src, budget: budget}
	r.limit.Store(limit)
}

// prefixed reads pre, then r: a client may send its first frames with
// the handshake, before the server's answer (the HTTP server has read
// them). Clients rarely do, so a Reader keeps no field for it.
type prefixed struct {
	pre []byte
	r   io.Reader
}

func (p *prefixed) Read(b []byte) (int, error) {
	if len(p.pre) > 0 {
		n := copy(b, p.pre)
		p.pre = p.pre[n:]
		return n, nil
	}
	return p.r.Read(b)
}

// SetLimit sets the largest data message (after reassembly), in bytes; a
// message over it is refused with StatusMessageTooBig. It may be called
// from any goroutine; a message already being received keeps to the limit
// in force when each of its frames began.
func (r *Reader) SetLimit(n int64) { r.limit.Store(n) }

// firstChunk is the buffer a message starts with when it is larger: the
// most a frame header alone makes the server hold.
const firstChunk = 4 << 10

// header is a decoded frame header.
type header struct {
	n      int64
	key    [4]byte
	fin    bool
	rsv    byte
	op     Opcode
	masked bool
}

// Closing switches r to the closing state (RFC 6455 §5.5.1): it drops any
// message in progress, discards data frames, and returns only a close
// frame.
func (r *Reader) Closing() {
	r.closing = true
	r.drop()
}

// drop forgets the message in progress.
func (r *Reader) drop() {
	r.release()
	r.msg, r.in = nil, false
}

// release returns the budget held by the message in progress.
func (r *Reader) release() {
	r.budget.Release(int64(cap(r.msg)))
	r.msg = nil
}

// Close releases what r holds; it must not be used again.
func (r *Reader) Close() { r.drop() }

// Wait blocks until the next frame begins to arrive. Next begins with it;
// a server that keeps many idle connections calls it first, from a
// shallow frame of its own: an idle connection is then a goroutine
// blocked here with the smallest stack the runtime gives (Next's own frame
// would take it past 2 KiB, and the runtime would double it).
func (r *Reader) Wait() error {
	if r.begun || r.skip > 0 {
		return nil
	}
	if err := r.readFull(r.hdr[:2]); err != nil {
		return err // io.EOF here is a clean end
	}
	r.begun = true
	return nil
}

// Next returns the next whole data message or control frame. It returns
// the source's error when reading fails (io.EOF at a clean end), and a
// *CloseError when the client broke the protocol or a limit; after a
// CloseError the caller closes the connection with its code, calls
// Closing, and may call Next again to wait for the client's close frame.
//
// Its frames on the stack are kept small: a connection's reader runs it
// on a goroutine whose stack must stay at 2 KiB (see Wait).
func (r *Reader) Next() (Message, error) {
	for {
		ctl, err := r.frame()
		if err != nil {
			return Message{}, err
		}
		if r.h.op.control() {
			return r.control(ctl)
		}
		if r.h.fin && r.in {
			return r.message()
		}
	}
}

// frame reads one frame: its header, checked, and its payload (a data
// frame's into r.msg; a control frame's is returned). A frame dropped
// while closing reads as an unfinished continuation. It calls readFull
// itself, so that no deeper frame of this package is on the stack while
// it reads.
func (r *Reader) frame() (ctl []byte, err error) {
	if r.skip > 0 {
		if err := r.discard(r.skip); err != nil {
			return nil, err
		}
		r.skip = 0
	}
	if err := r.Wait(); err != nil {
		return nil, err
	}
	r.begun = false
	if err := r.readFull(r.hdr[2 : 2+headerRest(r.hdr[1])]); err != nil {
		return nil, noEOF(err)
	}
	r.parseHeader()
	if err := r.check(); err != nil {
		r.skip = r.h.n
		r.drop()
		return nil, err
	}
	if r.closing && r.h.op != OpClose {
		r.skip = r.h.n
		r.h.op, r.h.fin = OpContinuation, false
		return nil, nil
	}
	if r.h.op.control() {
		if r.h.n > 0 {
			ctl = make([]byte, r.h.n)
			if err := r.readFull(ctl); err != nil {
				return nil, noEOF(err)
			}
			mask(ctl, r.h.key, 0)
		}
		return ctl, nil
	}
	if r.h.op != OpContinuation {
		r.text, r.in = r.h.op == OpText, true
	}
	return nil, r.readPayload()
}

// message returns the message whose last frame was read.
func (r *Reader) message() (Message, error) {
	if r.text && !utf8.Valid(r.msg) {
		r.drop()
		return Message{}, closeErr(StatusInvalidPayload, "text is not UTF-8")
	}
	m := Message{Op: OpBinary, Data: r.msg}
	if r.text {
		m.Op = OpText
	}
	if m.Data == nil {
		m.Data = []byte{}
	}
	r.msg, r.in = nil, false // the receiver now holds its budget
	return m, nil
}

// check applies the protocol's rules and the size limit to r.h.
func (r *Reader) check() error {
	h := &r.h
	switch {
	case h.rsv != 0:
		return closeErr(StatusProtocolError, "reserved bits set")
	case !h.masked:
		return closeErr(StatusProtocolError, "client frames must be masked")
	case !h.op.known():
		return closeErr(StatusProtocolError, "unknown opcode")
	case h.n < 0:
		return closeErr(StatusProtocolError, "frame length overflows")
	case h.op.control() && !h.fin:
		return closeErr(StatusProtocolError, "fragmented control frame")
	case h.op.control() && h.n > 125:
		return closeErr(StatusProtocolError, "control frame too long")
	case r.closing:
		return nil
	case h.op == OpContinuation && !r.in:
		return closeErr(StatusProtocolError, "continuation without a message")
	case (h.op == OpText || h.op == OpBinary) && r.in:
		return closeErr(StatusProtocolError, "new message inside a fragmented one")
	case !h.op.control() && int64(len(r.msg))+h.n > r.limit.Load():
		return closeErr(StatusMessageTooBig, "message too large")
	}
	return nil
}

// control returns the control frame read, with its payload p.
func (r *Reader) control(p []byte) (Message, error) {
	m := Message{Op: r.h.op, Data: p}
	if r.h.op != OpClose {
		return m, nil
	}
	switch {
	case len(p) == 0:
		m.Code = StatusNoStatus
	case len(p) == 1:
		return Message{}, closeErr(StatusProtocolError, "close frame with a 1-byte payload")
	default:
		m.Code = StatusCode(binary.BigEndian.Uint16(p))
		if !ValidCloseCode(m.Code) {
			return Message{}, closeErr(StatusProtocolError, "invalid close status")
		}
		if !utf8.Valid(p[2:]) {
			return Message{}, closeErr(StatusInvalidPayload, "close reason is not UTF-8")
		}
		m.Reason = string(p[2:])
	}
	return m, nil
}

// readPayload appends a data frame's payload to r.msg, growing the buffer
// as the bytes arrive: a peer that declares a large frame and sends
// little makes the server hold little.
func (r *Reader) readPayload() error {
	for pos := int64(0); pos < r.h.n; {
		if len(r.msg) == cap(r.msg) {
			if err := r.grow(r.h.n - pos); err != nil {
				r.skip = r.h.n - pos
				return err
			}
		}
		p := r.msg[len(r.msg):cap(r.msg)]
		p = p[:min(int64(len(p)), r.h.n-pos)]
		n, err := r.src.Read(p)
		mask(p[:n], r.h.key, pos)
		r.msg = r.msg[:len(r.msg)+n]
		pos += int64(n)
		if err != nil && pos < r.h.n {
			return noEOF(err)
		}
	}
	return nil
}

// grow makes room in r.msg for more of the rest bytes still to come in
// this frame: doubling from firstChunk, never past what the frame needs,
// each growth taken from the budget.
func (r *Reader) grow(rest int64) error {
	c := int64(cap(r.msg))
	want := min(int64(len(r.msg))+rest, max(2*c, firstChunk))
	if !r.budget.Reserve(want - c) {
		r.drop()
		return closeErr(StatusTryAgainLater, "server busy")
	}
	grown := make([]byte, len(r.msg), want)
	copy(grown, r.msg)
	r.msg = grown
	return nil
}

// headerRest returns how many header bytes follow the first two, given
// the second: an extended length, and the masking key.
func headerRest(b1 byte) int {
	n := 0
	switch b1 & 0x7f {
	case 126:
		n = 2
	case 127:
		n = 8
	}
	if b1&0x80 != 0 {
		n += 4
	}
	return n
}

// parseHeader decodes the header in r.hdr into r.h.
func (r *Reader) parseHeader() {
	b := r.hdr[:]
	h := &r.h
	h.fin = b[0]&0x80 != 0
	h.rsv = b[0] & 0x70
	h.op = Opcode(b[0] & 0x0f)
	h.masked = b[1]&0x80 != 0
	h.n = int64(b[1] & 0x7f)
	rest := b[2:]
	switch h.n {
	case 126:
		h.n = int64(binary.BigEndian.Uint16(rest))
		rest = rest[2:]
	case 127:
		h.n = int64(binary.BigEndian.Uint64(rest)) // negative when the top bit is set: refused by check
		rest = rest[8:]
	}
	h.key = [4]byte{}
	if h.masked {
		copy(h.key[:], rest[:4])
	}
}

// noEOF turns the end of the stream inside a frame into
// io.ErrUnexpectedEOF.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// readFull reads len(b) bytes. It returns io.EOF only when the stream
// ended before the first byte.
func (r *Reader) readFull(b []byte) error {
	want := len(b)
	for len(b) > 0 {
		n, err := r.src.Read(b)
		b = b[n:]
		if err != nil && len(b) > 0 {
			if err == io.EOF && len(b) < want {
				return io.ErrUnexpectedEOF
			}
			return err
		}
	}
	return nil
}

// discard reads and drops n bytes.
func (r *Reader) discard(n int64) error {
	buf := make([]byte, min(n, 32<<10))
	for n > 0 {
		k := min(n, int64(len(buf)))
		if err := r.readFull(buf[:k]); err != nil {
			return noEOF(err)
		}
		n -= k
	}
	return nil
}
