package cli_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"hongyan/internal/assistant"
	"hongyan/internal/hongyan"
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

	l := one[lotteryOut](gina, "groups", "assistant", gid, "lottery", "create", "新年", "抽奖", "--winners", "2", "--deadline", "48h")
	if l.ID <= 0 || len(l.Hash) != 64 || l.Seed != "" || l.Drawn {
		t.Fatalf("lottery create: got %+v, want an ID, the hash and no seed", l)
	}
	if _, code := gina.fail("groups", "assistant", gid, "lottery", "create", "x", "y", "--winners", "1", "--deadline", "1000h"); code != "invalid_argument" {
		t.Errorf("a lottery 41 days away: got %q, want invalid_argument", code)
	}
	if _, code := hugo.fail("groups", "assistant", gid, "lottery", "list"); code != "permission_denied" {
		t.Errorf("a member lists lotteries: got %q, want permission_denied", code)
	}

	// A member's own birthday.
	type bday struct {
		Month int `json:"month"`
		Day   int `json:"day"`
	}
	if b := one[bday](hugo, "groups", "assistant", gid, "birthday", "set", "02-29"); b.Month != 2 || b.Day != 29 {
		t.Errorf("birthday set 02-29: got %+v", b)
	}
	if b := one[bday](hugo, "groups", "assistant", gid, "birthday", "show"); b.Month != 2 || b.Day != 29 {
		t.Errorf("birthday show: got %+v", b)
	}
	if b := one[bday](gina, "groups", "assistant", gid, "birthday", "show"); b.Month != 0 {
		t.Errorf("another member's birthday show: got %+v, want none", b)
	}
	if code, _ := hugo.fail("groups", "assistant", gid, "birthday", "set", "13-01"); code != 2 {
		t.Errorf("birthday set 13-01: got exit %d, want 2", code)
	}
	if b := one[bday](hugo, "groups", "assistant", gid, "birthday", "clear"); b.Month != 0 {
		t.Errorf("birthday clear: got %+v", b)
	}
}

type lotteryOut struct {
	ID    int64  `json:"id"`
	Hash  string `json:"hash"`
	Seed  string `json:"seed"`
	Drawn bool   `json:"drawn"`
}

// lottery verify needs no server: it checks the commitment and redoes the draw.
func TestCLILotteryVerify(t *testing.T) {
	d := newDevice(t, "http://127.0.0.1:1", "verifier")
	seed := strings.Repeat("5a", 32)
	raw, _ := hex.DecodeString(seed)
	sum := sha256.Sum256(raw)
	hash := hex.EncodeToString(sum[:])
	type out struct {
		HashOK  bool    `json:"hash_ok"`
		Winners []int64 `json:"winners"`
	}
	got := one[out](d, "groups", "assistant", "lottery", "verify", "--seed", seed, "--hash", hash, "--winners", "2", "--entrants", "30,10,20")
	want := assistant.Draw(seed, []hongyan.UserID{10, 20, 30}, 2)
	if !got.HashOK || len(got.Winners) != 2 || got.Winners[0] != int64(want[0]) || got.Winners[1] != int64(want[1]) {
		t.Errorf("verify: got %+v, want hash_ok and %v", got, want)
	}
	bad := one[out](d, "groups", "assistant", "lottery", "verify", "--seed", seed, "--hash", strings.Repeat("0", 64), "--winners", "1", "--entrants", "1")
	if bad.HashOK {
		t.Errorf("verify with another hash: got hash_ok")
	}
	if code, _ := d.fail("groups", "assistant", "lottery", "verify", "--seed", "xyz", "--hash", hash, "--winners", "1"); code != 2 {
		t.Errorf("verify with a bad seed: got exit %d, want 2", code)
	}
}
