package node_test

import (
	"io"
	"net"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pion/turn/v4"

	"hongyan/internal/config"
	"hongyan/internal/hongyan"
	"hongyan/internal/turnserver"
)

// A node runs its STUN/TURN relay by default, on loopback, and the
// credentials it issues open a relay that carries datagrams; its counters
// are on /metrics.
func TestTURNRelayWithIssuedCredentials(t *testing.T) {
	cfg := config.Default()
	cfg.Data = t.TempDir()
	_, n := startNodeWith(t, cfg)
	ice := n.ICEServers(hongyan.UserID(42), time.Now())
	if len(ice) != 1 || len(ice[0].URLs) != 2 || !strings.HasPrefix(ice[0].URLs[1], "turn:127.0.0.1:") || !strings.HasSuffix(ice[0].Username, ":42") {
		t.Fatalf("ICEServers = %+v; want the loopback relay with credentials for user 42", ice)
	}
	addr := strings.TrimSuffix(strings.TrimPrefix(ice[0].URLs[1], "turn:"), "?transport=udp")
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c, err := turn.NewClient(&turn.ClientConfig{STUNServerAddr: addr, TURNServerAddr: addr, Conn: conn,
		Username: ice[0].Username, Password: ice[0].Credential, Realm: "hongyan"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Listen(); err != nil {
		t.Fatal(err)
	}
	relay, err := c.Allocate()
	if err != nil {
		t.Fatalf("Allocate with the node's credentials: %v", err)
	}
	peer, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	buf := make([]byte, 1500)
	var got string
	for try := 0; try < 20 && got == ""; try++ {
		relay.WriteTo([]byte("hello peer"), peer.LocalAddr())
		peer.SetReadDeadline(time.Now().Add(250 * time.Millisecond))
		if n, _, err := peer.ReadFrom(buf); err == nil {
			got = string(buf[:n])
		}
	}
	if got != "hello peer" {
		t.Fatalf("peer got %q through the relay, want %q", got, "hello peer")
	}

	// Credentials of another user do not pass for a changed name.
	forged := strings.Replace(ice[0].Username, ":42", ":43", 1)
	conn2, _ := net.ListenPacket("udp4", "127.0.0.1:0")
	defer conn2.Close()
	c2, _ := turn.NewClient(&turn.ClientConfig{TURNServerAddr: addr, Conn: conn2, Username: forged, Password: ice[0].Credential, Realm: "hongyan"})
	defer c2.Close()
	c2.Listen()
	if _, err := c2.Allocate(); err == nil {
		t.Errorf("a relay was allocated with a forged username")
	}

	admin := httptest.NewServer(n.AdminHandler())
	defer admin.Close()
	resp, err := admin.Client().Get(admin.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"hongyan_turn_allocations 1", "hongyan_turn_allocations_total 1", "hongyan_turn_auth_failed_total 1", `hongyan_turn_relayed_packets_total{direction="to_peer"}`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

// With the built-in relay off and an external TURN configured, the node
// issues credentials for the external URLs under the external secret.
func TestExternalTURNCredentials(t *testing.T) {
	cfg := config.Default()
	cfg.Data = t.TempDir()
	cfg.TURN.Enabled = false
	cfg.TURN.ExternalURLs = []string{"turn:turn.example.com:3478?transport=udp", "turns:turn.example.com:5349?transport=tcp"}
	cfg.TURN.ExternalSecret = "external secret of the operator"
	_, n := startNodeWith(t, cfg)
	now := time.Unix(1_900_000_000, 0)
	ice := n.ICEServers(hongyan.UserID(7), now)
	if len(ice) != 1 || len(ice[0].URLs) != 2 {
		t.Fatalf("ICEServers = %+v; want the two external URLs", ice)
	}
	wantUser, wantPass := turnserver.Credentials([]byte(cfg.TURN.ExternalSecret), "7", now.Add(cfg.TURN.TTL.Duration))
	if ice[0].Username != wantUser || ice[0].Credential != wantPass {
		t.Errorf("credentials %q/%q, want %q/%q", ice[0].Username, ice[0].Credential, wantUser, wantPass)
	}

	cfg.TURN.ExternalURLs = nil
	_, n = startNodeWith(t, cfg)
	if got := n.ICEServers(hongyan.UserID(7), now); len(got) != 0 {
		t.Errorf("ICEServers with no relay at all = %+v, want none", got)
	}
}
