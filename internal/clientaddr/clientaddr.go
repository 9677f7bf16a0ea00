// Package clientaddr finds the network address of the client behind an
// HTTP request: the peer's own address, or — when the peer is a proxy the
// operator trusts — the address the proxies name in X-Forwarded-For. Rate
// limits and connection caps key on it, so a TLS proxy in front of a node
// does not put every client in one bucket, and a client that is not a
// trusted proxy cannot choose its own address by sending the header.
package clientaddr

import (
	"fmt"
	"net/http"
	"net/netip"
	"strings"
)

// maxHops bounds how many X-Forwarded-For entries are read, from the
// right: a chain of trusted proxies is short.
const maxHops = 16

// Resolver finds client addresses. The zero Resolver trusts no proxy. It is
// safe for concurrent use.
type Resolver struct {
	trusted []netip.Prefix
}

// New returns a Resolver that believes X-Forwarded-For from peers in the
// given networks: CIDRs ("10.0.0.0/8", "fd00::/8") or single addresses.
func New(trusted []string) (*Resolver, error) {
	r := &Resolver{}
	for _, s := range trusted {
		p, err := ParsePrefix(s)
		if err != nil {
			return nil, err
		}
		r.trusted = append(r.trusted, p)
	}
	return r, nil
}

// ParsePrefix parses a CIDR or a single address (as its /32 or /128).
func ParsePrefix(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("trusted proxy %q: %w", s, err)
		}
		if a := p.Addr(); a.Is4In6() {
			// ::ffff:a.b.c.d/n is the IPv4 network a.b.c.d/(n-96).
			if p.Bits() < 96 {
				return netip.Prefix{}, fmt.Errorf("trusted proxy %q: an IPv4-mapped network needs at least /96", s)
			}
			return netip.PrefixFrom(a.Unmap(), p.Bits()-96).Masked(), nil
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("trusted proxy %q: not an address or CIDR", s)
	}
	a = a.Unmap().WithZone("")
	return netip.PrefixFrom(a, a.BitLen()), nil
}

func (r *Resolver) trusts(a netip.Addr) bool {
	if r == nil {
		return false
	}
	for _, p := range r.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Addr returns the address of the client behind req: req.RemoteAddr
// unchanged when the peer is not a trusted proxy (or names no one),
// otherwise the right-most X-Forwarded-For entry that is not itself a
// trusted proxy (as an address without a port). An entry that is no
// address ends the walk at the proxy that passed it on.
func (r *Resolver) Addr(req *http.Request) string {
	peer, ok := parse(req.RemoteAddr)
	if !ok || !r.trusts(peer) {
		return req.RemoteAddr
	}
	var hops []string
	for _, v := range req.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(v, ",")...)
	}
	client := peer
	for i, n := len(hops)-1, 0; i >= 0 && n < maxHops; i, n = i-1, n+1 {
		a, ok := parse(hops[i])
		if !ok {
			break
		}
		client = a
		if !r.trusts(a) {
			break
		}
	}
	if client == peer {
		return req.RemoteAddr
	}
	return client.String()
}

// parse reads an address as a peer or a proxy writes it: "1.2.3.4",
// "1.2.3.4:5678", "2001:db8::1", "[2001:db8::1]:443".
func parse(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().WithZone(""), true
	}
	a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]"))
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap().WithZone(""), true
}
