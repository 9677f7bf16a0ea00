// Package moments is the friends-only timeline (PRODUCT §5): posts of text,
// images, a video or a link card with a location and mentions; who may see
// each post (all friends, private, only or all except chosen tags and
// people); per-person "hide mine" and "hide theirs"; what strangers and
// friends may see of the past; likes, comments and replies; and the
// notifications they cause.
//
// The rule that holds the feature together: a viewer sees only the likes
// and comments of people who are the viewer's friends (and the viewer's
// own, and the post's author's); the author sees all. Every path that
// returns a post goes through Service.views, which applies it.
//
// Timelines are a hybrid, chosen by measurement (see docs/architecture.md):
// the post of an author with up to Config.FanoutLimit friends is copied
// into the inbox of everyone allowed to see it when it is posted; the post
// of an author with more is not, and a feed page merges the viewer's inbox
// with such posts of the viewer's friends. What may change after posting
// (friendship, blocks, hide settings, the friends' range) is checked again
// on every read.
package moments

import (
	"context"
	"time"

	"hongyan/internal/hongyan"
)

// Visibility is who may see a post. The values are those of the protocol.
type Visibility int8

// The visibilities.
const (
	VisibleAll     Visibility = 0 // all friends
	VisiblePrivate Visibility = 1 // the author only
	VisibleOnly    Visibility = 2 // only the chosen tags and people
	VisibleExcept  Visibility = 3 // all friends except the chosen tags and people
)

// Range is how far back friends may see a user's posts.
type Range int8

// The ranges.
const (
	RangeAll     Range = 0
	RangeMonths6 Range = 1
	RangeDays3   Range = 2
)

// Since returns the oldest time r lets friends see, at now (zero for all).
func (r Range) Since(now time.Time) time.Time {
	switch r {
	case RangeMonths6:
		return now.AddDate(0, -6, 0)
	case RangeDays3:
		return now.Add(-72 * time.Hour)
	}
	return time.Time{}
}

// Media is an image or a video shown by a post, as the media feature
// describes it.
type Media struct {
	ID         string
	Video      bool
	Type       string
	Size       int64
	Width      int
	Height     int
	DurationMS int
	Thumbnail  bool
	Poster     string
}

// Link is a shared link's card.
type Link struct {
	URL         string
	Title       string
	Description string
	Image       string // a media ID, "" when none
}

// Post is one Moments post.
type Post struct {
	ID       int64
	Author   hongyan.UserID
	Text     string
	Media    []Media
	Link     *Link
	Location string
	Mentions []hongyan.UserID
	// Visibility and what the author chose for it (shown to the author
	// only); Audience is the choice resolved when posting: the people
	// allowed (VisibleOnly) or excluded (VisibleExcept).
	Visibility Visibility
	Tags       []string
	People     []hongyan.UserID
	Audience   []hongyan.UserID
	Created    time.Time
	// Fanout: the post was copied into its readers' inboxes when posted.
	// A post of an author with more friends than Config.FanoutLimit is
	// not; readers find it among their friends' unfanned posts.
	Fanout bool
}

// Like is one like of a post.
type Like struct {
	Post    int64
	User    hongyan.UserID
	Created time.Time
}

// Comment is a comment on a post, or a reply to another comment.
type Comment struct {
	ID        int64
	Post      int64
	Author    hongyan.UserID
	ReplyTo   int64          // the comment replied to (0: none)
	ReplyUser hongyan.UserID // its author
	Text      string
	Created   time.Time
}

// View is a post as one viewer may see it: the likes and comments the
// viewer may see, oldest first.
type View struct {
	Post     Post
	Likes    []Like
	Comments []Comment
}

// Settings are a user's Moments settings.
type Settings struct {
	StrangersSee10 bool
	FriendsRange   Range
	HideMineFrom   []hongyan.UserID // these people do not see my posts
	HideTheirs     []hongyan.UserID // I do not see these people's posts in my feed
	// Cover is the media ID of the image at the top of my Moments page
	// ('' for none).
	Cover string
}

// Hide is a per-person setting.
type Hide int8

// The per-person settings.
const (
	HideMine   Hide = 1 // owner's posts are hidden from other
	HideTheirs Hide = 2 // other's posts are hidden from owner's feed
)

// NotificationKind is what a notification is about.
type NotificationKind int8

// The kinds of notifications. The values are those of the protocol.
const (
	NotifyLike    NotificationKind = 1
	NotifyComment NotificationKind = 2
	NotifyReply   NotificationKind = 3
	NotifyMention NotificationKind = 4
)

// Notification tells Owner that Actor liked, commented on, replied on or
// mentioned them in Post.
type Notification struct {
	ID      int64
	Owner   hongyan.UserID
	Kind    NotificationKind
	Post    int64
	Actor   hongyan.UserID
	Comment int64 // the comment (comments and replies)
	Created time.Time
}

// Store keeps Moments durably; it is the union of the ports by concern.
// Methods that write notifications append one change-log entry of kind
// hongyan.ChangeMomentsNotification (Ref = the notification's ID) for each
// notification's owner, in the same transaction, and return the entries
// with sequences assigned. A missing object is an error with
// hongyan.CodeNotFound.
type Store interface {
	Posts
	Reactions
	Prefs
	Notifications
}

// Posts keeps posts and the inboxes they are fanned out to.
type Posts interface {
	// CreatePost stores p (whose ID the caller chose: unique and
	// increasing with time), copies it into the inbox of each of inbox
	// (p.Fanout set; none otherwise), and stores notes (their Post set to
	// p.ID), atomically. A post with an ID that exists already is
	// hongyan.CodeExists.
	CreatePost(ctx context.Context, p Post, inbox []hongyan.UserID, notes []Notification) ([]hongyan.Change, error)
	// DeletePost removes author's post id with its inbox copies, likes,
	// comments and notifications.
	DeletePost(ctx context.Context, author hongyan.UserID, id int64) error
	Post(ctx context.Context, id int64) (Post, error)
	// Inbox returns up to limit posts of owner's inbox with ID below
	// before (all when 0), newest first.
	Inbox(ctx context.Context, owner hongyan.UserID, before int64, limit int) ([]Post, error)
	// Unfanned returns up to limit posts of authors that were not fanned
	// out (Fanout false), with ID below before (all when 0), newest first.
	Unfanned(ctx context.Context, authors []hongyan.UserID, before int64, limit int) ([]Post, error)
	// ByAuthor returns up to limit of author's posts with ID below before
	// (all when 0), newest first; with public, only those visible to all
	// friends.
	ByAuthor(ctx context.Context, author hongyan.UserID, before int64, limit int, public bool) ([]Post, error)
	// Search returns up to limit posts of authors with ID below before
	// (all when 0) whose text contains query, letters compared in lower
	// case (strings.ToLower), newest first. query is plain text: % and _
	// match only themselves.
	Search(ctx context.Context, authors []hongyan.UserID, query string, before int64, limit int) ([]Post, error)
}

// Reactions keeps likes and comments.
type Reactions interface {
	// Like records that user likes post; notes are stored only when the
	// like is new. Liking twice is not an error.
	Like(ctx context.Context, l Like, notes []Notification) ([]hongyan.Change, error)
	// Unlike removes a like (none is not an error).
	Unlike(ctx context.Context, post int64, user hongyan.UserID) error
	// AddComment stores c (its ID is assigned) and notes (their Comment
	// set to it).
	AddComment(ctx context.Context, c Comment, notes []Notification) (Comment, []hongyan.Change, error)
	Comment(ctx context.Context, id int64) (Comment, error)
	// DeleteComment removes comment id with its notifications.
	DeleteComment(ctx context.Context, id int64) error
	// Reactions returns the likes and comments of posts, oldest first.
	Reactions(ctx context.Context, posts []int64) ([]Like, []Comment, error)
}

// Prefs keeps the users' Moments settings.
type Prefs interface {
	// Settings returns owner's settings (the defaults when never set).
	Settings(ctx context.Context, owner hongyan.UserID) (Settings, error)
	// Ranges returns what each of owners lets strangers and friends see
	// (StrangersSee10 and FriendsRange; owners never set are left out).
	Ranges(ctx context.Context, owners []hongyan.UserID) (map[hongyan.UserID]Settings, error)
	SetSettings(ctx context.Context, owner hongyan.UserID, strangersSee10 bool, r Range, changes []hongyan.Change) ([]hongyan.Change, error)
	SetHide(ctx context.Context, owner, other hongyan.UserID, h Hide, on bool, changes []hongyan.Change) ([]hongyan.Change, error)
	// SetCover sets owner's cover ('' removes it), their other settings
	// unchanged, and appends changes.
	SetCover(ctx context.Context, owner hongyan.UserID, cover string, changes []hongyan.Change) ([]hongyan.Change, error)
	// HidingFrom returns the users who hide their posts from viewer.
	HidingFrom(ctx context.Context, viewer hongyan.UserID) ([]hongyan.UserID, error)
}

// Notifications keeps the users' notifications and how far each has read.
type Notifications interface {
	// Notifications returns up to limit of owner's notifications with ID
	// below before (all when 0), newest first.
	Notifications(ctx context.Context, owner hongyan.UserID, before int64, limit int) ([]Notification, error)
	Notification(ctx context.Context, owner hongyan.UserID, id int64) (Notification, error)
	// Unread counts owner's notifications after the last one marked read.
	Unread(ctx context.Context, owner hongyan.UserID) (int, error)
	// MarkRead marks owner's notifications up to ID upto as read (never
	// moving backwards) and appends changes.
	MarkRead(ctx context.Context, owner hongyan.UserID, upto int64, changes []hongyan.Change) ([]hongyan.Change, error)
}
