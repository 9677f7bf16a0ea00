package gateway

import (
	"net/http"
	"time"
)

// Admission: how many connections the node takes, before they prove
// anything. A connection counts against its source address (an IPv6
// address by its /64, which one subscriber usually holds whole) for its
// life, and against the node's unauthenticated connections until it says
// hello, which it must within Options.HelloTimeout.

// admit counts a new connection from key, or says why it is refused (an
// HTTP status and a message).
func (g *Gateway) admit(key string) (status int, msg string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.draining {
		return http.StatusServiceUnavailable, "this node is shutting down; connect again"
	}
	if max := g.opt.MaxConnsPerAddress; max > 0 && g.perAddr[key] >= max {
		return http.StatusTooManyRequests, "too many connections from your address"
	}
	if max := g.opt.MaxUnauthenticatedConns; max > 0 && g.unauth >= max {
		return http.StatusServiceUnavailable, "too many connections are signing in; try again shortly"
	}
	g.perAddr[key]++
	g.unauth++
	return 0, ""
}

// leave uncounts a connection from key; unauth says whether it had not
// said hello.
func (g *Gateway) leave(key string, unauth bool) {
	if n := g.perAddr[key] - 1; n > 0 {
		g.perAddr[key] = n
	} else {
		delete(g.perAddr, key)
	}
	if unauth {
		g.unauth--
	}
}

// refuse answers an upgrade the node does not take, and closes the HTTP
// connection so that a flood does not keep it.
func refuse(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Connection", "close")
	if status == http.StatusServiceUnavailable || status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "5")
	}
	http.Error(w, msg, status)
}

// signedIn moves c out of the node's unauthenticated connections and lifts
// its hello deadline.
func (c *conn) signedIn() {
	c.g.mu.Lock()
	if c.unauth {
		c.unauth = false
		c.g.unauth--
	}
	c.g.mu.Unlock()
	c.mu.Lock()
	if !c.closing {
		c.nc.SetReadDeadline(time.Time{})
	}
	c.mu.Unlock()
}

// extendHello lets an unauthenticated connection wait longer than its
// hello deadline, until d from now: a new device waiting for its QR login to be
// confirmed says hello once it is.
func (c *conn) extendHello(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	by := mono() + int64(d)
	if c.closing || c.caller.User != 0 || by <= c.helloBy {
		return
	}
	c.helloBy = by
	c.nc.SetReadDeadline(time.Now().Add(d))
}
