// Package officialacct is the official-accounts platform: organisations
// register subscription and service accounts; users find, follow and chat
// with them; operators (admin, editor, analyst) answer automatically with
// keyword rules, publish articles, set a custom menu, broadcast within a
// quota, tag and remark followers and read daily statistics.
//
// A user has an openid per account and a unionid per organisation. What
// an account sends a user (replies, customer-service and template
// messages, broadcasts) is stored as that user's message history with the
// account and reaches the user's devices through the change log.
//
// The developer API (a transport) reaches the same rules through App, the
// account acting as itself, and receives users' messages and events
// through the Sink it fulfils.
package officialacct

import (
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"hongyan/internal/hongyan"
)

// AccountID identifies an official account.
type AccountID int64

// Kind is an account's type.
type Kind int8

// The kinds of account. Values are those of the protocol.
const (
	KindSubscription Kind = 1 // 订阅号: one broadcast a day; grouped under Subscriptions
	KindService      Kind = 2 // 服务号: four broadcasts a month; a chat of its own
)

// Role is what an operator may do with an account.
type Role int8

// The roles. Values are those of the protocol.
const (
	RoleNone    Role = 0
	RoleAdmin   Role = 1 // everything, operators and developer settings included
	RoleEditor  Role = 2 // content: replies, rules, menu, articles, templates, broadcasts, followers
	RoleAnalyst Role = 3 // reads followers and statistics
)

// Org is an organisation: the owner of accounts whose users share unionids.
type Org struct {
	ID      int64
	Name    string
	Owner   hongyan.UserID
	Created time.Time
}

// Account is an official account.
type Account struct {
	ID         AccountID
	Org        int64
	AppID      string // "wx" + 16 hex digits
	OriginalID string // "gh_" + 12 hex digits
	Name       string
	Intro      string
	Avatar     string // a media URL path, or ""
	Kind       Kind
	Verified   bool
	// SecretHash is the SHA-256 of the AppSecret, which is shown once.
	SecretHash []byte
	Created    time.Time
	Settings
}

// Settings are an account's replies, menu and developer configuration.
type Settings struct {
	Welcome      *Content // sent on follow
	DefaultReply *Content // sent when no keyword rule matches
	Menu         *Menu
	Server       Server
	IPAllow      []string // addresses or CIDR ranges allowed to call the API; empty: any
	// OAuthDomains are the hosts (host or host:port) an OAuth2 redirect_uri
	// may point at (网页授权域名); empty: any.
	OAuthDomains []string
}

// Mode is how pushes to the developer's server are protected.
type Mode string

// The modes.
const (
	ModePlain  Mode = "plain"
	ModeCompat Mode = "compat"
	ModeSafe   Mode = "safe"
)

// Server is an account's developer server: when URL is set, users'
// messages and events are pushed there instead of being answered by the
// rules.
type Server struct {
	URL    string `json:"url,omitempty"`
	Token  string `json:"token,omitempty"`
	AESKey string `json:"aes_key,omitempty"`
	Mode   Mode   `json:"mode,omitempty"`
}

// ContentKind is what a message or reply holds.
type ContentKind string

// The content kinds.
const (
	ContentText     ContentKind = "text"
	ContentImage    ContentKind = "image"    // MediaID
	ContentVoice    ContentKind = "voice"    // MediaID; Format (amr, speex, mp3…) when a user sent it
	ContentVideo    ContentKind = "video"    // MediaID, Title, Text (the description), ThumbMediaID
	ContentMusic    ContentKind = "music"    // Title, Text (the description), URL, HQURL, ThumbMediaID
	ContentNews     ContentKind = "news"     // Articles (links or published articles)
	ContentTemplate ContentKind = "template" // TemplateID, Title, Fields, URL
	ContentEvent    ContentKind = "event"    // a user's tap or scan: Text names it (never shown as a bubble)
)

// Content is the body of a message between a user and an account.
type Content struct {
	Kind       ContentKind `json:"kind"`
	Text       string      `json:"text,omitempty"`
	MediaID    string      `json:"media_id,omitempty"`
	Title      string      `json:"title,omitempty"`
	Articles   []NewsItem  `json:"articles,omitempty"`
	TemplateID string      `json:"template_id,omitempty"`
	Fields     []Field     `json:"fields,omitempty"`
	URL        string      `json:"url,omitempty"`
	// Voice, video and music.
	ThumbMediaID string `json:"thumb_media_id,omitempty"`
	HQURL        string `json:"hq_url,omitempty"`
	Format       string `json:"format,omitempty"`
}

// NewsItem is one entry of a news message: a link, or one of the
// account's published articles.
type NewsItem struct {
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	URL         string `json:"url,omitempty"`
	PicURL      string `json:"picurl,omitempty"`
	Article     int64  `json:"article,omitempty"`
}

// Field is one named value of a template message.
type Field struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Message is one message between a user and an account.
type Message struct {
	ID      int64
	Account AccountID
	User    hongyan.UserID
	Out     bool // sent by the account
	Content Content
	// Broadcast is the broadcast this message belongs to (0: none).
	Broadcast int64
	Created   time.Time
}

// Fan is a user as an account knows them: a follower, a former follower,
// or someone who authorised a web page.
type Fan struct {
	Account    AccountID
	User       hongyan.UserID
	OpenID     string
	UnionID    string
	Following  bool
	Since      time.Time // when they last followed
	Scene      string    // how: ADD_SCENE_SEARCH, ADD_SCENE_QR_CODE, …
	QRScene    int64
	QRSceneStr string
	Remark     string
	Blocked    bool
	LastIn     time.Time // their last message or event: opens the 48-hour reply window
	Tags       []int64
	// Nickname is the user's public nickname as the account feature
	// tells it (Service.Followers fills it; never stored here).
	Nickname string
}

// The scenes a follow came from (as the developer API reports them).
const (
	SceneSearch  = "ADD_SCENE_SEARCH"
	SceneQRCode  = "ADD_SCENE_QR_CODE"
	SceneProfile = "ADD_SCENE_PROFILE_CARD"
	SceneOthers  = "ADD_SCENE_OTHERS"
)

// Tag is a label an account puts on followers.
type Tag struct {
	ID    int64 // per account; 0–2 are reserved, created tags start at 100
	Name  string
	Count int
}

// QR is a parametric QR code: scanning it follows the account (or, for a
// follower, reports the scan) with the scene kept.
type QR struct {
	Ticket    string
	Account   AccountID
	SceneID   int64
	SceneStr  string
	Permanent bool
	Expires   time.Time // zero for permanent codes
	Created   time.Time
}

// Match is how a keyword rule matches a message.
type Match int8

// The matches.
const (
	MatchExact    Match = 1
	MatchContains Match = 2
)

// Rule is a keyword auto-reply.
type Rule struct {
	ID       int64
	Account  AccountID
	Keyword  string
	Match    Match
	Priority int // higher first; equal priorities in order of creation
	Reply    Content
}

// Menu is an account's custom menu: up to 3 buttons of up to 5 sub-buttons.
type Menu struct {
	Buttons []Button `json:"button"`
}

// Button is a menu button: a parent (Sub set) or a click or view button.
type Button struct {
	Name string   `json:"name"`
	Type string   `json:"type,omitempty"` // "click" or "view"
	Key  string   `json:"key,omitempty"`  // click
	URL  string   `json:"url,omitempty"`  // view
	Sub  []Button `json:"sub_button,omitempty"`
}

// ArticleState is whether an article is out.
type ArticleState int8

// The states.
const (
	ArticleDraft     ArticleState = 1
	ArticlePublished ArticleState = 2
)

// Article is a piece an account publishes. Its body is structured content,
// never markup: clients build it with DOM APIs.
type Article struct {
	ID        int64
	Account   AccountID
	Title     string
	Author    string
	Digest    string
	Cover     string // a media URL path, or ""
	Body      []Block
	State     ArticleState
	Created   time.Time
	Updated   time.Time
	Published time.Time
}

// Block is one block of an article's body.
type Block struct {
	Kind string `json:"kind"` // "p" paragraph, "h" heading, "quote", "img" (Src), "li" list item
	Text string `json:"text,omitempty"`
	Src  string `json:"src,omitempty"`
}

// Template is a message template: Content names fields as {{name.DATA}}.
type Template struct {
	ID      string
	Account AccountID
	Title   string
	Content string
	Created time.Time
}

// Target is who a broadcast goes to: everyone, a tag or chosen users.
type Target struct {
	All   bool
	Tag   int64
	Users []hongyan.UserID
}

// Broadcast is a message sent to many followers at once.
type Broadcast struct {
	ID      int64
	Account AccountID
	Target  Target
	Content Content
	Total   int // messages delivered
	Deleted bool
	Created time.Time
}

// DayStats are an account's counters of one UTC day.
type DayStats struct {
	Day    string // "2006-01-02"
	New    int
	Lost   int
	MsgIn  int
	MsgOut int
	Total  int // followers at the end of the day
}

// GrantKind is what a stored credential is for.
type GrantKind int8

// The grant kinds (the developer API's credentials and the OAuth2 codes).
const (
	GrantAccessToken GrantKind = 1
	GrantStableToken GrantKind = 2
	GrantOAuthCode   GrantKind = 3
	GrantOAuthToken  GrantKind = 4
	GrantOAuthRenew  GrantKind = 5 // refresh token
)

// Grant is a credential the platform issued: stored by the hash of its
// token, valid until Expires.
type Grant struct {
	Hash    []byte // SHA-256 of the token (HashToken)
	Kind    GrantKind
	Account AccountID
	User    hongyan.UserID // OAuth grants
	Scope   string         // OAuth grants: snsapi_base or snsapi_userinfo
	Expires time.Time
	Used    bool
	Value   string // the token itself, kept only for stable tokens (handed out again while they last)
	Created time.Time
}

// Media is a temporary media file the developer API keeps for 3 days.
type Media struct {
	ID          string
	Account     AccountID
	Type        string // image, voice, video, thumb
	Name        string
	ContentType string
	Data        []byte
	Created     time.Time
}

// MediaTTL is how long temporary media is kept.
const MediaTTL = 72 * time.Hour

// Limits of the rules.
const (
	MaxName         = 30 // characters of an account name
	MaxIntro        = 120
	MaxOrgName      = 60
	MaxRules        = 200
	MaxKeyword      = 30
	MaxText         = 2000 // characters of a text message or reply
	MaxTags         = 100
	MaxTagName      = 30 // bytes
	MaxTagsPerFan   = 20
	MaxRemark       = 30
	MaxTitle        = 64
	MaxDigest       = 120
	MaxAuthor       = 16
	MaxBlocks       = 500
	MaxBlockText    = 5000
	MaxURL          = 1024
	MaxNews         = 8
	MaxFields       = 20
	MaxTemplates    = 25
	MaxSceneStr     = 64
	MaxPermScene    = 100000
	MaxQRExpiry     = 30 * 24 * time.Hour
	MaxPage         = 10000 // followers a page
	MaxOperators    = 20
	MaxIPAllow      = 50
	MaxMediaBytes   = 10 << 20 // a temporary media file of an account
	MaxOAuthDomains = 5
	ReplyWindow     = 48 * time.Hour
	OAuthCodeTTL    = 5 * time.Minute
	MaxTargetUser   = 10000
)

// The reasons of errors this feature adds (docs/protocol.md "Errors").
const (
	ReasonNotFollowing hongyan.Reason = "not_following"  // the user does not follow the account
	ReasonQuota        hongyan.Reason = "quota_exceeded" // the account's broadcast quota is used up
	ReasonWindow       hongyan.Reason = "reply_window"   // the user has not written in 48 hours
	ReasonRole         hongyan.Reason = "role"           // the operator's role does not allow it
	ReasonTooMany      hongyan.Reason = "too_many"       // rules, tags or templates at their limit
)

// ValidMenu checks a menu against the platform's limits.
func ValidMenu(m Menu) error {
	if len(m.Buttons) == 0 || len(m.Buttons) > 3 {
		return hongyan.Errorf(hongyan.CodeInvalid, "a menu has 1 to 3 buttons")
	}
	for _, b := range m.Buttons {
		if err := validButton(b, 16, true); err != nil {
			return err
		}
	}
	return nil
}

func validButton(b Button, maxName int, top bool) error {
	if b.Name == "" || len(b.Name) > maxName || !utf8.ValidString(b.Name) {
		return hongyan.Errorf(hongyan.CodeInvalid, "a button name is 1 to %d bytes", maxName)
	}
	if len(b.Sub) > 0 {
		if !top {
			return hongyan.Errorf(hongyan.CodeInvalid, "sub-buttons have no sub-buttons")
		}
		if len(b.Sub) > 5 {
			return hongyan.Errorf(hongyan.CodeInvalid, "a button has at most 5 sub-buttons")
		}
		for _, s := range b.Sub {
			if err := validButton(s, 60, false); err != nil {
				return err
			}
		}
		return nil
	}
	switch b.Type {
	case "click":
		if b.Key == "" || len(b.Key) > 128 || !utf8.ValidString(b.Key) {
			return hongyan.Errorf(hongyan.CodeInvalid, "a click button has a key of 1 to 128 bytes")
		}
	case "view":
		if !validURL(b.URL) {
			return hongyan.Errorf(hongyan.CodeInvalid, "a view button has an http or https URL of at most %d bytes", MaxURL)
		}
	default:
		return hongyan.Errorf(hongyan.CodeInvalid, "a button is of type click or view")
	}
	return nil
}

// validURL reports whether s is an absolute http(s) URL within MaxURL.
func validURL(s string) bool {
	if len(s) == 0 || len(s) > MaxURL {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// ValidContent checks what an account sends.
func ValidContent(c Content) error {
	switch c.Kind {
	case ContentText:
		if strings.TrimSpace(c.Text) == "" {
			return hongyan.Errorf(hongyan.CodeInvalid, "empty text")
		}
		return validMessageText("text", c.Text, MaxText)
	case ContentImage:
		if !validMediaID(c.MediaID) {
			return hongyan.Errorf(hongyan.CodeInvalid, "an image needs a media ID")
		}
	case ContentVoice, ContentVideo:
		if !validMediaID(c.MediaID) {
			return hongyan.Errorf(hongyan.CodeInvalid, "a %s needs a media ID", c.Kind)
		}
		if c.ThumbMediaID != "" && !validMediaID(c.ThumbMediaID) {
			return hongyan.Errorf(hongyan.CodeInvalid, "the thumbnail's media ID is malformed")
		}
		if len(c.Format) > 16 || !urlSafe(c.Format) {
			return hongyan.Errorf(hongyan.CodeInvalid, "the format is a short name such as amr")
		}
		if err := hongyan.ValidText("title", c.Title, MaxTitle); err != nil {
			return err
		}
		if err := validMessageText("description", c.Text, MaxDigest*2); err != nil {
			return err
		}
	case ContentMusic:
		if !validURL(c.URL) || len(c.URL) > MaxURL || (c.HQURL != "" && (!validURL(c.HQURL) || len(c.HQURL) > MaxURL)) {
			return hongyan.Errorf(hongyan.CodeInvalid, "music links http or https URLs")
		}
		if c.ThumbMediaID != "" && !validMediaID(c.ThumbMediaID) {
			return hongyan.Errorf(hongyan.CodeInvalid, "the thumbnail's media ID is malformed")
		}
		if err := hongyan.ValidText("title", c.Title, MaxTitle); err != nil {
			return err
		}
		if err := validMessageText("description", c.Text, MaxDigest*2); err != nil {
			return err
		}
	case ContentNews:
		if len(c.Articles) == 0 || len(c.Articles) > MaxNews {
			return hongyan.Errorf(hongyan.CodeInvalid, "news holds 1 to %d articles", MaxNews)
		}
		for _, a := range c.Articles {
			if err := hongyan.ValidText("article title", a.Title, MaxTitle); err != nil {
				return err
			}
			if err := hongyan.ValidText("article description", a.Description, MaxDigest*2); err != nil {
				return err
			}
			if a.Title == "" && a.Article == 0 {
				return hongyan.Errorf(hongyan.CodeInvalid, "an article needs a title")
			}
			if (a.URL != "" && !validURL(a.URL)) || (a.PicURL != "" && !validURL(a.PicURL) && !strings.HasPrefix(a.PicURL, "/")) || len(a.PicURL) > MaxURL {
				return hongyan.Errorf(hongyan.CodeInvalid, "article links are http or https URLs")
			}
		}
	case ContentTemplate:
		if c.TemplateID == "" || len(c.Fields) > MaxFields {
			return hongyan.Errorf(hongyan.CodeInvalid, "a template message names its template and at most %d fields", MaxFields)
		}
		for _, f := range c.Fields {
			if f.Name == "" || len(f.Name) > 32 || !urlSafe(f.Name) {
				return hongyan.Errorf(hongyan.CodeInvalid, "template field names are 1 to 32 letters, digits, _ or -")
			}
			if err := validMessageText("template value", f.Value, 200); err != nil {
				return err
			}
		}
		if c.URL != "" && !validURL(c.URL) {
			return hongyan.Errorf(hongyan.CodeInvalid, "a template message links an http or https URL")
		}
	default:
		return hongyan.Errorf(hongyan.CodeInvalid, "unknown message kind %q", c.Kind)
	}
	return nil
}

func validMediaID(id string) bool { return id != "" && len(id) <= 256 && urlSafe(id) }

// validMessageText is hongyan.ValidText that allows line breaks and tabs.
func validMessageText(field, s string, max int) error {
	return hongyan.ValidText(field, strings.NewReplacer("\n", " ", "\r", " ", "\t", " ").Replace(s), max)
}

// urlSafe reports whether s is made of [A-Za-z0-9_-] only.
func urlSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// MatchRule returns the rule that answers text: the first of rules (in
// order of priority, highest first, then creation) whose keyword equals
// text (exact) or occurs in it (contains), ignoring case and surrounding
// space.
func MatchRule(rules []Rule, text string) (Rule, bool) {
	t := strings.ToLower(strings.TrimSpace(text))
	best, found := Rule{}, false
	for _, r := range rules {
		k := strings.ToLower(strings.TrimSpace(r.Keyword))
		ok := (r.Match == MatchExact && t == k) || (r.Match == MatchContains && k != "" && strings.Contains(t, k))
		if ok && (!found || r.Priority > best.Priority || (r.Priority == best.Priority && r.ID < best.ID)) {
			best, found = r, true
		}
	}
	return best, found
}

// FillTemplate returns a template's content with {{name.DATA}} replaced by
// the fields' values.
func FillTemplate(content string, fields []Field) string {
	pairs := make([]string, 0, 2*len(fields))
	for _, f := range fields {
		pairs = append(pairs, "{{"+f.Name+".DATA}}", f.Value)
	}
	return strings.NewReplacer(pairs...).Replace(content)
}

// Day returns the UTC day of t as the statistics name it.
func Day(t time.Time) string { return t.UTC().Format("2006-01-02") }
