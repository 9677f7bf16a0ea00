package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// admin runs `hongyan admin` on the server's storage (the server keeps
// running) and returns its JSON lines.
func admin(t *testing.T, s *server, args ...string) []map[string]any {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"admin", "--data", s.data}, args...)...)
	cmd.Env = append(os.Environ(), storageEnv(t, s.data)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("hongyan admin %v: %v\n%s", args, err, stderr.String())
	}
	out, err := decodeLines(stdout.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Reports, penalties and appeals through the CLIs against the real binary:
// a user reports another; the operator bans one user and limits another
// with `hongyan admin penalty add`; the ban refuses sign-in, the limit
// refuses friend requests; the limited user appeals once.
func TestModerationThroughTheCLI(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, filepath.Join(dir, "data"), "127.0.0.1:0")
	p := func(name string) string { return filepath.Join(dir, name) }
	for _, u := range []string{"rita_001", "sam_0001", "tom_0001"} {
		cli(t, s, p(u), "register", u, u+"-password")
	}
	r := cli(t, s, p("rita_001"), "report", "user", "sam_0001", "--reason", "卖假货")
	if num(r[0], "report") <= 0 {
		t.Fatalf("report: got %v", r)
	}
	if code := cliErr(t, s, p("rita_001"), "report", "group", "424242", "--reason", "x"); code != "not_found" {
		t.Errorf("report of a group rita is not in: got %q, want not_found", code)
	}

	ban := admin(t, s, "penalty", "add", "sam_0001", "--kind", "ban", "--for", "7d", "--reason", "fraud")
	if ban[0]["kind"] != "ban" || ban[0]["active"] != true {
		t.Fatalf("penalty add: got %v", ban)
	}
	if code := cliErr(t, s, p("sam_again"), "login", "sam_0001", "sam_0001-password"); code != "permission_denied" {
		t.Errorf("a banned user signs in: got %q, want permission_denied", code)
	}
	admin(t, s, "penalty", "add", "tom_0001", "--kind", "limit-features", "--for", "24h", "--reason", "spam")
	if code := cliErr(t, s, p("tom_0001"), "friends", "request", "rita_001"); code != "permission_denied" {
		t.Errorf("a limited user's friend request: got %q, want permission_denied", code)
	}
	mine := cli(t, s, p("tom_0001"), "penalties")
	if len(mine) != 1 || mine[0]["kind"] != "limit-features" {
		t.Fatalf("penalties: got %v", mine)
	}
	id := fmt.Sprint(num(mine[0], "id"))
	cli(t, s, p("tom_0001"), "appeal", id, "我不是机器人")
	if code := cliErr(t, s, p("tom_0001"), "appeal", id, "again"); code != "failed_precondition" {
		t.Errorf("a second appeal: got %q, want failed_precondition", code)
	}
	list := admin(t, s, "penalty", "list", "tom_0001")
	if b, _ := json.Marshal(list); len(list) != 1 || list[0]["appeal"] != "pending" {
		t.Errorf("penalty list: got %s, want one with a pending appeal", b)
	}
	created := admin(t, s, "create-admin", "ops_admin", "--role", "moderator")
	if pw, _ := created[0]["password"].(string); len(pw) < 20 {
		t.Errorf("create-admin: got %v", created)
	}
}
