package wsclient

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// The client side of the WebSocket protocol (RFC 6455, no extensions), as
// much of it as talking to a Hongyan server needs: the opening handshake
// through an http.Client (so that WithHTTPClient's transport, proxy and
// TLS settings apply), masked frames out, and whole messages in, with
// pings answered and the close handshake. A general WebSocket library
// costs a context registration, a lock handshake and a fresh buffer per
// frame read or written, a large part of the load generator's CPU per
// message (BENCHMARKS.md); this one reads frames through one buffered
// reader and writes each frame with one system call.

// wsGUID is the key suffix of the opening handshake (RFC 6455 §1.3).
const wsGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// Opcodes (RFC 6455 §5.2).
const (
	opContinuation = 0x0
	opText         = 0x1
	opBinary       = 0x2
	opClose        = 0x8
	opPing         = 0x9
	opPong         = 0xA
)

// closeWait bounds how long Close waits for the server's close frame.
const closeWait = 5 * time.Second

// closeError is the cause when the server closed the connection with a
// close frame.
type closeError struct {
	code   int
	reason string
}

func (e *closeError) Error() string {
	return fmt.Sprintf("websocket closed by the server: status %d (%s) %q", e.code, statusName(e.code), e.reason)
}

// statusName returns the name RFC 6455 §7.4.1 gives a close status, in the
// form Go's WebSocket libraries print it (StatusGoingAway), so that logs
// and callers read as before.
func statusName(code int) string {
	switch code {
	case 1000:
		return "StatusNormalClosure"
	case 1001:
		return "StatusGoingAway"
	case 1002:
		return "StatusProtocolError"
	case 1003:
		return "StatusUnsupportedData"
	case 1005:
		return "StatusNoStatusRcvd"
	case 1007:
		return "StatusInvalidFramePayloadData"
	case 1008:
		return "StatusPolicyViolation"
	case 1009:
		return "StatusMessageTooBig"
	case 1010:
		return "StatusMandatoryExtension"
	case 1011:
		return "StatusInternalError"
	case 1012:
		return "StatusServiceRestart"
	case 1013:
		return "StatusTryAgainLater"
	case 1014:
		return "StatusBadGateway"
	}
	return "status " + strconv.Itoa(code)
}

// transport is one WebSocket connection's framing.
type transport struct {
	nc           net.Conn      // for deadlines and Close
	rw           io.ReadWriter // the upgraded connection (after the handshake's buffered bytes)
	br           *bufio.Reader
	writeTimeout time.Duration

	wmu       sync.Mutex // serialises writes
	wbuf      []byte     // guarded by wmu
	closeSent bool       // guarded by wmu

	msg []byte // the message being read (the reader's alone)
}

// dialTransport performs the opening handshake with u (ws:// or wss://).
func dialTransport(ctx context.Context, u string, o options) (*transport, error) {
	httpURL := "http" + strings.TrimPrefix(u, "ws")
	var key [16]byte
	rand.Read(key[:])
	k := base64.StdEncoding.EncodeToString(key[:])
	var nc net.Conn
	trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) { nc = info.Conn }}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), http.MethodGet, httpURL, nil)
	if err != nil {
		return nil, err
	}
	for name, vs := range o.header {
		req.Header[name] = append([]string(nil), vs...)
	}
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Sec-WebSocket-Version", "13")
	req.Header.Set("Sec-WebSocket-Key", k)
	client := o.httpClient
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		resp.Body.Close()
		return nil, fmt.Errorf("expected handshake response status code 101 but got %d", resp.StatusCode)
	}
	sum := sha1.Sum([]byte(k + wsGUID))
	rw, ok := resp.Body.(io.ReadWriteCloser)
	switch {
	case !ok || nc == nil:
		resp.Body.Close()
		return nil, errors.New("the HTTP client gave no upgraded connection")
	case !strings.EqualFold(resp.Header.Get("Upgrade"), "websocket"),
		resp.Header.Get("Sec-WebSocket-Accept") != base64.StdEncoding.EncodeToString(sum[:]):
		rw.Close()
		return nil, errors.New("the server's handshake response is not a WebSocket upgrade")
	case resp.Header.Get("Sec-WebSocket-Extensions") != "":
		rw.Close()
		return nil, errors.New("the server chose an extension the client did not offer")
	}
	return &transport{nc: nc, rw: rw, br: bufio.NewReaderSize(rw, 8<<10), writeTimeout: o.writeTimeout}, nil
}

// writeFrame writes one whole masked frame.
func (t *transport) writeFrame(op byte, payload []byte) error {
	t.wmu.Lock()
	defer t.wmu.Unlock()
	if t.closeSent {
		return net.ErrClosed
	}
	if op == opClose {
		t.closeSent = true
	}
	b := append(t.wbuf[:0], 0x80|op)
	switch n := len(payload); {
	case n <= 125:
		b = append(b, 0x80|byte(n))
	case n <= 0xffff:
		b = binary.BigEndian.AppendUint16(append(b, 0x80|126), uint16(n))
	default:
		b = binary.BigEndian.AppendUint64(append(b, 0x80|127), uint64(n))
	}
	var key [4]byte
	rand.Read(key[:])
	b = append(b, key[:]...)
	start := len(b)
	b = append(b, payload...)
	mask(b[start:], key)
	if cap(b) <= 64<<10 {
		t.wbuf = b
	} else {
		t.wbuf = nil
	}
	if t.writeTimeout > 0 {
		t.nc.SetWriteDeadline(time.Now().Add(t.writeTimeout))
	}
	_, err := t.rw.Write(b)
	return err
}

// mask XORs b with the masking key (RFC 6455 §5.3).
func mask(b []byte, key [4]byte) {
	k32 := binary.LittleEndian.Uint32(key[:])
	k64 := uint64(k32)<<32 | uint64(k32)
	for len(b) >= 8 {
		binary.LittleEndian.PutUint64(b, binary.LittleEndian.Uint64(b)^k64)
		b = b[8:]
	}
	for i := range b {
		b[i] ^= key[i&3]
	}
}

// read returns the next data message: its opcode and payload, valid until
// the next call. It answers pings and returns an error at a close frame
// (after answering it) or a violation of the protocol.
func (t *transport) read(limit int) (op byte, data []byte, err error) {
	t.msg = t.msg[:0]
	msgOp := byte(0)
	for {
		var h [2]byte
		if _, err := io.ReadFull(t.br, h[:]); err != nil {
			return 0, nil, err
		}
		fin, rsv, fop := h[0]&0x80 != 0, h[0]&0x70, h[0]&0x0f
		if rsv != 0 {
			return 0, nil, errors.New("websocket: reserved bits set in a frame from the server")
		}
		if h[1]&0x80 != 0 {
			return 0, nil, errors.New("websocket: the server sent a masked frame")
		}
		n := uint64(h[1] & 0x7f)
		switch n {
		case 126:
			var e [2]byte
			if _, err := io.ReadFull(t.br, e[:]); err != nil {
				return 0, nil, err
			}
			n = uint64(binary.BigEndian.Uint16(e[:]))
		case 127:
			var e [8]byte
			if _, err := io.ReadFull(t.br, e[:]); err != nil {
				return 0, nil, err
			}
			n = binary.BigEndian.Uint64(e[:])
		}
		if fop >= opClose {
			if !fin || n > 125 {
				return 0, nil, errors.New("websocket: bad control frame from the server")
			}
			var p [125]byte
			if _, err := io.ReadFull(t.br, p[:n]); err != nil {
				return 0, nil, err
			}
			switch fop {
			case opPing:
				if err := t.writeFrame(opPong, p[:n]); err != nil {
					return 0, nil, err
				}
			case opPong:
			case opClose:
				ce := &closeError{code: 1005}
				if n >= 2 {
					ce.code, ce.reason = int(binary.BigEndian.Uint16(p[:2])), string(p[2:n])
				}
				t.writeClose(ce.code)
				return 0, nil, ce
			default:
				return 0, nil, fmt.Errorf("websocket: unknown opcode %d from the server", fop)
			}
			continue
		}
		switch {
		case fop == opContinuation && msgOp == 0:
			return 0, nil, errors.New("websocket: continuation frame without a message")
		case fop != opContinuation && msgOp != 0:
			return 0, nil, errors.New("websocket: new message before the last one ended")
		case fop != opContinuation && fop != opText && fop != opBinary:
			return 0, nil, fmt.Errorf("websocket: unknown opcode %d from the server", fop)
		case fop != opContinuation:
			msgOp = fop
		}
		if n > uint64(limit-len(t.msg)) {
			return 0, nil, fmt.Errorf("websocket: message of more than %d bytes", limit)
		}
		start := len(t.msg)
		t.msg = append(t.msg, make([]byte, n)...)
		if _, err := io.ReadFull(t.br, t.msg[start:]); err != nil {
			return 0, nil, err
		}
		if fin {
			if msgOp == opText && !utf8.Valid(t.msg) {
				return 0, nil, errors.New("websocket: text message that is not UTF-8")
			}
			if cap(t.msg) > 64<<10 {
				// Do not keep a large message's buffer for the small
				// ones after it.
				data := t.msg
				t.msg = nil
				return msgOp, data, nil
			}
			return msgOp, t.msg, nil
		}
	}
}

// writeClose sends a close frame with code (1005: without one).
func (t *transport) writeClose(code int) error {
	if code == 1005 {
		return t.writeFrame(opClose, nil)
	}
	return t.writeFrame(opClose, binary.BigEndian.AppendUint16(nil, uint16(code)))
}

// close closes the connection at once.
func (t *transport) close() error { return t.nc.Close() }
