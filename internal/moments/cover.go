package moments

import (
	"context"

	"hongyan/internal/hongyan"
)

// SetCover sets the image at the top of the caller's Moments page to id,
// one of their uploaded images (” removes it), and returns their
// settings; every device of theirs hears of it (ChangeMomentsSettings).
func (s *Service) SetCover(ctx context.Context, c hongyan.Caller, id string) (Settings, error) {
	if id != "" {
		if len(id) > 128 {
			return Settings{}, invalid("a media ID is at most 128 bytes")
		}
		if s.files == nil {
			return Settings{}, invalid("this server keeps no media")
		}
		if err := s.files.ShareCover(ctx, c.User, id); err != nil {
			return Settings{}, err
		}
	}
	changes, err := s.store.SetCover(ctx, c.User, id, []hongyan.Change{{User: c.User, Kind: hongyan.ChangeMomentsSettings}})
	if err != nil {
		return Settings{}, err
	}
	s.pub.PublishChanges(ctx, changes)
	return s.store.Settings(ctx, c.User)
}

// Cover returns author's cover as the caller may see it: their own, or
// the cover of someone whose Moments page the caller may look at (a
// friend not hiding their posts from the caller, or a stranger who lets
// strangers see 10 posts; never across a block); ” otherwise.
func (s *Service) Cover(ctx context.Context, c hongyan.Caller, author hongyan.UserID) (string, error) {
	if author == c.User {
		set, err := s.store.Settings(ctx, author)
		return set.Cover, err
	}
	l, err := s.lens(ctx, c.User, false)
	if err != nil {
		return "", err
	}
	ok, _, set, err := s.mayLook(ctx, l, author)
	if err != nil || !ok {
		return "", err
	}
	return set.Cover, nil
}

// CanSeeCover reports whether viewer may download media id as author's
// cover (the media feature asks): it is author's cover now and viewer
// may see it.
func (s *Service) CanSeeCover(ctx context.Context, viewer, author hongyan.UserID, id string) (bool, error) {
	cover, err := s.Cover(ctx, hongyan.Caller{User: viewer}, author)
	return id != "" && cover == id, err
}
