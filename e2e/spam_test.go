package e2e

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// Spam and scam detection with spam.action = "hold", through the CLI
// against the real binary: a scam text and a scam greeting are refused
// with held_as_spam and reach nobody; ordinary messages pass; the same
// text sent to more chats than the limit is held; the finding is logged.
func TestSpamHeldThroughTheCLI(t *testing.T) {
	dir := t.TempDir()
	s := startServerEnv(t, filepath.Join(dir, "data"), "127.0.0.1:0", []string{
		"HONGYAN_SPAM_ACTION=hold", "HONGYAN_SPAM_SAME_MESSAGE=3", "HONGYAN_LOG_LEVEL=warn",
	})
	p := func(name string) string { return filepath.Join(dir, name) }
	users := []string{"spm_ann", "spm_bob", "spm_cat", "spm_dan", "spm_eve"}
	for _, u := range users {
		cli(t, s, p(u), "register", u, u+"-password")
	}
	if code := cliErr(t, s, p("spm_ann"), "friends", "request", "spm_bob", "--greeting", "兼职刷单，日赚500，加V：sd88271"); code != "permission_denied" {
		t.Fatalf("a scam greeting: got %q, want permission_denied", code)
	}
	if reqs := cli(t, s, p("spm_bob"), "friends", "requests"); len(reqs) != 0 {
		t.Errorf("bob's requests after a held one: got %v, want none", reqs)
	}
	for _, u := range users[1:] {
		cli(t, s, p("spm_ann"), "friends", "request", u, "--greeting", "Hi, it's Ann from the badminton club")
		cli(t, s, p(u), "friends", "accept", "spm_ann")
	}
	cli(t, s, p("spm_ann"), "send", "spm_bob", "See you at the court at 7?")
	if code := cliErr(t, s, p("spm_ann"), "send", "spm_bob", "Congratulations! You've won a $1000 gift card. Claim now at bit.ly/wm-gift"); code != "permission_denied" {
		t.Fatalf("a scam message: got %q, want permission_denied", code)
	}
	// The same text to a 4th chat (limit 3) is held.
	text := "Our club dinner is on Friday, reply if you come"
	for i, u := range users[1:] {
		_, err := cliRun(s, p("spm_ann"), "send", u, text)
		if i < 3 && err != nil {
			t.Fatalf("copy %d to %s: %v", i+1, u, err)
		}
		if i == 3 {
			ce, ok := err.(*cliError)
			if !ok || ce.Code != "permission_denied" {
				t.Fatalf("copy 4 to %s: got %v, want permission_denied", u, err)
			}
		}
	}
	var texts []string
	for _, obj := range cli(t, s, p("spm_bob"), "sync") {
		if m, ok := obj["message"].(map[string]any); ok {
			texts = append(texts, fmt.Sprint(m["text"]))
		}
	}
	joined := strings.Join(texts, "\n")
	if !strings.Contains(joined, "See you at the court") || strings.Contains(joined, "gift card") {
		t.Errorf("bob's messages: got %q, want the ordinary one and not the scam", texts)
	}
	if !strings.Contains(s.log.String(), "spam finding") {
		t.Errorf("the server log has no spam finding:\n%s", s.log)
	}
}
