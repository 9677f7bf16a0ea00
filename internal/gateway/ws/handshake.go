package ws

import (
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// acceptGUID is the GUID of RFC 6455 §1.3 that the accept key hashes in.
const acceptGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// handshakeWriteTimeout bounds writing the 101 answer.
const handshakeWriteTimeout = 10 * time.Second

// Accept checks a client's opening handshake (RFC 6455 §4.2.1), hijacks
// the connection and answers 101 Switching Protocols. No subprotocol or
// extension is negotiated. A browser page of another origin is refused
// (cross-site WebSocket hijacking): a request with an Origin header must
// come from the host it asks for.
//
// On failure Accept has written an HTTP error and returns it. On success
// the caller owns nc; pre holds the bytes the HTTP server had read past
// the request (the start of the client's first frames), to be read first.
func Accept(w http.ResponseWriter, r *http.Request) (nc net.Conn, pre []byte, err error) {
	if status, err := checkHandshake(w.Header(), r); err != nil {
		http.Error(w, err.Error(), status)
		return nil, nil, err
	}
	key := strings.TrimSpace(r.Header.Get("Sec-WebSocket-Key"))
	nc, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		err = fmt.Errorf("hijack: %w", err)
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return nil, nil, err
	}
	if n := brw.Reader.Buffered(); n > 0 {
		b, _ := brw.Reader.Peek(n)
		pre = append([]byte(nil), b...)
	}
	resp := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
		AcceptKey(key) + "\r\n\r\n"
	nc.SetWriteDeadline(time.Now().Add(handshakeWriteTimeout))
	if _, err := nc.Write([]byte(resp)); err != nil {
		nc.Close()
		return nil, nil, err
	}
	nc.SetDeadline(time.Time{})
	return nc, pre, nil
}

// checkHandshake checks the request's handshake headers; on failure it
// returns the HTTP status to answer with (and sets the headers that go
// with it on h).
func checkHandshake(h http.Header, r *http.Request) (int, error) {
	if !r.ProtoAtLeast(1, 1) {
		return http.StatusUpgradeRequired, fmt.Errorf("WebSocket protocol violation: handshake request must be at least HTTP/1.1: %q", r.Proto)
	}
	if !headerHasToken(r.Header, "Connection", "upgrade") || !headerHasToken(r.Header, "Upgrade", "websocket") {
		h.Set("Connection", "Upgrade")
		h.Set("Upgrade", "websocket")
		return http.StatusUpgradeRequired, errors.New("WebSocket protocol violation: expected Connection: Upgrade and Upgrade: websocket")
	}
	if r.Method != http.MethodGet {
		return http.StatusMethodNotAllowed, fmt.Errorf("WebSocket protocol violation: handshake request method is not GET but %q", r.Method)
	}
	if r.Header.Get("Sec-WebSocket-Version") != "13" {
		h.Set("Sec-WebSocket-Version", "13")
		return http.StatusBadRequest, fmt.Errorf("unsupported WebSocket protocol version (only 13 is supported): %q", r.Header.Get("Sec-WebSocket-Version"))
	}
	keys := r.Header.Values("Sec-WebSocket-Key")
	if len(keys) != 1 {
		return http.StatusBadRequest, errors.New("WebSocket protocol violation: need exactly one Sec-WebSocket-Key")
	}
	key := strings.TrimSpace(keys[0])
	if v, err := base64.StdEncoding.DecodeString(key); err != nil || len(v) != 16 {
		return http.StatusBadRequest, fmt.Errorf("WebSocket protocol violation: invalid Sec-WebSocket-Key %q", key)
	}
	if origin := r.Header.Get("Origin"); origin != "" {
		u, err := url.Parse(origin)
		if err != nil || !strings.EqualFold(r.Host, u.Host) {
			return http.StatusForbidden, fmt.Errorf("request Origin %q is not authorized for Host %q", origin, r.Host)
		}
	}
	return 0, nil
}

// AcceptKey returns the Sec-WebSocket-Accept value for a client's
// Sec-WebSocket-Key.
func AcceptKey(key string) string {
	sum := sha1.Sum([]byte(key + acceptGUID))
	return base64.StdEncoding.EncodeToString(sum[:])
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
