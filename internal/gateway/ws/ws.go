// Package ws is the server side of the WebSocket protocol (RFC 6455,
// without extensions) as the gateway speaks it on a hijacked connection:
// the opening handshake (Accept), a frame reader that assembles messages
// and enforces the protocol's rules (Reader), and the encoding of the
// frames a server sends (AppendHeader, AppendClose).
//
// It is built for many idle connections: a Reader holds no buffer while it
// waits for a frame header, and a message's buffer grows as its bytes
// arrive, never from a length a peer merely declared. A Budget bounds the
// bytes held in messages being received across all connections.
package ws

import (
	"fmt"
	"unicode/utf8"
)

// Opcode is a frame's opcode (RFC 6455 §5.2).
type Opcode byte

// The opcodes.
const (
	OpContinuation Opcode = 0x0
	OpText         Opcode = 0x1
	OpBinary       Opcode = 0x2
	OpClose        Opcode = 0x8
	OpPing         Opcode = 0x9
	OpPong         Opcode = 0xA
)

// control reports whether op is a control opcode (close, ping, pong).
func (op Opcode) control() bool { return op >= OpClose }

// known reports whether op is defined by RFC 6455.
func (op Opcode) known() bool { return op <= OpBinary || op >= OpClose && op <= OpPong }

// StatusCode is a close frame's status (RFC 6455 §7.4).
type StatusCode uint16

// The status codes the server sends or checks for.
const (
	StatusNormal          StatusCode = 1000
	StatusGoingAway       StatusCode = 1001
	StatusProtocolError   StatusCode = 1002
	StatusUnsupportedData StatusCode = 1003
	StatusNoStatus        StatusCode = 1005 // never on the wire: a close frame without a status
	StatusInvalidPayload  StatusCode = 1007 // e.g. text that is not UTF-8
	StatusPolicyViolation StatusCode = 1008
	StatusMessageTooBig   StatusCode = 1009
	StatusInternalError   StatusCode = 1011
	StatusTryAgainLater   StatusCode = 1013
)

// ValidCloseCode reports whether a peer may send code in a close frame:
// the codes RFC 6455 and the IANA registry define for use on the wire
// (1000–1003, 1007–1014) and the ranges for libraries and applications
// (3000–4999). 1004–1006 and 1015 are reserved and never sent.
func ValidCloseCode(code StatusCode) bool {
	switch {
	case code >= 1000 && code <= 1003, code >= 1007 && code <= 1014:
		return true
	case code >= 3000 && code <= 4999:
		return true
	}
	return false
}

// CloseError is a peer's violation of the protocol (or of a limit): the
// connection must be closed with Code. Reason is safe to send to the peer.
type CloseError struct {
	Code   StatusCode
	Reason string
}

func (e *CloseError) Error() string { return fmt.Sprintf("websocket: %s (close %d)", e.Reason, e.Code) }

func closeErr(code StatusCode, reason string) *CloseError {
	return &CloseError{Code: code, Reason: reason}
}

// maxCloseReason is the longest close reason that fits in a control frame
// (125 bytes less the 2-byte status).
const maxCloseReason = 123

// truncateUTF8 cuts s to at most n bytes without splitting a character.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
