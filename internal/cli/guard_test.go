package cli_test

import (
	"testing"
)

type guardRules struct {
	Enabled       bool     `json:"enabled"`
	Keywords      []string `json:"keywords"`
	RemoveMessage bool     `json:"remove_message"`
	RemoveMember  bool     `json:"remove_member"`
	Warnings      int      `json:"warnings"`
	Bot           int64    `json:"bot"`
}

// The Group Guard commands: show, add, set, log; members may not.
func TestCLIGuard(t *testing.T) {
	server := startNode(t)
	ann, ben, cat := newDevice(t, server, "ann"), newDevice(t, server, "ben"), newDevice(t, server, "cat")
	one[session](ann, "register", "guard_ann", "password-a")
	one[session](ben, "register", "guard_ben", "password-b")
	one[session](cat, "register", "guard_cat", "password-c")
	for _, d := range []*device{ben, cat} {
		d.ok("friends", "request", "guard_ann")
	}
	ann.ok("friends", "accept", "guard_ben")
	ann.ok("friends", "accept", "guard_cat")
	g := one[struct {
		Group int64 `json:"group"`
	}](ann, "groups", "create", "Guarded", "guard_ben", "guard_cat")
	gid := itoa(g.Group)

	r := one[guardRules](ann, "groups", "guard", gid)
	if r.Bot == 0 || r.Enabled {
		t.Fatalf("show at first: %+v", r)
	}
	ann.ok("groups", "guard", gid, "add")
	r = one[guardRules](ann, "groups", "guard", gid, "set", "--enabled", "on", "--keywords", "Spam, 加微信", "--remove-member", "on", "--warnings", "2")
	if !r.Enabled || len(r.Keywords) != 2 || r.Keywords[0] != "spam" || !r.RemoveMessage || !r.RemoveMember || r.Warnings != 2 {
		t.Fatalf("set: %+v", r)
	}
	// A second set changes only what it names.
	r = one[guardRules](ann, "groups", "guard", gid, "set", "--warnings", "0")
	if !r.Enabled || len(r.Keywords) != 2 || r.Warnings != 0 {
		t.Fatalf("set --warnings 0: %+v", r)
	}
	if lines := ann.ok("groups", "guard", gid, "log"); len(lines) != 0 {
		t.Errorf("log before anything happened: %q", lines)
	}
	if _, code := ben.fail("groups", "guard", gid, "set", "--enabled", "off"); code != "permission_denied" {
		t.Errorf("a member sets the rules: %q", code)
	}
	if _, code := ann.fail("groups", "guard", gid, "set", "--links", "maybe"); code != "usage" {
		t.Errorf("a bad on/off: %q", code)
	}
	if _, code := ann.fail("groups", "guard", gid, "undo", "12345"); code != "not_found" {
		t.Errorf("undo of no action: %q", code)
	}
}
