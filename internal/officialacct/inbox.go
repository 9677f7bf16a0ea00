package officialacct

import (
	"context"

	"hongyan/internal/hongyan"
)

// MaxInboxPage is the most messages a page of the console's inbox.
const MaxInboxPage = 100

// Inbox returns up to limit of the messages the account's users sent it
// (text, images, voice clips, videos) with IDs below before (all when 0),
// newest first (analysts up); more reports whether older ones remain.
func (s *Service) Inbox(ctx context.Context, c hongyan.Caller, id AccountID, before int64, limit int) (ms []Message, more bool, err error) {
	if _, err := s.operate(ctx, c, id, analysts); err != nil {
		return nil, false, err
	}
	if before < 0 {
		return nil, false, hongyan.Errorf(hongyan.CodeInvalid, "before must not be negative")
	}
	if limit <= 0 || limit > MaxInboxPage {
		limit = MaxInboxPage
	}
	ms, err = s.store.Inbox(ctx, id, before, limit+1)
	if err != nil {
		return nil, false, err
	}
	return ms[:min(len(ms), limit)], len(ms) > limit, nil
}

// OperatorMedia returns one of the account's temporary media files (a
// follower's voice clip or video, say) to its operators (analysts up),
// while the developer API would still serve it.
func (s *Service) OperatorMedia(ctx context.Context, c hongyan.Caller, id AccountID, media string) (Media, error) {
	a, err := s.operate(ctx, c, id, analysts)
	if err != nil {
		return Media{}, err
	}
	return (&App{s: s, Account: a}).Media(ctx, media)
}
