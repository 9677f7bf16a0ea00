package chat

import (
	"context"

	"hongyan/internal/hongyan"
)

// DeleteForMe hides a message of one of the caller's conversations from
// the caller's own devices; the other members keep it.
func (s *Service) DeleteForMe(ctx context.Context, c hongyan.Caller, id hongyan.MessageID) error {
	m, _, err := s.message(ctx, c, id)
	if err != nil {
		return err
	}
	changes, err := s.store.HideMessage(ctx, c.User, m, []hongyan.Change{
		{User: c.User, Kind: hongyan.ChangeMessageHidden, Conversation: m.Conversation, Ref: m.Seq},
	})
	if err != nil {
		return err
	}
	s.pub.PublishChanges(ctx, changes)
	return nil
}

// visible drops from msgs what the caller deleted for themselves or
// cleared. msgs may span conversations of the caller.
func (s *Service) visible(ctx context.Context, c hongyan.Caller, msgs []Message) ([]Message, error) {
	if len(msgs) == 0 {
		return msgs, nil
	}
	h, err := s.store.Hidden(ctx, c.User)
	if err != nil {
		return nil, err
	}
	out := msgs[:0]
	for _, m := range msgs {
		if !h.Hides(m) {
			out = append(out, m)
		}
	}
	return out, nil
}
