package groupapp

import (
	"context"
	"time"

	"hongyan/internal/hongyan"
)

// File is a file shared with a group: uploaded through the media upload
// path, then registered with the group (group files), or handed in with a
// homework submission (Homework set). Every active member may download a
// group file; a homework file only its uploader, the homework's poster,
// the owner and admins. A member who leaves or is removed loses access.
// The files of a group, homework files included, share one size quota
// (Config.FileQuota).
type File struct {
	ID       int64
	Group    hongyan.ConversationID
	Uploader hongyan.UserID
	Media    string // the media object's ID, for the media download path
	Name     string
	Type     string
	Size     int64
	Homework int64 // 0: not handed in with homework
	Album    int64 // 0: not a photo of an album
	Created  time.Time
	Deleted  time.Time // zero: not deleted
}

// FileInfo is what the media feature says of an uploaded media object.
type FileInfo struct {
	Media string
	Name  string
	Type  string
	Size  int64
}

// Media shares uploaded media with a group. Node fills it from the media
// feature.
type Media interface {
	// Share records that media id, which user may read (their upload),
	// is shared with group's members, and returns what it is; an error
	// with hongyan.CodeNotFound when user may not read it.
	Share(ctx context.Context, user hongyan.UserID, id string, group hongyan.ConversationID) (FileInfo, error)
}

// Files keeps the files shared with groups.
type Files interface {
	// AddFile stores f (its ID is assigned) unless the group's files that
	// are not deleted would then take more than quota bytes (an error
	// with hongyan.CodePrecondition and ReasonQuotaFull, nothing stored).
	AddFile(ctx context.Context, f File, quota int64, notify []hongyan.Change) (File, []hongyan.Change, error)
	// File returns file id of group, deleted or not.
	File(ctx context.Context, group hongyan.ConversationID, id int64) (File, error)
	// Files returns up to limit group files (not homework files nor
	// album photos) of group
	// that are not deleted, IDs below before (0: from the newest),
	// newest first.
	Files(ctx context.Context, group hongyan.ConversationID, before int64, limit int) ([]File, error)
	// DeleteFile marks file id of group deleted at at (deleted already:
	// nothing changes, no change appended).
	DeleteFile(ctx context.Context, group hongyan.ConversationID, id int64, at time.Time, notify []hongyan.Change) ([]hongyan.Change, error)
	// FileUsage returns the bytes group's files that are not deleted take.
	FileUsage(ctx context.Context, group hongyan.ConversationID) (int64, error)
	// FilesOfMedia returns the files of group, not deleted, that are
	// media id.
	FilesOfMedia(ctx context.Context, group hongyan.ConversationID, media string) ([]File, error)
}

// ReasonQuotaFull says a group's files would exceed its quota.
const ReasonQuotaFull = hongyan.ReasonQuotaFull

// DefaultFileQuota is the bytes a group's files may take by default.
const DefaultFileQuota = 2 << 30

var errNoMedia = hongyan.Errorf(hongyan.CodePrecondition, "files are not available on this server")

// share shares media id with group on behalf of user and checks the
// group's quota before anything is registered.
func (s *Service) share(ctx context.Context, user hongyan.UserID, group hongyan.ConversationID, id string) (FileInfo, error) {
	if s.media == nil {
		return FileInfo{}, errNoMedia
	}
	if id == "" || len(id) > 64 {
		return FileInfo{}, hongyan.Errorf(hongyan.CodeInvalid, "a file is an uploaded media ID")
	}
	return s.media.Share(ctx, user, id, group)
}

func (s *Service) quotaError(used, size int64) error {
	return hongyan.Errorf(hongyan.CodePrecondition, "the group's files take %d of its %d bytes; %d more do not fit", used, s.cfg.FileQuota, size).
		WithReason(ReasonQuotaFull)
}

// AddFile registers an uploaded media object (media, the caller's upload)
// as a file of group and posts its card ("X uploaded NAME"); any member
// who may post may, within the group's quota.
func (s *Service) AddFile(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, media string) (File, error) {
	if _, err := s.poster(ctx, c, group); err != nil {
		return File{}, err
	}
	info, err := s.share(ctx, c.User, group, media)
	if err != nil {
		return File{}, err
	}
	used, err := s.store.FileUsage(ctx, group)
	if err != nil {
		return File{}, err
	}
	if used+info.Size > s.cfg.FileQuota {
		return File{}, s.quotaError(used, info.Size)
	}
	notify, err := s.notify(ctx, c, group, ChangeFile, 0)
	if err != nil {
		return File{}, err
	}
	f, changes, err := s.store.AddFile(ctx, File{Group: group, Uploader: c.User, Media: info.Media, Name: fileName(info),
		Type: info.Type, Size: info.Size, Created: s.now()}, s.cfg.FileQuota, notify)
	if err != nil {
		return File{}, err
	}
	s.publish(ctx, changes)
	s.post(ctx, group, c.User, Card{App: AppFile, Kind: CardCreated, Item: f.ID, Title: f.Name})
	return f, nil
}

// fileName is the name a file is listed under.
func fileName(i FileInfo) string {
	if i.Name != "" {
		return i.Name
	}
	return "file"
}

// memberFile returns the caller's membership of group and file id of it.
func (s *Service) memberFile(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, id int64) (Member, File, error) {
	m, err := s.member(ctx, c, group)
	if err != nil {
		return m, File{}, err
	}
	f, err := s.store.File(ctx, group, id)
	return m, f, err
}

// FileOf returns file id of group if the caller may download it (a
// deleted one is returned with Deleted set, and is no longer readable).
func (s *Service) FileOf(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, id int64) (File, error) {
	m, f, err := s.memberFile(ctx, c, group, id)
	if err != nil {
		return File{}, err
	}
	if !f.Deleted.IsZero() && f.Homework == 0 && f.Album == 0 {
		return f, nil
	}
	ok, err := s.mayRead(ctx, c, m, f)
	if err != nil {
		return File{}, err
	}
	if !ok {
		return File{}, hongyan.Errorf(hongyan.CodeNotFound, "no such file")
	}
	return f, nil
}

// Files returns a page of group's files, newest first, below ID before (0:
// from the newest).
func (s *Service) Files(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, before int64, limit int) ([]File, error) {
	if before < 0 {
		return nil, hongyan.Errorf(hongyan.CodeInvalid, "before must not be negative")
	}
	if _, err := s.member(ctx, c, group); err != nil {
		return nil, err
	}
	return s.store.Files(ctx, group, before, page(limit))
}

// FileUsage returns the bytes group's files take and the group's quota.
func (s *Service) FileUsage(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID) (used, quota int64, err error) {
	if _, err := s.member(ctx, c, group); err != nil {
		return 0, 0, err
	}
	used, err = s.store.FileUsage(ctx, group)
	return used, s.cfg.FileQuota, err
}

// DeleteFile deletes file id of group (a group file or an album's photo);
// its uploader, the owner and admins may. Deleting is not posting: a
// muted uploader may.
func (s *Service) DeleteFile(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, id int64) (File, error) {
	m, f, err := s.memberFile(ctx, c, group, id)
	if err != nil {
		return File{}, err
	}
	if f.Homework != 0 {
		return File{}, hongyan.Errorf(hongyan.CodeNotFound, "no such file")
	}
	kind, ref := ChangeFile, id
	if f.Album != 0 {
		kind, ref = ChangeAlbum, f.Album
	}
	if f.Uploader != c.User && !m.Admin() {
		return File{}, hongyan.Errorf(hongyan.CodeDenied, "only its uploader, the group's owner and admins may delete a file").WithReason(hongyan.ReasonAdminOnly)
	}
	if !f.Deleted.IsZero() {
		return f, nil
	}
	notify, err := s.notify(ctx, c, group, kind, ref)
	if err != nil {
		return File{}, err
	}
	now := s.now()
	changes, err := s.store.DeleteFile(ctx, group, id, now, notify)
	if err != nil {
		return File{}, err
	}
	s.publish(ctx, changes)
	return s.store.File(ctx, group, id)
}

// CanReadFile reports whether user may download media id because it is a
// file of group: they are an active member and it is a group file, or a
// homework file they may see (theirs, or they posted the homework, or
// they are the owner or an admin). Anything else is (false, nil).
func (s *Service) CanReadFile(ctx context.Context, user hongyan.UserID, group hongyan.ConversationID, media string) (bool, error) {
	c := hongyan.Caller{User: user}
	m, err := s.member(ctx, c, group)
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	fs, err := s.store.FilesOfMedia(ctx, group, media)
	if err != nil {
		return false, err
	}
	for _, f := range fs {
		ok, err := s.mayRead(ctx, c, m, f)
		if ok || err != nil {
			return ok, err
		}
	}
	return false, nil
}

// mayRead reports whether member m may download f.
func (s *Service) mayRead(ctx context.Context, c hongyan.Caller, m Member, f File) (bool, error) {
	if !f.Deleted.IsZero() {
		return false, nil
	}
	if f.Album != 0 {
		a, err := s.store.Album(ctx, f.Group, f.Album)
		if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
			return false, nil
		}
		return err == nil && a.Deleted.IsZero(), err
	}
	if f.Homework == 0 || f.Uploader == c.User || m.Admin() {
		return true, nil
	}
	h, err := s.store.Homework(ctx, f.Group, f.Homework)
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
		return false, nil
	}
	return err == nil && h.Creator == c.User, err
}
