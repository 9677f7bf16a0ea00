package load

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync/atomic"

	"hongyan/internal/wsclient"
)

// dialer opens client connections, from a set of local source addresses
// in turn when it has them. Every connection to the same server address
// from one source address needs an ephemeral port of its own, so one
// address holds at most the size of ip_local_port_range (28,232 by
// default) — fewer right after a large run, while the last run's sockets
// sit in TIME_WAIT.
type dialer struct {
	addrs   []netip.Addr
	clients []*http.Client // one per source address
	next    atomic.Uint64
}

// newDialer returns a dialer for conns connections to server from addrs.
// With no addrs, when the server is on loopback and conns would use more
// than half an address's ephemeral ports, it picks enough 127.0.0.x
// addresses, starting at a random one so that consecutive runs do not
// meet their predecessors' TIME_WAIT sockets.
func newDialer(server string, addrs []netip.Addr, conns int) (*dialer, error) {
	d := &dialer{addrs: addrs}
	if len(addrs) == 0 {
		ports := ephemeralPorts()
		if need := (conns + ports/2 - 1) / (ports / 2); need > 1 && loopbackServer(server) {
			d.addrs = autoSourceAddrs(need, rand.IntN(253))
		}
	}
	for _, a := range d.addrs {
		local := &net.TCPAddr{IP: a.AsSlice()}
		tr := &http.Transport{DialContext: (&net.Dialer{LocalAddr: local}).DialContext}
		d.clients = append(d.clients, &http.Client{Transport: tr})
	}
	return d, nil
}

// Dial opens a connection to server from the next source address.
func (d *dialer) Dial(ctx context.Context, server string, opts ...wsclient.Option) (*wsclient.Conn, error) {
	if d != nil && len(d.clients) > 0 {
		c := d.clients[d.next.Add(1)%uint64(len(d.clients))]
		opts = append([]wsclient.Option{wsclient.WithHTTPClient(c)}, opts...)
	}
	return wsclient.Dial(ctx, server, opts...)
}

// autoSourceAddrs returns n addresses in 127.0.0.2–127.0.0.254, the first
// at offset start, wrapping around.
func autoSourceAddrs(n, start int) []netip.Addr {
	n = min(n, 253)
	out := make([]netip.Addr, n)
	for i := range n {
		out[i] = netip.AddrFrom4([4]byte{127, 0, 0, byte(2 + (start+i)%253)})
	}
	return out
}

// ephemeralPorts returns the size of the system's ephemeral port range.
func ephemeralPorts() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err == nil {
		f := strings.Fields(string(b))
		if len(f) == 2 {
			lo, err1 := strconv.Atoi(f[0])
			hi, err2 := strconv.Atoi(f[1])
			if err1 == nil && err2 == nil && hi > lo {
				return hi - lo + 1
			}
		}
	}
	return 28232 // Linux's default, 32768–60999
}

func loopbackServer(server string) bool {
	u, err := url.Parse(server)
	if err != nil {
		return false
	}
	host := u.Hostname()
	if host == "localhost" {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.IsLoopback()
}

// ParseSourceAddrs parses a list of source addresses: comma-separated
// addresses or IPv4 ranges, such as "127.0.0.2-127.0.0.9,127.0.0.20".
func ParseSourceAddrs(s string) ([]netip.Addr, error) {
	var out []netip.Addr
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := netip.ParseAddr(strings.TrimSpace(lo))
		if err != nil {
			return nil, fmt.Errorf("source address %q: %w", part, err)
		}
		if !isRange {
			out = append(out, a)
			continue
		}
		b, err := netip.ParseAddr(strings.TrimSpace(hi))
		if err != nil {
			return nil, fmt.Errorf("source address range %q: %w", part, err)
		}
		if !a.Is4() || !b.Is4() || b.Less(a) {
			return nil, fmt.Errorf("source address range %q: want two IPv4 addresses, the lower first", part)
		}
		for x := a; ; x = x.Next() {
			out = append(out, x)
			if x == b {
				break
			}
			if len(out) > 1<<16 {
				return nil, fmt.Errorf("source address range %q: too large", part)
			}
		}
	}
	return out, nil
}

// FormatSourceAddrs is the inverse of ParseSourceAddrs.
func FormatSourceAddrs(addrs []netip.Addr) string {
	s := make([]string, len(addrs))
	for i, a := range addrs {
		s[i] = a.String()
	}
	return strings.Join(s, ",")
}
