package officialacct

import (
	"context"
	"strconv"
	"strings"
	"time"

	"hongyan/internal/hongyan"
)

// The micro-community (微社区): a forum attached to each account. Its
// followers post (text and up to MaxForumMedia images) and reply to posts;
// the account's admins and editors pin and remove posts and replies; an
// author removes their own. Only following, unblocked users write; only
// followers and operators read.

// Post is a post of an account's forum, or a reply to one.
type Post struct {
	ID      int64
	Account AccountID
	Author  hongyan.UserID
	// Parent is the post this one replies to (0: a post of its own).
	Parent  int64
	Text    string
	Media   []string // media IDs of this server's uploads (images)
	Pinned  bool
	Removed bool
	Replies int // replies not removed (posts only)
	Created time.Time
}

// PostPage selects a page of an account's posts: pinned first, then newest
// first. After names the last post of the previous page (0: the first
// page); AfterPinned is whether it was pinned.
type PostPage struct {
	After       int64
	AfterPinned bool
	Limit       int
}

// Forum keeps the account forums' posts and replies.
type Forum interface {
	// AddPost stores p (its ID assigned). A reply (Parent set) counts on
	// its parent, which must be a post of p's account not removed: else it
	// is not found and nothing changes. Changes (a Ref of 0 gets the new
	// ID) are appended in the same transaction.
	AddPost(ctx context.Context, p Post, changes []hongyan.Change) (Post, []hongyan.Change, error)
	// Post returns a post or reply, removed or not.
	Post(ctx context.Context, id int64) (Post, error)
	// Posts returns a page of the account's posts not removed (not
	// replies): pinned first, then by ID descending.
	Posts(ctx context.Context, id AccountID, page PostPage) ([]Post, error)
	// Replies returns up to limit replies (not removed) to post with IDs
	// above after, oldest first.
	Replies(ctx context.Context, post int64, after int64, limit int) ([]Post, error)
	// PinPost pins or unpins one of the account's posts.
	PinPost(ctx context.Context, id AccountID, post int64, pinned bool) error
	// RemovePost marks one of the account's posts or replies removed (a
	// reply stops counting on its parent); removing twice is not found.
	RemovePost(ctx context.Context, id AccountID, post int64) error
	// CountPinned counts the account's pinned posts not removed.
	CountPinned(ctx context.Context, id AccountID) (int, error)
}

// Limits of the forum.
const (
	MaxPostText   = 2000 // characters of a post
	MaxReplyText  = 500  // characters of a reply
	MaxForumMedia = 9    // images of a post (replies have none)
	MaxPinned     = 5    // pinned posts of an account
	MaxReplies    = 1000 // replies of a post
	MaxForumPage  = 50
)

// DefaultForumRate is how often one user may post or reply, across
// accounts.
var DefaultForumRate = hongyan.Rate{N: 20, Per: time.Minute}

// ReasonRemoved is a post or reply that was removed.
const ReasonRemoved hongyan.Reason = "removed"

// Images lets the forum show uploaded images.
type Images interface {
	// Share checks that user may read media id and records that post
	// shows it, so that whoever may read the post may download it.
	Share(ctx context.Context, user hongyan.UserID, id string, post int64) error
}

// SetImages installs the forum's images (nil: posts take no images).
func (s *Service) SetImages(im Images) {
	s.mu.Lock()
	s.images = im
	s.mu.Unlock()
}

// CanSeePost reports whether user may read post and what it shows (the
// media feature asks): a post or reply not removed, to a reader of its
// forum.
func (s *Service) CanSeePost(ctx context.Context, user hongyan.UserID, post int64) (bool, error) {
	p, err := s.store.Post(ctx, post)
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if p.Removed {
		return false, nil
	}
	err = s.reader(ctx, hongyan.Caller{User: user}, p.Account)
	switch hongyan.ErrorCode(err) {
	case "":
		return true, nil
	case hongyan.CodePrecondition, hongyan.CodeNotFound:
		return false, nil
	}
	return false, err
}

// SetForumRate changes how often one user may post or reply (N ≤ 0: no
// limit).
func (s *Service) SetForumRate(r hongyan.Rate) {
	s.mu.Lock()
	s.forumRate = s.limiters("officialacct.forum", r)
	s.mu.Unlock()
}

// UseLimiters has SetForumRate make its limiter with mk (a limit that
// holds across a cluster's nodes) rather than in memory. Call it before
// SetForumRate.
func (s *Service) UseLimiters(mk hongyan.Limiters) {
	s.mu.Lock()
	s.limiters = mk
	s.mu.Unlock()
}

// forumLimit takes one post or reply of user from the forum's limit.
func (s *Service) forumLimit(ctx context.Context, user hongyan.UserID) error {
	s.mu.RLock()
	l := s.forumRate
	s.mu.RUnlock()
	return hongyan.Limit(ctx, l, strconv.FormatInt(int64(user), 10), s.now(),
		hongyan.Errorf(hongyan.CodeRateLimited, "you are posting too often; try again in a minute"))
}

// reader checks that the caller may read the account's forum: a follower
// (blocked or not) or an operator.
func (s *Service) reader(ctx context.Context, c hongyan.Caller, id AccountID) error {
	if _, err := s.store.Account(ctx, id); err != nil {
		return err
	}
	f, err := s.store.Fan(ctx, id, c.User)
	if err == nil && f.Following {
		return nil
	}
	if err != nil && hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		return err
	}
	r, err := s.store.Operator(ctx, id, c.User)
	if err != nil {
		return err
	}
	if r == RoleNone {
		return hongyan.Errorf(hongyan.CodePrecondition, "follow the account to read its community").WithReason(ReasonNotFollowing)
	}
	return nil
}

func validPost(text string, media []string, maxText, maxMedia int) error {
	if strings.TrimSpace(text) == "" && len(media) == 0 {
		return hongyan.Errorf(hongyan.CodeInvalid, "write something")
	}
	if err := validMessageText("text", text, maxText); err != nil {
		return hongyan.Errorf(hongyan.CodeInvalid, "a text of at most %d characters", maxText)
	}
	if len(media) > maxMedia {
		if maxMedia == 0 {
			return hongyan.Errorf(hongyan.CodeInvalid, "a reply has no images")
		}
		return hongyan.Errorf(hongyan.CodeInvalid, "at most %d images", maxMedia)
	}
	for _, m := range media {
		if m == "" || len(m) > 256 || !urlSafe(m) {
			return hongyan.Errorf(hongyan.CodeInvalid, "an image is a media ID of this server")
		}
	}
	return nil
}

// ForumPost posts text (and images) to the account's forum as the caller,
// a following, unblocked user.
func (s *Service) ForumPost(ctx context.Context, c hongyan.Caller, id AccountID, text string, media []string) (Post, error) {
	if err := validPost(text, media, MaxPostText, MaxForumMedia); err != nil {
		return Post{}, err
	}
	if _, _, err := s.fanOf(ctx, c, id); err != nil {
		return Post{}, err
	}
	s.mu.RLock()
	images := s.images
	s.mu.RUnlock()
	if len(media) > 0 && images == nil {
		return Post{}, hongyan.Errorf(hongyan.CodeUnimplemented, "this node takes no images in posts")
	}
	if err := s.forumLimit(ctx, c.User); err != nil {
		return Post{}, err
	}
	p, _, err := s.store.AddPost(ctx, Post{Account: id, Author: c.User, Text: text, Media: media, Created: s.now()}, nil)
	if err != nil {
		return Post{}, err
	}
	for _, m := range media {
		if err := images.Share(ctx, c.User, m, p.ID); err != nil {
			// The post goes with the image it cannot show.
			if rerr := s.store.RemovePost(ctx, id, p.ID); rerr != nil {
				return Post{}, rerr
			}
			return Post{}, err
		}
	}
	return p, nil
}

// ForumReply replies to a post as the caller, a following, unblocked
// user of its account. The post's author learns of it
// (hongyan.ChangeOAForumReply) unless they wrote the reply.
func (s *Service) ForumReply(ctx context.Context, c hongyan.Caller, post int64, text string) (Post, error) {
	if err := validPost(text, nil, MaxReplyText, 0); err != nil {
		return Post{}, err
	}
	parent, err := s.store.Post(ctx, post)
	if err != nil {
		return Post{}, err
	}
	if parent.Parent != 0 {
		return Post{}, hongyan.Errorf(hongyan.CodeInvalid, "reply to a post, not to a reply")
	}
	if _, _, err := s.fanOf(ctx, c, parent.Account); err != nil {
		return Post{}, err
	}
	if parent.Removed {
		return Post{}, hongyan.Errorf(hongyan.CodeNotFound, "the post was removed").WithReason(ReasonRemoved)
	}
	if parent.Replies >= MaxReplies {
		return Post{}, hongyan.Errorf(hongyan.CodePrecondition, "a post has at most %d replies", MaxReplies).WithReason(ReasonTooMany)
	}
	if err := s.forumLimit(ctx, c.User); err != nil {
		return Post{}, err
	}
	var changes []hongyan.Change
	if parent.Author != c.User {
		changes = []hongyan.Change{{User: parent.Author, Kind: hongyan.ChangeOAForumReply}}
	}
	r, changes, err := s.store.AddPost(ctx, Post{Account: parent.Account, Author: c.User, Parent: post, Text: text, Created: s.now()}, changes)
	if err != nil {
		return Post{}, err
	}
	s.pub.PublishChanges(ctx, changes)
	return r, nil
}

// ForumPosts returns a page of the account's posts, pinned first, then
// newest first (followers and operators).
func (s *Service) ForumPosts(ctx context.Context, c hongyan.Caller, id AccountID, page PostPage) ([]Post, error) {
	if err := s.reader(ctx, c, id); err != nil {
		return nil, err
	}
	// A page and one more: the caller tells from it whether more follow.
	if page.Limit <= 0 || page.Limit > MaxForumPage+1 {
		page.Limit = MaxForumPage + 1
	}
	if page.After < 0 {
		return nil, hongyan.Errorf(hongyan.CodeInvalid, "bad page")
	}
	return s.store.Posts(ctx, id, page)
}

// ForumThread returns a post and up to limit of its replies after after,
// oldest first (followers and operators). A removed post is not found.
func (s *Service) ForumThread(ctx context.Context, c hongyan.Caller, post, after int64, limit int) (Post, []Post, error) {
	p, err := s.store.Post(ctx, post)
	if err != nil {
		return Post{}, nil, err
	}
	if err := s.reader(ctx, c, p.Account); err != nil {
		return Post{}, nil, err
	}
	if p.Removed || p.Parent != 0 {
		return Post{}, nil, hongyan.Errorf(hongyan.CodeNotFound, "no such post").WithReason(ReasonRemoved)
	}
	if limit <= 0 || limit > MaxForumPage*2 {
		limit = MaxForumPage * 2 // a page of 99 replies and one more
	}
	rs, err := s.store.Replies(ctx, post, max(after, 0), limit)
	if err != nil {
		return Post{}, nil, err
	}
	return p, rs, nil
}

// ForumReplyOf returns one reply (what a hongyan.ChangeOAForumReply entry
// resolves to) to a reader of its forum; a removed one is not found.
func (s *Service) ForumReplyOf(ctx context.Context, c hongyan.Caller, id int64) (Post, error) {
	p, err := s.store.Post(ctx, id)
	if err != nil {
		return Post{}, err
	}
	if p.Removed || p.Parent == 0 {
		return Post{}, hongyan.Errorf(hongyan.CodeNotFound, "no such reply")
	}
	if err := s.reader(ctx, c, p.Account); err != nil {
		return Post{}, err
	}
	return p, nil
}

// ForumPin pins or unpins a post (admins and editors); an account has at
// most MaxPinned pinned posts.
func (s *Service) ForumPin(ctx context.Context, c hongyan.Caller, post int64, pinned bool) (Post, error) {
	p, err := s.store.Post(ctx, post)
	if err != nil {
		return Post{}, err
	}
	if _, err := s.operate(ctx, c, p.Account, editors); err != nil {
		return Post{}, err
	}
	if p.Removed {
		return Post{}, hongyan.Errorf(hongyan.CodeNotFound, "the post was removed").WithReason(ReasonRemoved)
	}
	if p.Parent != 0 {
		return Post{}, hongyan.Errorf(hongyan.CodeInvalid, "replies are not pinned")
	}
	if p.Pinned == pinned {
		return p, nil
	}
	if pinned {
		n, err := s.store.CountPinned(ctx, p.Account)
		if err != nil {
			return Post{}, err
		}
		if n >= MaxPinned {
			return Post{}, hongyan.Errorf(hongyan.CodePrecondition, "at most %d pinned posts", MaxPinned).WithReason(ReasonTooMany)
		}
	}
	if err := s.store.PinPost(ctx, p.Account, post, pinned); err != nil {
		return Post{}, err
	}
	p.Pinned = pinned
	return p, nil
}

// ForumRemove removes a post or reply: its author, or the account's
// admins and editors. A removed post's replies go with it.
func (s *Service) ForumRemove(ctx context.Context, c hongyan.Caller, post int64) error {
	p, err := s.store.Post(ctx, post)
	if err != nil {
		return err
	}
	if p.Removed {
		return hongyan.Errorf(hongyan.CodeNotFound, "already removed").WithReason(ReasonRemoved)
	}
	if p.Author != c.User {
		if _, err := s.operate(ctx, c, p.Account, editors); err != nil {
			return err
		}
	} else if _, err := s.store.Account(ctx, p.Account); err != nil {
		return err
	}
	return s.store.RemovePost(ctx, p.Account, post)
}

// ForumRole returns what the caller may do in the account's forum: whether
// they may write (following, unblocked) and moderate (admin or editor).
func (s *Service) ForumRole(ctx context.Context, c hongyan.Caller, id AccountID) (write, moderate bool, err error) {
	if _, _, err := s.fanOf(ctx, c, id); err == nil {
		write = true
	} else if k := hongyan.ErrorCode(err); k != hongyan.CodePrecondition && k != hongyan.CodeDenied {
		return false, false, err
	}
	r, err := s.store.Operator(ctx, id, c.User)
	if err != nil {
		return false, false, err
	}
	return write, r == RoleAdmin || r == RoleEditor, nil
}
