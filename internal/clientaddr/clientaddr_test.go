package clientaddr

import (
	"net/http"
	"strings"
	"testing"
)

func TestAddr(t *testing.T) {
	r, err := New([]string{"10.0.0.0/8", "192.168.1.7", "fd00::/8", "::ffff:172.16.0.0/108"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		remote string
		xff    []string
		want   string
	}{
		{"no proxy", "203.0.113.9:5000", nil, "203.0.113.9:5000"},
		{"untrusted peer's header is ignored", "203.0.113.9:5000", []string{"1.1.1.1"}, "203.0.113.9:5000"},
		{"trusted proxy", "10.1.2.3:40000", []string{"198.51.100.4"}, "198.51.100.4"},
		{"single trusted address", "192.168.1.7:1", []string{"198.51.100.4"}, "198.51.100.4"},
		{"neighbour of the trusted address is not trusted", "192.168.1.8:1", []string{"198.51.100.4"}, "192.168.1.8:1"},
		{"client's own forgery stays on the left", "10.1.2.3:40000", []string{"6.6.6.6, 198.51.100.4"}, "198.51.100.4"},
		{"chain of trusted proxies", "10.1.2.3:1", []string{"198.51.100.4, 10.9.9.9", "192.168.1.7"}, "198.51.100.4"},
		{"every hop trusted: the left-most", "10.1.2.3:1", []string{"10.0.0.1, 10.0.0.2"}, "10.0.0.1"},
		{"entry with a port", "10.1.2.3:1", []string{"198.51.100.4:5555"}, "198.51.100.4"},
		{"IPv6 client", "[fd00::1]:443", []string{"[2001:db8::5]:1234"}, "2001:db8::5"},
		{"bare IPv6 client", "[fd00::1]:443", []string{"2001:db8::5"}, "2001:db8::5"},
		{"mapped peer", "[::ffff:10.1.2.3]:443", []string{"198.51.100.4"}, "198.51.100.4"},
		{"mapped CIDR", "172.16.0.9:443", []string{"198.51.100.4"}, "198.51.100.4"},
		{"garbage ends the walk at the proxy that passed it", "10.1.2.3:1", []string{"198.51.100.4, nonsense, 10.0.0.5"}, "10.0.0.5"},
		{"garbage from the first proxy: its peer address", "10.1.2.3:1", []string{"unknown"}, "10.1.2.3:1"},
		{"no header from a trusted proxy", "10.1.2.3:1", nil, "10.1.2.3:1"},
		{"empty header", "10.1.2.3:1", []string{""}, "10.1.2.3:1"},
		{"remote that is no address", "@", []string{"198.51.100.4"}, "@"},
	}
	for _, tt := range tests {
		req := &http.Request{RemoteAddr: tt.remote, Header: http.Header{}}
		for _, v := range tt.xff {
			req.Header.Add("X-Forwarded-For", v)
		}
		if got := r.Addr(req); got != tt.want {
			t.Errorf("%s: Addr(%s, %q): got %q, want %q", tt.name, tt.remote, tt.xff, got, tt.want)
		}
	}
}

func TestAddrTrustsNoOneByDefault(t *testing.T) {
	req := &http.Request{RemoteAddr: "127.0.0.1:1", Header: http.Header{"X-Forwarded-For": {"1.2.3.4"}}}
	for name, r := range map[string]*Resolver{"nil": nil, "zero": {}, "empty list": mustNew(t, nil)} {
		if got := r.Addr(req); got != "127.0.0.1:1" {
			t.Errorf("%s resolver: got %q, want the peer's address", name, got)
		}
	}
}

// A long chain is read only as far as maxHops from the right.
func TestAddrBoundsTheWalk(t *testing.T) {
	r := mustNew(t, []string{"10.0.0.0/8"})
	hops := append([]string{"198.51.100.4"}, strings.Split(strings.Repeat("10.0.0.1,", 100), ",")[:100]...)
	req := &http.Request{RemoteAddr: "10.1.1.1:1", Header: http.Header{"X-Forwarded-For": {strings.Join(hops, ",")}}}
	if got := r.Addr(req); got != "10.0.0.1" {
		t.Errorf("100 trusted hops: got %q, want the last one read (10.0.0.1)", got)
	}
}

func TestNewRejectsNonsense(t *testing.T) {
	for _, s := range []string{"", "10.0.0.0/33", "example.com", "1.2.3.4/x"} {
		if _, err := New([]string{s}); err == nil {
			t.Errorf("New(%q): got no error", s)
		}
	}
}

func mustNew(t *testing.T, trusted []string) *Resolver {
	t.Helper()
	r, err := New(trusted)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
