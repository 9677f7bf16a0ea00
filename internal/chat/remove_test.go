package chat_test

import (
	"context"
	"testing"

	"hongyan/internal/chat"
	"hongyan/internal/hongyan"
)

// mods makes user 9 a moderator of every group.
type mods struct{}

func (mods) CanModerate(_ context.Context, _ hongyan.ConversationID, u hongyan.UserID) error {
	if u != 9 {
		return hongyan.Errorf(hongyan.CodeDenied, "not a moderator")
	}
	return nil
}

func TestRemoveInGroupRules(t *testing.T) {
	ctx := context.Background()
	s, _ := newService(t)
	alice, bob := hongyan.Caller{User: 1}, hongyan.Caller{User: 2}
	m, err := s.Send(ctx, alice, chat.Outgoing{Peer: bob.User, ClientID: "x1", Text: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.RemoveInGroup(ctx, bob, m.Conversation, m.ID); hongyan.ErrorCode(err) != hongyan.CodeUnimplemented {
		t.Errorf("without moderators: got %v, want unimplemented", err)
	}
	s.SetModerators(mods{})
	if _, err := s.RemoveInGroup(ctx, bob, m.Conversation, m.ID); hongyan.ErrorCode(err) != hongyan.CodeDenied {
		t.Errorf("by a non-moderator: got %v, want denied", err)
	}
	if _, err := s.RemoveInGroup(ctx, hongyan.Caller{User: 9}, m.Conversation, m.ID); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Errorf("a direct message, by a moderator who cannot see it: got %v, want not found", err)
	}
	hist, err := s.History(ctx, bob, m.Conversation, 0, 10)
	if err != nil || len(hist) != 1 || hist[0].Text != "hi" {
		t.Errorf("history after refused removals: got %+v, %v; want the message intact", hist, err)
	}
}
