package e2e

import (
	"fmt"
	"path/filepath"
	"testing"
)

// A group through the CLI: created from contacts, a message with a
// mention reaches every member's devices in the same order as the notices,
// a member leaves and sees nothing after.
func TestGroupThroughTheCLI(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, filepath.Join(dir, "data"), "127.0.0.1:0")
	p := func(name string) string { return filepath.Join(dir, name) }
	for _, u := range []string{"gina_001", "hugo_001", "ivan_001", "jade_001"} {
		cli(t, s, p(u), "register", u, u+"-password")
	}
	cli(t, s, p("gina_001_2"), "login", "gina_001", "gina_001-password", "--device", "gina phone")
	for _, u := range []string{"hugo_001", "ivan_001", "jade_001"} {
		cli(t, s, p("gina_001"), "friends", "request", u)
		cli(t, s, p(u), "friends", "accept", "gina_001")
	}
	g := cli(t, s, p("gina_001"), "groups", "create", "周末爬山", "hugo_001", "ivan_001")
	gid := num(g[0], "group")
	if g[0]["name"] != "周末爬山" || num(g[0], "members") != 3 || g[0]["role"] != "owner" {
		t.Fatalf("groups create: got %v", g[0])
	}
	cli(t, s, p("gina_001"), "groups", "invite", fmt.Sprint(gid), "jade_001")
	members := cli(t, s, p("hugo_001"), "groups", "members", fmt.Sprint(gid))
	if len(members) != 4 {
		t.Fatalf("groups members: got %d, want 4", len(members))
	}
	ivan := num(members[2], "user")
	target := fmt.Sprint("group:", gid)
	cli(t, s, p("hugo_001"), "send", target, "周六早上八点？", "--mention", fmt.Sprint(ivan))
	if code := cliErr(t, s, p("hugo_001"), "send", target, "大家注意", "--mention", "all"); code != "permission_denied" {
		t.Errorf("a member mentions all: got %q, want permission_denied", code)
	}
	cli(t, s, p("jade_001"), "groups", "leave", fmt.Sprint(gid))
	cli(t, s, p("gina_001"), "send", target, "jade走了")

	view := func(profile string) []string {
		var out []string
		for _, obj := range cli(t, s, p(profile), "sync") {
			m, ok := obj["message"].(map[string]any)
			if !ok || num(m, "conversation") != gid {
				continue
			}
			entry := fmt.Sprint(num(m, "seq"), ":", m["kind"])
			if m["kind"] == "text" {
				entry += ":" + m["text"].(string)
			}
			out = append(out, entry)
		}
		return out
	}
	want := []string{"1:notice", "2:notice", "3:text:周六早上八点？", "4:notice", "5:text:jade走了"}
	for _, profile := range []string{"gina_001", "gina_001_2", "hugo_001", "ivan_001"} {
		if got := view(profile); !equal(got, want) {
			t.Errorf("%s sees %v, want %v", profile, got, want)
		}
	}
	if got, want := view("jade_001"), []string{"2:notice", "3:text:周六早上八点？", "4:notice"}; !equal(got, want) {
		t.Errorf("jade, who left, sees %v, want %v", got, want)
	}
	if code := cliErr(t, s, p("jade_001"), "send", target, "回来了"); code != "not_found" {
		t.Errorf("jade sends after leaving: got %q, want not_found", code)
	}
	if got := cli(t, s, p("jade_001"), "groups", "list"); len(got) != 0 {
		t.Errorf("jade's groups after leaving: got %v, want none", got)
	}
}

// Favorites through the CLI: save a message, list, send it into a chat.
func TestFavoritesThroughTheCLI(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, filepath.Join(dir, "data"), "127.0.0.1:0")
	p := func(name string) string { return filepath.Join(dir, name) }
	cli(t, s, p("a"), "register", "kate_001", "kate-password")
	cli(t, s, p("b"), "register", "liam_001", "liam-password")
	cli(t, s, p("a"), "friends", "request", "liam_001")
	cli(t, s, p("b"), "friends", "accept", "kate_001")
	sent := cli(t, s, p("b"), "send", "kate_001", "地址：西湖路1号")
	cli(t, s, p("a"), "sync")
	saved := cli(t, s, p("a"), "favorites", "add", fmt.Sprint(num(sent[0], "id")))
	cli(t, s, p("a"), "favorites", "note", "记得带伞")
	list := cli(t, s, p("a"), "favorites", "list", "--query", "西湖")
	if len(list) != 1 || num(list[0], "id") != num(saved[0], "id") {
		t.Fatalf("favorites list --query 西湖: got %v", list)
	}
	if all := cli(t, s, p("a"), "favorites", "list"); len(all) != 2 {
		t.Errorf("favorites list: got %d, want 2", len(all))
	}
	cli(t, s, p("a"), "favorites", "send", fmt.Sprint(num(saved[0], "id")), "me")
	var got bool
	for _, obj := range cli(t, s, p("a"), "sync") {
		if m, ok := obj["message"].(map[string]any); ok && m["text"] == "地址：西湖路1号" && num(m, "peer") == num(m, "sender") {
			got = true
		}
	}
	if !got {
		t.Error("the favorite sent to the file-transfer assistant did not arrive")
	}
}
