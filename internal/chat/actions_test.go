package chat_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"hongyan/internal/chat"
	"hongyan/internal/hongyan"
	"hongyan/internal/membus"
	"hongyan/internal/sqlite"
)

// friends lets everyone message everyone: the rules under test here are
// chat's own.
type friends struct{}

func (friends) CanMessage(context.Context, hongyan.UserID, hongyan.UserID) error { return nil }

func newService(t *testing.T) (*chat.Service, *time.Time) {
	t.Helper()
	db, err := sqlite.Open(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s := chat.New(db.Chats(), friends{}, hongyan.Publisher{Bus: membus.New()})
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	return s, &now
}

func TestRecallRules(t *testing.T) {
	ctx := context.Background()
	s, now := newService(t)
	alice, bob, carol := hongyan.Caller{User: 1, Device: 1}, hongyan.Caller{User: 2, Device: 2}, hongyan.Caller{User: 3, Device: 3}
	m, err := s.Send(ctx, alice, chat.Outgoing{Peer: bob.User, ClientID: "r1", Text: "oops"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Recall(ctx, bob, m.ID); hongyan.ErrorCode(err) != hongyan.CodeDenied {
		t.Errorf("recall of someone else's message: got %v, want permission_denied", err)
	}
	if _, err := s.Recall(ctx, carol, m.ID); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Errorf("recall by a non-member: got %v, want not_found", err)
	}
	*now = now.Add(chat.RecallWindow + time.Second)
	if _, err := s.Recall(ctx, alice, m.ID); hongyan.ErrorCode(err) != hongyan.CodePrecondition {
		t.Errorf("recall after %v: got %v, want failed_precondition", chat.RecallWindow, err)
	}
	m2, err := s.Send(ctx, alice, chat.Outgoing{Peer: bob.User, ClientID: "r2", Text: "take this back"})
	if err != nil {
		t.Fatal(err)
	}
	*now = now.Add(chat.RecallWindow)
	got, err := s.Recall(ctx, alice, m2.ID)
	if err != nil || got.Kind != chat.KindRecalled || got.Text != "" {
		t.Fatalf("recall at exactly %v: got %+v, %v; want the message recalled", chat.RecallWindow, got, err)
	}
	hist, err := s.History(ctx, bob, m2.Conversation, 0, 10)
	if err != nil || len(hist) != 2 || hist[1].Kind != chat.KindRecalled || hist[1].Text != "" || hist[0].Text != "oops" {
		t.Fatalf("bob's history: got %+v, %v; want oops then a recalled message", hist, err)
	}
	if _, err := s.Recall(ctx, alice, m2.ID); err != nil {
		t.Errorf("recalling again: got %v, want nil (nothing changes)", err)
	}
}

func TestSearchRules(t *testing.T) {
	ctx := context.Background()
	s, _ := newService(t)
	alice, bob, carol := hongyan.Caller{User: 1}, hongyan.Caller{User: 2}, hongyan.Caller{User: 3}
	m, err := s.Send(ctx, alice, chat.Outgoing{Peer: bob.User, ClientID: "s1", Text: "抢红包啦"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Search(ctx, bob, "红包", 0, 0, 0)
	if err != nil || len(got) != 1 || got[0].ID != m.ID {
		t.Fatalf("bob searches 红包: got %+v, %v", got, err)
	}
	if _, err := s.Search(ctx, carol, "红包", m.Conversation, 0, 0); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Errorf("search in someone else's chat: got %v, want not_found", err)
	}
	for _, q := range []string{"", string(make([]rune, chat.MaxQuery+1)), "\xff"} {
		if _, err := s.Search(ctx, bob, q, 0, 0, 0); hongyan.ErrorCode(err) != hongyan.CodeInvalid {
			t.Errorf("Search(%q): got %v, want invalid_argument", q, err)
		}
	}
}

// picky lets the caller message everyone but user 3.
type picky struct{}

func (picky) CanMessage(_ context.Context, _, to hongyan.UserID) error {
	if to == 3 {
		return hongyan.Errorf(hongyan.CodePrecondition, "not friends")
	}
	return nil
}

func TestBroadcast(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := chat.New(db.Chats(), picky{}, hongyan.Publisher{Bus: membus.New()})
	me := hongyan.Caller{User: 1, Device: 1}
	peers := []hongyan.UserID{2, 3, 4}
	res, err := s.Broadcast(ctx, me, peers, chat.Outgoing{ClientID: "b1", Text: "新年快乐"})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		wantErr := peers[i] == 3
		if r.Peer != peers[i] || (r.Err != nil) != wantErr {
			t.Fatalf("result %d: got peer %d err %v; want peer %d, error %v", i, r.Peer, r.Err, peers[i], wantErr)
		}
		if !wantErr && (r.Message.Text != "新年快乐" || r.Message.Seq != 1) {
			t.Errorf("result %d: got %+v, want the first message of its chat", i, r.Message)
		}
	}
	again, err := s.Broadcast(ctx, me, peers, chat.Outgoing{ClientID: "b1", Text: "新年快乐"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range again {
		if again[i].Message.ID != res[i].Message.ID {
			t.Errorf("retried broadcast, recipient %d: got message %d, want %d", peers[i], again[i].Message.ID, res[i].Message.ID)
		}
	}
	for _, bad := range [][]hongyan.UserID{nil, {2, 2}, make([]hongyan.UserID, chat.MaxBroadcast+1)} {
		if _, err := s.Broadcast(ctx, me, bad, chat.Outgoing{ClientID: "b2", Text: "x"}); hongyan.ErrorCode(err) != hongyan.CodeInvalid {
			t.Errorf("Broadcast to %d recipients %v: got %v, want invalid_argument", len(bad), bad, err)
		}
	}
}

func TestDeleteForMeAndClear(t *testing.T) {
	ctx := context.Background()
	s, _ := newService(t)
	alice, bob, carol := hongyan.Caller{User: 1, Device: 1}, hongyan.Caller{User: 2, Device: 2}, hongyan.Caller{User: 3, Device: 3}
	var ids []hongyan.MessageID
	var conv hongyan.ConversationID
	for i, text := range []string{"one", "two", "three"} {
		m, err := s.Send(ctx, alice, chat.Outgoing{Peer: bob.User, ClientID: fmt.Sprint("d", i), Text: text})
		if err != nil {
			t.Fatal(err)
		}
		ids, conv = append(ids, m.ID), m.Conversation
	}
	texts := func(c hongyan.Caller) []string {
		t.Helper()
		ms, err := s.History(ctx, c, conv, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, m := range ms {
			out = append(out, m.Text)
		}
		return out
	}
	if err := s.DeleteForMe(ctx, carol, ids[0]); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Errorf("a non-member deletes: got %v, want not_found", err)
	}
	if err := s.DeleteForMe(ctx, bob, ids[2]); err != nil {
		t.Fatal(err)
	}
	if got := texts(bob); fmt.Sprint(got) != "[one two]" {
		t.Errorf("bob's history after deleting three: got %v", got)
	}
	if got := texts(alice); fmt.Sprint(got) != "[one two three]" {
		t.Errorf("alice's history: got %v, want all three", got)
	}
	list, err := s.Conversations(ctx, bob, 0)
	if err != nil || len(list) != 1 || list[0].Last.ID != 0 {
		t.Errorf("bob's chat list after deleting the last message: got %+v, %v; want no last message", list, err)
	}
	sum, err := s.SetState(ctx, bob, conv, chat.StateUpdate{Clear: true})
	if err != nil || sum.State.ClearedSeq != 3 || sum.Unread != 0 {
		t.Fatalf("clear: got %+v, %v; want cleared to 3 and nothing unread", sum, err)
	}
	if got := texts(bob); len(got) != 0 {
		t.Errorf("bob's history after clearing: got %v, want nothing", got)
	}
	if _, err := s.Send(ctx, alice, chat.Outgoing{Peer: bob.User, ClientID: "d9", Text: "four"}); err != nil {
		t.Fatal(err)
	}
	if got := texts(bob); fmt.Sprint(got) != "[four]" {
		t.Errorf("bob's history after a new message: got %v, want [four]", got)
	}
	if got := texts(alice); len(got) != 4 {
		t.Errorf("alice's history: got %v, want 4 messages", got)
	}
}

func TestForward(t *testing.T) {
	ctx := context.Background()
	s, _ := newService(t)
	alice, bob, carol := hongyan.Caller{User: 1, Device: 1}, hongyan.Caller{User: 2, Device: 2}, hongyan.Caller{User: 3, Device: 3}
	m, err := s.Send(ctx, alice, chat.Outgoing{Peer: bob.User, ClientID: "f0", Text: "worth sharing"})
	if err != nil {
		t.Fatal(err)
	}
	fw, err := s.Forward(ctx, bob, m.ID, chat.Target{Peer: carol.User}, "f1")
	if err != nil || fw.Text != "worth sharing" || fw.Sender != bob.User || fw.Conversation == m.Conversation {
		t.Fatalf("bob forwards to carol: got %+v, %v", fw, err)
	}
	again, err := s.Forward(ctx, bob, m.ID, chat.Target{Peer: carol.User}, "f1")
	if err != nil || again.ID != fw.ID {
		t.Errorf("retried forward: got %+v, %v; want message %d", again, err, fw.ID)
	}
	if _, err := s.Forward(ctx, carol, m.ID, chat.Target{Peer: alice.User}, "f2"); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Errorf("carol forwards a message of a chat she is not in: got %v, want not_found", err)
	}
	if err := s.DeleteForMe(ctx, bob, m.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Forward(ctx, bob, m.ID, chat.Target{Peer: carol.User}, "f3"); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Errorf("forwarding a message deleted for oneself: got %v, want not_found", err)
	}
}
