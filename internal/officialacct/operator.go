package officialacct

import (
	"context"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"hongyan/internal/hongyan"
)

// What each role may do.
var (
	admins   = []Role{RoleAdmin}
	editors  = []Role{RoleAdmin, RoleEditor}
	analysts = []Role{RoleAdmin, RoleEditor, RoleAnalyst}
)

// operate returns the account if the caller operates it in one of roles.
func (s *Service) operate(ctx context.Context, c hongyan.Caller, id AccountID, roles []Role) (Account, error) {
	a, err := s.store.Account(ctx, id)
	if err != nil {
		return Account{}, err
	}
	r, err := s.store.Operator(ctx, id, c.User)
	if err != nil {
		return Account{}, err
	}
	if r == RoleNone {
		return Account{}, hongyan.Errorf(hongyan.CodeDenied, "you do not operate this account")
	}
	if !slices.Contains(roles, r) {
		return Account{}, hongyan.Errorf(hongyan.CodeDenied, "your role on this account does not allow that").WithReason(ReasonRole)
	}
	return a, nil
}

// Created is a new account and its AppSecret, which is shown only now.
type Created struct {
	Account Account
	Secret  string
}

// Create registers an account of kind named name in organisation org
// (created, owned by the caller, when new); the caller becomes its admin.
// Only the organisation's owner creates accounts in it.
func (s *Service) Create(ctx context.Context, c hongyan.Caller, org, name string, kind Kind) (Created, error) {
	org, name = strings.TrimSpace(org), strings.TrimSpace(name)
	if org == "" || hongyan.ValidName("organisation", org, MaxOrgName) != nil {
		return Created{}, hongyan.Errorf(hongyan.CodeInvalid, "an organisation is named in 1 to %d characters", MaxOrgName)
	}
	if name == "" || hongyan.ValidName("name", name, MaxName) != nil {
		return Created{}, hongyan.Errorf(hongyan.CodeInvalid, "an account is named in 1 to %d characters", MaxName)
	}
	if kind != KindSubscription && kind != KindService {
		return Created{}, hongyan.Errorf(hongyan.CodeInvalid, "an account is a subscription or a service account")
	}
	now := s.now()
	o, err := s.store.EnsureOrg(ctx, org, c.User, now)
	if err != nil {
		return Created{}, err
	}
	if o.Owner != c.User {
		return Created{}, hongyan.Errorf(hongyan.CodeDenied, "organisation %q belongs to someone else", org)
	}
	secret := randHex(32)
	a, err := s.store.CreateAccount(ctx, Account{
		Org: o.ID, AppID: "wx" + randHex(16), OriginalID: "gh_" + randHex(12), Name: name, Kind: kind,
		SecretHash: HashToken(secret), Created: now,
	}, c.User)
	if err != nil {
		return Created{}, err
	}
	return Created{Account: a, Secret: secret}, nil
}

// Operated returns the accounts the caller operates.
func (s *Service) Operated(ctx context.Context, c hongyan.Caller) ([]Account, error) {
	return s.store.Operated(ctx, c.User)
}

// Role returns the caller's role on the account.
func (s *Service) Role(ctx context.Context, c hongyan.Caller, id AccountID) (Role, error) {
	return s.store.Operator(ctx, id, c.User)
}

// UpdateProfile changes an account's name, intro and avatar (admins).
func (s *Service) UpdateProfile(ctx context.Context, c hongyan.Caller, id AccountID, name, intro, avatar string) (Account, error) {
	a, err := s.operate(ctx, c, id, admins)
	if err != nil {
		return Account{}, err
	}
	name = strings.TrimSpace(name)
	if name == "" || hongyan.ValidName("name", name, MaxName) != nil {
		return Account{}, hongyan.Errorf(hongyan.CodeInvalid, "an account is named in 1 to %d characters", MaxName)
	}
	if err := validMessageText("intro", intro, MaxIntro); err != nil {
		return Account{}, err
	}
	if len(avatar) > MaxURL || (avatar != "" && !strings.HasPrefix(avatar, "/")) {
		return Account{}, hongyan.Errorf(hongyan.CodeInvalid, "an avatar is a path of this server's media")
	}
	a.Name, a.Intro, a.Avatar = name, intro, avatar
	if err := s.store.UpdateProfile(ctx, a); err != nil {
		return Account{}, err
	}
	return a, nil
}

// change applies edit to the account's settings (with roles) and saves them.
func (s *Service) change(ctx context.Context, c hongyan.Caller, id AccountID, roles []Role, edit func(*Account) error) (Account, error) {
	a, err := s.operate(ctx, c, id, roles)
	if err != nil {
		return Account{}, err
	}
	if err := edit(&a); err != nil {
		return Account{}, err
	}
	if err := s.store.SetSettings(ctx, id, a.Settings); err != nil {
		return Account{}, err
	}
	return a, nil
}

func validReply(r *Content) error {
	if r == nil {
		return nil
	}
	if r.Kind == ContentTemplate {
		return hongyan.Errorf(hongyan.CodeInvalid, "a reply is text, an image or news")
	}
	return ValidContent(*r)
}

// SetReplies sets the welcome and default replies (nil: none) (editors).
func (s *Service) SetReplies(ctx context.Context, c hongyan.Caller, id AccountID, welcome, def *Content) (Account, error) {
	if err := validReply(welcome); err != nil {
		return Account{}, err
	}
	if err := validReply(def); err != nil {
		return Account{}, err
	}
	return s.change(ctx, c, id, editors, func(a *Account) error {
		a.Welcome, a.DefaultReply = welcome, def
		return nil
	})
}

// SetMenu sets (nil: deletes) the account's menu (editors).
func (s *Service) SetMenu(ctx context.Context, c hongyan.Caller, id AccountID, m *Menu) (Account, error) {
	if m != nil {
		if err := ValidMenu(*m); err != nil {
			return Account{}, err
		}
	}
	return s.change(ctx, c, id, editors, func(a *Account) error {
		a.Menu = m
		return nil
	})
}

// SetServer saves the account's developer server after the verification
// GET succeeds; on failure the old configuration stays (admins). An empty
// URL turns developer mode off.
func (s *Service) SetServer(ctx context.Context, c hongyan.Caller, id AccountID, srv Server) (Account, error) {
	a, err := s.operate(ctx, c, id, admins)
	if err != nil {
		return Account{}, err
	}
	return s.setServer(ctx, a, srv)
}

func (s *Service) setServer(ctx context.Context, a Account, srv Server) (Account, error) {
	if srv.URL != "" {
		if !validURL(srv.URL) {
			return Account{}, hongyan.Errorf(hongyan.CodeInvalid, "the server URL is an http or https URL of at most %d bytes", MaxURL)
		}
		if len(srv.Token) < 3 || len(srv.Token) > 32 || !urlSafe(srv.Token) {
			return Account{}, hongyan.Errorf(hongyan.CodeInvalid, "the Token is 3 to 32 letters and digits")
		}
		switch srv.Mode {
		case "":
			srv.Mode = ModePlain
		case ModePlain, ModeCompat, ModeSafe:
		default:
			return Account{}, hongyan.Errorf(hongyan.CodeInvalid, "the mode is plain, compat or safe")
		}
		if srv.Mode != ModePlain || srv.AESKey != "" {
			if len(srv.AESKey) != 43 || strings.ContainsAny(srv.AESKey, "-_") || !urlSafe(srv.AESKey) {
				return Account{}, hongyan.Errorf(hongyan.CodeInvalid, "the EncodingAESKey is 43 letters and digits")
			}
		}
		_, v := s.developer()
		if v == nil {
			return Account{}, hongyan.Errorf(hongyan.CodeUnimplemented, "this node has no developer API")
		}
		if err := v.Verify(ctx, a, srv); err != nil {
			return Account{}, err
		}
	} else {
		srv = Server{}
	}
	a.Server = srv
	if err := s.store.SetSettings(ctx, a.ID, a.Settings); err != nil {
		return Account{}, err
	}
	return a, nil
}

// SetIPAllow sets the addresses allowed to call the developer API
// (addresses or CIDR ranges; empty: any) (admins).
func (s *Service) SetIPAllow(ctx context.Context, c hongyan.Caller, id AccountID, allow []string) (Account, error) {
	if len(allow) > MaxIPAllow {
		return Account{}, hongyan.Errorf(hongyan.CodeInvalid, "at most %d entries", MaxIPAllow)
	}
	for _, x := range allow {
		if _, err := netip.ParsePrefix(x); err != nil {
			if _, err := netip.ParseAddr(x); err != nil {
				return Account{}, hongyan.Errorf(hongyan.CodeInvalid, "%q is not an IP address or range", x)
			}
		}
	}
	return s.change(ctx, c, id, admins, func(a *Account) error {
		a.IPAllow = slices.Clone(allow)
		return nil
	})
}

// SetOAuthDomains sets the hosts an OAuth2 redirect_uri may point at
// (网页授权域名: a host name or address, optionally with a port, without
// scheme or path; empty: any) (admins).
func (s *Service) SetOAuthDomains(ctx context.Context, c hongyan.Caller, id AccountID, domains []string) (Account, error) {
	if len(domains) > MaxOAuthDomains {
		return Account{}, hongyan.Errorf(hongyan.CodeInvalid, "at most %d domains", MaxOAuthDomains)
	}
	clean := make([]string, 0, len(domains))
	for _, d := range domains {
		d = strings.ToLower(strings.TrimSpace(d))
		if !ValidDomain(d) {
			return Account{}, hongyan.Errorf(hongyan.CodeInvalid, "%q is not a domain (a host name, optionally with :port, without http:// or a path)", d)
		}
		if !slices.Contains(clean, d) {
			clean = append(clean, d)
		}
	}
	return s.change(ctx, c, id, admins, func(a *Account) error {
		a.OAuthDomains = clean
		return nil
	})
}

// ErrRedirectDomain refuses an OAuth2 redirect_uri outside the account's
// domains with WeChat's words ("redirect_uri 参数错误", errcode 10003).
var ErrRedirectDomain = hongyan.Errorf(hongyan.CodeInvalid, "redirect_uri 参数错误 (10003: redirect_uri域名与后台配置不一致, the redirect_uri's host is not the account's authorised web domain)")

// AllowsRedirect reports whether an OAuth2 redirect_uri may be used with
// the account: its host must be one of the account's OAuthDomains exactly,
// as in WeChat (a subdomain is another domain). A domain without a port
// allows any port; one with a port only that port. An account without
// domains allows any host. The developer API's authorize endpoint asks it
// through its port (oaapi.App.AllowsRedirect).
func AllowsRedirect(a Account, redirectURI string) bool {
	if len(a.OAuthDomains) == 0 {
		return true
	}
	u, err := url.Parse(redirectURI)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	host, port := strings.ToLower(u.Hostname()), u.Port()
	for _, d := range a.OAuthDomains {
		h, p, err := net.SplitHostPort(d)
		if err != nil {
			h, p = strings.Trim(d, "[]"), ""
		}
		if h == host && (p == "" || p == port) {
			return true
		}
	}
	return false
}

// ValidDomain reports whether d is a host name or IP address, optionally
// followed by :port, in lower case: what an OAuth2 domain may be.
func ValidDomain(d string) bool {
	if d == "" || len(d) > 253 {
		return false
	}
	host := d
	if h, port, err := net.SplitHostPort(d); err == nil {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || strconv.Itoa(n) != port {
			return false
		}
		host = h
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return true
	}
	for _, label := range strings.Split(host, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

// AllowsIP reports whether the account's API may be called from addr.
func AllowsIP(a Account, addr netip.Addr) bool {
	if len(a.IPAllow) == 0 {
		return true
	}
	addr = addr.Unmap()
	for _, x := range a.IPAllow {
		if p, err := netip.ParsePrefix(x); err == nil && p.Contains(addr) {
			return true
		}
		if b, err := netip.ParseAddr(x); err == nil && b.Unmap() == addr {
			return true
		}
	}
	return false
}

// ResetSecret gives the account a new AppSecret, returned once (admins).
// Its access tokens stop working.
func (s *Service) ResetSecret(ctx context.Context, c hongyan.Caller, id AccountID) (string, error) {
	if _, err := s.operate(ctx, c, id, admins); err != nil {
		return "", err
	}
	secret := randHex(32)
	if err := s.store.SetSecretHash(ctx, id, HashToken(secret)); err != nil {
		return "", err
	}
	if err := s.store.ExpireGrants(ctx, id, s.now(), GrantAccessToken, GrantStableToken); err != nil {
		return "", err
	}
	return secret, nil
}

// SetOperator gives user a role on the account (RoleNone removes them)
// (admins). The last admin stays.
func (s *Service) SetOperator(ctx context.Context, c hongyan.Caller, id AccountID, user hongyan.UserID, role Role) error {
	if _, err := s.operate(ctx, c, id, admins); err != nil {
		return err
	}
	if role < RoleNone || role > RoleAnalyst || user <= 0 {
		return hongyan.Errorf(hongyan.CodeInvalid, "a role is admin, editor or analyst")
	}
	ops, err := s.store.Operators(ctx, id)
	if err != nil {
		return err
	}
	if _, ok := ops[user]; !ok && role != RoleNone && len(ops) >= MaxOperators {
		return hongyan.Errorf(hongyan.CodePrecondition, "an account has at most %d operators", MaxOperators).WithReason(ReasonTooMany)
	}
	if ops[user] == RoleAdmin && role != RoleAdmin {
		n := 0
		for _, r := range ops {
			if r == RoleAdmin {
				n++
			}
		}
		if n == 1 {
			return hongyan.Errorf(hongyan.CodePrecondition, "an account keeps at least one admin")
		}
	}
	return s.store.SetOperator(ctx, id, user, role)
}

// Operators returns the account's operators and roles (analysts up).
func (s *Service) Operators(ctx context.Context, c hongyan.Caller, id AccountID) (map[hongyan.UserID]Role, error) {
	if _, err := s.operate(ctx, c, id, analysts); err != nil {
		return nil, err
	}
	return s.store.Operators(ctx, id)
}

// ---- rules ----

// AddRule adds a keyword rule (editors); an account has at most MaxRules.
func (s *Service) AddRule(ctx context.Context, c hongyan.Caller, id AccountID, r Rule) (Rule, error) {
	if _, err := s.operate(ctx, c, id, editors); err != nil {
		return Rule{}, err
	}
	r.Keyword = strings.TrimSpace(r.Keyword)
	if r.Keyword == "" || hongyan.ValidText("keyword", r.Keyword, MaxKeyword) != nil {
		return Rule{}, hongyan.Errorf(hongyan.CodeInvalid, "a keyword is 1 to %d characters", MaxKeyword)
	}
	if r.Match != MatchExact && r.Match != MatchContains {
		return Rule{}, hongyan.Errorf(hongyan.CodeInvalid, "a rule matches exactly or by containing")
	}
	if r.Priority < 0 || r.Priority > 1000 {
		return Rule{}, hongyan.Errorf(hongyan.CodeInvalid, "a priority is 0 to 1000")
	}
	if err := validReply(&r.Reply); err != nil {
		return Rule{}, err
	}
	rules, err := s.store.Rules(ctx, id)
	if err != nil {
		return Rule{}, err
	}
	if len(rules) >= MaxRules {
		return Rule{}, hongyan.Errorf(hongyan.CodePrecondition, "an account has at most %d rules", MaxRules).WithReason(ReasonTooMany)
	}
	r.ID, r.Account = 0, id
	return s.store.AddRule(ctx, r)
}

// Rules returns the account's rules, highest priority first (analysts up).
func (s *Service) Rules(ctx context.Context, c hongyan.Caller, id AccountID) ([]Rule, error) {
	if _, err := s.operate(ctx, c, id, analysts); err != nil {
		return nil, err
	}
	return s.store.Rules(ctx, id)
}

// DeleteRule removes a rule (editors).
func (s *Service) DeleteRule(ctx context.Context, c hongyan.Caller, id AccountID, rule int64) error {
	if _, err := s.operate(ctx, c, id, editors); err != nil {
		return err
	}
	return s.store.DeleteRule(ctx, id, rule)
}

// ---- articles ----

// SaveArticle stores a draft or edits an article (editors); editing a
// published article keeps it published.
func (s *Service) SaveArticle(ctx context.Context, c hongyan.Caller, id AccountID, a Article) (Article, error) {
	if _, err := s.operate(ctx, c, id, editors); err != nil {
		return Article{}, err
	}
	if err := validArticle(a); err != nil {
		return Article{}, err
	}
	now := s.now()
	if a.ID != 0 {
		old, err := s.store.Article(ctx, a.ID)
		if err != nil || old.Account != id {
			return Article{}, hongyan.Errorf(hongyan.CodeNotFound, "no such article")
		}
		a.State, a.Created, a.Published = old.State, old.Created, old.Published
	} else {
		a.State, a.Created = ArticleDraft, now
	}
	a.Account, a.Updated = id, now
	return s.store.SaveArticle(ctx, a)
}

func validArticle(a Article) error {
	if strings.TrimSpace(a.Title) == "" || hongyan.ValidText("title", a.Title, MaxTitle) != nil {
		return hongyan.Errorf(hongyan.CodeInvalid, "a title is 1 to %d characters", MaxTitle)
	}
	if err := hongyan.ValidText("author", a.Author, MaxAuthor); err != nil {
		return err
	}
	if err := validMessageText("digest", a.Digest, MaxDigest); err != nil {
		return err
	}
	if len(a.Cover) > MaxURL || (a.Cover != "" && !strings.HasPrefix(a.Cover, "/")) {
		return hongyan.Errorf(hongyan.CodeInvalid, "a cover is a path of this server's media")
	}
	if len(a.Body) > MaxBlocks {
		return hongyan.Errorf(hongyan.CodeInvalid, "an article has at most %d blocks", MaxBlocks)
	}
	for _, b := range a.Body {
		switch b.Kind {
		case "p", "h", "quote", "li":
			if err := validMessageText("text", b.Text, MaxBlockText); err != nil {
				return err
			}
		case "img":
			if len(b.Src) > MaxURL || !strings.HasPrefix(b.Src, "/") || strings.HasPrefix(b.Src, "//") {
				return hongyan.Errorf(hongyan.CodeInvalid, "an image is a path of this server's media")
			}
			if err := hongyan.ValidText("caption", b.Text, MaxTitle*4); err != nil {
				return err
			}
		default:
			return hongyan.Errorf(hongyan.CodeInvalid, "a block is p, h, quote, li or img")
		}
	}
	return nil
}

// PublishArticle publishes a draft (editors).
func (s *Service) PublishArticle(ctx context.Context, c hongyan.Caller, id AccountID, article int64) (Article, error) {
	if _, err := s.operate(ctx, c, id, editors); err != nil {
		return Article{}, err
	}
	a, err := s.store.Article(ctx, article)
	if err != nil || a.Account != id {
		return Article{}, hongyan.Errorf(hongyan.CodeNotFound, "no such article")
	}
	if a.State != ArticlePublished {
		a.State, a.Published = ArticlePublished, s.now()
		a.Updated = a.Published
		if a, err = s.store.SaveArticle(ctx, a); err != nil {
			return Article{}, err
		}
	}
	return a, nil
}

// Articles returns the account's articles, drafts included (analysts up).
func (s *Service) Articles(ctx context.Context, c hongyan.Caller, id AccountID) ([]Article, error) {
	if _, err := s.operate(ctx, c, id, analysts); err != nil {
		return nil, err
	}
	return s.store.Articles(ctx, id, false, 200)
}

// DeleteArticle removes an article (editors).
func (s *Service) DeleteArticle(ctx context.Context, c hongyan.Caller, id AccountID, article int64) error {
	if _, err := s.operate(ctx, c, id, editors); err != nil {
		return err
	}
	return s.store.DeleteArticle(ctx, id, article)
}

// ---- templates ----

// AddTemplate adds a message template (editors).
func (s *Service) AddTemplate(ctx context.Context, c hongyan.Caller, id AccountID, title, content string) (Template, error) {
	a, err := s.operate(ctx, c, id, editors)
	if err != nil {
		return Template{}, err
	}
	return s.addTemplate(ctx, a, title, content)
}

func (s *Service) addTemplate(ctx context.Context, a Account, title, content string) (Template, error) {
	if strings.TrimSpace(title) == "" || hongyan.ValidText("title", title, MaxTitle) != nil {
		return Template{}, hongyan.Errorf(hongyan.CodeInvalid, "a template's title is 1 to %d characters", MaxTitle)
	}
	if strings.TrimSpace(content) == "" || validMessageText("content", content, MaxText) != nil {
		return Template{}, hongyan.Errorf(hongyan.CodeInvalid, "a template's content is 1 to %d characters", MaxText)
	}
	ts, err := s.store.Templates(ctx, a.ID)
	if err != nil {
		return Template{}, err
	}
	if len(ts) >= MaxTemplates {
		return Template{}, hongyan.Errorf(hongyan.CodePrecondition, "an account has at most %d templates", MaxTemplates).WithReason(ReasonTooMany)
	}
	t := Template{ID: Token(43), Account: a.ID, Title: title, Content: content, Created: s.now()}
	if err := s.store.AddTemplate(ctx, t); err != nil {
		return Template{}, err
	}
	return t, nil
}

// Templates returns the account's templates (analysts up).
func (s *Service) Templates(ctx context.Context, c hongyan.Caller, id AccountID) ([]Template, error) {
	if _, err := s.operate(ctx, c, id, analysts); err != nil {
		return nil, err
	}
	return s.store.Templates(ctx, id)
}

// DeleteTemplate removes a template (editors).
func (s *Service) DeleteTemplate(ctx context.Context, c hongyan.Caller, id AccountID, template string) error {
	if _, err := s.operate(ctx, c, id, editors); err != nil {
		return err
	}
	return s.store.DeleteTemplate(ctx, id, template)
}

// ---- broadcasts ----

// Quota returns how many broadcasts an account of kind may send in the
// period that holds now, and when that period began: subscription
// accounts one a (UTC) day, service accounts four a month.
func Quota(k Kind, now time.Time) (int, time.Time) {
	now = now.UTC()
	if k == KindService {
		return 4, time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	}
	return 1, time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
}

// Broadcast sends content to the account's followers (all, a tag or
// chosen ones) within its quota (editors).
func (s *Service) Broadcast(ctx context.Context, c hongyan.Caller, id AccountID, t Target, content Content) (Broadcast, error) {
	a, err := s.operate(ctx, c, id, editors)
	if err != nil {
		return Broadcast{}, err
	}
	return s.broadcast(ctx, a, t, content)
}

func (s *Service) broadcast(ctx context.Context, a Account, t Target, content Content) (Broadcast, error) {
	if err := s.notSuspended(ctx, a.ID); err != nil {
		return Broadcast{}, err
	}
	if content.Kind == ContentTemplate {
		return Broadcast{}, hongyan.Errorf(hongyan.CodeInvalid, "templates are sent one by one")
	}
	if err := ValidContent(content); err != nil {
		return Broadcast{}, err
	}
	n := 0
	for _, ok := range []bool{t.All, t.Tag != 0, len(t.Users) > 0} {
		if ok {
			n++
		}
	}
	if n != 1 {
		return Broadcast{}, hongyan.Errorf(hongyan.CodeInvalid, "broadcast to all followers, a tag or chosen followers")
	}
	if len(t.Users) > MaxTargetUser {
		return Broadcast{}, hongyan.Errorf(hongyan.CodeInvalid, "at most %d chosen followers", MaxTargetUser)
	}
	if t.Tag != 0 {
		tags, err := s.store.Tags(ctx, a.ID)
		if err != nil {
			return Broadcast{}, err
		}
		if !slices.ContainsFunc(tags, func(x Tag) bool { return x.ID == t.Tag }) {
			return Broadcast{}, hongyan.Errorf(hongyan.CodeNotFound, "no such tag")
		}
	}
	now := s.now()
	quota, since := Quota(a.Kind, now)
	b, changes, err := s.store.Broadcast(ctx, Broadcast{Account: a.ID, Target: t, Content: content, Created: now}, since, quota, hongyan.ChangeOAMessage)
	if err != nil {
		return Broadcast{}, err
	}
	s.pub.PublishChanges(ctx, changes)
	s.notifyJob(ctx, a, Push{Event: "MASSSENDJOBFINISH", MsgID: b.ID, Status: "send success", Total: b.Total, Filtered: b.Total, Sent: b.Total})
	return b, nil
}

// notifyJob pushes a job's end to the account's developer server, if any,
// without holding the caller.
func (s *Service) notifyJob(ctx context.Context, a Account, p Push) {
	sink, _ := s.developer()
	if sink == nil || a.Server.URL == "" {
		return
	}
	p.Account, p.Created = a, s.now()
	s.jobs.Add(1)
	go func() {
		defer s.jobs.Done()
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		sink.Push(ctx, p)
	}()
}

// Broadcasts returns the account's recent broadcasts and how many more it
// may send in the current period (analysts up).
func (s *Service) Broadcasts(ctx context.Context, c hongyan.Caller, id AccountID) ([]Broadcast, int, error) {
	a, err := s.operate(ctx, c, id, analysts)
	if err != nil {
		return nil, 0, err
	}
	bs, err := s.store.Broadcasts(ctx, id, 100)
	if err != nil {
		return nil, 0, err
	}
	quota, since := Quota(a.Kind, s.now())
	used, err := s.store.CountBroadcasts(ctx, id, since)
	if err != nil {
		return nil, 0, err
	}
	return bs, max(0, quota-used), nil
}

// Preview sends content to one operator who follows the account, outside
// the quota (editors).
func (s *Service) Preview(ctx context.Context, c hongyan.Caller, id AccountID, content Content) (Message, error) {
	if _, err := s.operate(ctx, c, id, editors); err != nil {
		return Message{}, err
	}
	if err := ValidContent(content); err != nil {
		return Message{}, err
	}
	f, err := s.store.Fan(ctx, id, c.User)
	if err != nil || !f.Following {
		return Message{}, hongyan.Errorf(hongyan.CodePrecondition, "follow the account to preview").WithReason(ReasonNotFollowing)
	}
	return s.deliver(ctx, id, c.User, content)
}

// ---- followers ----

func (s *Service) followers(ctx context.Context, id AccountID, q FanQuery) ([]Fan, error) {
	if q.Limit <= 0 || q.Limit > MaxPage {
		q.Limit = MaxPage
	}
	if len(q.After) > 64 || !utf8Valid(q.Search, 30) {
		return nil, hongyan.Errorf(hongyan.CodeInvalid, "bad follower query")
	}
	return s.store.Followers(ctx, id, q)
}

// SetRemark sets an operator's remark on a follower (editors).
func (s *Service) SetRemark(ctx context.Context, c hongyan.Caller, id AccountID, user hongyan.UserID, remark string) error {
	if _, err := s.operate(ctx, c, id, editors); err != nil {
		return err
	}
	if err := hongyan.ValidName("remark", remark, MaxRemark); err != nil {
		return err
	}
	return s.store.SetRemark(ctx, id, user, remark)
}

// SetBlocked blocks or unblocks a follower (editors): a blocked follower's
// messages are refused and broadcasts skip them.
func (s *Service) SetBlocked(ctx context.Context, c hongyan.Caller, id AccountID, user hongyan.UserID, blocked bool) error {
	if _, err := s.operate(ctx, c, id, editors); err != nil {
		return err
	}
	return s.store.SetBlocked(ctx, id, user, blocked)
}

// Tags returns the account's tags (analysts up).
func (s *Service) Tags(ctx context.Context, c hongyan.Caller, id AccountID) ([]Tag, error) {
	if _, err := s.operate(ctx, c, id, analysts); err != nil {
		return nil, err
	}
	return s.store.Tags(ctx, id)
}

// CreateTag adds a tag (editors).
func (s *Service) CreateTag(ctx context.Context, c hongyan.Caller, id AccountID, name string) (Tag, error) {
	if _, err := s.operate(ctx, c, id, editors); err != nil {
		return Tag{}, err
	}
	return s.createTag(ctx, id, name)
}

func validTagName(name string) error {
	if strings.TrimSpace(name) == "" || len(name) > MaxTagName || hongyan.ValidName("tag", name, MaxTagName) != nil {
		return hongyan.Errorf(hongyan.CodeInvalid, "a tag's name is 1 to %d bytes", MaxTagName)
	}
	return nil
}

func (s *Service) createTag(ctx context.Context, id AccountID, name string) (Tag, error) {
	if err := validTagName(name); err != nil {
		return Tag{}, err
	}
	tags, err := s.store.Tags(ctx, id)
	if err != nil {
		return Tag{}, err
	}
	if len(tags) >= MaxTags {
		return Tag{}, hongyan.Errorf(hongyan.CodePrecondition, "an account has at most %d tags", MaxTags).WithReason(ReasonTooMany)
	}
	return s.store.CreateTag(ctx, id, name)
}

// RenameTag renames a tag (editors).
func (s *Service) RenameTag(ctx context.Context, c hongyan.Caller, id AccountID, tag int64, name string) error {
	if _, err := s.operate(ctx, c, id, editors); err != nil {
		return err
	}
	if err := validTagName(name); err != nil {
		return err
	}
	return s.store.RenameTag(ctx, id, tag, name)
}

// DeleteTag removes a tag from the account and its followers (editors).
func (s *Service) DeleteTag(ctx context.Context, c hongyan.Caller, id AccountID, tag int64) error {
	if _, err := s.operate(ctx, c, id, editors); err != nil {
		return err
	}
	return s.store.DeleteTag(ctx, id, tag)
}

// TagFollowers adds or removes a tag on up to 50 followers (editors).
func (s *Service) TagFollowers(ctx context.Context, c hongyan.Caller, id AccountID, tag int64, users []hongyan.UserID, add bool) error {
	if _, err := s.operate(ctx, c, id, editors); err != nil {
		return err
	}
	return s.tagFans(ctx, id, tag, users, add)
}

func (s *Service) tagFans(ctx context.Context, id AccountID, tag int64, users []hongyan.UserID, add bool) error {
	if len(users) == 0 || len(users) > 50 {
		return hongyan.Errorf(hongyan.CodeInvalid, "tag 1 to 50 followers at a time")
	}
	if add {
		for _, u := range users {
			f, err := s.store.Fan(ctx, id, u)
			if err != nil {
				return err
			}
			if len(f.Tags) >= MaxTagsPerFan && !slices.Contains(f.Tags, tag) {
				return hongyan.Errorf(hongyan.CodePrecondition, "a follower has at most %d tags", MaxTagsPerFan).WithReason(ReasonTooMany)
			}
		}
	}
	return s.store.TagFans(ctx, id, tag, users, add)
}

// Stats returns the account's daily counters from, to ("2006-01-02")
// (analysts up).
func (s *Service) Stats(ctx context.Context, c hongyan.Caller, id AccountID, from, to string) ([]DayStats, error) {
	if _, err := s.operate(ctx, c, id, analysts); err != nil {
		return nil, err
	}
	f, err1 := time.Parse("2006-01-02", from)
	t, err2 := time.Parse("2006-01-02", to)
	if err1 != nil || err2 != nil || t.Before(f) || t.Sub(f) > 366*24*time.Hour {
		return nil, hongyan.Errorf(hongyan.CodeInvalid, "statistics cover 1 to 366 days, from and to as YYYY-MM-DD")
	}
	return s.store.Stats(ctx, id, from, to)
}
