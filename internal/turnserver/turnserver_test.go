package turnserver

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pion/turn/v4"
)

var testSecret = []byte("0123456789abcdef0123456789abcdef")

func start(t *testing.T, mod func(*Config)) *Server {
	t.Helper()
	cfg := Config{Listen: "127.0.0.1:0", Realm: "hongyan", Secret: testSecret, TTL: time.Hour, MaxAllocations: 100, MaxPerUser: 10}
	if mod != nil {
		mod(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// client is a pion TURN client of s over UDP with the given credentials.
func client(t *testing.T, s *Server, username, password string) *turn.Client {
	t.Helper()
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := s.UDPAddr().String()
	c, err := turn.NewClient(&turn.ClientConfig{STUNServerAddr: addr, TURNServerAddr: addr, Conn: conn,
		Username: username, Password: password, Realm: "hongyan", RTO: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Listen(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(); conn.Close() })
	return c
}

func issued(t *testing.T, s *Server, user string) (string, string) {
	t.Helper()
	ice := s.ICEServers(user, time.Now())
	if len(ice) != 1 {
		t.Fatalf("ICEServers: got %d entries, want 1", len(ice))
	}
	return ice[0].Username, ice[0].Credential
}

// The credentials are those of the TURN REST API scheme, as pion's own
// generator (and coturn) compute them.
func TestCredentialsFollowTheRESTScheme(t *testing.T) {
	wantUser, wantPass, err := turn.GenerateLongTermTURNRESTCredentials(string(testSecret), "42", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	exp, _ := strconv.ParseInt(strings.Split(wantUser, ":")[0], 10, 64)
	gotUser, gotPass := Credentials(testSecret, "42", time.Unix(exp, 0))
	if gotUser != wantUser || gotPass != wantPass {
		t.Errorf("Credentials = %q, %q; want %q, %q", gotUser, gotPass, wantUser, wantPass)
	}

	now := time.Unix(1_800_000_000, 0)
	ice := Issuer{URLs: []string{"turn:relay.example:3478"}, Secret: testSecret, TTL: 10 * time.Minute}.ICEServers("7", now)
	if len(ice) != 1 || ice[0].Username != "1800000600:7" || len(ice[0].URLs) != 1 {
		t.Errorf("Issuer.ICEServers = %+v; want one entry for 1800000600:7", ice)
	}
	if got := (Issuer{Secret: testSecret, TTL: time.Minute}).ICEServers("7", now); got != nil {
		t.Errorf("an issuer without URLs issued %+v", got)
	}
}

func TestParseUsername(t *testing.T) {
	for _, tc := range []struct {
		in   string
		ok   bool
		user string
	}{
		{"1800000000:42", true, "42"},
		{"1800000000:u-9", true, "u-9"},
		{"1800000000", false, ""},
		{":42", false, ""},
		{"18x:42", false, ""},
		{"1800000000:", false, ""},
		{"1800000000:a:b", false, ""},
		{"1800000000:a b", false, ""},
		{"1234567890123:42", false, ""},
		{"1800000000:" + strings.Repeat("a", MaxUsername), false, ""},
	} {
		_, user, ok := parseUsername(tc.in)
		if ok != tc.ok || user != tc.user {
			t.Errorf("parseUsername(%q) = %q, %v; want %q, %v", tc.in, user, ok, tc.user, tc.ok)
		}
	}
}

func FuzzParseUsername(f *testing.F) {
	f.Add("1800000000:42")
	f.Add("0:x")
	f.Add("99999999999:\x7f")
	f.Fuzz(func(t *testing.T, in string) {
		exp, user, ok := parseUsername(in)
		if !ok {
			return
		}
		if len(in) > MaxUsername || user == "" || strings.Contains(user, ":") {
			t.Fatalf("parseUsername(%q) accepted user %q", in, user)
		}
		if got := strconv.FormatInt(exp.Unix(), 10) + ":" + user; strings.TrimLeft(in, "0") != strings.TrimLeft(got, "0") && in != got {
			t.Fatalf("parseUsername(%q) = %v, %q: does not rebuild the input (%q)", in, exp.Unix(), user, got)
		}
	})
}

// echoPeer answers every datagram with the same bytes.
func echoPeer(t *testing.T) net.PacketConn {
	t.Helper()
	peer, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { peer.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := peer.ReadFrom(buf)
			if err != nil {
				return
			}
			peer.WriteTo(buf[:n], from)
		}
	}()
	return peer
}

// roundTrip sends payload from the relay to peer and waits for its echo.
func roundTrip(t *testing.T, relay net.PacketConn, peer net.Addr, payload []byte) {
	t.Helper()
	buf := make([]byte, 1500)
	for try := 0; try < 20; try++ {
		if _, err := relay.WriteTo(payload, peer); err != nil {
			t.Fatalf("relay WriteTo: %v", err)
		}
		relay.SetReadDeadline(time.Now().Add(250 * time.Millisecond))
		n, from, err := relay.ReadFrom(buf)
		if err != nil {
			continue // lost on a loaded machine: send again
		}
		if !bytes.Equal(buf[:n], payload) || from.String() != peer.String() {
			t.Fatalf("relay got %q from %v; want %q from %v", buf[:n], from, payload, peer)
		}
		return
	}
	t.Fatalf("no echo through the relay after 20 tries")
}

func TestRelayCarriesDatagramsWithIssuedCredentials(t *testing.T) {
	s := start(t, nil)
	urls := s.URLs()
	if len(urls) != 2 || !strings.HasPrefix(urls[0], "stun:127.0.0.1:") || !strings.HasSuffix(urls[1], "?transport=udp") {
		t.Fatalf("URLs = %v; want a stun: and a turn: URL on 127.0.0.1", urls)
	}
	user, pass := issued(t, s, "42")
	c := client(t, s, user, pass)
	mapped, err := c.SendBindingRequest()
	if err != nil {
		t.Fatalf("STUN binding: %v", err)
	}
	if !strings.HasPrefix(mapped.String(), "127.0.0.1:") {
		t.Errorf("mapped address %v; want 127.0.0.1:…", mapped)
	}
	relay, err := c.Allocate()
	if err != nil {
		t.Fatalf("Allocate: %v", err)
	}
	peer := echoPeer(t)
	roundTrip(t, relay, peer.LocalAddr(), []byte("voice frame"))
	// The relay counts a datagram after handing it on, so the echo can be
	// back before the count: wait for it.
	waitFor(t, func() bool {
		st := s.Stats()
		return st.PacketsToPeers >= 1 && st.PacketsToClient >= 1 && st.BytesToPeers >= int64(len("voice frame"))
	}, "the relay to count packets both ways")
	if st := s.Stats(); st.Allocations != 1 || st.Created != 1 {
		t.Errorf("Stats = %+v; want 1 allocation", st)
	}
	relay.Close()
	waitFor(t, func() bool { return s.Stats().Allocations == 0 }, "the closed relay to be released")
}

func TestBadCredentialsAreRefused(t *testing.T) {
	now := time.Now()
	s := start(t, func(c *Config) { c.Now = func() time.Time { return now } })
	goodUser, goodPass := Credentials(testSecret, "42", now.Add(time.Minute))
	expUser, expPass := Credentials(testSecret, "42", now.Add(-time.Second))
	otherUser, otherPass := Credentials([]byte("another secret of the same length"), "42", now.Add(time.Minute))
	for _, tc := range []struct{ name, user, pass string }{
		{"wrong password", goodUser, goodPass + "x"},
		{"expired", expUser, expPass},
		{"another secret", otherUser, otherPass},
		{"malformed", "42", goodPass},
		{"changed user", strings.Replace(goodUser, ":42", ":43", 1), goodPass},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := s.Stats().AuthFailed
			if _, err := client(t, s, tc.user, tc.pass).Allocate(); err == nil {
				t.Fatalf("Allocate with %s credentials succeeded", tc.name)
			}
			if got := s.Stats().AuthFailed; got <= before {
				t.Errorf("AuthFailed = %d, want more than %d", got, before)
			}
		})
	}
	if s.Stats().Allocations != 0 {
		t.Errorf("Allocations = %d after refused requests, want 0", s.Stats().Allocations)
	}
	if _, err := client(t, s, goodUser, goodPass).Allocate(); err != nil {
		t.Errorf("Allocate with good credentials: %v", err)
	}
}

func TestQuotaPerUserAndTotal(t *testing.T) {
	s := start(t, func(c *Config) { c.MaxPerUser = 2; c.MaxAllocations = 3 })
	alloc := func(user string) (net.PacketConn, error) {
		u, p := issued(t, s, user)
		return client(t, s, u, p).Allocate()
	}
	a1, err := alloc("1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := alloc("1"); err != nil {
		t.Fatal(err)
	}
	if _, err := alloc("1"); err == nil {
		t.Fatalf("user 1's third allocation succeeded; the quota is 2")
	}
	if got := s.Stats().QuotaRefused; got != 1 {
		t.Errorf("QuotaRefused = %d, want 1", got)
	}
	if _, err := alloc("2"); err != nil {
		t.Fatalf("user 2's first allocation: %v", err)
	}
	if _, err := alloc("3"); err == nil {
		t.Fatalf("a fourth allocation succeeded; the total is 3")
	}
	if got := s.Stats().Allocations; got != 3 {
		t.Errorf("Allocations = %d, want 3", got)
	}
	a1.Close()
	waitFor(t, func() bool { return s.Stats().Allocations == 2 }, "user 1's first relay to be released")
	if _, err := alloc("1"); err != nil {
		t.Errorf("user 1 after releasing a relay: %v", err)
	}
}

// A relay announced on a public address refuses peers on the server's own
// networks; one on loopback (tests, a single machine) does not.
func TestPrivatePeersRefusedFromPublicRelay(t *testing.T) {
	for _, tc := range []struct {
		name    string
		relayIP string
		allow   bool
		ok      bool
	}{
		{"public relay", "203.0.113.7", false, false},
		{"public relay, allowed", "203.0.113.7", true, true},
		{"loopback relay", "", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := start(t, func(c *Config) { c.RelayIP = tc.relayIP; c.AllowPrivatePeers = tc.allow })
			for _, peer := range []string{"127.0.0.1", "10.1.2.3", "192.168.0.9", "169.254.1.1"} {
				if got := s.permit(nil, net.ParseIP(peer)); got != tc.ok {
					t.Errorf("permit(%s) = %v, want %v", peer, got, tc.ok)
				}
			}
			for _, peer := range []string{"0.0.0.0", "224.0.0.1", "255.255.255.255"} {
				if s.permit(nil, net.ParseIP(peer)) {
					t.Errorf("permit(%s) = true, want false", peer)
				}
			}
			if !s.permit(nil, net.ParseIP("198.51.100.20")) {
				t.Errorf("a public peer was refused")
			}
		})
	}
	// Through the protocol: the relay refuses the permission.
	s := start(t, func(c *Config) { c.RelayIP = "203.0.113.7" })
	u, p := issued(t, s, "5")
	c := client(t, s, u, p)
	if _, err := c.Allocate(); err != nil {
		t.Fatal(err)
	}
	if err := c.CreatePermission(&net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9}); err == nil {
		t.Errorf("CreatePermission for a loopback peer from a public relay succeeded")
	}
	if s.Stats().PeersRefused == 0 {
		t.Errorf("PeersRefused = 0 after a refused permission")
	}
}

func TestTCPListener(t *testing.T) {
	s := start(t, func(c *Config) { c.TCPListen = "127.0.0.1:0" })
	urls := s.URLs()
	if len(urls) != 3 || !strings.HasSuffix(urls[2], "?transport=tcp") {
		t.Fatalf("URLs = %v; want a turn: URL over TCP last", urls)
	}
	addr := strings.TrimSuffix(strings.TrimPrefix(urls[2], "turn:"), "?transport=tcp")
	tc, err := net.Dial("tcp4", addr)
	if err != nil {
		t.Fatal(err)
	}
	conn := turn.NewSTUNConn(tc)
	u, p := issued(t, s, "9")
	c, err := turn.NewClient(&turn.ClientConfig{STUNServerAddr: addr, TURNServerAddr: addr, Conn: conn, Username: u, Password: p, Realm: "hongyan"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Listen(); err != nil {
		t.Fatal(err)
	}
	relay, err := c.Allocate()
	if err != nil {
		t.Fatalf("Allocate over TCP: %v", err)
	}
	roundTrip(t, relay, echoPeer(t).LocalAddr(), []byte("over tcp"))
}

func TestConfigRefusals(t *testing.T) {
	base := Config{Listen: "127.0.0.1:0", Realm: "hongyan", Secret: testSecret, TTL: time.Hour, MaxAllocations: 1, MaxPerUser: 1}
	for _, tc := range []struct {
		name string
		mod  func(*Config)
	}{
		{"no secret", func(c *Config) { c.Secret = nil }},
		{"all interfaces without relay ip", func(c *Config) { c.Listen = "0.0.0.0:0" }},
		{"ipv6 relay", func(c *Config) { c.RelayIP = "::1" }},
		{"bad port range", func(c *Config) { c.RelayMinPort, c.RelayMaxPort = 50000, 40000 }},
		{"missing certificate", func(c *Config) {
			c.TLSListen = "127.0.0.1:0"
			c.TLSCert = "/nonexistent.pem"
			c.TLSKey = "/nonexistent.key"
		}},
	} {
		cfg := base
		tc.mod(&cfg)
		if s, err := New(cfg); err == nil {
			s.Close()
			t.Errorf("%s: New succeeded", tc.name)
		}
	}
}

func TestRelayPortRange(t *testing.T) {
	// Find two free adjacent-ish ports by asking the system for one.
	l, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := l.LocalAddr().(*net.UDPAddr).Port
	l.Close()
	s := start(t, func(c *Config) { c.RelayMinPort, c.RelayMaxPort = p, p })
	u, pw := issued(t, s, "1")
	relay, err := client(t, s, u, pw).Allocate()
	if err != nil {
		t.Fatalf("Allocate: %v", err)
	}
	if got := relay.LocalAddr().(*net.UDPAddr).Port; got != p {
		t.Errorf("relay port %d, want %d (the range)", got, p)
	}
}

func TestSecretIsKept(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "turn.secret")
	a, err := LoadOrCreateSecret(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := LoadOrCreateSecret(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != 64 || !bytes.Equal(a, b) {
		t.Errorf("secrets %q then %q; want the same 64 hex digits", a, b)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("secret file mode %v, want 0600", fi.Mode().Perm())
	}
	os.WriteFile(path, []byte("short\n"), 0o600)
	if _, err := LoadOrCreateSecret(path); err == nil {
		t.Errorf("a 5-character secret was accepted")
	}
}

func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// With several sockets on the port, each client keeps reaching the socket
// that holds its allocation: every client's relay works.
func TestSeveralUDPSockets(t *testing.T) {
	s := start(t, func(c *Config) { c.UDPSockets = 4 })
	if len(s.udp) < 1 {
		t.Fatalf("no UDP socket")
	}
	peer := echoPeer(t)
	for i := range 12 {
		u, p := issued(t, s, strconv.Itoa(i))
		relay, err := client(t, s, u, p).Allocate()
		if err != nil {
			t.Fatalf("client %d: Allocate: %v", i, err)
		}
		roundTrip(t, relay, peer.LocalAddr(), []byte("client "+strconv.Itoa(i)))
	}
	if got := s.Stats().Allocations; got != 12 {
		t.Errorf("Allocations = %d, want 12", got)
	}
}
