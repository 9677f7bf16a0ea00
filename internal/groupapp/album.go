package groupapp

import (
	"context"
	"strings"
	"time"

	"hongyan/internal/hongyan"
)

// Album is a group's photo album. Its creator, the owner and admins rename
// and delete it; any member who may post adds photos (uploads shared with
// the group, counted in its file quota, a card "X added N photos to
// NAME" per batch) and comments on them.
type Album struct {
	ID      int64
	Group   hongyan.ConversationID
	Creator hongyan.UserID
	Name    string
	Created time.Time
	Updated time.Time
	Deleted time.Time // zero: not deleted
	Photos  int       // photos not deleted (filled by Albums and Album)
	Cover   string    // the newest photo's media ("" when none)
}

// Comment is a member's comment on a photo of an album.
type Comment struct {
	ID      int64
	Group   hongyan.ConversationID
	Photo   int64
	Author  hongyan.UserID
	Text    string
	Created time.Time
	Deleted time.Time
}

// Albums keeps the groups' albums, their photos (files with Album set)
// and the photos' comments.
type Albums interface {
	// CreateAlbum stores a (its ID is assigned).
	CreateAlbum(ctx context.Context, a Album, notify []hongyan.Change) (Album, []hongyan.Change, error)
	// UpdateAlbum stores a's Name, Updated and Deleted; deleting an album
	// deletes its photos (their bytes leave the group's usage).
	UpdateAlbum(ctx context.Context, a Album, notify []hongyan.Change) ([]hongyan.Change, error)
	// Album returns album id of group, deleted or not, with Photos and
	// Cover.
	Album(ctx context.Context, group hongyan.ConversationID, id int64) (Album, error)
	// Albums returns up to limit albums of group that are not deleted,
	// IDs below before (0: from the newest), newest first.
	Albums(ctx context.Context, group hongyan.ConversationID, before int64, limit int) ([]Album, error)
	// AddPhotos stores photos (files of one album of one group; IDs
	// assigned) unless the group's files would then take more than quota
	// bytes (hongyan.CodePrecondition, ReasonQuotaFull, nothing stored)
	// or the album is gone (hongyan.CodeNotFound).
	AddPhotos(ctx context.Context, photos []File, quota int64, notify []hongyan.Change) ([]File, []hongyan.Change, error)
	// Photos returns up to limit photos of album of group that are not
	// deleted, IDs below before (0: from the newest), newest first.
	Photos(ctx context.Context, group hongyan.ConversationID, album, before int64, limit int) ([]File, error)
	// AddComment stores c (its ID is assigned).
	AddComment(ctx context.Context, c Comment, notify []hongyan.Change) (Comment, []hongyan.Change, error)
	// Comment returns comment id of group.
	Comment(ctx context.Context, group hongyan.ConversationID, id int64) (Comment, error)
	// Comments returns up to limit comments of photo that are not
	// deleted, IDs above after, oldest first.
	Comments(ctx context.Context, group hongyan.ConversationID, photo, after int64, limit int) ([]Comment, error)
	// DeleteComment marks comment id deleted at at (deleted already:
	// nothing changes, no change appended).
	DeleteComment(ctx context.Context, group hongyan.ConversationID, id int64, at time.Time, notify []hongyan.Change) ([]hongyan.Change, error)
}

// Album limits.
const (
	MaxAlbumName     = 50
	MaxPhotosPerAdd  = 20
	MaxComment       = 500
	ChangeAlbum      = hongyan.ChangeGroupAlbum // Ref = the album (renamed, deleted, photos or comments added or removed)
	CardPhotosAdded  = CardKind(5)              // photos were added to an album (Count says how many)
	errAlbumNotFound = "no such album"
)

// CreateAlbum creates an album in group; any member who may post may.
func (s *Service) CreateAlbum(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, name string) (Album, error) {
	name = strings.TrimSpace(name)
	if err := text("name", name, MaxAlbumName, false); err != nil {
		return Album{}, err
	}
	if _, err := s.poster(ctx, c, group); err != nil {
		return Album{}, err
	}
	notify, err := s.notify(ctx, c, group, ChangeAlbum, 0)
	if err != nil {
		return Album{}, err
	}
	now := s.now()
	a, changes, err := s.store.CreateAlbum(ctx, Album{Group: group, Creator: c.User, Name: name, Created: now, Updated: now}, notify)
	if err != nil {
		return Album{}, err
	}
	s.publish(ctx, changes)
	return a, nil
}

// liveAlbum returns album id of group unless it is deleted.
func (s *Service) liveAlbum(ctx context.Context, group hongyan.ConversationID, id int64) (Album, error) {
	a, err := s.store.Album(ctx, group, id)
	if err != nil {
		return Album{}, err
	}
	if !a.Deleted.IsZero() {
		return Album{}, hongyan.Errorf(hongyan.CodeNotFound, errAlbumNotFound)
	}
	return a, nil
}

// changeAlbum renames (name != "") or deletes album id of group; its
// creator, the owner and admins may.
func (s *Service) changeAlbum(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, id int64, name string, del bool) (Album, error) {
	m, err := s.member(ctx, c, group)
	if err != nil {
		return Album{}, err
	}
	a, err := s.liveAlbum(ctx, group, id)
	if err != nil {
		return Album{}, err
	}
	if a.Creator != c.User && !m.Admin() {
		return Album{}, hongyan.Errorf(hongyan.CodeDenied, "only the album's creator, the group's owner and admins may do that").WithReason(hongyan.ReasonAdminOnly)
	}
	now := s.now()
	a.Updated = now
	if del {
		a.Deleted = now
	} else {
		a.Name = name
	}
	notify, err := s.notify(ctx, c, group, ChangeAlbum, id)
	if err != nil {
		return Album{}, err
	}
	changes, err := s.store.UpdateAlbum(ctx, a, notify)
	if err != nil {
		return Album{}, err
	}
	s.publish(ctx, changes)
	return a, nil
}

// RenameAlbum renames album id of group.
func (s *Service) RenameAlbum(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, id int64, name string) (Album, error) {
	name = strings.TrimSpace(name)
	if err := text("name", name, MaxAlbumName, false); err != nil {
		return Album{}, err
	}
	return s.changeAlbum(ctx, c, group, id, name, false)
}

// DeleteAlbum deletes album id of group with its photos, whose bytes
// the group's quota gets back.
func (s *Service) DeleteAlbum(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, id int64) (Album, error) {
	return s.changeAlbum(ctx, c, group, id, "", true)
}

// AlbumOf returns album id of group (a deleted one with Deleted set).
func (s *Service) AlbumOf(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, id int64) (Album, error) {
	if _, err := s.member(ctx, c, group); err != nil {
		return Album{}, err
	}
	return s.store.Album(ctx, group, id)
}

// AlbumList returns a page of group's albums, newest first.
func (s *Service) AlbumList(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, before int64, limit int) ([]Album, error) {
	if before < 0 {
		return nil, hongyan.Errorf(hongyan.CodeInvalid, "before must not be negative")
	}
	if _, err := s.member(ctx, c, group); err != nil {
		return nil, err
	}
	return s.store.Albums(ctx, group, before, page(limit))
}

// AddPhotos adds the caller's uploads (images or videos, 1 to
// MaxPhotosPerAdd) to album id of group within the group's quota, and
// posts one card for the batch; any member who may post may.
func (s *Service) AddPhotos(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, id int64, media []string) ([]File, error) {
	if len(media) == 0 || len(media) > MaxPhotosPerAdd {
		return nil, hongyan.Errorf(hongyan.CodeInvalid, "add 1 to %d photos at a time", MaxPhotosPerAdd)
	}
	if _, err := s.poster(ctx, c, group); err != nil {
		return nil, err
	}
	a, err := s.liveAlbum(ctx, group, id)
	if err != nil {
		return nil, err
	}
	now := s.now()
	photos := make([]File, 0, len(media))
	var size int64
	for _, m := range media {
		info, err := s.share(ctx, c.User, group, m)
		if err != nil {
			return nil, err
		}
		if !strings.HasPrefix(info.Type, "image/") && !strings.HasPrefix(info.Type, "video/") {
			return nil, hongyan.Errorf(hongyan.CodeInvalid, "an album holds photos and videos, not %s", info.Type).WithReason(hongyan.ReasonNotImage)
		}
		size += info.Size
		photos = append(photos, File{Group: group, Uploader: c.User, Media: info.Media, Name: fileName(info), Type: info.Type, Size: info.Size,
			Album: id, Created: now})
	}
	used, err := s.store.FileUsage(ctx, group)
	if err != nil {
		return nil, err
	}
	if used+size > s.cfg.FileQuota {
		return nil, s.quotaError(used, size)
	}
	notify, err := s.notify(ctx, c, group, ChangeAlbum, id)
	if err != nil {
		return nil, err
	}
	photos, changes, err := s.store.AddPhotos(ctx, photos, s.cfg.FileQuota, notify)
	if err != nil {
		return nil, err
	}
	s.publish(ctx, changes)
	s.post(ctx, group, c.User, Card{App: AppAlbum, Kind: CardPhotosAdded, Item: a.ID, Title: a.Name, Count: len(photos), At: now})
	return photos, nil
}

// Photos returns a page of album id's photos, newest first.
func (s *Service) Photos(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, id, before int64, limit int) ([]File, error) {
	if before < 0 {
		return nil, hongyan.Errorf(hongyan.CodeInvalid, "before must not be negative")
	}
	if _, err := s.member(ctx, c, group); err != nil {
		return nil, err
	}
	if _, err := s.liveAlbum(ctx, group, id); err != nil {
		return nil, err
	}
	return s.store.Photos(ctx, group, id, before, page(limit))
}

// photo returns photo id of group if it stands in an album that does.
func (s *Service) photo(ctx context.Context, group hongyan.ConversationID, id int64) (File, error) {
	f, err := s.store.File(ctx, group, id)
	if err != nil {
		return File{}, err
	}
	if f.Album == 0 || !f.Deleted.IsZero() {
		return File{}, hongyan.Errorf(hongyan.CodeNotFound, "no such photo")
	}
	if _, err := s.liveAlbum(ctx, group, f.Album); err != nil {
		return File{}, hongyan.Errorf(hongyan.CodeNotFound, "no such photo")
	}
	return f, nil
}

// Comment adds the caller's comment on photo id of group; any member who
// may post may.
func (s *Service) Comment(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, photo int64, body string) (Comment, error) {
	body = strings.TrimSpace(body)
	if err := text("comment", body, MaxComment, true); err != nil {
		return Comment{}, err
	}
	if _, err := s.poster(ctx, c, group); err != nil {
		return Comment{}, err
	}
	p, err := s.photo(ctx, group, photo)
	if err != nil {
		return Comment{}, err
	}
	notify, err := s.notify(ctx, c, group, ChangeAlbum, p.Album)
	if err != nil {
		return Comment{}, err
	}
	cm, changes, err := s.store.AddComment(ctx, Comment{Group: group, Photo: photo, Author: c.User, Text: body, Created: s.now()}, notify)
	if err != nil {
		return Comment{}, err
	}
	s.publish(ctx, changes)
	return cm, nil
}

// Comments returns a page of photo id's comments, oldest first, after ID
// after.
func (s *Service) Comments(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, photo, after int64, limit int) ([]Comment, error) {
	if after < 0 {
		return nil, hongyan.Errorf(hongyan.CodeInvalid, "after must not be negative")
	}
	if _, err := s.member(ctx, c, group); err != nil {
		return nil, err
	}
	if _, err := s.photo(ctx, group, photo); err != nil {
		return nil, err
	}
	return s.store.Comments(ctx, group, photo, after, page(limit))
}

// DeleteComment deletes comment id of group; its author, the owner and
// admins may.
func (s *Service) DeleteComment(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, id int64) error {
	m, err := s.member(ctx, c, group)
	if err != nil {
		return err
	}
	cm, err := s.store.Comment(ctx, group, id)
	if err != nil {
		return err
	}
	if cm.Author != c.User && !m.Admin() {
		return hongyan.Errorf(hongyan.CodeDenied, "only its author, the group's owner and admins may delete a comment").WithReason(hongyan.ReasonAdminOnly)
	}
	if !cm.Deleted.IsZero() {
		return nil
	}
	p, err := s.store.File(ctx, group, cm.Photo)
	if err != nil {
		return err
	}
	notify, err := s.notify(ctx, c, group, ChangeAlbum, p.Album)
	if err != nil {
		return err
	}
	changes, err := s.store.DeleteComment(ctx, group, id, s.now(), notify)
	if err != nil {
		return err
	}
	s.publish(ctx, changes)
	return nil
}
