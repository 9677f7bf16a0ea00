package group

import (
	"context"

	"hongyan/internal/hongyan"
)

// Role returns user's role in group id ("" when not an active member):
// what the Group Guard checks before its rules are read or set.
func (s *Service) Role(ctx context.Context, id hongyan.ConversationID, user hongyan.UserID) (string, error) {
	_, m, err := s.active(ctx, id, user)
	if err == errNotMember || hongyan.ErrorCode(err) == hongyan.CodePrecondition {
		return "", nil // not a member, or the group is gone
	}
	if err != nil {
		return "", err
	}
	switch m.Role {
	case RoleOwner:
		return "owner", nil
	case RoleAdmin:
		return "admin", nil
	}
	return "member", nil
}

// CanModerate returns nil if user may remove other members' messages in
// group chat id: the group's owner and admins may.
func (s *Service) CanModerate(ctx context.Context, id hongyan.ConversationID, user hongyan.UserID) error {
	_, m, err := s.active(ctx, id, user)
	if err != nil {
		return err
	}
	if !m.Admin() {
		return hongyan.Errorf(hongyan.CodeDenied, "only the group's owner and admins may remove others' messages")
	}
	return nil
}
