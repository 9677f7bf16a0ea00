package chat_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"hongyan/internal/chat"
	"hongyan/internal/hongyan"
	"hongyan/internal/membus"
	"hongyan/internal/sqlite"
)

// countingStore counts the store calls of the chat list and lets a test
// run something just before a state write.
type countingStore struct {
	chat.Store
	hidden    atomic.Int64
	beforePut func()
}

func (s *countingStore) Hidden(ctx context.Context, user hongyan.UserID) (chat.Hidden, error) {
	s.hidden.Add(1)
	return s.Store.Hidden(ctx, user)
}

func (s *countingStore) PutState(ctx context.Context, st chat.StateChange, changes []hongyan.Change) ([]hongyan.Change, error) {
	if f := s.beforePut; f != nil {
		s.beforePut = nil
		f()
	}
	return s.Store.PutState(ctx, st, changes)
}

func newCounted(t *testing.T) (*chat.Service, *countingStore) {
	t.Helper()
	db, err := sqlite.Open(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	cs := &countingStore{Store: db.Chats()}
	return chat.New(cs, friends{}, hongyan.Publisher{Bus: membus.New()}), cs
}

// Two devices of one user change different settings of a chat at the same
// moment: neither undoes the other's.
func TestSetStateTwoDevices(t *testing.T) {
	ctx := t.Context()
	s, cs := newCounted(t)
	phone, laptop := hongyan.Caller{User: 1, Device: 1}, hongyan.Caller{User: 1, Device: 2}
	m, err := s.Send(ctx, phone, chat.Outgoing{Peer: 2, ClientID: "s1", Text: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	draft, muted := "写了一半", true
	// The laptop saves a draft while the phone's mute is on its way to the
	// store.
	cs.beforePut = func() {
		if _, err := s.SetState(ctx, laptop, m.Conversation, chat.StateUpdate{Draft: &draft}); err != nil {
			t.Errorf("laptop sets the draft: %v", err)
		}
	}
	if _, err := s.SetState(ctx, phone, m.Conversation, chat.StateUpdate{Muted: &muted}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Conversation(ctx, phone, m.Conversation)
	if err != nil {
		t.Fatal(err)
	}
	if !got.State.Muted || got.State.Draft != draft {
		t.Errorf("after the phone mutes and the laptop saves a draft: got muted %v, draft %q; want true, %q",
			got.State.Muted, got.State.Draft, draft)
	}
}

// The chat list costs the same few queries however many chats it shows: it
// does not read the user's hidden messages once per row.
func TestConversationsReadHiddenOnce(t *testing.T) {
	ctx := t.Context()
	s, cs := newCounted(t)
	me := hongyan.Caller{User: 1, Device: 1}
	var last chat.Message
	for peer := hongyan.UserID(2); peer <= 11; peer++ {
		m, err := s.Send(ctx, me, chat.Outgoing{Peer: peer, ClientID: fmt.Sprint("c", peer), Text: "hi"})
		if err != nil {
			t.Fatal(err)
		}
		last = m
	}
	if err := s.DeleteForMe(ctx, me, last.ID); err != nil {
		t.Fatal(err)
	}
	cs.hidden.Store(0)
	sums, err := s.Conversations(ctx, me, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(sums) != 10 {
		t.Fatalf("got %d chats, want 10", len(sums))
	}
	for _, sum := range sums {
		if hidden := sum.Conversation.ID == last.Conversation; hidden != (sum.Last.ID == 0) {
			t.Errorf("chat %d: got last message %d; want it blank only where it was deleted for me", sum.Conversation.ID, sum.Last.ID)
		}
	}
	if n := cs.hidden.Load(); n > 0 {
		t.Errorf("listing 10 chats read the hidden messages %d times, want none", n)
	}
}
