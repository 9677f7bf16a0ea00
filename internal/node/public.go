package node

import (
	"crypto/subtle"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"hongyan/internal/config"
)

// hostNames are the DNS names the client listener answers to: the host of
// public_url and http.hosts. Any IP literal and localhost are answered
// too.
func hostNames(cfg config.Config) map[string]bool {
	names := make(map[string]bool)
	if u, err := url.Parse(cfg.PublicURL); err == nil && u.Hostname() != "" {
		names[canonicalHost(u.Hostname())] = true
	}
	for _, h := range cfg.TLS.ACMEDomains {
		names[canonicalHost(h)] = true
	}
	for _, h := range cfg.HTTP.Hosts {
		names[canonicalHost(h)] = true
	}
	return names
}

// canonicalHost lower-cases a host name and drops a port, brackets and a
// final dot.
func canonicalHost(h string) string {
	if host, _, err := net.SplitHostPort(h); err == nil {
		h = host
	}
	h = strings.TrimSuffix(strings.Trim(h, "[]"), ".")
	return strings.ToLower(h)
}

// checkHost answers 421 Misdirected Request to a request for a DNS name
// that is not one of names: a page of another site whose name was pointed
// at this node's address (DNS rebinding) reaches nothing. IP literals and
// localhost are always answered (a rebinding attack needs a name of the
// attacker's), and so are health and readiness probes.
func checkHost(names map[string]bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := canonicalHost(r.Host)
		if h == "" || names[h] || h == "localhost" || strings.HasSuffix(h, ".localhost") ||
			r.URL.Path == "/healthz" || r.URL.Path == "/readyz" {
			next.ServeHTTP(w, r)
			return
		}
		if _, err := netip.ParseAddr(h); err == nil {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Connection", "close")
		http.Error(w, "this server does not answer for "+h, http.StatusMisdirectedRequest)
	})
}

// publicMetrics serves /metrics on the client listener to requests that
// carry the token (Authorization: Bearer TOKEN); operators without a token
// read them on the admin listener.
func (n *Node) publicMetrics(token string) http.Handler {
	metrics := promhttp.HandlerFor(n.reg, promhttp.HandlerOpts{})
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "metrics need the token (http.metrics_token)", http.StatusUnauthorized)
			return
		}
		metrics.ServeHTTP(w, r)
	})
}
