package chat

import (
	"context"

	"hongyan/internal/hongyan"
)

// Forward sends a copy of a message the caller can see to peer, as a new
// message of the caller's (with clientID, so a retry forwards once). A
// recalled message, or one the caller deleted for themselves, cannot be
// forwarded.
func (s *Service) Forward(ctx context.Context, c hongyan.Caller, id hongyan.MessageID, peer hongyan.UserID, clientID string) (Message, error) {
	m, _, err := s.message(ctx, c, id)
	if err != nil {
		return Message{}, err
	}
	vis, err := s.visible(ctx, c, []Message{m})
	if err != nil {
		return Message{}, err
	}
	if len(vis) == 0 || m.Kind == KindRecalled {
		return Message{}, hongyan.Errorf(hongyan.CodeNotFound, "no such message")
	}
	return s.Send(ctx, c, Outgoing{Peer: peer, ClientID: clientID, Kind: m.Kind, Text: m.Text})
}
