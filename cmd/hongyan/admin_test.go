package main

import (
	"bytes"
	"encoding/json"
	"net"
	"strings"
	"testing"
)

func TestAdminMigrations(t *testing.T) {
	t.Setenv("HONGYAN_STORAGE_DRIVER", "sqlite")
	var out, errb bytes.Buffer
	if code := run(t.Context(), []string{"admin", "--data", t.TempDir(), "migrations"}, &out, &errb); code != 0 {
		t.Fatalf("admin migrations: exit %d, stderr %s", code, errb.String())
	}
	features := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var m struct {
			Feature string
			Version int64
		}
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		if m.Version == 1 {
			features[m.Feature] = true
		}
	}
	for _, f := range []string{"account", "chat", "changelog"} {
		if !features[f] {
			t.Errorf("migrations listed %v, want version 1 of %s among them", features, f)
		}
	}
}

func TestAdminUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"admin"},
		{"admin", "no-such-command"},
	} {
		var out, errb bytes.Buffer
		if code := run(t.Context(), args, &out, &errb); code != 2 {
			t.Errorf("%v: exit %d, want 2 (usage)", args, code)
		}
	}
	var out, errb bytes.Buffer
	if code := run(t.Context(), []string{"admin", "--data", t.TempDir(), "migrations", "extra"}, &out, &errb); code != 1 || !strings.Contains(errb.String(), `"invalid_argument"`) {
		t.Errorf("migrations extra: exit %d stderr %q, want 1 and an invalid_argument error", code, errb.String())
	}
}

// An admin command runs beside the serving node, which holds the TURN
// relay's and the SFU's ports: it must not try to take them.
func TestAdminLeavesCallPortsAlone(t *testing.T) {
	held, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	t.Setenv("HONGYAN_STORAGE_DRIVER", "sqlite")
	t.Setenv("HONGYAN_TURN_LISTEN", held.LocalAddr().String())
	t.Setenv("HONGYAN_SFU_LISTEN", held.LocalAddr().String())
	var out, errb bytes.Buffer
	if code := run(t.Context(), []string{"admin", "--data", t.TempDir(), "migrations"}, &out, &errb); code != 0 {
		t.Fatalf("admin migrations with the call ports taken: exit %d, stderr %s", code, errb.String())
	}
}
