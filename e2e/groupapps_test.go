package e2e

import (
	"fmt"
	"path/filepath"
	"testing"
)

// Group apps through the CLI against the real binary: a poll created,
// voted on and changed; a check-in; homework posted, reminded and
// submitted; the cards in the group chat; a stranger gets not_found.
func TestGroupAppsThroughTheCLI(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, filepath.Join(dir, "data"), "127.0.0.1:0")
	p := func(name string) string { return filepath.Join(dir, name) }
	for _, u := range []string{"gapp_owner", "gapp_mem1", "gapp_mem2", "gapp_other"} {
		cli(t, s, p(u), "register", u, u+"-password")
	}
	for _, u := range []string{"gapp_mem1", "gapp_mem2"} {
		cli(t, s, p("gapp_owner"), "friends", "request", u)
		cli(t, s, p(u), "friends", "accept", "gapp_owner")
	}
	gid := fmt.Sprint(num(cli(t, s, p("gapp_owner"), "groups", "create", "三年二班", "gapp_mem1", "gapp_mem2")[0], "group"))
	app := func(profile string, args ...string) []map[string]any {
		return cli(t, s, p(profile), append([]string{"groups", "app", gid}, args...)...)
	}

	poll := app("gapp_mem1", "poll", "create", "春游去哪？", "颐和园", "香山", "植物园", "--multi", "--anonymous")
	id := fmt.Sprint(num(poll[0], "id"))
	if poll[0]["multi"] != true || poll[0]["anonymous"] != true || poll[0]["open"] != true {
		t.Fatalf("poll create: got %v", poll[0])
	}
	app("gapp_owner", "poll", "vote", id, "0", "2")
	app("gapp_mem2", "poll", "vote", id, "1")
	got := app("gapp_mem2", "poll", "vote", id, "2") // changes the vote
	if fmt.Sprint(got[0]["counts"]) != "[1 0 2]" || num(got[0], "voters") != 2 || fmt.Sprint(got[0]["mine"]) != "[2]" {
		t.Errorf("after the votes: got %v, want counts [1 0 2], 2 voters, mine [2]", got[0])
	}
	if _, named := got[0]["by_option"]; named {
		t.Errorf("an anonymous poll names its voters: %v", got[0])
	}
	if code := cliErr(t, s, p("gapp_other"), "groups", "app", gid, "poll", "show", id); code != "not_found" {
		t.Errorf("a stranger reads the poll: got %q, want not_found", code)
	}
	if code := cliErr(t, s, p("gapp_mem2"), "groups", "app", gid, "poll", "vote", id, "9"); code != "invalid_argument" {
		t.Errorf("a vote for option 9: got %q, want invalid_argument", code)
	}
	if list := app("gapp_owner", "poll", "list"); len(list) != 1 || fmt.Sprint(num(list[0], "id")) != id {
		t.Errorf("poll list: got %v", list)
	}

	board := app("gapp_mem1", "checkin")
	me, _ := board[0]["me"].(map[string]any)
	if num(me, "streak") != 1 || me["today"] != true || board[0]["zone"] != "Asia/Shanghai" {
		t.Errorf("checkin: got %v", board[0])
	}
	if again := app("gapp_mem1", "checkin"); num(again[0]["me"].(map[string]any), "total") != 1 {
		t.Errorf("a second check-in the same day counted: %v", again[0])
	}

	if code := cliErr(t, s, p("gapp_mem1"), "groups", "app", gid, "homework", "post", "作文", "--due", "48h"); code != "permission_denied" {
		t.Errorf("a member posts homework: got %q, want permission_denied", code)
	}
	hw := app("gapp_owner", "homework", "post", "作文：我的家乡", "--due", "48h", "--text", "不少于500字")
	hid := fmt.Sprint(num(hw[0], "id"))
	if missing, _ := hw[0]["missing"].([]any); len(missing) != 2 {
		t.Errorf("posted homework: got %v, want two members missing", hw[0])
	}
	app("gapp_owner", "homework", "remind", hid)
	app("gapp_mem1", "homework", "submit", hid, "我的家乡在江南。")
	shown := app("gapp_owner", "homework", "show", hid)
	if num(shown[0], "submitted") != 1 || len(shown[0]["missing"].([]any)) != 1 || len(shown[0]["submissions"].([]any)) != 1 {
		t.Errorf("homework show for its poster: got %v", shown[0])
	}
	if mine := app("gapp_mem1", "homework", "show", hid); mine[0]["missing"] != nil || mine[0]["mine"].(map[string]any)["text"] != "我的家乡在江南。" {
		t.Errorf("homework show for a member: got %v", mine[0])
	}

	// The announcements board.
	if code := cliErr(t, s, p("gapp_mem1"), "groups", "app", gid, "announce", "post", "明天春游"); code != "permission_denied" {
		t.Errorf("a member announces: got %q, want permission_denied", code)
	}
	ann := app("gapp_owner", "announce", "post", "明天春游\n八点校门口集合", "--pin")
	if ann[0]["pinned"] != true || ann[0]["text"] != "明天春游\n八点校门口集合" {
		t.Errorf("announce post: got %v", ann[0])
	}
	app("gapp_owner", "announce", "post", "记得带水")
	if pinned := app("gapp_mem2", "announce", "list", "--pinned"); len(pinned) != 1 || pinned[0]["id"] != ann[0]["id"] {
		t.Errorf("pinned announcements: got %v", pinned)
	}
	app("gapp_owner", "announce", "unpin", fmt.Sprint(num(ann[0], "id")))
	if all := app("gapp_mem2", "announce", "list"); len(all) != 2 || all[1]["pinned"] != false {
		t.Errorf("announcements: got %v, want two, none pinned", all)
	}

	// An event with two places: the third waits and moves up.
	ev := app("gapp_mem1", "event", "create", "植物园写生", "--start", "72h", "--place", "北门", "--limit", "2")
	eid := fmt.Sprint(num(ev[0], "id"))
	app("gapp_mem1", "event", "signup", eid)
	app("gapp_owner", "event", "signup", eid)
	if w := app("gapp_mem2", "event", "signup", eid); w[0]["mine"] != "waiting" || num(w[0], "waiting_at") != 1 {
		t.Errorf("signing up for a full event: got %v, want waiting first", w[0])
	}
	app("gapp_owner", "event", "cancel", eid)
	if g := app("gapp_mem2", "event", "show", eid); g[0]["mine"] != "going" || len(g[0]["going"].([]any)) != 2 {
		t.Errorf("after a cancellation: got %v, want mem2 going", g[0])
	}
	if code := cliErr(t, s, p("gapp_other"), "groups", "app", gid, "event", "signup", eid); code != "not_found" {
		t.Errorf("a stranger signs up: got %q, want not_found", code)
	}

	// The group chat holds the cards, in order.
	var cards []string
	for _, obj := range cli(t, s, p("gapp_mem2"), "sync") {
		m, ok := obj["message"].(map[string]any)
		if !ok || m["kind"] != "app_card" {
			continue
		}
		c := m["app_card"].(map[string]any)
		cards = append(cards, fmt.Sprint(c["app"], ":", c["kind"], ":", m["text"]))
	}
	want := []string{"poll:created:春游去哪？", "homework:created:作文：我的家乡", "homework:reminder:作文：我的家乡",
		"announcement:created:明天春游", "announcement:created:记得带水", "event:created:植物园写生", "event:promoted:植物园写生"}
	if !equal(cards, want) {
		t.Errorf("cards: got %v, want %v", cards, want)
	}
}
