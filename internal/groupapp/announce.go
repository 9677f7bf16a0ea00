package groupapp

import (
	"context"
	"strings"
	"time"

	"hongyan/internal/hongyan"
)

// Announcement is one post on a group's announcements board. The owner and
// admins post, pin, unpin and remove them; every member reads the board,
// newest first, with its history. A removed announcement is kept (Removed
// set) so that devices learn it is gone; it is no longer listed.
type Announcement struct {
	ID      int64
	Group   hongyan.ConversationID
	Author  hongyan.UserID
	Text    string
	Pinned  bool
	Created time.Time
	Updated time.Time
	Removed bool
}

// MaxAnnouncement bounds an announcement's text.
const MaxAnnouncement = 2000

// Announce posts text on group's board (pinned if pin) and its card; the
// owner and admins may.
func (s *Service) Announce(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, body string, pin bool) (Announcement, error) {
	body = strings.TrimSpace(body)
	if err := text("announcement", body, MaxAnnouncement, true); err != nil {
		return Announcement{}, err
	}
	m, err := s.poster(ctx, c, group)
	if err != nil {
		return Announcement{}, err
	}
	if !m.Admin() {
		return Announcement{}, errAdminsOnly
	}
	notify, err := s.notify(ctx, c, group, ChangeAnnouncement, 0)
	if err != nil {
		return Announcement{}, err
	}
	now := s.now()
	a, changes, err := s.store.CreateAnnouncement(ctx, Announcement{Group: group, Author: c.User, Text: body, Pinned: pin, Created: now, Updated: now}, notify)
	if err != nil {
		return Announcement{}, err
	}
	s.publish(ctx, changes)
	s.post(ctx, group, c.User, Card{App: AppAnnouncement, Kind: CardCreated, Item: a.ID, Title: excerpt(a.Text, MaxTitle)})
	return a, nil
}

// excerpt is the first line of s, cut to n characters.
func excerpt(s string, n int) string {
	s, _, _ = strings.Cut(s, "\n")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// PinAnnouncement pins or unpins announcement id of group; the owner and
// admins may.
func (s *Service) PinAnnouncement(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, id int64, pinned bool) (Announcement, error) {
	return s.changeAnnouncement(ctx, c, group, id, func(a *Announcement) { a.Pinned = pinned })
}

// RemoveAnnouncement takes announcement id off group's board; the owner and
// admins may.
func (s *Service) RemoveAnnouncement(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, id int64) (Announcement, error) {
	return s.changeAnnouncement(ctx, c, group, id, func(a *Announcement) { a.Removed, a.Pinned = true, false })
}

func (s *Service) changeAnnouncement(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, id int64, change func(*Announcement)) (Announcement, error) {
	m, err := s.member(ctx, c, group)
	if err != nil {
		return Announcement{}, err
	}
	a, err := s.store.Announcement(ctx, group, id)
	if err != nil || a.Removed {
		return Announcement{}, notFoundOr(err, "no such announcement")
	}
	if !m.Admin() {
		return Announcement{}, errAdminsOnly
	}
	change(&a)
	a.Updated = s.now()
	notify, err := s.notify(ctx, c, group, ChangeAnnouncement, id)
	if err != nil {
		return Announcement{}, err
	}
	changes, err := s.store.UpdateAnnouncement(ctx, a, notify)
	if err != nil {
		return Announcement{}, err
	}
	s.publish(ctx, changes)
	return a, nil
}

func notFoundOr(err error, msg string) error {
	if err != nil {
		return err
	}
	return hongyan.Errorf(hongyan.CodeNotFound, "%s", msg)
}

// Announcement returns announcement id of group (also a removed one, so
// that devices learn it is gone).
func (s *Service) Announcement(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, id int64) (Announcement, error) {
	if _, err := s.member(ctx, c, group); err != nil {
		return Announcement{}, err
	}
	return s.store.Announcement(ctx, group, id)
}

// Announcements returns a page of group's board, newest first, below ID
// before (0: from the newest), without removed ones; with pinned, the
// pinned ones only.
func (s *Service) Announcements(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, before int64, limit int, pinned bool) ([]Announcement, error) {
	if before < 0 {
		return nil, hongyan.Errorf(hongyan.CodeInvalid, "before must not be negative")
	}
	if _, err := s.member(ctx, c, group); err != nil {
		return nil, err
	}
	return s.store.Announcements(ctx, group, before, page(limit), pinned)
}
