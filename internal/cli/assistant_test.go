package cli_test

import (
	"fmt"
	"testing"
)

type assistantOut struct {
	Group    int64  `json:"group"`
	On       bool   `json:"on"`
	Welcome  string `json:"welcome"`
	Timezone string `json:"timezone"`
	Keywords []struct {
		ID      int64  `json:"id"`
		Keyword string `json:"keyword"`
		Exact   bool   `json:"exact"`
	} `json:"keywords"`
	Schedules []struct {
		ID     int64  `json:"id"`
		First  string `json:"first"`
		Repeat string `json:"repeat"`
	} `json:"schedules"`
}

type assistantStatsOut struct {
	Days []struct {
		Day      string `json:"day"`
		Messages int    `json:"messages"`
	} `json:"days"`
}

// The Group Assistant from the command line: the owner turns it on and
// configures it; a member may not.
func TestCLIAssistant(t *testing.T) {
	server := startNode(t)
	gina, hugo, ivan := newDevice(t, server, "gina"), newDevice(t, server, "hugo"), newDevice(t, server, "ivan")
	one[session](gina, "register", "as_gina1", "password-g")
	one[session](hugo, "register", "as_hugo1", "password-h")
	one[session](ivan, "register", "as_ivan1", "password-i")
	for _, d := range []*device{hugo, ivan} {
		d.ok("friends", "request", "as_gina1")
	}
	gina.ok("friends", "accept", "as_hugo1")
	gina.ok("friends", "accept", "as_ivan1")
	g := one[scannedOut](gina, "groups", "create", "读书会", "as_hugo1", "as_ivan1")
	gid := fmt.Sprint(g.Group)

	if _, code := hugo.fail("groups", "assistant", gid, "on"); code != "permission_denied" {
		t.Errorf("a member turns the assistant on: got %q, want permission_denied", code)
	}
	if code, _ := gina.fail("groups", "assistant", gid, "keyword", "add", "only-a-word"); code != 2 {
		t.Errorf("keyword add without a reply: got exit %d, want 2", code)
	}
	v := one[assistantOut](gina, "groups", "assistant", gid, "on", "--timezone", "Europe/Berlin")
	if !v.On || v.Timezone != "Europe/Berlin" {
		t.Fatalf("on: got %+v", v)
	}
	one[assistantOut](gina, "groups", "assistant", gid, "welcome", "欢迎 {name}")
	v = one[assistantOut](gina, "groups", "assistant", gid, "keyword", "add", "hi", "hello", "--exact")
	if len(v.Keywords) != 1 || !v.Keywords[0].Exact || v.Welcome != "欢迎 {name}" {
		t.Fatalf("after keyword add: got %+v", v)
	}
	v = one[assistantOut](gina, "groups", "assistant", gid, "schedule", "add", "早安", "--at", "2099-01-01 08:00", "--repeat", "daily")
	if len(v.Schedules) != 1 || v.Schedules[0].First != "2099-01-01 08:00" || v.Schedules[0].Repeat != "daily" {
		t.Fatalf("after schedule add: got %+v", v)
	}
	if _, code := gina.fail("groups", "assistant", gid, "schedule", "add", "x", "--at", "tomorrow"); code != "invalid_argument" {
		t.Errorf("a schedule at a bad time: got %q, want invalid_argument", code)
	}
	v = one[assistantOut](gina, "groups", "assistant", gid, "schedule", "cancel", fmt.Sprint(v.Schedules[0].ID))
	if len(v.Schedules) != 0 {
		t.Errorf("after cancel: got %+v", v.Schedules)
	}
	v = one[assistantOut](gina, "groups", "assistant", gid, "welcome", "--off")
	if v.Welcome != "" {
		t.Errorf("after welcome --off: got %q", v.Welcome)
	}
	st := one[assistantStatsOut](gina, "groups", "assistant", gid, "stats", "--days", "3")
	if len(st.Days) != 3 {
		t.Errorf("stats --days 3: got %+v", st)
	}
	if _, code := hugo.fail("groups", "assistant", gid, "stats"); code != "permission_denied" {
		t.Errorf("a member reads the statistics: got %q, want permission_denied", code)
	}
}
