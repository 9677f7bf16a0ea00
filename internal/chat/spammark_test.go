package chat_test

import (
	"context"
	"strings"
	"testing"

	"hongyan/internal/chat"
	"hongyan/internal/hongyan"
)

// flagger flags texts containing "WIN MONEY" and lets them through, as
// spam.action = "report" does.
type flagger struct{}

func (flagger) ScreenMessage(_ context.Context, m chat.Screened) (bool, error) {
	return strings.Contains(m.Text, "WIN MONEY"), nil
}

// A message the screener flags and lets through carries the spam mark in
// what Send returns, in what is stored (history) and in its bus encoding;
// a clean one does not; a broadcast screened once carries it to every
// recipient; a recall drops it with the content.
func TestSpamMark(t *testing.T) {
	s, _ := newService(t)
	s.Extend(chat.Extensions{Screen: flagger{}})
	alice, bob, carol := hongyan.Caller{User: 1, Device: 1}, hongyan.Caller{User: 2, Device: 2}, hongyan.Caller{User: 3, Device: 3}
	clean, err := s.Send(t.Context(), alice, chat.Outgoing{Peer: bob.User, ClientID: "c1", Text: "lunch?"})
	if err != nil {
		t.Fatal(err)
	}
	spam, err := s.Send(t.Context(), alice, chat.Outgoing{Peer: bob.User, ClientID: "s1", Text: "WIN MONEY now, add me"})
	if err != nil {
		t.Fatal(err)
	}
	if clean.Spam || !spam.Spam {
		t.Errorf("sent: clean.Spam = %v, spam.Spam = %v; want false, true", clean.Spam, spam.Spam)
	}
	hist, err := s.History(t.Context(), bob, spam.Conversation, 0, 10)
	if err != nil || len(hist) != 2 {
		t.Fatalf("history: got %d messages, %v; want 2", len(hist), err)
	}
	for _, m := range hist {
		if want := m.ID == spam.ID; m.Spam != want {
			t.Errorf("stored message %q: Spam = %v, want %v", m.Text, m.Spam, want)
		}
	}
	dec, err := chat.DecodeMessage(chat.EncodeMessage(nil, spam))
	if err != nil || !dec.Spam {
		t.Errorf("bus encoding of the flagged message: Spam = %v, %v; want true", dec.Spam, err)
	}
	res, err := s.Broadcast(t.Context(), alice, []hongyan.UserID{bob.User, carol.User}, chat.Outgoing{ClientID: "b", Text: "WIN MONEY fast"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != nil || !r.Message.Spam {
			t.Errorf("broadcast to %d: Spam = %v, %v; want true", r.Peer, r.Message.Spam, r.Err)
		}
	}
	rec, err := s.Recall(t.Context(), alice, spam.ID)
	if err != nil {
		t.Fatal(err)
	}
	hist, _ = s.History(t.Context(), bob, spam.Conversation, 0, 10)
	for _, m := range append(hist, rec) {
		if m.ID == spam.ID && m.Spam {
			t.Errorf("recalled message still marked: %+v", m)
		}
	}
}
