package officialacct

import (
	"context"
	"time"

	"hongyan/internal/hongyan"
)

// Store keeps official accounts: the union of the ports by concern. A
// missing object is an error with hongyan.CodeNotFound; a taken unique
// name one with hongyan.CodeExists. Every method that takes changes
// appends them to the change log in the same transaction and returns them
// numbered.
type Store interface {
	Accounts
	Fans
	Authoring
	Messages
	Grants
	MediaFiles
	Forum
}

// Accounts keeps organisations, accounts and their operators.
type Accounts interface {
	// EnsureOrg returns the organisation named name, creating it with
	// owner when there is none.
	EnsureOrg(ctx context.Context, name string, owner hongyan.UserID, at time.Time) (Org, error)
	Org(ctx context.Context, id int64) (Org, error)
	// CreateAccount stores a (its ID assigned; AppID and OriginalID
	// unique) with admin as its first operator (RoleAdmin).
	CreateAccount(ctx context.Context, a Account, admin hongyan.UserID) (Account, error)
	Account(ctx context.Context, id AccountID) (Account, error)
	AccountByAppID(ctx context.Context, appid string) (Account, error)
	// SearchAccounts returns up to limit accounts whose name contains
	// query (ignoring case) or whose AppID or OriginalID equals it.
	SearchAccounts(ctx context.Context, query string, limit int) ([]Account, error)
	// UpdateProfile sets an account's name, intro, avatar and verified flag.
	UpdateProfile(ctx context.Context, a Account) error
	// SetSettings replaces an account's settings.
	SetSettings(ctx context.Context, id AccountID, s Settings) error
	SetSecretHash(ctx context.Context, id AccountID, hash []byte) error
	// SetOperator gives user role on the account; RoleNone removes them.
	SetOperator(ctx context.Context, id AccountID, user hongyan.UserID, role Role) error
	// Operator returns user's role on the account (RoleNone if none).
	Operator(ctx context.Context, id AccountID, user hongyan.UserID) (Role, error)
	Operators(ctx context.Context, id AccountID) (map[hongyan.UserID]Role, error)
	// Operated returns the accounts user operates, by ID.
	Operated(ctx context.Context, user hongyan.UserID) ([]Account, error)
}

// Follow describes a follow: the IDs to give a new fan, and where it came
// from.
type Follow struct {
	OpenID     string // used when the user has no openid with the account yet
	UnionID    string // used when the user has no unionid with the organisation yet
	Scene      string
	QRScene    int64
	QRSceneStr string
	At         time.Time
}

// FanQuery selects followers.
type FanQuery struct {
	After  string // openid: the page starts after it (by openid order)
	Tag    int64  // only those with this tag (0: any)
	Search string // only those whose remark or openid contains it
	Limit  int
}

// Fans keeps the users an account knows and its tags.
type Fans interface {
	// Fan returns the user as the account knows them.
	Fan(ctx context.Context, id AccountID, user hongyan.UserID) (Fan, error)
	FanByOpenID(ctx context.Context, id AccountID, openid string) (Fan, error)
	// EnsureFan returns the user as the account knows them, giving them
	// f's openid and unionid if they have none (without following).
	EnsureFan(ctx context.Context, id AccountID, user hongyan.UserID, f Follow) (Fan, error)
	// Follow makes user follow the account (if not already) and counts a
	// new follower for the day; first reports whether they were not
	// following before.
	Follow(ctx context.Context, id AccountID, user hongyan.UserID, f Follow, changes []hongyan.Change) (fan Fan, first bool, out []hongyan.Change, err error)
	// Unfollow ends a follow and counts a lost follower; a user not
	// following is not found.
	Unfollow(ctx context.Context, id AccountID, user hongyan.UserID, at time.Time, changes []hongyan.Change) (Fan, []hongyan.Change, error)
	// Touch records the user's interaction at (their last message or event).
	Touch(ctx context.Context, id AccountID, user hongyan.UserID, at time.Time) error
	// Followers returns up to q.Limit followers in openid order.
	Followers(ctx context.Context, id AccountID, q FanQuery) ([]Fan, error)
	CountFollowers(ctx context.Context, id AccountID) (int, error)
	// Following returns the accounts user follows.
	Following(ctx context.Context, user hongyan.UserID) ([]AccountID, error)
	SetRemark(ctx context.Context, id AccountID, user hongyan.UserID, remark string) error
	SetBlocked(ctx context.Context, id AccountID, user hongyan.UserID, blocked bool) error
	// CreateTag adds a tag (its ID the account's next from 100); a taken
	// name is CodeExists.
	CreateTag(ctx context.Context, id AccountID, name string) (Tag, error)
	// Tags returns the account's tags with their follower counts.
	Tags(ctx context.Context, id AccountID) ([]Tag, error)
	RenameTag(ctx context.Context, id AccountID, tag int64, name string) error
	DeleteTag(ctx context.Context, id AccountID, tag int64) error
	// TagFans adds (or, with add false, removes) tag on users; users the
	// account does not know are not found, and nothing changes.
	TagFans(ctx context.Context, id AccountID, tag int64, users []hongyan.UserID, add bool) error
}

// Authoring keeps what operators author: rules, articles, templates, QR codes.
type Authoring interface {
	AddRule(ctx context.Context, r Rule) (Rule, error)
	// Rules returns the account's rules, highest priority first.
	Rules(ctx context.Context, id AccountID) ([]Rule, error)
	DeleteRule(ctx context.Context, id AccountID, rule int64) error
	// SaveArticle stores a (a new one when a.ID is 0).
	SaveArticle(ctx context.Context, a Article) (Article, error)
	Article(ctx context.Context, id int64) (Article, error)
	// Articles returns up to limit of the account's articles, newest
	// first; only published ones when published is set.
	Articles(ctx context.Context, id AccountID, published bool, limit int) ([]Article, error)
	DeleteArticle(ctx context.Context, id AccountID, article int64) error
	AddTemplate(ctx context.Context, t Template) error
	Template(ctx context.Context, id AccountID, template string) (Template, error)
	Templates(ctx context.Context, id AccountID) ([]Template, error)
	DeleteTemplate(ctx context.Context, id AccountID, template string) error
	AddQR(ctx context.Context, q QR) error
	QR(ctx context.Context, ticket string) (QR, error)
}

// Messages keeps messages between users and accounts, broadcasts and the
// daily counters.
type Messages interface {
	// AddMessage stores m (its ID assigned; a change with Ref 0 gets it),
	// counts it in the day's messages in or out, and appends changes.
	AddMessage(ctx context.Context, m Message, changes []hongyan.Change) (Message, []hongyan.Change, error)
	// Broadcast stores b and a message of it for each follower it targets
	// who has not blocked the account (b.Total set), with a change of kind
	// for each (Ref the message's ID), unless quota broadcasts were sent
	// since since: then it fails with CodePrecondition and changes nothing.
	Broadcast(ctx context.Context, b Broadcast, since time.Time, quota int, kind hongyan.ChangeKind) (Broadcast, []hongyan.Change, error)
	// Message returns a message of user's.
	Message(ctx context.Context, user hongyan.UserID, id int64) (Message, error)
	// History returns up to limit of the messages between user and the
	// account with IDs below before (all when 0), newest first.
	History(ctx context.Context, id AccountID, user hongyan.UserID, before int64, limit int) ([]Message, error)
	// Inbox returns up to limit of the messages the account's users sent
	// it (not its own) with IDs below before (all when 0), newest first.
	Inbox(ctx context.Context, id AccountID, before int64, limit int) ([]Message, error)
	Broadcasts(ctx context.Context, id AccountID, limit int) ([]Broadcast, error)
	// BroadcastByID returns one of the account's broadcasts.
	BroadcastByID(ctx context.Context, id AccountID, broadcast int64) (Broadcast, error)
	// DeleteBroadcast marks a broadcast deleted.
	DeleteBroadcast(ctx context.Context, id AccountID, broadcast int64) error
	// CountBroadcasts counts the account's broadcasts since since.
	CountBroadcasts(ctx context.Context, id AccountID, since time.Time) (int, error)
	// Stats returns the account's counters for the days from, to
	// (inclusive, "2006-01-02"), days without any omitted; Total is the
	// running count of followers.
	Stats(ctx context.Context, id AccountID, from, to string) ([]DayStats, error)
}

// Grants keeps issued credentials by the hash of their token, and the
// developer API's daily call counters.
type Grants interface {
	// AddGrant stores g (by g.Hash). When graceUntil is not zero, every
	// other grant of g's account and kind that expires later is made to
	// expire at graceUntil.
	AddGrant(ctx context.Context, g Grant, graceUntil time.Time) error
	// Grant returns the grant of hash, expired or not.
	Grant(ctx context.Context, hash []byte) (Grant, error)
	// LatestGrant returns the account's newest grant of kind unexpired at at.
	LatestGrant(ctx context.Context, id AccountID, kind GrantKind, at time.Time) (Grant, error)
	// UseGrant returns the grant of hash if it is of kind and unexpired at
	// at (else CodePrecondition with hongyan.ReasonCodeExpired); with once,
	// a grant already used is CodePrecondition and the grant is marked used.
	UseGrant(ctx context.Context, hash []byte, kind GrantKind, at time.Time, once bool) (Grant, error)
	// ExpireGrants makes every grant of the account (of kinds, all when
	// empty) expire at at at the latest.
	ExpireGrants(ctx context.Context, id AccountID, at time.Time, kinds ...GrantKind) error
	// CountCall adds n to the account's calls of api on day and returns
	// the total; n = 0 reads it, a negative n clears it.
	CountCall(ctx context.Context, id AccountID, api, day string, n int64) (int64, error)
}

// MediaFiles keeps temporary media.
type MediaFiles interface {
	PutMedia(ctx context.Context, m Media) error
	// Media returns one of the account's files.
	Media(ctx context.Context, id AccountID, media string) (Media, error)
	// PruneMedia deletes files created before before.
	PruneMedia(ctx context.Context, before time.Time) (int, error)
}
