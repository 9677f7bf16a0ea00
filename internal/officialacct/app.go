package officialacct

import (
	"context"
	"strings"
	"time"

	"hongyan/internal/hongyan"
)

// App is an account acting as itself, as its developer server does
// through the developer API: the same rules as the operator console,
// addressed by openid.
type App struct {
	s       *Service
	Account Account
}

// App returns the account with AppID appid acting as itself.
func (s *Service) App(ctx context.Context, appid string) (*App, error) {
	if appid == "" || len(appid) > 32 || !urlSafe(appid) {
		return nil, hongyan.Errorf(hongyan.CodeNotFound, "no such official account")
	}
	a, err := s.store.AccountByAppID(ctx, appid)
	if err != nil {
		return nil, err
	}
	// A suspended account's developer API answers nothing but the
	// suspension.
	if err := s.notSuspended(ctx, a.ID); err != nil {
		return nil, err
	}
	return &App{s: s, Account: a}, nil
}

// AppOf returns account id acting as itself.
func (s *Service) AppOf(ctx context.Context, id AccountID) (*App, error) {
	a, err := s.store.Account(ctx, id)
	if err != nil {
		return nil, err
	}
	return &App{s: s, Account: a}, nil
}

// fan returns the user behind openid.
func (a *App) fan(ctx context.Context, openid string) (Fan, error) {
	if openid == "" || len(openid) > 64 || !urlSafe(openid) {
		return Fan{}, hongyan.Errorf(hongyan.CodeInvalid, "invalid openid")
	}
	f, err := a.s.store.FanByOpenID(ctx, a.Account.ID, openid)
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
		return Fan{}, hongyan.Errorf(hongyan.CodeInvalid, "invalid openid")
	}
	return f, err
}

// Fan returns the follower (or former follower) with openid.
func (a *App) Fan(ctx context.Context, openid string) (Fan, error) { return a.fan(ctx, openid) }

// Followers returns up to limit followers after openid next (from the
// first when ""), and how many there are.
func (a *App) Followers(ctx context.Context, next string, limit int) ([]Fan, int, error) {
	fs, err := a.s.followers(ctx, a.Account.ID, FanQuery{After: next, Limit: limit})
	if err != nil {
		return nil, 0, err
	}
	n, err := a.s.store.CountFollowers(ctx, a.Account.ID)
	return fs, n, err
}

// TagFollowers returns up to limit followers with tag after openid next.
func (a *App) TagFollowers(ctx context.Context, tag int64, next string, limit int) ([]Fan, error) {
	return a.s.followers(ctx, a.Account.ID, FanQuery{After: next, Tag: tag, Limit: limit})
}

// SetRemark sets the remark on the follower with openid.
func (a *App) SetRemark(ctx context.Context, openid, remark string) error {
	f, err := a.fan(ctx, openid)
	if err != nil {
		return err
	}
	if err := hongyan.ValidName("remark", remark, MaxRemark); err != nil {
		return err
	}
	return a.s.store.SetRemark(ctx, a.Account.ID, f.User, remark)
}

// SetMenu sets (nil: deletes) the account's menu.
func (a *App) SetMenu(ctx context.Context, m *Menu) error {
	if m != nil {
		if err := ValidMenu(*m); err != nil {
			return err
		}
	}
	acct, err := a.s.store.Account(ctx, a.Account.ID)
	if err != nil {
		return err
	}
	acct.Menu = m
	if err := a.s.store.SetSettings(ctx, acct.ID, acct.Settings); err != nil {
		return err
	}
	a.Account = acct
	return nil
}

// Tags returns the account's tags.
func (a *App) Tags(ctx context.Context) ([]Tag, error) { return a.s.store.Tags(ctx, a.Account.ID) }

// CreateTag adds a tag.
func (a *App) CreateTag(ctx context.Context, name string) (Tag, error) {
	return a.s.createTag(ctx, a.Account.ID, name)
}

// RenameTag renames a tag.
func (a *App) RenameTag(ctx context.Context, tag int64, name string) error {
	if err := validTagName(name); err != nil {
		return err
	}
	return a.s.store.RenameTag(ctx, a.Account.ID, tag, name)
}

// DeleteTag removes a tag.
func (a *App) DeleteTag(ctx context.Context, tag int64) error {
	return a.s.store.DeleteTag(ctx, a.Account.ID, tag)
}

// TagOpenIDs adds or removes tag on up to 50 followers.
func (a *App) TagOpenIDs(ctx context.Context, tag int64, openids []string, add bool) error {
	if len(openids) == 0 || len(openids) > 50 {
		return hongyan.Errorf(hongyan.CodeInvalid, "tag 1 to 50 followers at a time")
	}
	users := make([]hongyan.UserID, 0, len(openids))
	for _, o := range openids {
		f, err := a.fan(ctx, o)
		if err != nil {
			return err
		}
		users = append(users, f.User)
	}
	return a.s.tagFans(ctx, a.Account.ID, tag, users, add)
}

// SendCustom sends a customer-service message to a follower who wrote (or
// followed, scanned, tapped) within the last 48 hours.
func (a *App) SendCustom(ctx context.Context, openid string, c Content) (Message, error) {
	if c.Kind == ContentTemplate {
		return Message{}, hongyan.Errorf(hongyan.CodeInvalid, "send templates as template messages")
	}
	if err := ValidContent(c); err != nil {
		return Message{}, err
	}
	f, err := a.fan(ctx, openid)
	if err != nil {
		return Message{}, err
	}
	if !f.Following || f.Blocked || a.s.now().Sub(f.LastIn) > ReplyWindow {
		return Message{}, hongyan.Errorf(hongyan.CodePrecondition, "the follower has not written in 48 hours or has unfollowed").WithReason(ReasonWindow)
	}
	return a.s.deliver(ctx, a.Account.ID, f.User, c)
}

// SendTemplate sends a template message to a follower, and tells the
// developer server TEMPLATESENDJOBFINISH.
func (a *App) SendTemplate(ctx context.Context, openid, template, url string, fields []Field) (Message, error) {
	t, err := a.s.store.Template(ctx, a.Account.ID, template)
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
		return Message{}, hongyan.Errorf(hongyan.CodeInvalid, "invalid template_id")
	}
	if err != nil {
		return Message{}, err
	}
	c := Content{Kind: ContentTemplate, TemplateID: t.ID, Title: t.Title, Fields: fields, URL: url, Text: FillTemplate(t.Content, fields)}
	if err := ValidContent(c); err != nil {
		return Message{}, err
	}
	f, err := a.fan(ctx, openid)
	if err != nil {
		return Message{}, err
	}
	if !f.Following {
		return Message{}, hongyan.Errorf(hongyan.CodePrecondition, "the user does not follow the account").WithReason(ReasonNotFollowing)
	}
	if f.Blocked {
		a.s.notifyJob(ctx, a.Account, Push{OpenID: f.OpenID, Event: "TEMPLATESENDJOBFINISH", Status: "failed:user block"})
		return Message{}, hongyan.Errorf(hongyan.CodeDenied, "the follower is blocked").WithReason(hongyan.ReasonBlocked)
	}
	m, err := a.s.deliver(ctx, a.Account.ID, f.User, c)
	if err != nil {
		return Message{}, err
	}
	a.s.notifyJob(ctx, a.Account, Push{OpenID: f.OpenID, Event: "TEMPLATESENDJOBFINISH", MsgID: m.ID, Status: "success"})
	return m, nil
}

// AddTemplate adds a template.
func (a *App) AddTemplate(ctx context.Context, title, content string) (Template, error) {
	return a.s.addTemplate(ctx, a.Account, title, content)
}

// Templates returns the account's templates.
func (a *App) Templates(ctx context.Context) ([]Template, error) {
	return a.s.store.Templates(ctx, a.Account.ID)
}

// DeleteTemplate removes a template.
func (a *App) DeleteTemplate(ctx context.Context, template string) error {
	return a.s.store.DeleteTemplate(ctx, a.Account.ID, template)
}

// MassSend broadcasts to everyone, a tag, or followers by openid (2 to
// 10,000), within the account's quota (the console's broadcasts count
// against the same).
func (a *App) MassSend(ctx context.Context, all bool, tag int64, openids []string, c Content) (Broadcast, error) {
	t := Target{All: all}
	switch {
	case all:
	case len(openids) > 0:
		if len(openids) > MaxTargetUser {
			return Broadcast{}, hongyan.Errorf(hongyan.CodeInvalid, "at most %d openids", MaxTargetUser)
		}
		for _, o := range openids {
			f, err := a.fan(ctx, o)
			if err != nil {
				return Broadcast{}, err
			}
			t.Users = append(t.Users, f.User)
		}
	default:
		t.Tag = tag
	}
	return a.s.broadcast(ctx, a.Account, t, c)
}

// Preview sends content to one follower, outside the quota.
func (a *App) Preview(ctx context.Context, openid string, c Content) (Message, error) {
	if err := ValidContent(c); err != nil {
		return Message{}, err
	}
	f, err := a.fan(ctx, openid)
	if err != nil {
		return Message{}, err
	}
	if !f.Following {
		return Message{}, hongyan.Errorf(hongyan.CodePrecondition, "the user does not follow the account").WithReason(ReasonNotFollowing)
	}
	return a.s.deliver(ctx, a.Account.ID, f.User, c)
}

// CreateQR makes a parametric QR code: permanent ones have a scene ID of
// 1–100000 or a scene string; temporary ones any non-zero 32-bit ID or a
// scene string, and expire after expire (60 s when 0; at most 30 days).
func (a *App) CreateQR(ctx context.Context, sceneID int64, sceneStr string, permanent bool, expire time.Duration) (QR, error) {
	return a.s.createQR(ctx, a.Account.ID, sceneID, sceneStr, permanent, expire)
}

func (s *Service) createQR(ctx context.Context, id AccountID, sceneID int64, sceneStr string, permanent bool, expire time.Duration) (QR, error) {
	if sceneStr != "" {
		if len(sceneStr) > MaxSceneStr || hongyan.ValidText("scene", sceneStr, MaxSceneStr) != nil {
			return QR{}, hongyan.Errorf(hongyan.CodeInvalid, "a scene string is 1 to %d characters", MaxSceneStr)
		}
		sceneID = 0
	} else if permanent && (sceneID < 1 || sceneID > MaxPermScene) {
		return QR{}, hongyan.Errorf(hongyan.CodeInvalid, "a permanent scene ID is 1 to %d", MaxPermScene)
	} else if !permanent && (sceneID == 0 || sceneID != int64(int32(sceneID)) && sceneID != int64(uint32(sceneID))) {
		return QR{}, hongyan.Errorf(hongyan.CodeInvalid, "a scene ID is a non-zero 32-bit number")
	}
	now := s.now()
	q := QR{Ticket: Token(48), Account: id, SceneID: sceneID, SceneStr: sceneStr, Permanent: permanent, Created: now}
	if !permanent {
		if expire <= 0 {
			expire = 60 * time.Second
		}
		q.Expires = now.Add(min(expire, MaxQRExpiry))
	}
	if err := s.store.AddQR(ctx, q); err != nil {
		return QR{}, err
	}
	return q, nil
}

// CreateQR makes a parametric QR code for the console (editors).
func (s *Service) CreateQR(ctx context.Context, c hongyan.Caller, id AccountID, sceneID int64, sceneStr string, permanent bool, expire time.Duration) (QR, error) {
	if _, err := s.operate(ctx, c, id, editors); err != nil {
		return QR{}, err
	}
	return s.createQR(ctx, id, sceneID, sceneStr, permanent, expire)
}

// ---- credentials ----

// Issue stores a new credential of kind for the account (user and scope
// for OAuth grants), valid for ttl, and returns its token. With grace > 0
// the account's other credentials of kind expire within grace (a new
// access_token leaves the old one 5 minutes). Stable tokens keep their
// value, to be handed out again (LatestGrant).
func (a *App) Issue(ctx context.Context, kind GrantKind, user hongyan.UserID, scope string, ttl, grace time.Duration) (string, Grant, error) {
	tok := Token(64)
	now := a.s.now()
	g := Grant{Hash: HashToken(tok), Kind: kind, Account: a.Account.ID, User: user, Scope: scope, Expires: now.Add(ttl), Created: now}
	if kind == GrantStableToken {
		g.Value = tok
	}
	var until time.Time
	if grace > 0 {
		until = now.Add(grace)
	}
	if err := a.s.store.AddGrant(ctx, g, until); err != nil {
		return "", Grant{}, err
	}
	return tok, g, nil
}

// Grant returns the account's credential of token, expired or not.
func (a *App) Grant(ctx context.Context, token string) (Grant, error) {
	g, err := a.s.Grant(ctx, token)
	if err == nil && g.Account != a.Account.ID {
		return Grant{}, hongyan.Errorf(hongyan.CodeNotFound, "no such credential")
	}
	return g, err
}

// Grant returns the credential of token, expired or not.
func (s *Service) Grant(ctx context.Context, token string) (Grant, error) {
	if token == "" || len(token) > 512 {
		return Grant{}, hongyan.Errorf(hongyan.CodeNotFound, "no such credential")
	}
	return s.store.Grant(ctx, HashToken(token))
}

// LatestGrant returns the account's newest unexpired credential of kind.
func (a *App) LatestGrant(ctx context.Context, kind GrantKind) (Grant, error) {
	return a.s.store.LatestGrant(ctx, a.Account.ID, kind, a.s.now())
}

// CountCall adds n to the account's calls of api today (UTC) and returns
// the day's total; n = 0 reads it, a negative n clears it.
func (a *App) CountCall(ctx context.Context, api string, n int64) (int64, error) {
	if api == "" || len(api) > 64 {
		return 0, hongyan.Errorf(hongyan.CodeInvalid, "bad API name")
	}
	return a.s.store.CountCall(ctx, a.Account.ID, api, Day(a.s.now()), n)
}

// OpenID returns the user's openid with the account, giving them one if
// they have none (OAuth2 for users who do not follow).
func (a *App) OpenID(ctx context.Context, user hongyan.UserID) (Fan, error) {
	return a.s.store.EnsureFan(ctx, a.Account.ID, user, Follow{OpenID: newOpenID(), UnionID: newOpenID(), At: a.s.now()})
}

// PutMedia keeps a temporary media file of the account for MediaTTL and
// returns it with its ID.
func (a *App) PutMedia(ctx context.Context, typ, name, contentType string, data []byte) (Media, error) {
	switch typ {
	case "image", "voice", "video", "thumb":
	default:
		return Media{}, hongyan.Errorf(hongyan.CodeInvalid, "invalid media type")
	}
	if len(data) == 0 || len(data) > MaxMediaBytes {
		return Media{}, hongyan.Errorf(hongyan.CodeInvalid, "invalid file size")
	}
	if len(name) > 200 || len(contentType) > 100 {
		return Media{}, hongyan.Errorf(hongyan.CodeInvalid, "name or type too long")
	}
	m := Media{ID: Token(48), Account: a.Account.ID, Type: typ, Name: name, ContentType: contentType, Data: data, Created: a.s.now()}
	if err := a.s.store.PutMedia(ctx, m); err != nil {
		return Media{}, err
	}
	return m, nil
}

// Media returns one of the account's temporary files that has not expired.
func (a *App) Media(ctx context.Context, id string) (Media, error) {
	if id == "" || len(id) > 128 || !urlSafe(id) {
		return Media{}, hongyan.Errorf(hongyan.CodeNotFound, "invalid media_id")
	}
	m, err := a.s.store.Media(ctx, a.Account.ID, id)
	if err == nil && a.s.now().Sub(m.Created) >= MediaTTL {
		return Media{}, hongyan.Errorf(hongyan.CodeNotFound, "invalid media_id")
	}
	return m, err
}

// MassStatus returns one of the account's broadcasts.
func (a *App) MassStatus(ctx context.Context, id int64) (Broadcast, error) {
	return a.s.store.BroadcastByID(ctx, a.Account.ID, id)
}

// MassDelete marks one of the account's broadcasts deleted.
func (a *App) MassDelete(ctx context.Context, id int64) error {
	return a.s.store.DeleteBroadcast(ctx, a.Account.ID, id)
}

// Use returns the grant of token if it is of kind, belongs to the account
// and has not expired; once marks it used, and a used one fails.
func (a *App) Use(ctx context.Context, token string, kind GrantKind, once bool) (Grant, error) {
	g, err := a.s.UseGrant(ctx, token, kind, once)
	if err != nil {
		return Grant{}, err
	}
	if g.Account != a.Account.ID {
		return Grant{}, hongyan.Errorf(hongyan.CodeNotFound, "no such credential")
	}
	return g, nil
}

// UseGrant returns the grant of token if it is of kind and has not
// expired (CodePrecondition with ReasonCodeExpired when it has); once
// marks it used, and a used one fails.
func (s *Service) UseGrant(ctx context.Context, token string, kind GrantKind, once bool) (Grant, error) {
	if token == "" || len(token) > 512 {
		return Grant{}, hongyan.Errorf(hongyan.CodeNotFound, "no such credential")
	}
	return s.store.UseGrant(ctx, HashToken(token), kind, s.now(), once)
}

// Expire makes the account's credentials (of kinds; all when none) expire now.
func (a *App) Expire(ctx context.Context, kinds ...GrantKind) error {
	return a.s.store.ExpireGrants(ctx, a.Account.ID, a.s.now(), kinds...)
}

// Authorize is the caller consenting to the account's web page (OAuth2):
// it returns a code that works once within 5 minutes, for scope
// (snsapi_base or snsapi_userinfo). The caller needs not follow. The
// code is for redirectURI, whose host must be one of the account's OAuth2
// domains when it has any.
func (s *Service) Authorize(ctx context.Context, c hongyan.Caller, appid, scope, redirectURI string) (string, Fan, error) {
	if scope != "snsapi_base" && scope != "snsapi_userinfo" {
		return "", Fan{}, hongyan.Errorf(hongyan.CodeInvalid, "scope is snsapi_base or snsapi_userinfo")
	}
	app, err := s.App(ctx, appid)
	if err != nil {
		return "", Fan{}, err
	}
	if !AllowsRedirect(app.Account, redirectURI) {
		return "", Fan{}, ErrRedirectDomain
	}
	f, err := s.store.EnsureFan(ctx, app.Account.ID, c.User, Follow{OpenID: newOpenID(), UnionID: newOpenID(), At: s.now()})
	if err != nil {
		return "", Fan{}, err
	}
	code, _, err := app.Issue(ctx, GrantOAuthCode, c.User, scope, OAuthCodeTTL, 0)
	return code, f, err
}

// UserFan returns the user as the account knows them (for a grant's user).
func (a *App) UserFan(ctx context.Context, user hongyan.UserID) (Fan, error) {
	return a.s.store.Fan(ctx, a.Account.ID, user)
}

// ValidScope reports whether s is an OAuth2 scope.
func ValidScope(s string) bool {
	return strings.EqualFold(s, "snsapi_base") || strings.EqualFold(s, "snsapi_userinfo")
}

// Prune deletes temporary media past MediaTTL.
func (s *Service) Prune(ctx context.Context) (int, error) {
	return s.store.PruneMedia(ctx, s.now().Add(-MediaTTL))
}
