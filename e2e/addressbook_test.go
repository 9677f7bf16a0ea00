package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Address books through the CLI against the real binary: a CSV backed up
// and restored as a vCard, and a group's shared address book whose
// changes reach the other members' devices through sync.
func TestAddressBookThroughTheCLI(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, filepath.Join(dir, "data"), "127.0.0.1:0")
	p := func(name string) string { return filepath.Join(dir, name) }
	for _, u := range []string{"mona_001", "nick_001", "olga_001"} {
		cli(t, s, p(u), "register", u, u+"-password")
	}
	csv := p("phone.csv")
	if err := os.WriteFile(csv, []byte("姓名,手机,邮箱\n张三,+86 138 0013 8000,zhang@example.com\n李四,13900139000 / 13700137000,\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	v := cli(t, s, p("mona_001"), "addressbook", "backup", csv)
	if num(v[0], "version") != 1 || num(v[0], "contacts") != 2 {
		t.Fatalf("backup: got %v", v)
	}
	out := p("restored.vcf")
	cli(t, s, p("mona_001"), "addressbook", "restore", "latest", out)
	data, err := os.ReadFile(out)
	if err != nil || strings.Count(string(data), "BEGIN:VCARD") != 2 || !strings.Contains(string(data), "TEL;TYPE=CELL:13700137000") {
		t.Errorf("restored vCard: %v\n%s", err, data)
	}
	if code := cliErr(t, s, p("nick_001"), "addressbook", "restore", "1", p("x.vcf")); code != "not_found" {
		t.Errorf("another user restoring: got %q, want not_found", code)
	}

	for _, u := range []string{"nick_001", "olga_001"} {
		cli(t, s, p("mona_001"), "friends", "request", u)
		cli(t, s, p(u), "friends", "accept", "mona_001")
	}
	g := cli(t, s, p("mona_001"), "groups", "create", "羽毛球俱乐部", "nick_001", "olga_001")
	gid := fmt.Sprint(num(g[0], "group"))
	e := cli(t, s, p("nick_001"), "groups", "book", gid, "set-mine", "--name", "Nick", "--phone", "13800138001", "--role", "队长")
	if e[0]["name"] != "Nick" || e[0]["role"] != "队长" {
		t.Fatalf("set-mine: got %v", e)
	}
	if code := cliErr(t, s, p("olga_001"), "groups", "book", gid, "set", fmt.Sprint(num(e[0], "entry")), "--name", "x"); code != "permission_denied" {
		t.Errorf("a member editing another's entry: got %q, want permission_denied", code)
	}
	cli(t, s, p("mona_001"), "groups", "book", gid, "set", fmt.Sprint(num(e[0], "entry")), "--name", "Nick", "--phone", "13800138002")
	if h := cli(t, s, p("olga_001"), "groups", "book", gid, "history"); len(h) != 2 || h[0]["action"] != "edit" {
		t.Errorf("history: got %v, want the edit, then the add", h)
	}
	var phone any
	for _, obj := range cli(t, s, p("olga_001"), "sync") {
		if x, ok := obj["group_book_entry"].(map[string]any); ok {
			phone = x["phone"]
		}
	}
	if phone != "13800138002" {
		t.Errorf("olga's device after sync: last entry phone %v, want 13800138002", phone)
	}
}
