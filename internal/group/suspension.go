package group

import (
	"context"
	"time"

	"hongyan/internal/hongyan"
)

// Suspensions tells whether an administrator suspended a group (the
// moderation feature keeps suspensions; the node fills this port).
type Suspensions interface {
	GroupSuspended(ctx context.Context, id hongyan.ConversationID) (reason string, until time.Time, suspended bool, err error)
}

// SetSuspensions installs the Suspensions (nil: nothing is suspended).
func (s *Service) SetSuspensions(x Suspensions) { s.suspensions = x }

// notSuspended returns nil unless group id is suspended.
func (s *Service) notSuspended(ctx context.Context, id hongyan.ConversationID) error {
	if s.suspensions == nil {
		return nil
	}
	reason, until, suspended, err := s.suspensions.GroupSuspended(ctx, id)
	if err != nil || !suspended {
		return err
	}
	return hongyan.Errorf(hongyan.CodePrecondition, "the group is suspended until %s: %s", until.UTC().Format(time.RFC3339), reason).WithReason(hongyan.ReasonSuspended)
}
