package cli_test

import (
	"strings"
	"testing"
)

// TestSendLocationAndLink sends the kinds that carry no text of their own
// and checks what the other side receives.
func TestSendLocationAndLink(t *testing.T) {
	server := startNode(t)
	alice := newDevice(t, server, "alice")
	bob := newDevice(t, server, "bob")
	one[session](alice, "register", "kinds_alice", "password-a")
	one[session](bob, "register", "kinds_bob1", "password-b")
	one[friendRequest](alice, "friends", "request", "kinds_bob1")
	one[friendRequest](bob, "friends", "accept", "kinds_alice")

	loc := one[sent](alice, "send-location", "kinds_bob1", "39.9409", "116.3883", "--name", "Drum Tower", "--address", "Dongcheng")
	link := one[sent](alice, "send-link", "kinds_bob1", "http://127.0.0.1:9/page")
	if loc.ID == 0 || link.Seq != loc.Seq+1 {
		t.Fatalf("sent %+v then %+v, want two messages in a row", loc, link)
	}
	var texts []string
	for _, c := range (&syncLog{}).sync(bob) {
		if c.Type == "message" && (c.Message.ID == loc.ID || c.Message.ID == link.ID) {
			texts = append(texts, c.Message.Text)
		}
	}
	if len(texts) != 2 || texts[0] != "Drum Tower" || !strings.Contains(texts[1], "http://127.0.0.1:9/page") {
		t.Errorf("bob received texts %q, want the place name and the link", texts)
	}
	for _, args := range [][]string{
		{"send-location", "kinds_bob1", "north", "116"},
		{"send-link", "kinds_bob1", "ftp://example.org/x"},
	} {
		if code, ecode := alice.fail(args...); code != 2 || ecode != "usage" {
			t.Errorf("%q = exit %d, code %q; want %d, usage", args, code, ecode, 2)
		}
	}
}
