package chat_test

import (
	"testing"
	"time"

	"hongyan/internal/chat"
	"hongyan/internal/hongyan"
)

// A send over the limit is refused with rate_limited and stores nothing;
// a retry of a stored message and messages the server posts for another
// feature are not what the limit is about, and a minute later the user
// may send again.
func TestSendLimit(t *testing.T) {
	s, now := newService(t)
	s.LimitSends(hongyan.Rate{N: 3, Per: time.Minute})
	alice, bob := hongyan.Caller{User: 1, Device: 1}, hongyan.Caller{User: 2, Device: 2}
	var first chat.Message
	for i := range 3 {
		m, err := s.Send(t.Context(), alice, chat.Outgoing{Peer: bob.User, ClientID: "ok" + string(rune('a'+i)), Text: "hi"})
		if err != nil {
			t.Fatalf("send %d of 3: %v", i+1, err)
		}
		first = m
	}
	_, err := s.Send(t.Context(), alice, chat.Outgoing{Peer: bob.User, ClientID: "over", Text: "one too many"})
	if got := hongyan.ErrorCode(err); got != hongyan.CodeRateLimited {
		t.Fatalf("4th send in a minute: got %v (%s), want rate_limited", err, got)
	}
	hist, err := s.History(t.Context(), bob, first.Conversation, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 3 {
		t.Errorf("messages stored after a refused send: got %d, want 3", len(hist))
	}
	for _, m := range hist {
		if m.ClientID == "over" {
			t.Errorf("the refused message was stored: %+v", m)
		}
	}
	// Another user has an allowance of their own.
	if _, err := s.Send(t.Context(), bob, chat.Outgoing{Peer: alice.User, ClientID: "b1", Text: "hello"}); err != nil {
		t.Errorf("bob's first send: %v", err)
	}
	// A call record the server posts as alice's message is not limited.
	if _, err := s.PostCall(t.Context(), alice.User, bob.User, chat.CallRecord{Call: 7}); err != nil {
		t.Errorf("a call record posted over alice's limit: %v, want posted", err)
	}
	*now = now.Add(20 * time.Second) // one message back
	if _, err := s.Send(t.Context(), alice, chat.Outgoing{Peer: bob.User, ClientID: "later", Text: "again"}); err != nil {
		t.Errorf("send 20 s later: %v, want sent", err)
	}
	if _, err := s.Send(t.Context(), alice, chat.Outgoing{Peer: bob.User, ClientID: "later2", Text: "again"}); hongyan.ErrorCode(err) != hongyan.CodeRateLimited {
		t.Errorf("second send 20 s later: got %v, want rate_limited", err)
	}
}
