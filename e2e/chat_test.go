package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// syncedMessages runs `sync` on a profile and returns the texts of the
// messages it prints, in order, failing on a duplicate message ID.
func syncedMessages(t *testing.T, s *server, profile string) []string {
	t.Helper()
	var texts []string
	seen := make(map[int64]bool)
	for _, obj := range cli(t, s, profile, "sync") {
		if obj["type"] != "message" {
			continue
		}
		m := obj["message"].(map[string]any)
		id := num(m, "id")
		if seen[id] {
			t.Fatalf("profile %s: message %d delivered twice", filepath.Base(profile), id)
		}
		seen[id] = true
		texts = append(texts, m["text"].(string))
	}
	return texts
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Two users with two devices each befriend and chat; a third device logs in
// by QR code and receives the full history; a restart loses nothing.
func TestTwoUsersChatAcrossDevices(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, filepath.Join(dir, "data"), "127.0.0.1:0")
	p := func(name string) string { return filepath.Join(dir, name) }

	cli(t, s, p("alice1"), "register", "alice_01", "alice-password", "--nickname", "Alice")
	cli(t, s, p("alice2"), "login", "alice_01", "alice-password", "--device", "alice phone")
	cli(t, s, p("bob1"), "register", "bob_0001", "bob-password", "--nickname", "Bob")
	cli(t, s, p("bob2"), "login", "bob_0001", "bob-password", "--device", "bob phone")

	if code := cliErr(t, s, p("alice1"), "send", "bob_0001", "before friends"); code != "failed_precondition" && code != "not_found" {
		t.Fatalf("send to a non-friend: got code %q, want failed_precondition or not_found", code)
	}
	cli(t, s, p("alice1"), "friends", "request", "bob_0001", "--greeting", "hi, it's Alice")
	cli(t, s, p("bob2"), "friends", "accept", "alice_01")

	// Alternate senders and devices; each send is acknowledged before the
	// next, so the conversation order is the order below.
	script := []struct{ from, to, text string }{
		{"alice1", "bob_0001", "你好 Bob"},
		{"bob1", "alice_01", "hello Alice 👋"},
		{"alice2", "bob_0001", "sent from my phone"},
		{"bob2", "alice_01", "me too"},
		{"alice1", "bob_0001", "抢红包啦"},
	}
	var want []string
	for _, m := range script {
		out := cli(t, s, p(m.from), "send", m.to, m.text)
		if len(out) != 1 || num(out[0], "seq") != int64(len(want)+1) {
			t.Fatalf("send %q: got %v, want seq %d", m.text, out, len(want)+1)
		}
		want = append(want, m.text)
	}
	// A retry with the same client ID returns the same message.
	first := cli(t, s, p("alice1"), "send", "me", "note to self", "--client-id", "retry-1")
	again := cli(t, s, p("alice2"), "send", "me", "note to self", "--client-id", "retry-1")
	if num(first[0], "id") != num(again[0], "id") || num(first[0], "seq") != num(again[0], "seq") {
		t.Fatalf("retry with the same client ID: got %v then %v, want the same id and seq", first, again)
	}

	for _, prof := range []string{"alice1", "alice2", "bob1", "bob2"} {
		got := syncedMessages(t, s, p(prof))
		wantHere := want
		if prof == "alice1" || prof == "alice2" {
			wantHere = append(append([]string{}, want...), "note to self")
		}
		if !equal(got, wantHere) {
			t.Errorf("profile %s synced %q, want %q", prof, got, wantHere)
		}
		// A second sync continues from the saved cursor: nothing new.
		if again := syncedMessages(t, s, p(prof)); len(again) != 0 {
			t.Errorf("profile %s second sync: got %q, want nothing new", prof, again)
		}
	}

	// A third device of Alice logs in by QR code, confirmed from alice1.
	show := exec.Command(bin, "cli", "--server", s.url(), "--profile", p("alice3"), "qr-login", "show")
	stdout, err := show.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := show.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { show.Process.Kill(); show.Wait() })
	lines := bufio.NewScanner(stdout)
	if !lines.Scan() {
		t.Fatalf("qr-login show printed nothing")
	}
	var shown struct {
		Code string `json:"code"`
		URL  string `json:"url"`
	}
	if err := json.Unmarshal(lines.Bytes(), &shown); err != nil || shown.Code == "" {
		t.Fatalf("qr-login show first line %q: %v", lines.Text(), err)
	}
	confirmed := cli(t, s, p("alice1"), "qr-login", "confirm", shown.Code)
	if len(confirmed) != 1 || confirmed[0]["confirmed"] != true {
		t.Fatalf("qr-login confirm: got %v", confirmed)
	}
	if code := cliErr(t, s, p("bob1"), "qr-login", "confirm", shown.Code); code != "failed_precondition" {
		t.Errorf("confirming a used code again: got %q, want failed_precondition", code)
	}
	if !lines.Scan() {
		t.Fatalf("qr-login show ended without a session")
	}
	if err := show.Wait(); err != nil {
		t.Fatalf("qr-login show: %v", err)
	}
	wantAlice := append(append([]string{}, want...), "note to self")
	if got := syncedMessages(t, s, p("alice3")); !equal(got, wantAlice) {
		t.Errorf("QR-logged-in device synced %q, want the full history %q", got, wantAlice)
	}
	devices := cli(t, s, p("alice3"), "devices")
	if n := countDevices(devices); n != 3 {
		t.Errorf("alice has %d devices after QR login, want 3: %v", n, devices)
	}

	// Restart: nothing is lost, cursors continue, new messages flow.
	s.stop()
	s = s.restart()
	cli(t, s, p("bob1"), "send", "alice_01", "after restart")
	wantAlice = append(wantAlice, "after restart")
	for _, prof := range []string{"alice1", "alice2", "alice3"} {
		if got := syncedMessages(t, s, p(prof)); !equal(got, []string{"after restart"}) {
			t.Errorf("profile %s after restart: got %q, want [after restart]", prof, got)
		}
	}
	cli(t, s, p("alice4"), "login", "alice_01", "alice-password")
	if got := syncedMessages(t, s, p("alice4")); !equal(got, wantAlice) {
		t.Errorf("new device after restart synced %q, want %q", got, wantAlice)
	}
}

// countDevices counts the device objects `devices` prints, one per line.
func countDevices(out []map[string]any) int {
	n := 0
	for _, o := range out {
		if _, ok := o["last_seen"]; ok {
			n++
		}
	}
	return n
}

// A live `sync --wait` receives a message pushed while it waits.
func TestSyncWaitReceivesLivePush(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, filepath.Join(dir, "data"), "127.0.0.1:0")
	p := func(name string) string { return filepath.Join(dir, name) }
	cli(t, s, p("a"), "register", "carol_01", "carol-password")
	cli(t, s, p("b"), "register", "dave_001", "dave-password")
	cli(t, s, p("a"), "friends", "request", "dave_001")
	cli(t, s, p("b"), "friends", "accept", "carol_01")
	cli(t, s, p("b"), "sync") // move b's cursor to the head

	wait := exec.Command(bin, "cli", "--server", s.url(), "--profile", p("b"), "sync", "--wait", "60", "--until", "1")
	stdout, err := wait.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := wait.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wait.Process.Kill(); wait.Wait() })
	// The send may land before or after the waiting client's catch-up: in
	// both cases it must print the message exactly once and exit.
	cli(t, s, p("a"), "send", "dave_001", "live one")
	sc := bufio.NewScanner(stdout)
	if !sc.Scan() {
		t.Fatalf("sync --wait printed nothing")
	}
	var got struct {
		Type    string `json:"type"`
		Message struct {
			Text string `json:"text"`
		} `json:"message"`
	}
	if err := json.Unmarshal(sc.Bytes(), &got); err != nil || got.Type != "message" || got.Message.Text != "live one" {
		t.Fatalf("sync --wait printed %q (%v), want the message \"live one\"", sc.Text(), err)
	}
	done := make(chan error, 1)
	go func() { done <- wait.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("sync --wait --until 1: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("sync --wait --until 1 did not exit after one object")
	}
}

// Search finds Chinese text by any substring; a recalled message reaches
// the other side as a recall notice and is no longer found.
func TestSearchAndRecallThroughTheCLI(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, filepath.Join(dir, "data"), "127.0.0.1:0")
	p := func(name string) string { return filepath.Join(dir, name) }
	cli(t, s, p("a"), "register", "erin_001", "erin-password")
	cli(t, s, p("b"), "register", "finn_001", "finn-password")
	cli(t, s, p("a"), "friends", "request", "finn_001")
	cli(t, s, p("b"), "friends", "accept", "erin_001")
	cli(t, s, p("a"), "send", "finn_001", "大家快来抢红包啦")
	oops := cli(t, s, p("a"), "send", "finn_001", "发错群了")
	cli(t, s, p("b"), "sync")

	found := cli(t, s, p("b"), "search", "红包")
	if len(found) != 1 || found[0]["text"] != "大家快来抢红包啦" {
		t.Fatalf("search 红包: got %v", found)
	}
	if code := cliErr(t, s, p("b"), "recall", fmt.Sprint(num(oops[0], "id"))); code != "permission_denied" {
		t.Errorf("recalling the other's message: got %q, want permission_denied", code)
	}
	cli(t, s, p("a"), "recall", fmt.Sprint(num(oops[0], "id")))
	var recalled bool
	for _, obj := range cli(t, s, p("b"), "sync") {
		if m, ok := obj["message"].(map[string]any); ok && num(m, "id") == num(oops[0], "id") {
			recalled = m["kind"] == "recalled" && m["text"] == ""
		}
	}
	if !recalled {
		t.Errorf("finn's device did not receive the recall")
	}
	if found := cli(t, s, p("b"), "search", "发错"); len(found) != 0 {
		t.Errorf("search after recall: got %v, want nothing", found)
	}
}

// The broadcast assistant sends one message to many contacts as separate
// chats; a recipient who is not a friend fails alone; a retry repeats
// nothing.
func TestBroadcastThroughTheCLI(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, filepath.Join(dir, "data"), "127.0.0.1:0")
	p := func(name string) string { return filepath.Join(dir, name) }
	for _, u := range []string{"gail_001", "hank_001", "iris_001", "jack_001"} {
		cli(t, s, p(u), "register", u, u+"-password")
	}
	for _, u := range []string{"hank_001", "iris_001"} {
		cli(t, s, p("gail_001"), "friends", "request", u)
		cli(t, s, p(u), "friends", "accept", "gail_001")
	}
	out, err := cliRun(s, p("gail_001"), "broadcast", "周末聚餐?", "--to", "hank_001,iris_001,jack_001", "--client-id", "bc-1")
	if ce, ok := err.(*cliError); !ok || ce.Code != "partial_failure" {
		t.Fatalf("broadcast with a stranger among the recipients: got %v, want partial_failure", err)
	}
	if len(out) != 3 || num(out[0], "seq") != 1 || num(out[1], "seq") != 1 || out[2]["error"] == nil {
		t.Fatalf("broadcast results: got %v, want two sent (seq 1) and one error", out)
	}
	again, _ := cliRun(s, p("gail_001"), "broadcast", "周末聚餐?", "--to", "hank_001,iris_001,jack_001", "--client-id", "bc-1")
	if len(again) != 3 || num(again[0], "id") != num(out[0], "id") || num(again[1], "id") != num(out[1], "id") {
		t.Fatalf("retried broadcast: got %v, want the same messages as %v", again, out)
	}
	for _, u := range []string{"hank_001", "iris_001"} {
		if got := syncedMessages(t, s, p(u)); !equal(got, []string{"周末聚餐?"}) {
			t.Errorf("%s received %q, want the broadcast once", u, got)
		}
	}
	if got := syncedMessages(t, s, p("jack_001")); len(got) != 0 {
		t.Errorf("a non-friend received %q", got)
	}
}

// Delete-for-me and clear-chat act on one user's devices only.
func TestDeleteAndClearThroughTheCLI(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, filepath.Join(dir, "data"), "127.0.0.1:0")
	p := func(name string) string { return filepath.Join(dir, name) }
	cli(t, s, p("m"), "register", "mona_001", "mona-password")
	cli(t, s, p("n"), "register", "nico_001", "nico-password")
	cli(t, s, p("m"), "friends", "request", "nico_001")
	cli(t, s, p("n"), "friends", "accept", "mona_001")
	cli(t, s, p("m"), "send", "nico_001", "keep")
	b := cli(t, s, p("m"), "send", "nico_001", "oops, delete for me")
	cli(t, s, p("m"), "delete", fmt.Sprint(num(b[0], "id")))
	cli(t, s, p("m2"), "login", "mona_001", "mona-password")
	if got := syncedMessages(t, s, p("m2")); !equal(got, []string{"keep"}) {
		t.Errorf("mona's new device: got %q, want [keep]", got)
	}
	if got := syncedMessages(t, s, p("n")); !equal(got, []string{"keep", "oops, delete for me"}) {
		t.Errorf("nico: got %q, want both messages", got)
	}
	// Nico forwards Mona's message back to her as his own.
	fw := cli(t, s, p("n"), "forward", fmt.Sprint(num(b[0], "id")), "mona_001")
	if len(fw) != 1 || num(fw[0], "seq") != num(b[0], "seq")+1 {
		t.Errorf("forward: got %v, want the next message of the chat", fw)
	}
	if got := syncedMessages(t, s, p("m2")); !equal(got, []string{"oops, delete for me"}) {
		t.Errorf("mona's device after the forward: got %q, want the forwarded copy", got)
	}
	out := cli(t, s, p("n"), "clear", "mona_001")
	if len(out) != 1 || num(out[0], "cleared_seq") != num(fw[0], "seq") {
		t.Errorf("clear: got %v, want cleared_seq %d", out, num(fw[0], "seq"))
	}
	cli(t, s, p("n2"), "login", "nico_001", "nico-password")
	if got := syncedMessages(t, s, p("n2")); len(got) != 0 {
		t.Errorf("nico's new device after clearing: got %q, want nothing", got)
	}
}
