package bot

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"time"

	"hongyan/internal/hongyan"
)

// The open group-app platform: a third party registers its bot as an app
// (a description, a redirect URI, the scopes it asks for) and gets a client
// secret; a group's owner consents on a screen of the web client, which
// adds the app's bot to the group with the scopes consented to and sends
// the owner's browser to the redirect URI with a one-time code; the app
// exchanges the code, its secret and (when it sent a PKCE challenge) the
// verifier for a token limited to that group. The owner lists the apps of
// the group and revokes one: its grant and tokens go at once and its bot
// leaves the group. Payments are not among the scopes: an app takes money
// only through the wallet's own API.

// Scopes only apps (and bots) may hold besides the bot scopes.
const (
	ScopeProfiles     = "profiles:read" // read group members' profile cards
	ScopeMessagesRead = "messages:read" // an app token sees its group's message events
)

// AppScopes are the scopes an app may ask for, in a fixed order.
var AppScopes = []string{ScopeGroupsRead, ScopeProfiles, ScopeMessagesRead, ScopeSend, ScopeApps}

// App is a bot registered as a third-party app.
type App struct {
	Bot         int64
	Description string
	RedirectURI string
	Scopes      []string // what it may ask a group's owner for
	SecretHash  []byte
	Updated     time.Time
}

// AppCode is a consent waiting to be exchanged for a token.
type AppCode struct {
	Hash      []byte // SHA-256 of the code
	Bot       int64
	Group     hongyan.ConversationID
	Scopes    []string
	By        hongyan.UserID
	Redirect  string
	Challenge string // PKCE S256 challenge, or empty
	Expires   time.Time
}

// AppStore keeps apps, their codes and their grants.
type AppStore interface {
	// SetApp stores a in place of the bot's app registration.
	SetApp(ctx context.Context, a App) error
	// App returns the bot's registration (CodeNotFound if none).
	App(ctx context.Context, bot int64) (App, error)
	// AddAppCode stores c.
	AddAppCode(ctx context.Context, c AppCode) error
	// TakeAppCode deletes and returns the code whose hash is hash
	// (CodeNotFound if none): a code is taken once.
	TakeAppCode(ctx context.Context, hash []byte) (AppCode, error)
	// GroupGrants returns the grants of group, oldest first.
	GroupGrants(ctx context.Context, group hongyan.ConversationID) ([]Grant, error)
	// DropGrant deletes the bot's grant in group and its tokens limited to
	// group, in one transaction; it returns the IDs of the tokens deleted
	// (CodeNotFound if there was no grant).
	DropGrant(ctx context.Context, bot int64, group hongyan.ConversationID) ([]int64, error)
}

// Limits of apps.
const (
	MaxDescription = 200 // characters of an app's description
	MaxState       = 128 // bytes of the state a consent carries back
	CodeTTL        = 5 * time.Minute
	maxChallenge   = 128
	appSecretPfx   = "hya_"
	appCodePfx     = "hyc_"
	maxAppTokens   = 1 << 20 // app tokens are bounded by the groups that granted them
)

// AppInfo is an app as a consent screen or a group's owner sees it.
type AppInfo struct {
	Bot         Bot
	Description string
	RedirectURI string
	Scopes      []string
}

// RegisterApp registers (or updates) bot id as an app and returns a new
// client secret (shown once). Only the bot's owner may.
func (s *Service) RegisterApp(ctx context.Context, c hongyan.Caller, id int64, description, redirect string, scopes []string) (string, error) {
	if _, err := s.owned(ctx, c, id); err != nil {
		return "", err
	}
	if err := hongyan.ValidText("description", description, MaxDescription); err != nil {
		return "", err
	}
	if err := checkRedirect(redirect); err != nil {
		return "", err
	}
	if len(scopes) == 0 || len(scopes) > len(AppScopes) {
		return "", hongyan.Errorf(hongyan.CodeInvalid, "an app asks for 1 to %d of the scopes %s", len(AppScopes), strings.Join(AppScopes, ", "))
	}
	for _, sc := range scopes {
		if !slices.Contains(AppScopes, sc) {
			return "", hongyan.Errorf(hongyan.CodeInvalid, "an app may not ask for %q (it may ask for %s)", sc, strings.Join(AppScopes, ", "))
		}
	}
	raw := make([]byte, 32)
	rand.Read(raw)
	secret := appSecretPfx + base64.RawURLEncoding.EncodeToString(raw)
	a := App{Bot: id, Description: description, RedirectURI: redirect, Scopes: slices.Clone(scopes), SecretHash: HashToken(secret), Updated: s.now()}
	if err := s.store.SetApp(ctx, a); err != nil {
		return "", err
	}
	return secret, nil
}

func checkRedirect(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || len(raw) > MaxURL || u.Host == "" || u.User != nil || u.Fragment != "" || (u.Scheme != "https" && u.Scheme != "http") {
		return hongyan.Errorf(hongyan.CodeInvalid, "a redirect URI is an http(s) URL of at most %d bytes without user info or fragment", MaxURL)
	}
	return nil
}

// AppInfo returns app id as a consent screen shows it (to any signed-in
// user: it is what the app tells the world).
func (s *Service) AppInfo(ctx context.Context, id int64) (AppInfo, error) {
	a, err := s.store.App(ctx, id)
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
		return AppInfo{}, hongyan.Errorf(hongyan.CodeNotFound, "no such app")
	}
	if err != nil {
		return AppInfo{}, err
	}
	b, err := s.store.Bot(ctx, id)
	if err != nil {
		return AppInfo{}, err
	}
	return AppInfo{Bot: b, Description: a.Description, RedirectURI: a.RedirectURI, Scopes: a.Scopes}, nil
}

// Consent is a group owner's answer on the consent screen.
type Consent struct {
	App       int64
	Group     hongyan.ConversationID
	Scopes    []string
	Redirect  string // must equal the app's redirect URI
	Challenge string // PKCE S256 code challenge (base64url of SHA-256 of the verifier), optional
}

// Authorize records the caller's consent: only the group's owner may. The
// app's bot joins the group with the scopes consented to (a subset of what
// the app asks for) and a code is returned for the app to exchange within
// CodeTTL, once.
func (s *Service) Authorize(ctx context.Context, c hongyan.Caller, in Consent) (string, error) {
	a, err := s.AppInfo(ctx, in.App)
	if err != nil {
		return "", err
	}
	if in.Redirect != a.RedirectURI {
		return "", hongyan.Errorf(hongyan.CodeInvalid, "redirect_uri is not the one the app registered")
	}
	if len(in.Challenge) > maxChallenge {
		return "", hongyan.Errorf(hongyan.CodeInvalid, "a code challenge has at most %d characters", maxChallenge)
	}
	if len(in.Scopes) == 0 || len(in.Scopes) > len(AppScopes) {
		return "", hongyan.Errorf(hongyan.CodeInvalid, "consent to 1 to %d scopes", len(AppScopes))
	}
	for _, sc := range in.Scopes {
		if !slices.Contains(a.Scopes, sc) {
			return "", hongyan.Errorf(hongyan.CodeInvalid, "the app did not ask for %q", sc)
		}
	}
	if _, err := s.AddToGroup(ctx, c, in.Group, in.App, in.Scopes); err != nil {
		return "", err
	}
	raw := make([]byte, 32)
	rand.Read(raw)
	code := appCodePfx + base64.RawURLEncoding.EncodeToString(raw)
	err = s.store.AddAppCode(ctx, AppCode{Hash: HashToken(code), Bot: in.App, Group: in.Group, Scopes: slices.Clone(in.Scopes), By: c.User,
		Redirect: in.Redirect, Challenge: in.Challenge, Expires: s.now().Add(CodeTTL)})
	if err != nil {
		return "", err
	}
	return code, nil
}

// Exchange is an app's request for a token.
type Exchange struct {
	App      int64
	Secret   string
	Code     string
	Redirect string
	Verifier string // PKCE verifier, when the consent carried a challenge
}

// Granted is the token an app got for a group.
type Granted struct {
	Token  string
	Group  hongyan.ConversationID
	Scopes []string
}

var errBadCode = hongyan.Errorf(hongyan.CodeDenied, "the code is unknown, used, expired or not this app's")

// ExchangeCode turns a consent's code into a token limited to its group
// (the code works once, within CodeTTL; the app proves itself with its
// secret, and with the PKCE verifier when the consent carried a
// challenge).
func (s *Service) ExchangeCode(ctx context.Context, in Exchange) (Granted, error) {
	if len(in.Code) > MaxTokenLen || len(in.Secret) > MaxTokenLen || len(in.Verifier) > maxChallenge {
		return Granted{}, hongyan.Errorf(hongyan.CodeInvalid, "code, secret and verifier have at most %d characters", MaxTokenLen)
	}
	a, err := s.store.App(ctx, in.App)
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
		return Granted{}, errBadToken
	}
	if err != nil {
		return Granted{}, err
	}
	if subtle.ConstantTimeCompare(HashToken(in.Secret), a.SecretHash) != 1 {
		return Granted{}, hongyan.Errorf(hongyan.CodeUnauth, "wrong app ID or secret")
	}
	code, err := s.store.TakeAppCode(ctx, HashToken(in.Code))
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
		return Granted{}, errBadCode
	}
	if err != nil {
		return Granted{}, err
	}
	if code.Bot != in.App || !s.now().Before(code.Expires) || code.Redirect != in.Redirect {
		return Granted{}, errBadCode
	}
	if code.Challenge != "" {
		sum := sha256.Sum256([]byte(in.Verifier))
		if subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(code.Challenge)) != 1 {
			return Granted{}, hongyan.Errorf(hongyan.CodeDenied, "the code verifier does not match the challenge")
		}
	}
	// The owner may have revoked the app since consenting.
	g, err := s.store.Grant(ctx, in.App, code.Group)
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
		return Granted{}, errBadCode
	}
	if err != nil {
		return Granted{}, err
	}
	scopes := slices.DeleteFunc(slices.Clone(code.Scopes), func(sc string) bool { return !slices.Contains(g.Scopes, sc) })
	if len(scopes) == 0 {
		return Granted{}, errBadCode
	}
	raw := make([]byte, 32)
	rand.Read(raw)
	tok := tokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
	if _, err := s.store.AddToken(ctx, Token{Bot: in.App, Hash: HashToken(tok), Scopes: scopes, Group: code.Group, App: true, Created: s.now()}, maxAppTokens); err != nil {
		return Granted{}, err
	}
	return Granted{Token: tok, Group: code.Group, Scopes: scopes}, nil
}

// GroupApp is an app (or bot) granted scopes in a group.
type GroupApp struct {
	Grant Grant
	Bot   Bot
	App   bool // registered as an app
	Desc  string
}

// GroupApps lists the apps and bots granted scopes in group, to its owner.
func (s *Service) GroupApps(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID) ([]GroupApp, error) {
	if err := s.ownerOf(ctx, c, group); err != nil {
		return nil, err
	}
	gs, err := s.store.GroupGrants(ctx, group)
	if err != nil {
		return nil, err
	}
	out := make([]GroupApp, 0, len(gs))
	for _, g := range gs {
		b, err := s.store.Bot(ctx, g.Bot)
		if err != nil {
			continue
		}
		ga := GroupApp{Grant: g, Bot: b}
		if a, err := s.store.App(ctx, g.Bot); err == nil {
			ga.App, ga.Desc = true, a.Description
		}
		out = append(out, ga)
	}
	return out, nil
}

// RevokeApp takes back what group's owner granted bot id there: the grant
// and the tokens limited to the group go at once (their streams end
// through OnRevoke), and the bot leaves the group.
func (s *Service) RevokeApp(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, id int64) error {
	if err := s.ownerOf(ctx, c, group); err != nil {
		return err
	}
	b, err := s.store.Bot(ctx, id)
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
		return errNoBot
	}
	if err != nil {
		return err
	}
	toks, err := s.store.DropGrant(ctx, id, group)
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
		return hongyan.Errorf(hongyan.CodeNotFound, "this app has no grant in the group")
	}
	if err != nil {
		return err
	}
	if s.onRevoke != nil && len(toks) > 0 {
		s.onRevoke(toks)
	}
	return s.groups.RemoveBot(ctx, c.User, group, b.Account)
}

// OnRevoke sets fn to be called with the IDs of tokens revoked by a
// group's owner (the node ends their event streams).
func (s *Service) OnRevoke(fn func(tokens []int64)) { s.onRevoke = fn }

func (s *Service) ownerOf(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID) error {
	owner, err := s.groups.Owner(ctx, group)
	if err != nil {
		return err
	}
	if owner != c.User {
		return hongyan.Errorf(hongyan.CodeDenied, "only the group's owner manages its apps").WithReason(hongyan.ReasonOwnerOnly)
	}
	return nil
}

// visible reports whether an app token p may see event e: only its
// group's events, and message events only when messages (it holds
// messages:read within the group's grant). Other tokens see every event
// of their bot.
func visible(p Principal, e Event, messages bool) bool {
	if !p.Token.App {
		return true
	}
	var d struct {
		Chat struct {
			Type string `json:"type"`
			ID   int64  `json:"id"`
		} `json:"chat"`
		Group int64 `json:"group"`
	}
	if json.Unmarshal(e.Data, &d) != nil {
		return false
	}
	switch e.Type {
	case EventMessage, EventMention:
		return d.Chat.Type == "group" && d.Chat.ID == int64(p.Token.Group) && messages
	case EventMemberJoined, EventMemberLeft:
		return d.Group == int64(p.Token.Group)
	}
	return false
}
