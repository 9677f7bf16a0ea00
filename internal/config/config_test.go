package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"hongyan/internal/hongyan"
)

// The example file documents every key with its default value: parsing it
// must give exactly Default(), and it must mention every key.
func TestExampleFileIsDefault(t *testing.T) {
	path := filepath.Join("..", "..", "docs", "hongyan.example.toml")
	var got Config
	if err := got.LoadFile(path); err != nil {
		t.Fatalf("LoadFile: %v", err)
	}
	if diff := cmp.Diff(Default(), got); diff != "" {
		t.Errorf("example file differs from Default() (-want +got):\n%s", diff)
	}
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, env := range EnvNames() {
		if !strings.Contains(strings.ToUpper(string(text)), leaf(env)) {
			t.Errorf("example file does not document %s (no line %q)", env, strings.ToLower(leaf(env)))
		}
	}
}

// leaf is the upper-cased last TOML key of an env name followed by " =", as
// the example file spells it ("HONGYAN_LIMITS_LOGIN_PER_MINUTE" →
// "LOGIN_PER_MINUTE =").
func leaf(env string) string {
	for _, sec := range []string{"HONGYAN_STORAGE_", "HONGYAN_LIMITS_", "HONGYAN_HTTP_", "HONGYAN_GATEWAY_", "HONGYAN_GROUPS_", "HONGYAN_MEDIA_S3_", "HONGYAN_MEDIA_", "HONGYAN_HISTORY_", "HONGYAN_OFFICIALACCOUNTS_", "HONGYAN_MOMENTS_", "HONGYAN_DISCOVERY_", "HONGYAN_WALLET_", "HONGYAN_ADDRESSBOOK_", "HONGYAN_TURN_", "HONGYAN_SFU_", "HONGYAN_TLS_", "HONGYAN_ACCOUNTS_", "HONGYAN_SPAM_", "HONGYAN_MODERATION_", "HONGYAN_GROUPAPPS_", "HONGYAN_CALLS_", "HONGYAN_BOTS_", "HONGYAN_"} {
		if strings.HasPrefix(env, sec) {
			return strings.TrimPrefix(env, sec) + " ="
		}
	}
	return env
}

func TestLayering(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "h.toml")
	if err := os.WriteFile(path, []byte("listen = \"127.0.0.1:9000\"\n[gateway]\nwrite_timeout = \"3s\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := Default()
	if err := c.LoadFile(path); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"HONGYAN_LISTEN": "127.0.0.1:9100", "HONGYAN_STORAGE_DRIVER": "postgres", "HONGYAN_LIMITS_LOGIN_PER_MINUTE": "7"}
	if err := c.LoadEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok }); err != nil {
		t.Fatal(err)
	}
	if got, want := c.Listen, "127.0.0.1:9100"; got != want {
		t.Errorf("Listen: got %q, want %q (env beats file)", got, want)
	}
	if got, want := c.Gateway.WriteTimeout.Duration, 3*time.Second; got != want {
		t.Errorf("WriteTimeout: got %v, want %v (from file)", got, want)
	}
	if got, want := c.Limits.LoginPerMinute, 7; got != want {
		t.Errorf("LoginPerMinute: got %d, want %d", got, want)
	}
	if err := c.Validate(); err == nil {
		t.Errorf("Validate with driver postgres and no DSN: got nil, want error")
	}
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bad.toml")
	os.WriteFile(path, []byte("lisen = \"x\"\n"), 0o600)
	c := Default()
	if err := c.LoadFile(path); err == nil {
		t.Errorf("unknown key: got nil error, want error")
	}
	if err := c.LoadEnv(func(k string) (string, bool) { return "many", k == "HONGYAN_LIMITS_LOGIN_PER_MINUTE" }); err == nil {
		t.Errorf("non-numeric env value: got nil error, want error")
	}
}

func TestListFromEnv(t *testing.T) {
	c := Default()
	env := map[string]string{"HONGYAN_HTTP_TRUSTED_PROXIES": " 10.0.0.0/8, ,fd00::/8,192.168.1.7 ", "HONGYAN_HTTP_HOSTS": "chat.example.org"}
	if err := c.LoadEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok }); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"10.0.0.0/8", "fd00::/8", "192.168.1.7"}, c.HTTP.TrustedProxies); diff != "" {
		t.Errorf("TrustedProxies (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"chat.example.org"}, c.HTTP.Hosts); diff != "" {
		t.Errorf("Hosts (-want +got):\n%s", diff)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
	c.HTTP.TrustedProxies = []string{"10.0.0.0/8", "proxy.example.org"}
	if err := c.Validate(); err == nil {
		t.Errorf("Validate with a trusted proxy that is no address: got nil, want error")
	}
}

func TestTURNValidation(t *testing.T) {
	for _, tc := range []struct {
		name string
		mod  func(*TURN)
		ok   bool
	}{
		{"default", func(*TURN) {}, true},
		{"public", func(c *TURN) {
			c.Listen, c.RelayIP, c.RelayMinPort, c.RelayMaxPort = "0.0.0.0:3478", "203.0.113.7", 49160, 49200
		}, true},
		{"all interfaces without relay ip", func(c *TURN) { c.Listen = "0.0.0.0:3478" }, false},
		{"ipv6 listen", func(c *TURN) { c.Listen = "[::1]:3478" }, false},
		{"no port", func(c *TURN) { c.Listen = "127.0.0.1" }, false},
		{"bad relay ip", func(c *TURN) { c.RelayIP = "relay.example" }, false},
		{"reversed ports", func(c *TURN) { c.RelayMinPort, c.RelayMaxPort = 50000, 49000 }, false},
		{"low ports", func(c *TURN) { c.RelayMinPort, c.RelayMaxPort = 10, 20 }, false},
		{"tls without cert", func(c *TURN) { c.TLSListen = "0.0.0.0:5349" }, false},
		{"short secret", func(c *TURN) { c.Secret = "abc" }, false},
		{"ttl too long", func(c *TURN) { c.TTL = Duration{72 * time.Hour} }, false},
		{"zero per user", func(c *TURN) { c.MaxPerUser = 0 }, false},
		{"external without secret", func(c *TURN) { c.ExternalURLs = []string{"turn:t.example:3478"} }, false},
		{"external not a URL", func(c *TURN) { c.ExternalURLs, c.ExternalSecret = []string{"http://t.example"}, "0123456789abcdef" }, false},
		{"external only", func(c *TURN) {
			c.Enabled, c.Listen = false, ""
			c.ExternalURLs, c.ExternalSecret = []string{"turn:t.example:3478?transport=udp"}, "0123456789abcdef"
		}, true},
	} {
		c := Default()
		tc.mod(&c.TURN)
		if err := c.Validate(); (err == nil) != tc.ok {
			t.Errorf("%s: Validate() = %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}

func TestSFUValidation(t *testing.T) {
	for _, tc := range []struct {
		name string
		mod  func(*SFU)
		ok   bool
	}{
		{"default", func(*SFU) {}, true},
		{"public", func(c *SFU) { c.Listen, c.PublicIP = "0.0.0.0:7882", "203.0.113.7" }, true},
		{"no port", func(c *SFU) { c.Listen = "0.0.0.0" }, false},
		{"bad public ip", func(c *SFU) { c.PublicIP = "sfu.example" }, false},
		{"too many speakers", func(c *SFU) { c.MaxSpeakers = 33 }, false},
		{"one participant", func(c *SFU) { c.MaxParticipants = 1 }, false},
		{"short hold", func(c *SFU) { c.MaxHold = Duration{time.Millisecond} }, false},
		{"disabled, anything", func(c *SFU) { c.Enabled, c.Listen = false, "" }, true},
	} {
		c := Default()
		tc.mod(&c.SFU)
		if err := c.Validate(); (err == nil) != tc.ok {
			t.Errorf("%s: Validate() = %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}

func TestTLSSettings(t *testing.T) {
	for _, tc := range []struct {
		name string
		tls  TLS
		ok   bool
	}{
		{"none", TLS{}, true},
		{"files", TLS{CertFile: "c.pem", KeyFile: "k.pem"}, true},
		{"cert without key", TLS{CertFile: "c.pem"}, false},
		{"acme", TLS{ACMEDomains: []string{"chat.example.org"}, RedirectListen: ":80"}, true},
		{"both", TLS{CertFile: "c.pem", KeyFile: "k.pem", ACMEDomains: []string{"chat.example.org"}}, false},
		{"bad domain", TLS{ACMEDomains: []string{"https://chat.example.org"}}, false},
		{"redirect without tls", TLS{RedirectListen: ":80"}, false},
		{"negative hsts", TLS{CertFile: "c.pem", KeyFile: "k.pem", HSTSMaxAge: Duration{-time.Second}}, false},
	} {
		c := Default()
		c.TLS = tc.tls
		if err := c.Validate(); (err == nil) != tc.ok {
			t.Errorf("%s: Validate = %v, want ok %v", tc.name, err, tc.ok)
		}
	}
	c := Default()
	if err := c.LoadEnv(func(k string) (string, bool) { return "a.example.org,b.example.org", k == "HONGYAN_TLS_ACME_DOMAINS" }); err != nil {
		t.Fatal(err)
	}
	if got, want := len(c.TLS.ACMEDomains), 2; got != want || !c.TLS.On() {
		t.Errorf("acme_domains from env: got %v (on %v), want 2 names and TLS on", c.TLS.ACMEDomains, c.TLS.On())
	}
}

// PasswordCost is for test harnesses only: it is zero (the production
// cost) by default, no environment variable sets it, and a configuration
// file that names it is refused as an unknown key.
func TestPasswordCostUnreachable(t *testing.T) {
	if got := Default().PasswordCost; got != (hongyan.HashCost{}) {
		t.Errorf("Default().PasswordCost: got %+v, want zero (the production cost)", got)
	}
	for _, env := range EnvNames() {
		if strings.Contains(env, "PASSWORD_COST") || strings.Contains(env, "PASSWORDCOST") || strings.HasSuffix(env, "_-") {
			t.Errorf("EnvNames has %s; want no variable for the hash cost", env)
		}
	}
	path := filepath.Join(t.TempDir(), "cost.toml")
	for _, text := range []string{"[PasswordCost]\nMemoryKiB = 8\nTime = 1\n", "[passwordcost]\nmemorykib = 8\ntime = 1\n"} {
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		c := Default()
		err := c.LoadFile(path)
		if err == nil {
			t.Errorf("LoadFile(%q): got nil error, want unknown key", text)
		}
		if c.PasswordCost != (hongyan.HashCost{}) {
			t.Errorf("LoadFile(%q): PasswordCost %+v, want zero", text, c.PasswordCost)
		}
	}
}
