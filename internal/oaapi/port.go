package oaapi

import (
	"context"
	"net/netip"
	"time"

	"hongyan/internal/hongyan"
)

// Platform is what the developer API asks of the official-accounts
// feature. It is declared here, by its consumer, in plain types; node fills
// it from the feature's service. Every method is scoped to one account by
// its appid; an openid of another account is not found.
//
// Errors: a *Errcode returned by a method is sent to the developer as is;
// a *hongyan.Error is turned into the WeChat code of the endpoint for its
// Code (not found → the endpoint's "invalid id" code, rate limited → 45009,
// denied → 48001, …); anything else is -1 "system error".
type Platform interface {
	Apps
	Credentials
	Menus
	Messages
	Followers
	Tags
	QRCodes
	MediaStore
}

// Account types.
const (
	Subscription = "subscription"
	Service      = "service"
)

// Encryption modes of pushes to a developer server.
const (
	ModePlain  = "plain"
	ModeCompat = "compat"
	ModeSafe   = "safe"
)

// App is an official account as the developer API sees it.
type App struct {
	AppID      string // wx + 16 hex digits
	OriginalID string // gh_ + 12 hex digits: ToUserName of pushes
	Name       string
	Type       string // Subscription or Service
	// Bound: the account belongs to an organisation, and its followers'
	// unionids are given.
	Bound bool
	// IPAllowlist, when not empty, is where API calls may come from.
	IPAllowlist []netip.Prefix
	// AllowsRedirect reports whether an OAuth2 redirect_uri may be used
	// with the account: the official-account feature's rule on its web
	// authorization domains (网页授权域名). Nil allows any.
	AllowsRedirect func(redirectURI string) bool
	// Server is the developer server; an empty URL means developer mode is
	// off and nothing is pushed.
	Server Server
}

// Server is an account's developer-server configuration.
type Server struct {
	URL    string
	Token  string // signs pushes (3–32 letters and digits)
	AESKey string // EncodingAESKey, 43 characters; compat and safe modes
	Mode   string // ModePlain, ModeCompat or ModeSafe
}

// Apps finds accounts and checks their secrets.
type Apps interface {
	// App returns the account of appid (hongyan.CodeNotFound when none).
	App(ctx context.Context, appid string) (App, error)
	// CheckSecret reports whether secret is the account's AppSecret.
	CheckSecret(ctx context.Context, appid, secret string) (bool, error)
}

// Credential kinds.
const (
	KindAccess  = "access"  // /cgi-bin/token
	KindStable  = "stable"  // /cgi-bin/stable_token
	KindCode    = "code"    // an OAuth2 code
	KindUser    = "user"    // an OAuth2 access_token
	KindRefresh = "refresh" // an OAuth2 refresh_token
)

// Credential is an issued token or OAuth2 code. Implementations keep
// only a hash of the token, except for the stable token, which is handed
// out again while it lasts (Value).
type Credential struct {
	Kind    string
	AppID   string
	OpenID  string // OAuth2 credentials: whose
	Scope   string // OAuth2 credentials: snsapi_base or snsapi_userinfo
	Value   string // the token itself; only for KindStable
	Issued  time.Time
	Expires time.Time
}

// Credentials keeps issued credentials, and counts API calls for quotas.
// It must hold across nodes: it is storage, not a cache.
type Credentials interface {
	// IssueCredential stores a new credential of c.Kind for c.AppID (and
	// c.OpenID and c.Scope for OAuth2), valid for ttl, and returns its
	// token: random, URL-safe ([A-Za-z0-9_-]), at most 512 characters.
	// With grace > 0, the account's other credentials of that kind
	// expire within grace (a new access_token leaves the old one 5
	// minutes).
	IssueCredential(ctx context.Context, c Credential, ttl, grace time.Duration) (string, error)
	// Credential returns the credential of a token (hongyan.CodeNotFound
	// when none), expired or not.
	Credential(ctx context.Context, token string) (Credential, error)
	// LatestCredential returns the newest unexpired credential of an
	// account and kind (hongyan.CodeNotFound when none).
	LatestCredential(ctx context.Context, appid, kind string) (Credential, error)
	// RedeemCredential marks a credential of kind used and returns it; a
	// used or expired one fails with hongyan.CodePrecondition (an OAuth2
	// code works once), an unknown one with hongyan.CodeNotFound.
	RedeemCredential(ctx context.Context, token, kind string) (Credential, error)
	// ExpireCredentials makes every credential of the account expire now
	// (`hongyan admin oa expire`).
	ExpireCredentials(ctx context.Context, appid string) error
	// CountCall adds n to the account's calls of api today (UTC) and
	// returns the day's total. n = 0 reads it; a negative n clears it
	// (clear_quota).
	CountCall(ctx context.Context, appid, api string, n int64) (int64, error)
}

// Button is one button of a custom menu: a parent has Name and Sub only.
type Button struct {
	Type     string // click, view, miniprogram, …
	Name     string
	Key      string
	URL      string
	MediaID  string
	AppID    string
	PagePath string
	Sub      []Button
}

// Menus keeps an account's custom menu.
type Menus interface {
	SetMenu(ctx context.Context, appid string, buttons []Button) error
	// Menu returns the menu (hongyan.CodeNotFound when there is none).
	Menu(ctx context.Context, appid string) ([]Button, error)
	DeleteMenu(ctx context.Context, appid string) error
}

// Article is one item of a news message.
type Article struct {
	Title       string
	Description string
	URL         string
	PicURL      string
}

// Message kinds the API sends.
const (
	MsgText  = "text"
	MsgImage = "image"
	MsgVoice = "voice"
	MsgVideo = "video"
	MsgMusic = "music"
	MsgNews  = "news"
	MsgMenu  = "msgmenu"
)

// Message is what an account sends to followers.
type Message struct {
	Kind         string
	Text         string // text; msgmenu's head and tail joined
	MediaID      string // image, voice, video
	ThumbMediaID string // video, music
	Title        string // video, music
	Description  string
	URL          string // music
	HQURL        string // music: the high-quality URL
	Articles     []Article
	Options      []MenuOption // msgmenu
}

// MenuOption is one choice of a msgmenu message.
type MenuOption struct{ ID, Content string }

// Template is a message template of an account.
type Template struct {
	ID      string
	Title   string
	Content string // "{{first.DATA}} …"
	Example string
}

// TemplateField is one value of a template message.
type TemplateField struct{ Name, Value, Color string }

// TemplateMessage is a template message to one follower.
type TemplateMessage struct {
	TemplateID  string
	URL         string
	ClientMsgID string
	Fields      []TemplateField
}

// Audience is whom a mass send reaches: everyone, one tag, or a list.
type Audience struct {
	All     bool
	TagID   int64
	OpenIDs []string
}

// Mass-send states (mass/get).
const (
	MassSending = "SENDING"
	MassSuccess = "SEND_SUCCESS"
	MassFail    = "SEND_FAIL"
	MassDeleted = "DELETE"
)

// Messages sends as the account.
type Messages interface {
	// SendCustom sends a customer-service message; a follower who is
	// not following fails with hongyan.CodePrecondition (45015).
	SendCustom(ctx context.Context, appid, openid string, m Message) error
	AddTemplate(ctx context.Context, appid, shortID string, keywords []string) (string, error)
	Templates(ctx context.Context, appid string) ([]Template, error)
	DeleteTemplate(ctx context.Context, appid, templateID string) error
	// SendTemplate sends a template message and returns its msgid; the
	// TEMPLATESENDJOBFINISH push follows through Pusher.
	SendTemplate(ctx context.Context, appid, openid string, t TemplateMessage) (int64, error)
	// MassSend queues a broadcast against the account's quota and
	// returns its msg_id; MASSSENDJOBFINISH follows through Pusher.
	MassSend(ctx context.Context, appid string, to Audience, m Message, clientMsgID string) (int64, error)
	// MassPreview sends m to one follower, outside the quota.
	MassPreview(ctx context.Context, appid, openid string, m Message) (int64, error)
	MassStatus(ctx context.Context, appid string, msgID int64) (string, error)
	MassDelete(ctx context.Context, appid string, msgID int64) error
}

// Follower is a user as one account knows them.
type Follower struct {
	OpenID     string
	UnionID    string // empty unless the account is Bound
	Subscribed bool
	Since      time.Time // when they followed
	Remark     string
	TagIDs     []int64
	Scene      string // ADD_SCENE_…
	QRScene    int64
	QRSceneStr string
	Nickname   string // OAuth2 sns/userinfo only
	AvatarURL  string
}

// Followers reads and annotates an account's followers.
type Followers interface {
	// Follower returns a user by openid (hongyan.CodeNotFound when the
	// openid is not of this account). A user who has unfollowed, or who
	// only authorised the account through OAuth2, is not Subscribed.
	Follower(ctx context.Context, appid, openid string) (Follower, error)
	SetRemark(ctx context.Context, appid, openid, remark string) error
	// FollowerPage returns up to limit openids of current followers after
	// the openid `after` ("" from the start) in a stable order, and how
	// many followers there are.
	FollowerPage(ctx context.Context, appid, after string, limit int) (total int, openids []string, err error)
	// OpenID returns the openid of a user for an account.
	OpenID(ctx context.Context, appid string, user hongyan.UserID) (string, error)
}

// Tag is a follower tag.
type Tag struct {
	ID    int64
	Name  string
	Count int
}

// Tags manages follower tags.
type Tags interface {
	CreateTag(ctx context.Context, appid, name string) (Tag, error)
	Tags(ctx context.Context, appid string) ([]Tag, error)
	RenameTag(ctx context.Context, appid string, id int64, name string) error
	DeleteTag(ctx context.Context, appid string, id int64) error
	// TagFollowers tags (or, with remove, untags) followers.
	TagFollowers(ctx context.Context, appid string, id int64, openids []string, remove bool) error
	// TagMembers pages a tag's followers like FollowerPage.
	TagMembers(ctx context.Context, appid string, id int64, after string, limit int) ([]string, error)
}

// QRCode is a parametric QR code of an account.
type QRCode struct {
	Ticket    string // URL-safe; issued by CreateQR
	AppID     string
	SceneID   int64
	SceneStr  string
	Permanent bool
	Expires   time.Time // temporary codes
}

// QRCodes keeps parametric QR codes.
type QRCodes interface {
	// CreateQR stores a code and returns it with its ticket (URL-safe);
	// Expires is set for temporary codes from Expires (zero: 60 s).
	CreateQR(ctx context.Context, q QRCode) (QRCode, error)
	// QR returns the code of a ticket (hongyan.CodeNotFound when none).
	QR(ctx context.Context, ticket string) (QRCode, error)
}

// MediaFile is a temporary media file.
type MediaFile struct {
	ID          string
	AppID       string
	Type        string // image, voice, video, thumb
	Name        string
	ContentType string
	Data        []byte
	Created     time.Time
}

// MediaStore keeps temporary media for 3 days.
type MediaStore interface {
	// PutMedia keeps a file and returns it with its ID (URL-safe) and
	// creation time.
	PutMedia(ctx context.Context, m MediaFile) (MediaFile, error)
	// Media returns a file of the account (hongyan.CodeNotFound when none
	// or expired).
	Media(ctx context.Context, appid, id string) (MediaFile, error)
}
