package cli_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"hongyan/internal/cli"
	"hongyan/internal/config"
	"hongyan/internal/node"
)

// startNode runs a whole node on a temporary directory behind an httptest
// server and returns the server's URL.
func startNode(t *testing.T) string {
	t.Helper()
	cfg := config.Default()
	cfg.Data = t.TempDir()
	cfg.PasswordCost = config.TestPasswordCost
	n, err := node.New(t.Context(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("node.New: %v", err)
	}
	srv := httptest.NewServer(n.Handler())
	t.Cleanup(func() {
		srv.Close()
		if err := n.Close(); err != nil {
			t.Errorf("node Close: %v", err)
		}
	})
	return srv.URL
}

// device is one CLI profile: one signed-in device.
type device struct {
	t      *testing.T
	name   string
	server string
	dir    string
}

func newDevice(t *testing.T, server, name string) *device {
	return &device{t: t, name: name, server: server, dir: t.TempDir()}
}

func (d *device) args(args []string) []string {
	return append([]string{"--server", d.server, "--profile", d.dir}, args...)
}

// run runs the CLI as this device and returns its exit code, stdout lines
// and stderr.
func (d *device) run(args ...string) (int, []string, string) {
	var stdout, stderr bytes.Buffer
	code := cli.Main(d.t.Context(), d.args(args), &stdout, &stderr)
	var lines []string
	for l := range strings.Lines(stdout.String()) {
		lines = append(lines, strings.TrimSuffix(l, "\n"))
	}
	return code, lines, stderr.String()
}

// ok runs the CLI, failing the test unless it succeeds, and returns its
// output lines.
func (d *device) ok(args ...string) []string {
	d.t.Helper()
	code, lines, stderr := d.run(args...)
	if code != 0 {
		d.t.Fatalf("%s: cli %q = exit %d, stderr %s", d.name, args, code, stderr)
	}
	if stderr != "" {
		d.t.Errorf("%s: cli %q wrote to stderr: %s", d.name, args, stderr)
	}
	return lines
}

// one runs the CLI expecting exactly one line of output, decoded into T.
func one[T any](d *device, args ...string) T {
	d.t.Helper()
	lines := d.ok(args...)
	if len(lines) != 1 {
		d.t.Fatalf("%s: cli %q printed %d lines, want 1: %q", d.name, args, len(lines), lines)
	}
	return decode[T](d.t, lines[0])
}

// decode parses one output line strictly: numbers must be JSON numbers
// wherever T has integers.
func decode[T any](t *testing.T, line string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(line), &v); err != nil {
		t.Fatalf("bad output line %s: %v", line, err)
	}
	return v
}

// fail runs the CLI expecting failure and returns the exit code and the
// error code it printed.
func (d *device) fail(args ...string) (int, string) {
	d.t.Helper()
	code, lines, stderr := d.run(args...)
	if len(lines) != 0 {
		d.t.Errorf("%s: failing cli %q printed %q", d.name, args, lines)
	}
	var e struct {
		Error struct{ Code, Message string }
	}
	if err := json.Unmarshal([]byte(stderr), &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
		d.t.Errorf("%s: cli %q stderr is not a JSON error: %q", d.name, args, stderr)
	}
	return code, e.Error.Code
}

type session struct {
	User   int64 `json:"user"`
	Device int64 `json:"device"`
}

type message struct {
	ID           int64  `json:"id"`
	Conversation int64  `json:"conversation"`
	Seq          int64  `json:"seq"`
	Sender       int64  `json:"sender"`
	Peer         int64  `json:"peer"`
	Time         int64  `json:"time"`
	Text         string `json:"text"`
	ClientID     string `json:"client_id"`
}

type change struct {
	Seq           int64          `json:"seq"`
	Type          string         `json:"type"`
	Message       *message       `json:"message"`
	FriendRequest *friendRequest `json:"friend_request"`
}

type sent struct {
	ID           int64 `json:"id"`
	Conversation int64 `json:"conversation"`
	Seq          int64 `json:"seq"`
}

type profileOut struct {
	ID        int64  `json:"id"`
	AccountID string `json:"account_id"`
	Nickname  string `json:"nickname"`
	Gender    string `json:"gender"`
}

type friendRequest struct {
	ID    int64      `json:"id"`
	From  int64      `json:"from"`
	To    int64      `json:"to"`
	State string     `json:"state"`
	Other profileOut `json:"other"`
}

// syncLog is everything one device printed from sync, over several runs.
type syncLog struct {
	changes []change
}

// changeTypes are the types sync prints. "unknown" is an entry without
// data: the server sends those for objects that are gone (and a newer
// server could send kinds this client does not know).
var changeTypes = []string{"message", "conversation", "contact", "contact_removed", "friend_request", "profile", "devices", "block", "unknown"}

// sync runs sync with args on d and appends what it printed.
func (l *syncLog) sync(d *device, args ...string) []change {
	d.t.Helper()
	var got []change
	for _, line := range d.ok(append([]string{"sync"}, args...)...) {
		c := decode[change](d.t, line)
		if !slices.Contains(changeTypes, c.Type) {
			d.t.Errorf("%s: sync printed a change of type %q: %s", d.name, c.Type, line)
		}
		if c.Type == "message" && c.Message == nil {
			d.t.Errorf("%s: message change without a message: %s", d.name, line)
		}
		got = append(got, c)
	}
	l.changes = append(l.changes, got...)
	return got
}

func (l *syncLog) seqs() []int64 {
	var out []int64
	for _, c := range l.changes {
		out = append(out, c.Seq)
	}
	return out
}

func (l *syncLog) texts() []string {
	var out []string
	for _, c := range l.changes {
		if c.Message != nil {
			out = append(out, c.Message.Text)
		}
	}
	return out
}

func (l *syncLog) message(text string) message {
	for _, c := range l.changes {
		if c.Message != nil && c.Message.Text == text {
			return *c.Message
		}
	}
	return message{}
}

// check verifies that every change was printed once, in order, and that
// the messages are exactly want, in order.
func (l *syncLog) check(t *testing.T, name string, want []string) {
	t.Helper()
	seqs := l.seqs()
	for i := 1; i < len(seqs); i++ {
		if seqs[i] <= seqs[i-1] {
			t.Errorf("%s: sync printed seq %d after %d (all: %v)", name, seqs[i], seqs[i-1], seqs)
		}
	}
	if got := l.texts(); !slices.Equal(got, want) {
		t.Errorf("%s: synced messages %q, want %q", name, got, want)
	}
}

func TestCLI(t *testing.T) {
	server := startNode(t)
	alice1 := newDevice(t, server, "alice1")
	alice2 := newDevice(t, server, "alice2")
	bob1 := newDevice(t, server, "bob1")
	bob2 := newDevice(t, server, "bob2")

	// Accounts and second devices.
	a := one[session](alice1, "register", "alice_01", "password-a", "--nickname", "Alice")
	bob1.ok("verify-contact", "phone", "+8613800000000")
	if code, ecode := bob1.fail("register", "bob_0001", "password-b", "--phone", "+8613800000000", "--phone-code", "000000x"); code != 1 || ecode != "unauthenticated" {
		t.Errorf("register with a wrong phone code: exit %d, %q; want 1, unauthenticated", code, ecode)
	}
	b := one[session](bob1, "register", "bob_0001", "password-b", "--nickname", "Bob")
	if a.User == 0 || a.Device == 0 || b.User == 0 || a.User == b.User {
		t.Fatalf("register printed %+v and %+v", a, b)
	}
	if s := one[session](alice2, "login", "alice_01", "password-a", "--device", "laptop"); s.User != a.User || s.Device == a.Device {
		t.Errorf("alice login = %+v, want user %d on a new device", s, a.User)
	}
	if s := one[session](bob2, "login", "bob_0001", "password-b"); s.User != b.User || s.Device == b.Device {
		t.Errorf("bob login = %+v, want user %d on a new device", s, b.User)
	}
	if p := one[profileOut](alice2, "me"); p.ID != a.User || p.AccountID != "alice_01" || p.Nickname != "Alice" {
		t.Errorf("me = %+v", p)
	}
	if devs := alice1.ok("devices"); len(devs) != 2 {
		t.Errorf("alice has %d devices, want 2: %q", len(devs), devs)
	}

	// Strangers cannot chat.
	if code, ecode := alice1.fail("send", "bob_0001", "too soon"); code != 1 || ecode != "failed_precondition" {
		t.Errorf("send to a non-friend = exit %d, code %q; want 1, failed_precondition", code, ecode)
	}

	// Friendship.
	req := one[friendRequest](alice1, "friends", "request", "bob_0001", "--greeting", "hi, it's Alice")
	if req.From != a.User || req.To != b.User || req.State != "pending" {
		t.Errorf("friends request = %+v, want a pending request from %d to %d", req, a.User, b.User)
	}
	if code, ecode := bob2.fail("friends", "accept", "nobody_here"); code != 1 || ecode != "not_found" {
		t.Errorf("accept without a request = exit %d, code %q; want 1, not_found", code, ecode)
	}
	reqs := bob2.ok("friends", "requests")
	if len(reqs) != 1 || decode[friendRequest](t, reqs[0]).Other.AccountID != "alice_01" {
		t.Errorf("bob's requests = %q, want the one from alice_01", reqs)
	}
	if r := one[friendRequest](bob2, "friends", "accept", "alice_01"); r.ID != req.ID || r.State != "accepted" {
		t.Errorf("friends accept = %+v, want request %d accepted", r, req.ID)
	}
	contacts := alice2.ok("friends", "list")
	if len(contacts) != 1 || !strings.Contains(contacts[0], `"account_id":"bob_0001"`) {
		t.Errorf("alice's contacts = %q, want bob", contacts)
	}

	// Every device syncs once now, and again after the messages: the second
	// run must continue where the first stopped.
	logs := map[*device]*syncLog{alice1: {}, alice2: {}, bob1: {}, bob2: {}}
	for d, l := range logs {
		l.sync(d)
	}
	// Bob's log holds the request twice (made, then answered), each time
	// with its current state, and alice as a new contact.
	var requests int
	var sawContact bool
	for _, c := range logs[bob1].changes {
		if c.Type == "friend_request" && c.FriendRequest != nil && c.FriendRequest.ID == req.ID {
			requests++
		}
		sawContact = sawContact || c.Type == "contact"
	}
	if requests != 2 || !sawContact {
		t.Errorf("bob's sync: got %d entries for request %d and contact=%v, want 2 and true: %+v", requests, req.ID, sawContact, logs[bob1].changes)
	}

	// Messages both ways from every device, and a note to self.
	alice1.ok("send", "bob_0001", "m1")
	bob2.ok("send", "alice_01", "m2")
	alice2.ok("send", "bob_0001", "m3")
	bob1.ok("send", "alice_01", "m4")
	note := one[sent](alice1, "send", "me", "note to self")
	if own := one[sent](alice2, "send", "alice_01", "note 2"); own.Conversation != note.Conversation || own.Seq != note.Seq+1 {
		t.Errorf("sending to one's own account ID = %+v, want the conversation of %+v", own, note)
	}

	// Retrying a send with the same client ID returns the original.
	first := one[sent](alice1, "send", "bob_0001", "m5", "--client-id", "retry-42")
	again := one[sent](alice2, "send", "bob_0001", "m5", "--client-id", "retry-42")
	if first.ID == 0 || first != again {
		t.Errorf("retried send = %+v, first = %+v, want the same", again, first)
	}

	// A device waiting with --wait gets a message sent while it waits
	// (through a live push, or a sync if the message beats it to it).
	logs[bob2].sync(bob2)
	waited := make(chan []string)
	go func() {
		code, lines, stderr := bob2.run("sync", "--wait", "60", "--until", "1")
		if code != 0 {
			t.Errorf("sync --wait = exit %d: %s", code, stderr)
		}
		waited <- lines
	}()
	alice1.ok("send", "bob_0001", "live")
	lines := <-waited
	if len(lines) != 1 || decode[change](t, lines[0]).Message.GetText() != "live" {
		t.Errorf("sync --wait --until 1 printed %q, want the message \"live\"", lines)
	} else {
		logs[bob2].changes = append(logs[bob2].changes, decode[change](t, lines[0]))
	}

	// Alice's second device syncs in two steps with --until.
	if got := logs[alice2].sync(alice2, "--until", "2"); len(got) != 2 {
		t.Errorf("sync --until 2 printed %d changes", len(got))
	}
	for d, l := range logs {
		l.sync(d)
	}
	aliceWant := []string{"m1", "m2", "m3", "m4", "note to self", "note 2", "m5", "live"}
	bobWant := []string{"m1", "m2", "m3", "m4", "m5", "live"}
	logs[alice1].check(t, "alice1", aliceWant)
	logs[alice2].check(t, "alice2", aliceWant)
	logs[bob1].check(t, "bob1", bobWant)
	logs[bob2].check(t, "bob2", bobWant)
	if s1, s2 := logs[alice1].seqs(), logs[alice2].seqs(); !slices.Equal(s1, s2) {
		t.Errorf("alice's devices synced different changes:\n%v\n%v", s1, s2)
	}
	if m := logs[alice1].message("m5"); m.ClientID != "retry-42" || m.ID != first.ID || m.Seq != first.Seq || m.Sender != a.User || m.Peer != b.User {
		t.Errorf("alice's m5 = %+v, want id %d seq %d client_id retry-42", m, first.ID, first.Seq)
	}
	if m := logs[bob1].message("m5"); m.ClientID != "" || m.Peer != a.User || m.Time == 0 {
		t.Errorf("bob's m5 = %+v, want no client ID and peer %d", m, a.User)
	}
	if m := logs[alice2].message("note to self"); m.Peer != a.User || m.Sender != a.User {
		t.Errorf("note to self = %+v, want peer and sender %d", m, a.User)
	}
	// Nothing new: a rerun prints nothing.
	if got := logs[bob1].sync(bob1); len(got) != 0 {
		t.Errorf("sync with nothing new printed %+v", got)
	}

	// QR login: a third device shows a code, alice confirms it from her
	// first device, and the new device syncs the whole history.
	alice3 := newDevice(t, server, "alice3")
	pr, pw := io.Pipe()
	t.Cleanup(func() { pr.Close() })
	shown := make(chan int)
	var showErr bytes.Buffer
	go func() {
		code := cli.Main(t.Context(), alice3.args([]string{"qr-login", "show", "--device", "tablet"}), pw, &showErr)
		pw.Close()
		shown <- code
	}()
	out := bufio.NewScanner(pr)
	if !out.Scan() {
		t.Fatalf("qr-login show printed nothing; exit %d, stderr %s", <-shown, showErr.String())
	}
	qr := decode[struct {
		Code    string `json:"code"`
		URL     string `json:"url"`
		Expires int64  `json:"expires"`
	}](t, out.Text())
	if qr.Code == "" || qr.Expires == 0 {
		t.Errorf("qr-login show printed %s", out.Text())
	}
	conf := one[struct {
		Confirmed  bool   `json:"confirmed"`
		DeviceName string `json:"device_name"`
	}](alice1, "qr-login", "confirm", qr.Code)
	if !conf.Confirmed || conf.DeviceName != "tablet" {
		t.Errorf("qr-login confirm = %+v, want confirmed for tablet", conf)
	}
	if !out.Scan() {
		t.Fatalf("qr-login show ended without a session; exit %d, stderr %s", <-shown, showErr.String())
	}
	tablet := decode[session](t, out.Text())
	if tablet.User != a.User || tablet.Device == 0 {
		t.Errorf("qr-login show signed in as %+v, want user %d", tablet, a.User)
	}
	if code := <-shown; code != 0 {
		t.Errorf("qr-login show = exit %d, stderr %s", code, showErr.String())
	}
	log3 := &syncLog{}
	log3.sync(alice3)
	log3.check(t, "alice3", aliceWant)
	if code, ecode := bob1.fail("qr-login", "confirm", qr.Code); code != 1 || ecode == "" {
		t.Errorf("confirming a used code = exit %d, code %q", code, ecode)
	}
	if devs := alice3.ok("devices"); len(devs) != 3 {
		t.Errorf("alice has %d devices after the QR login, want 3", len(devs))
	}

	// Profile changes reach the other devices.
	if p := one[profileOut](alice3, "profile", "set", "--nickname", "Alice L", "--gender", "female"); p.Nickname != "Alice L" || p.Gender != "female" {
		t.Errorf("profile set = %+v", p)
	}
	var sawProfile bool
	for _, c := range logs[alice1].sync(alice1) {
		sawProfile = sawProfile || c.Type == "profile"
	}
	if !sawProfile {
		t.Errorf("alice1 did not sync the profile change")
	}

	// Revoking a device signs it out.
	if r := one[struct {
		Revoked int64 `json:"revoked"`
	}](alice1, "devices", "revoke", fmt.Sprint(tablet.Device)); r.Revoked != tablet.Device {
		t.Errorf("devices revoke printed %+v", r)
	}
	if code, ecode := alice3.fail("sync"); code != 1 || ecode != "unauthenticated" {
		t.Errorf("sync on a revoked device = exit %d, code %q; want 1, unauthenticated", code, ecode)
	}

	// Logout signs the device out, here and at the server.
	one[struct {
		LoggedOut bool `json:"logged_out"`
	}](alice2, "logout")
	if code, ecode := alice2.fail("me"); code != 1 || ecode != "unauthenticated" {
		t.Errorf("me after logout = exit %d, code %q; want 1, unauthenticated", code, ecode)
	}
	if code, ecode := bob1.fail("login", "bob_0001", "wrong-password"); code != 1 || ecode != "unauthenticated" {
		t.Errorf("login with a wrong password = exit %d, code %q; want 1, unauthenticated", code, ecode)
	}
	if code, ecode := bob1.fail("dance"); code != 2 || ecode != "usage" {
		t.Errorf("unknown command = exit %d, code %q; want 2, usage", code, ecode)
	}
}

// GetText lets the test read a possibly missing message.
func (m *message) GetText() string {
	if m == nil {
		return ""
	}
	return m.Text
}

// sync --wait waits only while there is nothing new: with changes waiting
// it prints them and returns at once; with none it returns as soon as the
// next one has been printed, long before the wait is over.
func TestSyncWaitReturnsOnSomethingNew(t *testing.T) {
	server := startNode(t)
	alice := newDevice(t, server, "alice")
	bob := newDevice(t, server, "bob")
	one[session](alice, "register", "alice_01", "password-a", "--nickname", "Alice")
	one[session](bob, "register", "bob_0001", "password-b", "--nickname", "Bob")
	one[friendRequest](alice, "friends", "request", "bob_0001")
	one[friendRequest](bob, "friends", "accept", "alice_01")
	one[sent](alice, "send", "bob_0001", "waiting for you")

	// The wait is far longer than a sync takes: returning before it is
	// over is what is tested.
	const wait = 60 * time.Second
	waitArg := fmt.Sprint(wait.Seconds())
	start := time.Now()
	var log syncLog
	got := log.sync(bob, "--wait", waitArg)
	if d := time.Since(start); d >= wait {
		t.Fatalf("sync --wait with changes waiting took %v: it waited for more", d)
	}
	if !slices.Contains(log.texts(), "waiting for you") || len(got) == 0 {
		t.Errorf("sync --wait printed %d changes with texts %q, want the waiting message", len(got), log.texts())
	}

	type result struct {
		lines  []string
		code   int
		stderr string
	}
	done := make(chan result)
	start = time.Now()
	go func() {
		code, lines, stderr := bob.run("sync", "--wait", waitArg)
		done <- result{lines, code, stderr}
	}()
	one[sent](alice, "send", "bob_0001", "something new")
	r := <-done
	if d := time.Since(start); d >= wait {
		t.Errorf("sync --wait took %v: it waited on after printing the new message", d)
	}
	if r.code != 0 {
		t.Fatalf("sync --wait = exit %d: %s", r.code, r.stderr)
	}
	var texts []string
	for _, l := range r.lines {
		if c := decode[change](t, l); c.Message != nil {
			texts = append(texts, c.Message.Text)
		}
	}
	if !slices.Contains(texts, "something new") {
		t.Errorf("sync --wait printed %q, want the new message", r.lines)
	}
}

// send --mention takes members' account IDs as well as user IDs, as send's
// PEER does; an account ID that is not a member's is refused.
func TestSendMentionsAccountIDs(t *testing.T) {
	server := startNode(t)
	gina, hugo, ivan := newDevice(t, server, "gina"), newDevice(t, server, "hugo"), newDevice(t, server, "ivan")
	one[session](gina, "register", "gina_001", "password-g")
	one[session](hugo, "register", "hugo_001", "password-h")
	i := one[session](ivan, "register", "ivan_001", "password-i")
	for _, d := range []*device{hugo, ivan} {
		d.ok("friends", "request", "gina_001")
	}
	gina.ok("friends", "accept", "hugo_001")
	gina.ok("friends", "accept", "ivan_001")
	g := one[struct {
		Group int64 `json:"group"`
	}](gina, "groups", "create", "hike", "hugo_001", "ivan_001")
	target := fmt.Sprint("group:", g.Group)

	hugo.ok("send", target, "see you at eight", "--mention", "ivan_001,gina_001")
	var got []int64
	for _, line := range ivan.ok("sync") {
		var c struct {
			Message *struct {
				Text     string  `json:"text"`
				Mentions []int64 `json:"mentions"`
			} `json:"message"`
		}
		if err := json.Unmarshal([]byte(line), &c); err != nil {
			t.Fatalf("sync line %s: %v", line, err)
		}
		if c.Message != nil && c.Message.Text == "see you at eight" {
			got = c.Message.Mentions
		}
	}
	want := []int64{i.User, one[profileOut](gina, "me").ID}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("mentions of the message sent with --mention ivan_001,gina_001: got %v, want %v", got, want)
	}
	if code, ecode := hugo.fail("send", target, "who?", "--mention", "nobody_01"); code != 1 || ecode != "not_found" {
		t.Errorf("--mention of a non-member = exit %d, code %q; want 1, not_found", code, ecode)
	}
}

// HONGYAN_SERVER and HONGYAN_PROFILE stand in for --server and --profile.
func TestServerAndProfileFromEnv(t *testing.T) {
	server, dir := startNode(t), t.TempDir()
	t.Setenv("HONGYAN_SERVER", server)
	t.Setenv("HONGYAN_PROFILE", dir)
	var stdout, stderr bytes.Buffer
	if code := cli.Main(t.Context(), []string{"register", "env_0001", "password-e"}, &stdout, &stderr); code != 0 {
		t.Fatalf("register with the node from HONGYAN_SERVER: exit %d, stderr %s", code, stderr.String())
	}
	files, err := os.ReadDir(dir)
	if err != nil || len(files) == 0 {
		t.Fatalf("HONGYAN_PROFILE %s after register: got %d files (%v), want the session saved there", dir, len(files), err)
	}
}
