package bot

import (
	"bytes"
	"context"

	"hongyan/internal/hongyan"
)

// Revoke deletes the token p acts through: the bot (or whoever holds a
// leaked token) gives it up. Every request and event stream made with it
// fails from then on.
func (s *Service) Revoke(ctx context.Context, p Principal) error {
	err := s.store.DeleteToken(ctx, p.Bot.ID, p.Token.ID)
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
		return errBadToken
	}
	return err
}

// Recheck reports whether p still holds: its token was not revoked and
// its bot still exists (a long-lived event stream asks now and then). It
// does not count against the token's rate limit.
func (s *Service) Recheck(ctx context.Context, p Principal) error {
	t, err := s.store.TokenByHash(ctx, p.Token.Hash)
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound || (err == nil && (t.ID != p.Token.ID || !bytes.Equal(t.Hash, p.Token.Hash))) {
		return errBadToken
	}
	if err != nil {
		return err
	}
	if _, err := s.store.Bot(ctx, p.Bot.ID); err != nil {
		if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
			return errNoBot
		}
		return err
	}
	return nil
}
