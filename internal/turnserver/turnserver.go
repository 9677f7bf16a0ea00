// Package turnserver is the STUN/TURN relay inside the binary (RFC 8656 on
// github.com/pion/turn): a UDP listener, optionally TCP and TLS ones, relays
// on UDP ports of a configurable range, and short-lived credentials of the
// TURN REST API scheme under a shared secret, so that calls work behind NAT
// without another server. It bounds allocations per user and in total,
// refuses peers on private addresses when it relays on a public one, and
// counts what it does (Stats).
package turnserver

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/turn/v4"
	"golang.org/x/net/netutil"
)

// Config configures a Server.
type Config struct {
	// Listen is the UDP address of STUN and TURN ("127.0.0.1:0": a free
	// port on loopback).
	Listen string
	// TCPListen and TLSListen, when set, add TURN over TCP and over TLS
	// (TLSCert and TLSKey: PEM files).
	TCPListen, TLSListen string
	TLSCert, TLSKey      string
	// PublicHost is the host clients are told to reach (an IP address or,
	// for TLS, the certificate's DNS name). Empty: the IP of Listen.
	PublicHost string
	// RelayIP is the IPv4 address announced for relays (the public
	// address of a server behind 1:1 NAT). Empty: the IP of Listen.
	// Relays listen on the IP of Listen.
	RelayIP string
	// RelayMinPort and RelayMaxPort bound the relays' UDP ports (both 0:
	// any free port).
	RelayMinPort, RelayMaxPort int
	// Realm is the TURN realm.
	Realm string
	// Secret is the shared secret of the credentials.
	Secret []byte
	// TTL is how long issued credentials stay valid.
	TTL time.Duration
	// MaxAllocations bounds the relays of the server; MaxPerUser those of
	// one user; MaxTCPConns the open TCP and TLS connections.
	MaxAllocations, MaxPerUser, MaxTCPConns int
	// AllowPrivatePeers lets a relay on a public address send to peers on
	// loopback, private and link-local addresses (refused by default: the
	// relay would otherwise reach the server's own network).
	AllowPrivatePeers bool
	// UDPSockets is how many sockets share the UDP port, each read by
	// its own goroutine (SO_REUSEPORT spreads clients over them; 0: one
	// per CPU, at most 8; 1 where the system lacks SO_REUSEPORT).
	UDPSockets int
	// Log receives the server's events (pion's own at debug level).
	Log *slog.Logger
	// Now is the clock (tests); nil: time.Now.
	Now func() time.Time
}

// Stats are the server's counters since it started.
type Stats struct {
	Allocations     int   // relays open now
	Created         int64 // relays created
	QuotaRefused    int64 // allocations refused: the user's quota or the total
	AuthFailed      int64 // requests with credentials that are malformed, expired or wrong
	PeersRefused    int64 // permissions refused for a peer address
	PacketsToPeers  int64 // datagrams relayed from clients to peers
	BytesToPeers    int64
	PacketsToClient int64 // datagrams relayed from peers to clients
	BytesToClient   int64
}

// Server is a running STUN/TURN server.
type Server struct {
	cfg    Config
	now    func() time.Time
	log    *slog.Logger
	turn   *turn.Server
	udp    []net.PacketConn // one port; several sockets (SO_REUSEPORT) read in parallel
	tcp    net.Listener
	tls    net.Listener
	relay  netip.Addr
	issuer Issuer

	mu      sync.Mutex
	perUser map[string]int

	relays                           atomic.Int64
	created, quota, auth, peers      atomic.Int64
	pktOut, bytesOut, pktIn, bytesIn atomic.Int64
}

var errFull = errors.New("turnserver: relay capacity reached")

// socketBuffer is the receive and send buffer asked for the UDP listener.
const socketBuffer = 4 << 20

// New listens as cfg says and serves until Close.
func New(cfg Config) (*Server, error) {
	if len(cfg.Secret) == 0 {
		return nil, errors.New("turnserver: empty secret")
	}
	if cfg.Realm == "" || cfg.TTL <= 0 || cfg.MaxAllocations < 1 || cfg.MaxPerUser < 1 {
		return nil, errors.New("turnserver: realm, ttl, max allocations and max per user must be set")
	}
	if cfg.MaxTCPConns < 1 {
		cfg.MaxTCPConns = 1024
	}
	s := &Server{cfg: cfg, now: cfg.Now, log: cfg.Log, perUser: map[string]int{}}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	host, _, err := net.SplitHostPort(cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("turnserver: listen %q: %w", cfg.Listen, err)
	}
	bindIP, err := netip.ParseAddr(host)
	if err != nil || !bindIP.Is4() {
		return nil, fmt.Errorf("turnserver: listen %q must be an IPv4 address and port", cfg.Listen)
	}
	relayIP := bindIP
	if cfg.RelayIP != "" {
		if relayIP, err = netip.ParseAddr(cfg.RelayIP); err != nil || !relayIP.Is4() {
			return nil, fmt.Errorf("turnserver: relay ip %q is not an IPv4 address", cfg.RelayIP)
		}
	}
	if relayIP.IsUnspecified() {
		return nil, errors.New("turnserver: listening on all interfaces needs the relay IP clients can reach")
	}
	s.relay = relayIP
	publicHost := cfg.PublicHost
	if publicHost == "" {
		publicHost = relayIP.String()
	}

	var gen turn.RelayAddressGenerator = &turn.RelayAddressGeneratorStatic{RelayAddress: net.IP(relayIP.AsSlice()), Address: bindIP.String()}
	if cfg.RelayMinPort != 0 || cfg.RelayMaxPort != 0 {
		if cfg.RelayMinPort < 1 || cfg.RelayMaxPort > 65535 || cfg.RelayMinPort > cfg.RelayMaxPort {
			return nil, fmt.Errorf("turnserver: relay ports %d–%d are not a range", cfg.RelayMinPort, cfg.RelayMaxPort)
		}
		gen = &turn.RelayAddressGeneratorPortRange{RelayAddress: net.IP(relayIP.AsSlice()), Address: bindIP.String(),
			MinPort: uint16(cfg.RelayMinPort), MaxPort: uint16(cfg.RelayMaxPort)}
	}
	gen = &limitedRelays{inner: gen, s: s}

	s.udp, err = listenUDP(cfg.Listen, cfg.UDPSockets)
	if err != nil {
		return nil, fmt.Errorf("turnserver: %w", err)
	}
	// Every client's datagrams arrive on these sockets and wait there
	// while the server is busy: a large buffer rides out a moment without
	// CPU instead of dropping (the kernel caps it at net.core.rmem_max).
	var packetConns []turn.PacketConnConfig
	for _, c := range s.udp {
		if u, ok := c.(*net.UDPConn); ok {
			u.SetReadBuffer(socketBuffer)
			u.SetWriteBuffer(socketBuffer)
		}
		packetConns = append(packetConns, turn.PacketConnConfig{PacketConn: c, RelayAddressGenerator: gen, PermissionHandler: s.permit})
	}
	urls := []string{
		"stun:" + net.JoinHostPort(publicHost, port(s.UDPAddr())),
		"turn:" + net.JoinHostPort(publicHost, port(s.UDPAddr())) + "?transport=udp",
	}
	var listeners []turn.ListenerConfig
	if cfg.TCPListen != "" {
		if s.tcp, err = net.Listen("tcp4", cfg.TCPListen); err != nil {
			s.closeListeners()
			return nil, fmt.Errorf("turnserver: %w", err)
		}
		s.tcp = netutil.LimitListener(s.tcp, cfg.MaxTCPConns)
		listeners = append(listeners, turn.ListenerConfig{Listener: s.tcp, RelayAddressGenerator: gen, PermissionHandler: s.permit})
		urls = append(urls, "turn:"+net.JoinHostPort(publicHost, port(s.tcp.Addr()))+"?transport=tcp")
	}
	if cfg.TLSListen != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			s.closeListeners()
			return nil, fmt.Errorf("turnserver: tls certificate: %w", err)
		}
		l, err := net.Listen("tcp4", cfg.TLSListen)
		if err != nil {
			s.closeListeners()
			return nil, fmt.Errorf("turnserver: %w", err)
		}
		s.tls = tls.NewListener(netutil.LimitListener(l, cfg.MaxTCPConns), &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
		listeners = append(listeners, turn.ListenerConfig{Listener: s.tls, RelayAddressGenerator: gen, PermissionHandler: s.permit})
		urls = append(urls, "turns:"+net.JoinHostPort(publicHost, port(l.Addr()))+"?transport=tcp")
	}
	s.issuer = Issuer{URLs: urls, Secret: cfg.Secret, TTL: cfg.TTL}

	s.turn, err = turn.NewServer(turn.ServerConfig{
		Realm:             cfg.Realm,
		AuthHandler:       s.authenticate,
		QuotaHandler:      s.allow,
		PacketConnConfigs: packetConns,
		ListenerConfigs:   listeners,
		LoggerFactory:     slogFactory{s.log},
		EventHandler: turn.EventHandler{
			OnAllocationCreated: func(_, _ net.Addr, _, username, _ string, _ net.Addr, _ int) {
				s.created.Add(1)
				s.count(username, 1)
			},
			OnAllocationDeleted: func(_, _ net.Addr, _, username, _ string) { s.count(username, -1) },
			OnAuth: func(_, _ net.Addr, _, _, _, _ string, ok bool) {
				if !ok { // a wrong password
					s.auth.Add(1)
				}
			},
		},
	})
	if err != nil {
		s.closeListeners()
		return nil, fmt.Errorf("turnserver: %w", err)
	}
	s.log.Info("turn server", "urls", urls, "relay_ip", relayIP.String())
	return s, nil
}

// ICEServers returns this server's URLs with credentials for user valid
// from now for the configured TTL.
func (s *Server) ICEServers(user string, now time.Time) []ICEServer {
	return s.issuer.ICEServers(user, now)
}

// URLs are the STUN and TURN URLs clients are given.
func (s *Server) URLs() []string { return append([]string(nil), s.issuer.URLs...) }

// UDPAddr is the address the UDP listener is bound to.
func (s *Server) UDPAddr() net.Addr { return s.udp[0].LocalAddr() }

// Stats returns the server's counters.
func (s *Server) Stats() Stats {
	return Stats{
		Allocations: int(s.relays.Load()), Created: s.created.Load(), QuotaRefused: s.quota.Load(),
		AuthFailed: s.auth.Load(), PeersRefused: s.peers.Load(),
		PacketsToPeers: s.pktOut.Load(), BytesToPeers: s.bytesOut.Load(),
		PacketsToClient: s.pktIn.Load(), BytesToClient: s.bytesIn.Load(),
	}
}

// Close stops the server and closes every relay.
func (s *Server) Close() error { return s.turn.Close() }

func (s *Server) closeListeners() {
	for _, c := range s.udp {
		c.Close()
	}
	if s.tcp != nil {
		s.tcp.Close()
	}
	if s.tls != nil {
		s.tls.Close()
	}
}

// authenticate gives pion the key of a well-formed, unexpired username.
func (s *Server) authenticate(username, realm string, _ net.Addr) ([]byte, bool) {
	exp, _, ok := parseUsername(username)
	if !ok || !exp.After(s.now()) {
		s.auth.Add(1) // pion reports no event for these
		return nil, false
	}
	return turn.GenerateAuthKey(username, realm, sign(s.cfg.Secret, username)), true
}

// allow is the per-user quota, asked before each allocation. (The total
// is enforced exactly where relays are opened, by limitedRelays; two
// allocations of one user racing on two listeners may pass this check
// together.)
func (s *Server) allow(username, _ string, _ net.Addr) bool {
	_, user, ok := parseUsername(username)
	if !ok {
		s.quota.Add(1)
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.perUser[user] >= s.cfg.MaxPerUser {
		s.quota.Add(1)
		return false
	}
	return true
}

func (s *Server) count(username string, d int) {
	_, user, ok := parseUsername(username)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.perUser[user] += d; s.perUser[user] <= 0 {
		delete(s.perUser, user)
	}
}

// permit refuses peers no relay should reach: unspecified and multicast
// addresses always, and loopback, private and link-local ones from a
// relay on a public address unless AllowPrivatePeers.
func (s *Server) permit(_ net.Addr, peer net.IP) bool {
	ip, ok := netip.AddrFromSlice(peer)
	ip = ip.Unmap()
	switch {
	case !ok, ip.IsUnspecified(), ip.IsMulticast(), ip == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
	case !public(ip) && public(s.relay) && !s.cfg.AllowPrivatePeers:
	default:
		return true
	}
	s.peers.Add(1)
	return false
}

func public(ip netip.Addr) bool {
	return !(ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsUnspecified())
}

func port(a net.Addr) string {
	_, p, _ := net.SplitHostPort(a.String())
	return p
}

// limitedRelays opens relays up to the server's total and counts what
// they carry.
type limitedRelays struct {
	inner turn.RelayAddressGenerator
	s     *Server
}

func (g *limitedRelays) Validate() error { return g.inner.Validate() }

func (g *limitedRelays) AllocatePacketConn(network string, requestedPort int) (net.PacketConn, net.Addr, error) {
	s := g.s
	if s.relays.Add(1) > int64(s.cfg.MaxAllocations) {
		s.relays.Add(-1)
		s.quota.Add(1)
		return nil, nil, errFull
	}
	c, a, err := g.inner.AllocatePacketConn(network, requestedPort)
	if err != nil {
		s.relays.Add(-1)
		return nil, nil, err
	}
	return &relayConn{PacketConn: c, s: s}, a, nil
}

func (g *limitedRelays) AllocateConn(network string, requestedPort int) (net.Conn, net.Addr, error) {
	return g.inner.AllocateConn(network, requestedPort)
}

// relayConn is a relay's socket: it counts datagrams and gives its place
// back when closed.
type relayConn struct {
	net.PacketConn
	s    *Server
	once sync.Once
}

func (c *relayConn) ReadFrom(p []byte) (int, net.Addr, error) {
	n, a, err := c.PacketConn.ReadFrom(p)
	if err == nil {
		c.s.pktIn.Add(1)
		c.s.bytesIn.Add(int64(n))
	}
	return n, a, err
}

func (c *relayConn) WriteTo(p []byte, a net.Addr) (int, error) {
	n, err := c.PacketConn.WriteTo(p, a)
	if err == nil {
		c.s.pktOut.Add(1)
		c.s.bytesOut.Add(int64(n))
	}
	return n, err
}

func (c *relayConn) Close() error {
	c.once.Do(func() { c.s.relays.Add(-1) })
	return c.PacketConn.Close()
}
