package chat

import (
	"context"

	"hongyan/internal/hongyan"
)

// Moderators says who may remove other members' messages in a group chat
// (the group feature: its owner and admins).
type Moderators interface {
	CanModerate(ctx context.Context, conv hongyan.ConversationID, user hongyan.UserID) error
}

// SetModerators sets who may remove others' messages in group chats; call
// it before use (without it, RemoveInGroup is refused as unimplemented).
func (s *Service) SetModerators(m Moderators) { s.mods = m }

// RemoveInGroup erases message id of group chat group, whoever sent it,
// for a moderator of the group (its owner or an admin; the Group Guard
// acting through the bot API with the owner's grant): like a recall, at
// any time, and the members' devices show it as withdrawn. Group notices
// cannot be removed; removing a removed message changes nothing.
func (s *Service) RemoveInGroup(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, id hongyan.MessageID) (Message, error) {
	if s.mods == nil {
		return Message{}, hongyan.Errorf(hongyan.CodeUnimplemented, "removing messages is not available")
	}
	if err := s.mods.CanModerate(ctx, group, c.User); err != nil {
		return Message{}, err
	}
	m, conv, err := s.message(ctx, c, id)
	if err != nil {
		return Message{}, err
	}
	if !conv.Group || conv.ID != group {
		return Message{}, hongyan.Errorf(hongyan.CodeNotFound, "no such message")
	}
	switch m.Kind {
	case KindRecalled:
		return m, nil
	case KindNotice:
		return Message{}, hongyan.Errorf(hongyan.CodeInvalid, "a group notice cannot be removed")
	}
	return s.erase(ctx, m, conv)
}
