package node

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"hongyan/internal/config"
	"hongyan/internal/hongyan"
	"hongyan/internal/turnserver"
)

// relays are the TURN servers the node hands out credentials for: its own
// (turn.enabled) and an external one (turn.external_urls).
type relays struct {
	builtin  *turnserver.Server
	external turnserver.Issuer
}

// newRelays starts the built-in STUN/TURN server when enabled, with the
// secret of the configuration or the one kept in the data directory, and
// exports its counters.
func newRelays(cfg config.Config, log *slog.Logger, reg prometheus.Registerer) (*relays, error) {
	t := cfg.TURN
	r := &relays{}
	if len(t.ExternalURLs) > 0 {
		r.external = turnserver.Issuer{URLs: t.ExternalURLs, Secret: []byte(t.ExternalSecret), TTL: t.TTL.Duration}
	}
	if !t.Enabled {
		return r, nil
	}
	secret := []byte(t.Secret)
	if len(secret) == 0 {
		var err error
		if secret, err = turnserver.LoadOrCreateSecret(filepath.Join(cfg.Data, "turn.secret")); err != nil {
			return nil, err
		}
	}
	s, err := turnserver.New(turnserver.Config{
		Listen: t.Listen, TCPListen: t.TCPListen, TLSListen: t.TLSListen, TLSCert: t.TLSCert, TLSKey: t.TLSKey,
		PublicHost: t.PublicHost, RelayIP: t.RelayIP, RelayMinPort: t.RelayMinPort, RelayMaxPort: t.RelayMaxPort,
		Realm: t.Realm, Secret: secret, TTL: t.TTL.Duration,
		MaxAllocations: t.MaxAllocations, MaxPerUser: t.MaxPerUser, MaxTCPConns: t.MaxTCPConns,
		AllowPrivatePeers: t.AllowPrivatePeers, Log: log,
	})
	if err != nil {
		return nil, fmt.Errorf("turn: %w", err)
	}
	r.builtin = s
	observeTURN(s, reg)
	return r, nil
}

// ICEServers returns the STUN/TURN servers user may use, with credentials
// valid from now for turn.ttl: the built-in server's, then the external
// one's. Empty when neither is configured.
func (r *relays) ICEServers(user hongyan.UserID, now time.Time) []turnserver.ICEServer {
	id := fmt.Sprint(int64(user))
	var out []turnserver.ICEServer
	if r.builtin != nil {
		out = append(out, r.builtin.ICEServers(id, now)...)
	}
	return append(out, r.external.ICEServers(id, now)...)
}

func (r *relays) Close() {
	if r.builtin != nil {
		r.builtin.Close()
	}
}

// ICEServers returns the STUN/TURN servers and short-lived credentials
// user may use for a call (the call feature's port).
func (n *Node) ICEServers(user hongyan.UserID, now time.Time) []turnserver.ICEServer {
	return n.relays.ICEServers(user, now)
}

// observeTURN exports the built-in relay's counters.
func observeTURN(s *turnserver.Server, reg prometheus.Registerer) {
	stat := func(f func(turnserver.Stats) float64) func() float64 {
		return func() float64 { return f(s.Stats()) }
	}
	reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "hongyan_turn_allocations", Help: "TURN relays open now."},
			stat(func(st turnserver.Stats) float64 { return float64(st.Allocations) })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "hongyan_turn_allocations_total", Help: "TURN relays created."},
			stat(func(st turnserver.Stats) float64 { return float64(st.Created) })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "hongyan_turn_quota_refused_total", Help: "TURN allocations refused by the per-user or total bound."},
			stat(func(st turnserver.Stats) float64 { return float64(st.QuotaRefused) })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "hongyan_turn_auth_failed_total", Help: "TURN requests with malformed, expired or wrong credentials."},
			stat(func(st turnserver.Stats) float64 { return float64(st.AuthFailed) })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "hongyan_turn_peers_refused_total", Help: "TURN permissions refused for a peer address."},
			stat(func(st turnserver.Stats) float64 { return float64(st.PeersRefused) })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "hongyan_turn_relayed_packets_total", Help: "Datagrams relayed, by direction.", ConstLabels: prometheus.Labels{"direction": "to_peer"}},
			stat(func(st turnserver.Stats) float64 { return float64(st.PacketsToPeers) })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "hongyan_turn_relayed_packets_total", Help: "Datagrams relayed, by direction.", ConstLabels: prometheus.Labels{"direction": "to_client"}},
			stat(func(st turnserver.Stats) float64 { return float64(st.PacketsToClient) })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "hongyan_turn_relayed_bytes_total", Help: "Bytes relayed, by direction.", ConstLabels: prometheus.Labels{"direction": "to_peer"}},
			stat(func(st turnserver.Stats) float64 { return float64(st.BytesToPeers) })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "hongyan_turn_relayed_bytes_total", Help: "Bytes relayed, by direction.", ConstLabels: prometheus.Labels{"direction": "to_client"}},
			stat(func(st turnserver.Stats) float64 { return float64(st.BytesToClient) })),
	)
}
