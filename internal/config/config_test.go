package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
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
	for _, sec := range []string{"HONGYAN_STORAGE_", "HONGYAN_LIMITS_", "HONGYAN_HTTP_", "HONGYAN_GATEWAY_", "HONGYAN_GROUPS_", "HONGYAN_MEDIA_", "HONGYAN_HISTORY_", "HONGYAN_OFFICIALACCOUNTS_", "HONGYAN_MOMENTS_", "HONGYAN_DISCOVERY_", "HONGYAN_WALLET_", "HONGYAN_ADDRESSBOOK_", "HONGYAN_BOTS_", "HONGYAN_"} {
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
