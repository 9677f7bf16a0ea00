package group

import (
	"context"

	"hongyan/internal/hongyan"
)

// Inspect returns a group for the server's administrators, whoever its
// members are (a dissolved one too).
func (s *Service) Inspect(ctx context.Context, id hongyan.ConversationID) (Group, error) {
	if id <= 0 {
		return Group{}, errNoGroup
	}
	return s.store.Group(ctx, id)
}
