package hongyan

import (
	"net/netip"
	"strings"
)

// AddressKey is what limits count a client's network address under (a
// "host:port" or a bare address): an IPv4 address itself, an IPv6 address
// by its /64, which one subscriber usually holds whole. What is no address
// is its own key.
func AddressKey(addr string) string {
	var a netip.Addr
	if ap, err := netip.ParseAddrPort(addr); err == nil {
		a = ap.Addr()
	} else if a, err = netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(addr, "["), "]")); err != nil {
		return addr
	}
	a = a.Unmap().WithZone("")
	if a.Is4() {
		return a.String()
	}
	p, err := a.Prefix(64)
	if err != nil {
		return a.String()
	}
	return p.String()
}
