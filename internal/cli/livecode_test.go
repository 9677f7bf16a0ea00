package cli_test

import (
	"fmt"
	"strings"
	"testing"
)

type liveCodeOut struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	URL        string `json:"url"`
	MaxMembers int    `json:"max_members"`
	Scans      int    `json:"scans"`
	Groups     []struct {
		Group int64 `json:"group"`
		Full  bool  `json:"full"`
		Scans int   `json:"scans"`
	} `json:"groups"`
}

type scannedOut struct {
	Group int64 `json:"group"`
}

// A live code as the scriptable surface names it: its owner makes it of a
// group; scans fill that group to the limit, then a new one.
func TestCLILiveCode(t *testing.T) {
	server := startNode(t)
	gina, hugo, ivan := newDevice(t, server, "gina"), newDevice(t, server, "hugo"), newDevice(t, server, "ivan")
	jo, kai := newDevice(t, server, "jo"), newDevice(t, server, "kai")
	one[session](gina, "register", "lc_gina1", "password-g")
	one[session](hugo, "register", "lc_hugo1", "password-h")
	one[session](ivan, "register", "lc_ivan1", "password-i")
	one[session](jo, "register", "lc_jo01", "password-j")
	k := one[session](kai, "register", "lc_kai1", "password-k")
	for _, d := range []*device{hugo, ivan} {
		d.ok("friends", "request", "lc_gina1")
	}
	gina.ok("friends", "accept", "lc_hugo1")
	gina.ok("friends", "accept", "lc_ivan1")
	g := one[scannedOut](gina, "groups", "create", "读书会", "lc_hugo1", "lc_ivan1")
	gid := fmt.Sprint(g.Group)

	if _, code := hugo.fail("livecode", "create", "读书会", "--template", gid); code != "permission_denied" {
		t.Errorf("a member who is not the owner makes a live code: got %q, want permission_denied", code)
	}
	if _, code := jo.fail("livecode", "create", "读书会", "--template", gid); code != "not_found" {
		t.Errorf("a stranger makes a live code of the group: got %q, want not_found", code)
	}
	if code, _ := gina.fail("livecode", "create", "读书会"); code != 2 {
		t.Errorf("create without --template: got exit %d, want 2", code)
	}
	lc := one[liveCodeOut](gina, "livecode", "create", "读书会", "--template", gid, "--max-members", "4")
	if lc.ID <= 0 || !strings.Contains(lc.URL, "/l/") {
		t.Fatalf("livecode create: got %+v, want an id and a URL with /l/", lc)
	}

	// Jo fills the group (4 with gina, hugo, ivan); Kai goes to a new one.
	if got := one[scannedOut](jo, "livecode", "scan", lc.URL); got.Group != g.Group {
		t.Errorf("jo's scan: got group %d, want %d", got.Group, g.Group)
	}
	second := one[scannedOut](kai, "livecode", "scan", lc.URL)
	if second.Group == g.Group || second.Group == 0 {
		t.Errorf("kai's scan: got group %d, want a new group", second.Group)
	}
	members := func(d *device, gid int64) []int64 {
		var out []int64
		for _, l := range d.ok("groups", "members", fmt.Sprint(gid)) {
			out = append(out, decode[struct {
				User int64 `json:"user"`
			}](t, l).User)
		}
		return out
	}
	if got := members(jo, g.Group); len(got) != 4 {
		t.Errorf("members of the first group: got %v, want 4", got)
	}
	if got := members(kai, second.Group); len(got) != 2 || !contains(got, k.User) {
		t.Errorf("members of the second group: got %v, want gina and kai", got)
	}
	// Scanning again leads back, adding nobody.
	if got := one[scannedOut](jo, "livecode", "scan", lc.URL); got.Group != g.Group {
		t.Errorf("jo scans again: got group %d, want %d", got.Group, g.Group)
	}

	shown := one[liveCodeOut](gina, "livecode", "show", fmt.Sprint(lc.ID))
	if shown.Scans != 3 || len(shown.Groups) != 2 || !shown.Groups[0].Full || shown.Groups[0].Scans != 2 || shown.Groups[1].Group != second.Group {
		t.Errorf("livecode show: got %+v; want 3 scans over 2 groups, the first full with 2", shown)
	}
	if _, code := jo.fail("livecode", "show", fmt.Sprint(lc.ID)); code != "not_found" {
		t.Errorf("someone else's live code: got %q, want not_found", code)
	}
	if _, code := jo.fail("livecode", "scan", server+"/l/NOSUCHCODE"); code != "not_found" {
		t.Errorf("a scan of no code: got %q, want not_found", code)
	}
	if lines := gina.ok("livecode", "list"); len(lines) != 1 || decode[liveCodeOut](t, lines[0]).ID != lc.ID {
		t.Errorf("livecode list: got %q, want the one code", lines)
	}
}

func contains(list []int64, v int64) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
