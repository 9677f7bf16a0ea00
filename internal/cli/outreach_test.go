package cli_test

import (
	"strings"
	"testing"
)

// contacts tag / broadcast --tag, and groups common, as the scriptable
// surface names them.
func TestCLIOutreach(t *testing.T) {
	server := startNode(t)
	ann, ben, cat := newDevice(t, server, "ann"), newDevice(t, server, "ben"), newDevice(t, server, "cat")
	one[session](ann, "register", "out_ann", "password-a")
	one[session](ben, "register", "out_ben", "password-b")
	one[session](cat, "register", "out_cat", "password-c")
	for _, d := range []*device{ben, cat} {
		d.ok("friends", "request", "out_ann")
	}
	ann.ok("friends", "accept", "out_ben")
	ann.ok("friends", "accept", "out_cat")
	ann.ok("groups", "create", "One", "out_ben", "out_cat")
	ann.ok("groups", "create", "Two", "out_ben", "out_cat")

	if lines := ann.ok("groups", "common"); len(lines) != 2 {
		t.Errorf("groups common: %q, want ben and cat", lines)
	}
	if lines := ann.ok("groups", "common", "--min", "3"); len(lines) != 0 {
		t.Errorf("groups common --min 3: %q, want nobody", lines)
	}
	ann.ok("contacts", "tag", "out_ben", "VIP,客户")
	lines := ann.ok("contacts", "broadcast", "--tag", "VIP", "sale today")
	if len(lines) != 1 || !strings.Contains(lines[0], `"seq"`) {
		t.Fatalf("contacts broadcast: %q, want one message sent", lines)
	}
	if _, code := ann.fail("contacts", "broadcast", "--tag", "nobody", "x"); code != "failed_precondition" {
		t.Errorf("a tag nobody carries: %q", code)
	}
	if _, code := ann.fail("contacts", "broadcast", "x"); code != "usage" {
		t.Errorf("no --tag: %q", code)
	}
}

// groups forward and groups invite-batch through the Group Guard.
func TestCLIGroupTools(t *testing.T) {
	server := startNode(t)
	ann, ben, cat, dan := newDevice(t, server, "ann"), newDevice(t, server, "ben"), newDevice(t, server, "cat"), newDevice(t, server, "dan")
	one[session](ann, "register", "tool_ann", "password-a")
	one[session](ben, "register", "tool_ben", "password-b")
	one[session](cat, "register", "tool_cat", "password-c")
	one[session](dan, "register", "tool_dan", "password-d")
	for _, d := range []*device{ben, cat, dan} {
		d.ok("friends", "request", "tool_ann")
	}
	for _, n := range []string{"tool_ben", "tool_cat", "tool_dan"} {
		ann.ok("friends", "accept", n)
	}
	type grp struct {
		Group int64 `json:"group"`
	}
	src := itoa(one[grp](ann, "groups", "create", "Src", "tool_ben", "tool_cat").Group)
	dst := itoa(one[grp](ann, "groups", "create", "Dst", "tool_ben", "tool_cat").Group)
	ann.ok("groups", "guard", dst, "add")
	sent := one[struct {
		Seq int64 `json:"seq"`
	}](ann, "send", "group:"+src, "hello all")
	if lines := ann.ok("groups", "forward", src, itoa(sent.Seq), "--to", dst); len(lines) != 1 || !strings.Contains(lines[0], `"ok":true`) {
		t.Errorf("groups forward: %q", lines)
	}
	if lines := ann.ok("groups", "invite-batch", dst, "tool_dan"); len(lines) != 1 || !strings.Contains(lines[0], `"ok":true`) {
		t.Errorf("groups invite-batch: %q", lines)
	}
	if _, code := ann.fail("groups", "forward", src, itoa(sent.Seq), "--to", src); code != "invalid_argument" {
		t.Errorf("forward into the source group: %q", code)
	}
}
