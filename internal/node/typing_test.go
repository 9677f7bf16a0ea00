package node_test

import (
	"testing"
	"time"

	"hongyan/internal/config"
	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/wsclient"
)

// nextTyping returns the user of the next typing push c receives.
func nextTyping(t *testing.T, c *wsclient.Conn) int64 {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case f, ok := <-c.Pushes():
			if !ok {
				t.Fatalf("connection closed while waiting for a typing push")
			}
			if ty := f.GetTyping(); ty != nil {
				return ty.User
			}
		case <-timeout:
			t.Fatalf("no typing push")
		}
	}
}

// TestTypingRespectsBlocksAndRate: a user who blocked someone does not see
// them typing, and typing notices past a user's rate are dropped. Pushes
// reach a device in the order they were published, so the push of a later
// typist shows that an earlier notice was dropped.
func TestTypingRespectsBlocksAndRate(t *testing.T) {
	srv, _ := startLoggedNode(t, config.Limits{TypingPerMinute: 3})
	alice, bob := registerUser(t, srv, "typing_alice"), registerUser(t, srv, "typing_bob")
	carol, dave := registerUser(t, srv, "typing_carol"), registerUser(t, srv, "typing_dave")
	convs := map[int64]int64{}
	for _, u := range []user{alice, carol, dave} {
		befriend(t, srv, u, bob)
		convs[u.id] = call(t, session(t, srv, u), send(bob.id, "hello-"+u.account, "hi")).GetSent().Conversation
	}
	b := session(t, srv, bob)
	typing := func(u user, c *wsclient.Conn) {
		t.Helper()
		call(t, c, &pb.ClientFrame{Req: &pb.ClientFrame_Typing{Typing: &pb.TypingRequest{Conversation: convs[u.id]}}})
	}
	a, c, d := session(t, srv, alice), session(t, srv, carol), session(t, srv, dave)

	typing(alice, a)
	if got := nextTyping(t, b); got != alice.id {
		t.Fatalf("typing before the block: got user %d, want alice (%d)", got, alice.id)
	}
	call(t, b, &pb.ClientFrame{Req: &pb.ClientFrame_Block{Block: &pb.BlockRequest{User: alice.id, Blocked: true}}})
	typing(alice, a)
	typing(carol, c)
	if got := nextTyping(t, b); got != carol.id {
		t.Fatalf("after blocking alice: got typing of user %d, want carol (%d) next", got, carol.id)
	}
	// Carol has 2 more notices this minute; the 3rd is dropped.
	for range 3 {
		typing(carol, c)
	}
	typing(dave, d)
	for i, want := range []int64{carol.id, carol.id, dave.id} {
		if got := nextTyping(t, b); got != want {
			t.Fatalf("typing push %d after carol's 4 notices: got user %d, want %d", i+1, got, want)
		}
	}
}
