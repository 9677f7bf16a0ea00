package node_test

import (
	"net/http/httptest"
	"testing"

	"hongyan/internal/config"
	"hongyan/internal/wsclient"
)

// With spam.action = "report" (the default) a scam the screener flags is
// delivered with spam_warning set for the recipient's devices — live and
// on a sync from cursor 0 — and not for the sender's; a clean message
// carries none.
func TestSpamWarningReachesRecipients(t *testing.T) {
	forEachEngineWith(t, func(c *config.Config) { c.Spam.Action = "report" }, func(t *testing.T, srv *httptest.Server) {
		a, b := registerUser(t, srv, "spammark_a"), registerUser(t, srv, "spammark_b")
		befriend(t, srv, a, b)
		bob := session(t, srv, b)
		alice := session(t, srv, a)
		call(t, alice, send(b.id, "clean", "lunch at noon?"))
		call(t, alice, send(b.id, "scam", "兼职刷单，日赚300-500元，手机就能做，有意者加V：sd88271"))
		for who, c := range map[string]*wsclient.Conn{"bob": bob, "alice": alice} {
			msgs := collect(t, c, 2)
			for _, m := range msgs {
				want := who == "bob" && m.GetClientId() != "clean" && m.GetText() != "lunch at noon?"
				if m.GetSpamWarning() != want {
					t.Errorf("%s syncing from 0, %q: spam_warning = %v, want %v", who, m.GetText(), m.GetSpamWarning(), want)
				}
			}
		}
		// A device that signs in later syncs the mark too.
		msgs := collect(t, session(t, srv, secondDevice(t, srv, b)), 2)
		if !msgs[1].GetSpamWarning() || msgs[0].GetSpamWarning() {
			t.Errorf("bob's new device: spam_warning %v, %v; want false, true", msgs[0].GetSpamWarning(), msgs[1].GetSpamWarning())
		}
	})
}
