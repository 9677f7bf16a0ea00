package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"hongyan/internal/config"
	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/node"
	"hongyan/internal/wsclient"
)

// registerOn starts a node on dir just long enough to register a user.
func registerOn(t *testing.T, dir, account string) int64 {
	t.Helper()
	cfg := config.Default()
	cfg.Data = dir
	cfg.PasswordCost = config.TestPasswordCost
	n, err := node.New(t.Context(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(n.Handler())
	defer func() { srv.Close(); n.Close() }()
	c, err := wsclient.Dial(context.Background(), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := c.Register(context.Background(), &pb.RegisterRequest{AccountId: account, Password: "password-1", Nickname: account})
	if err != nil {
		t.Fatal(err)
	}
	return s.User
}

func admin1(t *testing.T, dir string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(t.Context(), append([]string{"admin", "--data", dir}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

func TestAdminModerationCommands(t *testing.T) {
	t.Setenv("HONGYAN_STORAGE_DRIVER", "sqlite")
	dir := t.TempDir()
	user := registerOn(t, dir, "spammer1")

	code, out, errs := admin1(t, dir, "create-admin", "root")
	var a struct {
		Admin, Role, Password string
	}
	if code != 0 || json.Unmarshal([]byte(out), &a) != nil || a.Admin != "root" || a.Role != "super" || len(a.Password) < 20 {
		t.Fatalf("create-admin root: exit %d, out %q, err %q", code, out, errs)
	}
	if code, _, errs := admin1(t, dir, "create-admin", "root"); code != 1 || !strings.Contains(errs, "already_exists") {
		t.Errorf("create-admin root again: exit %d err %q, want 1 and already_exists", code, errs)
	}
	if code, _, errs := admin1(t, dir, "create-admin", "mod1", "--role", "janitor"); code != 1 || !strings.Contains(errs, "invalid_argument") {
		t.Errorf("create-admin with a bad role: exit %d err %q", code, errs)
	}

	if code, out, errs := admin1(t, dir, "suspend", "group", "42", "--for", "1h", "--reason", "spam"); code != 0 || !strings.Contains(out, `"suspended":true`) {
		t.Errorf("suspend group 42: exit %d, out %q, err %q", code, out, errs)
	}
	if code, _, errs := admin1(t, dir, "suspend", "user", "42", "--for", "1h", "--reason", "spam"); code != 1 || !strings.Contains(errs, "invalid_argument") {
		t.Errorf("suspend a user: exit %d err %q, want 1 and invalid_argument", code, errs)
	}
	if code, _, errs := admin1(t, dir, "unsuspend", "group", "42"); code != 0 {
		t.Errorf("unsuspend group 42: exit %d err %q", code, errs)
	}
	if code, _, errs := admin1(t, dir, "unsuspend", "group", "42"); code != 1 || !strings.Contains(errs, "not_found") {
		t.Errorf("unsuspend group 42 again: exit %d err %q, want 1 and not_found", code, errs)
	}

	code, out, errs = admin1(t, dir, "penalty", "add", "spammer1", "--kind", "ban", "--for", "7d", "--reason", "广告")
	var p struct {
		ID     int64
		User   int64
		Kind   string
		Active bool
	}
	if code != 0 || json.Unmarshal([]byte(out), &p) != nil || p.User != user || p.Kind != "ban" || !p.Active {
		t.Fatalf("penalty add: exit %d, out %q, err %q", code, out, errs)
	}
	for _, bad := range [][]string{
		{"penalty", "add", "spammer1", "--kind", "jail", "--for", "1h", "--reason", "x"},
		{"penalty", "add", "spammer1", "--kind", "ban", "--for", "soon", "--reason", "x"},
		{"penalty", "add", "spammer1", "--kind", "ban", "--for", "1h"},
	} {
		if code, _, errs := admin1(t, dir, bad...); code != 1 || !strings.Contains(errs, "invalid_argument") {
			t.Errorf("%v: exit %d err %q, want 1 and invalid_argument", bad, code, errs)
		}
	}
	if code, _, errs := admin1(t, dir, "penalty", "add", "nobody99", "--kind", "ban", "--for", "1h", "--reason", "x"); code != 1 || !strings.Contains(errs, "not_found") {
		t.Errorf("penalty add for nobody: exit %d err %q, want not_found", code, errs)
	}
	code, out, _ = admin1(t, dir, "penalty", "list", "spammer1")
	if lines := strings.Split(strings.TrimSpace(out), "\n"); code != 0 || len(lines) != 1 || !strings.Contains(lines[0], `"kind":"ban"`) {
		t.Errorf("penalty list: exit %d, out %q", code, out)
	}
}
