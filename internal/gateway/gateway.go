// Package gateway is the client protocol endpoint: WebSocket at /ws carrying
// protobuf frames (proto/hongyan/v1), device authentication, requests
// dispatched to the features, and the sync model — paged catch-up from a
// device's cursor, then live pushes that arrive over the bus. It holds no
// product rules: it converts frames to service calls and back.
package gateway

import (
	"context"
	"hongyan/internal/bot"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"hongyan/internal/account"
	"hongyan/internal/addressbook"
	"hongyan/internal/assistant"
	"hongyan/internal/call"
	"hongyan/internal/changelog"
	"hongyan/internal/chat"
	"hongyan/internal/clientaddr"
	"hongyan/internal/contact"
	"hongyan/internal/discovery"
	"hongyan/internal/favorite"
	"hongyan/internal/gateway/ws"
	"hongyan/internal/group"
	"hongyan/internal/groupapp"
	"hongyan/internal/groupcall"
	"hongyan/internal/guard"
	"hongyan/internal/hongyan"
	"hongyan/internal/livecode"
	"hongyan/internal/media"
	"hongyan/internal/moderation"
	"hongyan/internal/moments"
	"hongyan/internal/officialacct"
	"hongyan/internal/outreach"
	"hongyan/internal/wallet"
)

// Services are the features the gateway serves.
type Services struct {
	Accounts  *account.Service
	Contacts  *contact.Service
	Chat      *chat.Service
	Groups    *group.Service
	Favorites *favorite.Service
	// OfficialAccounts: nil, no official accounts.
	OfficialAccounts *officialacct.Service
	Moments          *moments.Service // nil: no Moments requests
	Wallet           *wallet.Service  // nil: no wallet requests
	// Discovery: nil, no people nearby, shake or bottles.
	Discovery    *discovery.Service
	AddressBooks *addressbook.Service // nil: no address-book requests
	LiveCodes    *livecode.Service    // nil: no live codes
	GroupApps    *groupapp.Service    // nil: no group-app requests
	// Moderation: nil, no reports, and no penalties enforced.
	Moderation *moderation.Service
	Media      *media.Service // nil: no media endpoints
	Calls      *call.Service  // nil: no calls
	// GroupCalls: nil, no group calls or walkie-talkie rooms.
	GroupCalls *groupcall.Service
	Bots       *bot.Service   // nil: no bot management
	Guard      *guard.Service // nil: no Group Guard requests
	// Outreach: nil, no common members or broadcasts by tag.
	Outreach *outreach.Service
	// GroupTools: nil, no forwarding to groups or batch invitations.
	GroupTools *outreach.GroupTools
	Assistant  *assistant.Service // nil: no Group Assistant
	Changes    *changelog.Feed
	Bus        hongyan.Bus
}

// Options tune the gateway.
type Options struct {
	MaxFrameBytes int // largest message a client may send after hello
	// MaxUnauthenticatedBytes bounds a connection before hello: its
	// largest message, and the bytes it may have waiting to be handled.
	MaxUnauthenticatedBytes int
	// MaxBufferedBytes bounds the bytes of messages being received or
	// waiting to be handled, over all connections of the node; a message
	// that would go past it closes its connection with 1013 (try again
	// later). 0: no bound.
	MaxBufferedBytes int64
	// HelloTimeout closes a connection (1008) that has not said hello
	// this long after it opened (default 10 s). A QR-login claim in
	// progress extends it.
	HelloTimeout time.Duration
	// MaxConnsPerAddress bounds the open connections from one source
	// address (IPv6: one /64); 0: no bound.
	MaxConnsPerAddress int
	// MaxUnauthenticatedConns bounds the connections that have not said
	// hello yet; 0: no bound.
	MaxUnauthenticatedConns int
	// BodyTimeout: a media upload whose body brings no bytes for this
	// long is cut off (its body may take longer than the HTTP server's
	// read timeout while bytes keep coming); 0: the server's timeout
	// alone.
	BodyTimeout  time.Duration
	WriteTimeout time.Duration // a client that cannot take a frame this long is dropped
	PublicURL    string        // base of links in QR codes
	// ClientAddr finds a request's client address (believing the
	// X-Forwarded-For of trusted proxies); nil: the peer's address.
	ClientAddr *clientaddr.Resolver
	// MaxGroupMembers is the group size limit clients are told.
	MaxGroupMembers int
	Log             *slog.Logger
	Metrics         *Metrics // may be nil
}

// Gateway serves the client protocol. Create it with New.
type Gateway struct {
	s      Services
	opt    Options
	budget *ws.Budget // bytes of messages being received or queued
	routes routes     // how each kind of request is served
	log    *slog.Logger
	m      *Metrics
	done   chan struct{}
	work   workers // goroutines for connections' requests and writes
	reqs   reqList // the requests in hand, for their deadline

	mu       sync.Mutex
	draining bool // Drain was called: no connection is admitted
	live     map[*conn]struct{}
	perAddr  map[string]int // open connections by hongyan.AddressKey
	unauth   int            // open connections that have not said hello
}

// New returns a gateway over the given services.
func New(s Services, opt Options) *Gateway {
	if opt.MaxFrameBytes <= 0 {
		opt.MaxFrameBytes = 2 << 20
	}
	if opt.HelloTimeout <= 0 {
		opt.HelloTimeout = 10 * time.Second
	}
	if opt.MaxUnauthenticatedBytes <= 0 {
		opt.MaxUnauthenticatedBytes = min(16<<10, opt.MaxFrameBytes)
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
	return &Gateway{
		s: s, opt: opt, budget: ws.NewBudget(opt.MaxBufferedBytes), routes: newRoutes(s), log: opt.Log, m: opt.Metrics,
		live: make(map[*conn]struct{}), perAddr: make(map[string]int), done: make(chan struct{}),
	}
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
	// The client's address (behind a trusted proxy, the one it names):
	// what it counts under (and forget uncounts from c.addr, the same
	// string) and what the features are told.
	addr := g.opt.ClientAddr.Addr(r)
	key := hongyan.AddressKey(addr)
	if status, msg := g.admit(key); status != 0 {
		g.m.refused.WithLabelValues(strconv.Itoa(status)).Inc()
		refuse(w, status, msg)
		return
	}
	nc, pre, err := ws.Accept(w, r)
	if err != nil {
		g.mu.Lock()
		g.leave(key, true)
		g.mu.Unlock()
		return // accept has written the HTTP error
	}
	c := newConn(g, nc, addr, pre)
	c.unauth = true
	c.helloBy = mono() + int64(g.opt.HelloTimeout)
	nc.SetReadDeadline(time.Now().Add(g.opt.HelloTimeout))
	g.mu.Lock()
	g.live[c] = struct{}{}
	select {
	case <-g.done:
		c.shut(ws.StatusGoingAway, "server shutting down")
	default:
		if g.draining { // admitted just before Drain
			defer c.drain()
		}
	}
	g.mu.Unlock()
	g.m.conns.Inc()
	go c.serve()
}

// forget drops a connection that ended.
func (g *Gateway) forget(c *conn) {
	g.mu.Lock()
	delete(g.live, c)
	g.leave(hongyan.AddressKey(c.addr), c.unauth)
	c.unauth = false
	g.mu.Unlock()
	g.m.conns.Dec()
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
		c.shut(ws.StatusGoingAway, "server shutting down")
	}
}

// Drain prepares the node to stop: it admits no more connections (they get
// 503, so a load balancer's retry or the client's reconnect reaches another
// node), and closes each open connection with 1001 once the requests it has
// in hand are answered and the answers written. It returns when every
// connection has closed, or with ctx's error when ctx ends first (Close
// then ends the rest).
func (g *Gateway) Drain(ctx context.Context) error {
	g.mu.Lock()
	g.draining = true
	conns := make([]*conn, 0, len(g.live))
	for c := range g.live {
		conns = append(conns, c)
	}
	g.mu.Unlock()
	for _, c := range conns {
		c.drain()
	}
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for g.Conns() > 0 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
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
