// Package gateway is the client protocol endpoint: WebSocket at /ws carrying
// protobuf frames (proto/hongyan/v1), device authentication, requests
// dispatched to the features, and the sync model — paged catch-up from a
// device's cursor, then live pushes that arrive over the bus. It holds no
// product rules: it converts frames to service calls and back.
package gateway

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"

	"hongyan/internal/account"
	"hongyan/internal/changelog"
	"hongyan/internal/chat"
	"hongyan/internal/contact"
	"hongyan/internal/favorite"
	"hongyan/internal/group"
	"hongyan/internal/hongyan"
	"hongyan/internal/media"
)

// Services are the features the gateway serves.
type Services struct {
	Accounts  *account.Service
	Contacts  *contact.Service
	Chat      *chat.Service
	Groups    *group.Service
	Favorites *favorite.Service
	Media     *media.Service // nil: no media endpoints
	Changes   changelog.Store
	Bus       hongyan.Bus
}

// Options tune the gateway.
type Options struct {
	MaxFrameBytes int           // largest frame a client may send
	WriteTimeout  time.Duration // a client that cannot take a frame this long is dropped
	PublicURL     string        // base of links in QR codes
	// MaxGroupMembers is the group size limit clients are told.
	MaxGroupMembers int
	Log             *slog.Logger
	Metrics         *Metrics // may be nil
}

// Gateway serves the client protocol. Create it with New.
type Gateway struct {
	s    Services
	opt  Options
	log  *slog.Logger
	m    *Metrics
	mu   sync.Mutex
	live map[*conn]struct{}
	done chan struct{}
}

// New returns a gateway over the given services.
func New(s Services, opt Options) *Gateway {
	if opt.MaxFrameBytes <= 0 {
		opt.MaxFrameBytes = 2 << 20
	}
	if opt.WriteTimeout <= 0 {
		opt.WriteTimeout = 10 * time.Second
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.Metrics == nil {
		opt.Metrics = NewMetrics(nil)
	}
	return &Gateway{s: s, opt: opt, log: opt.Log, m: opt.Metrics, live: make(map[*conn]struct{}), done: make(chan struct{})}
}

// ServeHTTP upgrades a request to a WebSocket and returns; the connection
// is served on a goroutine of its own until it closes (so that the HTTP
// server's goroutine, its stack grown by the request, does not stay behind
// for the life of an idle connection).
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	select {
	case <-g.done:
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	default:
	}
	nc, pre, err := accept(w, r)
	if err != nil {
		return // accept has written the HTTP error
	}
	c := newConn(g, nc, r.RemoteAddr, pre)
	g.mu.Lock()
	g.live[c] = struct{}{}
	select {
	case <-g.done:
		c.shut(websocket.StatusGoingAway, "server shutting down")
	default:
	}
	g.mu.Unlock()
	g.m.conns.Inc()
	go func() {
		c.serve()
		g.mu.Lock()
		delete(g.live, c)
		g.mu.Unlock()
		g.m.conns.Dec()
	}()
}

// Close refuses new connections and closes every open one with "going
// away", so that clients reconnect elsewhere.
func (g *Gateway) Close() {
	g.mu.Lock()
	select {
	case <-g.done:
	default:
		close(g.done)
	}
	conns := make([]*conn, 0, len(g.live))
	for c := range g.live {
		conns = append(conns, c)
	}
	g.mu.Unlock()
	// A close handshake waits for the client's answer (at most closeWait,
	// on the connection's reader); shut does not block.
	for _, c := range conns {
		c.shut(websocket.StatusGoingAway, "server shutting down")
	}
}

// Conns returns the number of open client connections.
func (g *Gateway) Conns() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.live)
}

func (g *Gateway) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 30*time.Second)
}
