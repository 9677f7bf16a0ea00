package bot

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"hongyan/internal/hongyan"
)

// Accounts creates bot accounts (the account feature).
type Accounts interface {
	// CreateBotAccount creates an account with accountID and nickname that
	// cannot sign in with a password and accepts friend requests at once.
	CreateBotAccount(ctx context.Context, accountID, nickname string) (hongyan.UserID, error)
}

// Groups is what bots need of the group feature.
type Groups interface {
	// Owner returns the group's owner (CodeNotFound if no such group).
	Owner(ctx context.Context, group hongyan.ConversationID) (hongyan.UserID, error)
	// AddBot makes account a member of group on owner's behalf (making
	// them contacts first, as joining a group needs).
	AddBot(ctx context.Context, owner hongyan.UserID, group hongyan.ConversationID, account hongyan.UserID) error
	// RemoveBot removes account from group on owner's behalf (done when it
	// is not a member).
	RemoveBot(ctx context.Context, owner hongyan.UserID, group hongyan.ConversationID, account hongyan.UserID) error
}

// Source reads what happened to a bot's account: its change log after a
// cursor, resolved into Happenings (the node fills it from the change log,
// chat and contacts).
type Source interface {
	// Read returns what happened after cursor after (at most about limit
	// change-log entries' worth) and the cursor to continue from.
	Read(ctx context.Context, account hongyan.UserID, after int64, limit int) ([]Happening, int64, error)
}

// HappeningKind says what a Happening is.
type HappeningKind int

// Happening kinds.
const (
	HappenedMessage       HappeningKind = 1 // a message in a chat of the account
	HappenedFriendRequest HappeningKind = 2 // a friend request to or from the account
)

// Happening is one thing that happened to a bot's account.
type Happening struct {
	Kind HappeningKind
	Time time.Time

	// HappenedMessage.
	Message    hongyan.MessageID
	Group      hongyan.ConversationID // 0: a direct chat with Sender
	Sender     hongyan.UserID
	Peer       hongyan.UserID // direct chats: the other user
	MsgKind    string         // text, image, …, notice
	Text       string
	Mentions   []hongyan.UserID
	MentionAll bool
	Notice     string // joined or left (MsgKind notice)
	Media      string // image, voice, …: the uploaded media ID
	Users      []hongyan.UserID

	// HappenedFriendRequest.
	Request  int64
	From, To hongyan.UserID
	Greeting string
}

// Config holds the bot feature's limits.
type Config struct {
	BotsPerOwner   int           // bots one user may own
	TokensPerBot   int           // tokens one bot may hold
	RequestsPerMin int           // API requests per token per minute (0: no limit)
	MaxAttempts    int           // delivery attempts before a delivery fails
	FirstRetry     time.Duration // delay after the first failed attempt; doubles each time
	MaxRetry       time.Duration // the longest delay between attempts
	Lease          time.Duration // how long a node holds a delivery it is sending
	AllowHTTP      bool          // webhook URLs may be http:// (tests, loopback)
	KeepEvents     time.Duration // events and settled deliveries are kept this long (0: for ever)
}

// DefaultConfig is the limits of a node without configuration.
func DefaultConfig() Config {
	return Config{BotsPerOwner: 20, TokensPerBot: 50, RequestsPerMin: 600, MaxAttempts: 8,
		FirstRetry: 5 * time.Second, MaxRetry: 10 * time.Minute, Lease: time.Minute, AllowHTTP: true, KeepEvents: 30 * 24 * time.Hour}
}

// Limits of input.
const (
	MaxName       = 32   // characters of a bot's name
	MaxURL        = 2048 // bytes of a webhook URL
	MaxEventsPage = 100  // events in one read
	MaxDelivPage  = 100  // deliveries in one read
	MaxScopes     = 8    // scopes named in one request
)

// Service implements the bot rules. It is safe for concurrent use.
type Service struct {
	store  Store
	accts  Accounts
	groups Groups
	source Source
	cfg    Config
	now    func() time.Time
	onNew  func(Bot)
	pub    hongyan.Publisher

	onRevoke func(tokens []int64)
}

// SetPublisher sets where the owner's change-log entries (ChangeBot) are
// announced.
func (s *Service) SetPublisher(p hongyan.Publisher) { s.pub = p }

func (s *Service) publish(ctx context.Context, changes []hongyan.Change) {
	if s.pub.Bus != nil && len(changes) > 0 {
		s.pub.PublishChanges(ctx, changes)
	}
}

// New returns a Service.
func New(store Store, accts Accounts, groups Groups, source Source, cfg Config) *Service {
	return &Service{store: store, accts: accts, groups: groups, source: source, cfg: cfg, now: time.Now}
}

// OnCreate sets fn to be called with each bot this service creates (the
// node starts listening to its account).
func (s *Service) OnCreate(fn func(Bot)) { s.onNew = fn }

// SetClock replaces the service's clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

var (
	errNoBot    = hongyan.Errorf(hongyan.CodeNotFound, "no such bot")
	errBadToken = hongyan.Errorf(hongyan.CodeUnauth, "missing or unknown bot token")
)

// Created is a new bot and its first token.
type Created struct {
	Bot   Bot
	Token string
}

// Create makes a bot owned by the caller: an account of its own (account
// ID bot_ and random letters) and a first token with DefaultScopes.
func (s *Service) Create(ctx context.Context, c hongyan.Caller, name string) (Created, error) {
	if strings.TrimSpace(name) == "" {
		return Created{}, hongyan.Errorf(hongyan.CodeInvalid, "a bot needs a name")
	}
	if err := hongyan.ValidName("bot name", name, MaxName); err != nil {
		return Created{}, err
	}
	mine, err := s.store.BotsOf(ctx, c.User)
	if err != nil {
		return Created{}, err
	}
	if len(mine) >= s.cfg.BotsPerOwner {
		return Created{}, hongyan.Errorf(hongyan.CodePrecondition, "you own %d bots already, the most one user may", s.cfg.BotsPerOwner)
	}
	accountID := "bot_" + strings.ToLower(randomText(9))
	acct, err := s.accts.CreateBotAccount(ctx, accountID, name)
	if err != nil {
		return Created{}, err
	}
	b, changes, err := s.store.CreateBot(ctx, Bot{Owner: c.User, Account: acct, AccountID: accountID, Name: name, Created: s.now()},
		[]hongyan.Change{{User: c.User, Kind: hongyan.ChangeBot}})
	if err != nil {
		return Created{}, err
	}
	s.publish(ctx, changes)
	tok, err := s.issue(ctx, b.ID, DefaultScopes, 0)
	if err != nil {
		return Created{}, err
	}
	if s.onNew != nil {
		s.onNew(b)
	}
	return Created{Bot: b, Token: tok}, nil
}

// randomText returns n random characters of base32 (letters and digits).
func randomText(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	const abc = "abcdefghijklmnopqrstuvwxyz234567"
	for i := range b {
		b[i] = abc[b[i]&31]
	}
	return string(b)
}

// owned returns bot id if the caller owns it.
func (s *Service) owned(ctx context.Context, c hongyan.Caller, id int64) (Bot, error) {
	b, err := s.store.Bot(ctx, id)
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound || (err == nil && b.Owner != c.User) {
		return Bot{}, errNoBot
	}
	return b, err
}

// Bot returns bot id to its owner.
func (s *Service) Bot(ctx context.Context, c hongyan.Caller, id int64) (Bot, error) {
	return s.owned(ctx, c, id)
}

// Bots lists the caller's bots.
func (s *Service) Bots(ctx context.Context, c hongyan.Caller) ([]Bot, error) {
	return s.store.BotsOf(ctx, c.User)
}

// IssueToken makes a new token of bot id with scopes, limited to group if
// not 0. Only the bot's owner may.
func (s *Service) IssueToken(ctx context.Context, c hongyan.Caller, id int64, scopes []string, group hongyan.ConversationID) (string, error) {
	if _, err := s.owned(ctx, c, id); err != nil {
		return "", err
	}
	if len(scopes) == 0 || len(scopes) > MaxScopes {
		return "", hongyan.Errorf(hongyan.CodeInvalid, "name 1 to %d scopes", MaxScopes)
	}
	for _, sc := range scopes {
		if !slices.Contains(AllScopes, sc) {
			return "", hongyan.Errorf(hongyan.CodeInvalid, "unknown scope %q", sc)
		}
	}
	if group < 0 {
		return "", hongyan.Errorf(hongyan.CodeInvalid, "bad group ID")
	}
	return s.issue(ctx, id, scopes, group)
}

const tokenPrefix = "hyb_"

func (s *Service) issue(ctx context.Context, bot int64, scopes []string, group hongyan.ConversationID) (string, error) {
	raw := make([]byte, 32)
	rand.Read(raw)
	tok := tokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
	_, err := s.store.AddToken(ctx, Token{Bot: bot, Hash: HashToken(tok), Scopes: slices.Clone(scopes), Group: group, Created: s.now()}, s.cfg.TokensPerBot)
	if err != nil {
		return "", err
	}
	return tok, nil
}

// HashToken is the stored form of a token.
func HashToken(tok string) []byte {
	h := sha256.Sum256([]byte(tok))
	return h[:]
}

// Principal is a bot acting through one of its tokens.
type Principal struct {
	Bot   Bot
	Token Token
}

// MaxTokenLen bounds the bearer token read from a request.
const MaxTokenLen = 128

// Authenticate returns the bot and token behind tok, after counting the
// request against the token's rate limit (in the store, so that the limit
// holds across nodes).
func (s *Service) Authenticate(ctx context.Context, tok string) (Principal, error) {
	if !strings.HasPrefix(tok, tokenPrefix) || len(tok) > MaxTokenLen {
		return Principal{}, errBadToken
	}
	t, err := s.store.TokenByHash(ctx, HashToken(tok))
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
		return Principal{}, errBadToken
	}
	if err != nil {
		return Principal{}, err
	}
	if s.cfg.RequestsPerMin > 0 {
		ok, err := s.store.Take(ctx, "token:"+strconv.FormatInt(t.ID, 10), s.now().Unix()/60, s.cfg.RequestsPerMin)
		if err != nil {
			return Principal{}, err
		}
		if !ok {
			return Principal{}, hongyan.Errorf(hongyan.CodeRateLimited, "this token made %d requests this minute, the most it may; try again in a minute", s.cfg.RequestsPerMin)
		}
	}
	b, err := s.store.Bot(ctx, t.Bot)
	if err != nil {
		return Principal{}, err
	}
	return Principal{Bot: b, Token: t}, nil
}

// Allow checks that p may use scope, in group if not 0: the token holds
// the scope, names no other group, and the group's owner granted the
// scope to the bot. Direct chats need only the token's scope.
func (s *Service) Allow(ctx context.Context, p Principal, scope string, group hongyan.ConversationID) error {
	if !p.Token.Has(scope) {
		return hongyan.Errorf(hongyan.CodeDenied, "this token lacks the scope %s", scope)
	}
	if group == 0 {
		if p.Token.App {
			return hongyan.Errorf(hongyan.CodeDenied, "an app's token acts in its group %d only", p.Token.Group)
		}
		if p.Token.Group != 0 && scope != ScopeSend {
			return hongyan.Errorf(hongyan.CodeDenied, "this token is limited to group %d", p.Token.Group)
		}
		return nil
	}
	if p.Token.Group != 0 && p.Token.Group != group {
		return hongyan.Errorf(hongyan.CodeDenied, "this token is limited to group %d", p.Token.Group)
	}
	g, err := s.store.Grant(ctx, p.Bot.ID, group)
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
		return hongyan.Errorf(hongyan.CodeDenied, "the group's owner has not added this bot to group %d", group)
	}
	if err != nil {
		return err
	}
	if !slices.Contains(g.Scopes, scope) {
		return hongyan.Errorf(hongyan.CodeDenied, "the group's owner has not granted %s in group %d", scope, group)
	}
	return nil
}

// AddToGroup adds bot id to group with scopes granted (DefaultScopes when
// none). Only the group's owner may, and may call it again to change the
// grant. The bot's owner need not be the group's.
func (s *Service) AddToGroup(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, id int64, scopes []string) (Grant, error) {
	if len(scopes) > MaxScopes {
		return Grant{}, hongyan.Errorf(hongyan.CodeInvalid, "name at most %d scopes", MaxScopes)
	}
	if len(scopes) == 0 {
		scopes = DefaultScopes
	}
	for _, sc := range scopes {
		if !slices.Contains(AllScopes, sc) {
			return Grant{}, hongyan.Errorf(hongyan.CodeInvalid, "unknown scope %q", sc)
		}
	}
	owner, err := s.groups.Owner(ctx, group)
	if err != nil {
		return Grant{}, err
	}
	if owner != c.User {
		return Grant{}, hongyan.Errorf(hongyan.CodeDenied, "only the group's owner may add a bot").WithReason(hongyan.ReasonOwnerOnly)
	}
	b, err := s.store.Bot(ctx, id)
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
		return Grant{}, errNoBot
	}
	if err != nil {
		return Grant{}, err
	}
	if err := s.groups.AddBot(ctx, c.User, group, b.Account); err != nil {
		return Grant{}, err
	}
	g := Grant{Bot: b.ID, Group: group, Scopes: slices.Clone(scopes), By: c.User, Created: s.now()}
	return g, s.store.SetGrant(ctx, g)
}

// AddToGroupByAccount is AddToGroup for the bot acting as account.
func (s *Service) AddToGroupByAccount(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, account hongyan.UserID, scopes []string) (Grant, error) {
	b, err := s.store.BotByAccount(ctx, account)
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
		return Grant{}, errNoBot
	}
	if err != nil {
		return Grant{}, err
	}
	return s.AddToGroup(ctx, c, group, b.ID, scopes)
}

// SetWebhook points bot id's events at rawURL (empty: stop delivering)
// and returns the new signing secret. Only the owner may.
func (s *Service) SetWebhook(ctx context.Context, c hongyan.Caller, id int64, rawURL string) (Webhook, error) {
	if _, err := s.owned(ctx, c, id); err != nil {
		return Webhook{}, err
	}
	w := Webhook{Bot: id, Updated: s.now()}
	if rawURL != "" {
		if err := s.checkURL(rawURL); err != nil {
			return Webhook{}, err
		}
		raw := make([]byte, 32)
		rand.Read(raw)
		w.URL, w.Secret = rawURL, SecretPrefix+base64.StdEncoding.EncodeToString(raw)
	}
	changes, err := s.store.SetWebhook(ctx, w, []hongyan.Change{{User: c.User, Kind: hongyan.ChangeBot, Ref: id}})
	if err != nil {
		return Webhook{}, err
	}
	s.publish(ctx, changes)
	return w, nil
}

func (s *Service) checkURL(raw string) error {
	if len(raw) > MaxURL {
		return hongyan.Errorf(hongyan.CodeInvalid, "a webhook URL has at most %d bytes", MaxURL)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || (u.Scheme != "https" && !(s.cfg.AllowHTTP && u.Scheme == "http")) {
		return hongyan.Errorf(hongyan.CodeInvalid, "a webhook URL is https://host/path (without user info)")
	}
	return nil
}

// Webhook returns bot id's webhook to its owner.
func (s *Service) Webhook(ctx context.Context, c hongyan.Caller, id int64) (Webhook, error) {
	if _, err := s.owned(ctx, c, id); err != nil {
		return Webhook{}, err
	}
	return s.store.Webhook(ctx, id)
}

// Deliveries returns bot id's delivery log to its owner, newest first,
// with IDs below before (0: from the newest).
func (s *Service) Deliveries(ctx context.Context, c hongyan.Caller, id int64, before int64, limit int) ([]Delivery, error) {
	if _, err := s.owned(ctx, c, id); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > MaxDelivPage {
		limit = MaxDelivPage
	}
	return s.store.Deliveries(ctx, id, before, limit)
}

// Events returns up to limit of p's bot's events after seq after that p
// may see (an app's token: its group's, see visible), and the seq to read
// on from (past events p may not see).
func (s *Service) Events(ctx context.Context, p Principal, after int64, limit int) ([]Event, int64, error) {
	if after < 0 {
		return nil, after, hongyan.Errorf(hongyan.CodeInvalid, "after must not be negative")
	}
	if limit <= 0 || limit > MaxEventsPage {
		limit = MaxEventsPage
	}
	es, err := s.store.Events(ctx, p.Bot.ID, after, limit)
	if err != nil || len(es) == 0 {
		return nil, after, err
	}
	next := es[len(es)-1].Seq
	messages := p.Token.Has(ScopeMessagesRead)
	if p.Token.App {
		// Within the group's current grant, as every request is.
		messages = messages && s.Allow(ctx, p, ScopeMessagesRead, p.Token.Group) == nil
	}
	return slices.DeleteFunc(es, func(e Event) bool { return !visible(p, e, messages) }), next, nil
}

// BotByAccount returns the bot acting as account, if any.
func (s *Service) BotByAccount(ctx context.Context, account hongyan.UserID) (Bot, error) {
	return s.store.BotByAccount(ctx, account)
}

// Prune deletes events and settled deliveries older than KeepEvents (a
// node's hourly pruning); it returns how many rows went.
func (s *Service) Prune(ctx context.Context) (int, error) {
	if s.cfg.KeepEvents <= 0 {
		return 0, nil
	}
	total := 0
	for {
		n, err := s.store.Prune(ctx, s.now().Add(-s.cfg.KeepEvents), 1000)
		total += n
		if err != nil || n == 0 {
			return total, err
		}
	}
}

// BotByID returns bot id, whoever owns it (the node's event pump).
func (s *Service) BotByID(ctx context.Context, id int64) (Bot, error) { return s.store.Bot(ctx, id) }

// AllBots returns up to limit bots after ID after (the node's event pump).
func (s *Service) AllBots(ctx context.Context, after int64, limit int) ([]Bot, error) {
	return s.store.Bots(ctx, after, limit)
}

// pumpPage is how many change-log entries one pump step reads.
const pumpPage = 200

// Pump turns what happened to bot b's account since its cursor into
// events (and deliveries), and returns the events stored. Two nodes
// pumping the same bot at once store each event once: the cursor moves
// only from where it was read.
func (s *Service) Pump(ctx context.Context, b Bot) ([]Event, error) {
	var all []Event
	for {
		cur, err := s.store.Cursor(ctx, b.ID)
		if err != nil {
			return all, err
		}
		hs, next, err := s.source.Read(ctx, b.Account, cur, pumpPage)
		if err != nil {
			return all, err
		}
		if next == cur {
			return all, nil
		}
		evs := Classify(b, hs, s.now())
		stored, err := s.store.AppendEvents(ctx, b.ID, cur, next, evs)
		if hongyan.ErrorCode(err) == hongyan.CodePrecondition {
			continue // another node moved the cursor: read from there
		}
		if err != nil {
			return all, err
		}
		all = append(all, stored...)
	}
}

// Classify turns a bot's happenings into its events (before numbering):
// its own messages are not events; a group message that mentions it (or
// everyone) is a mention; joins and leaves are member events; a friend
// request to it is an event once.
func Classify(b Bot, hs []Happening, now time.Time) []Event {
	var out []Event
	for _, h := range hs {
		t := h.Time
		if t.IsZero() {
			t = now
		}
		switch h.Kind {
		case HappenedMessage:
			if h.Sender == b.Account && h.MsgKind != "notice" {
				continue
			}
			if h.MsgKind == "notice" {
				typ := ""
				switch h.Notice {
				case "joined":
					typ = EventMemberJoined
				case "left":
					typ = EventMemberLeft
				}
				if typ == "" || h.Group == 0 {
					continue
				}
				out = append(out, Event{Type: typ, Time: t, Data: mustJSON(memberData{Group: int64(h.Group), Actor: int64(h.Sender), Users: ids(h.Users)})})
				continue
			}
			d := messageData{MessageID: int64(h.Message), Sender: int64(h.Sender), Kind: h.MsgKind, Text: h.Text, Media: h.Media, Mentions: ids(h.Mentions), MentionAll: h.MentionAll}
			typ := EventMessage
			if h.Group != 0 {
				d.Chat = chatRef{Type: "group", ID: int64(h.Group)}
				if h.MentionAll || slices.Contains(h.Mentions, b.Account) {
					typ = EventMention
				}
			} else {
				d.Chat = chatRef{Type: "direct", ID: int64(h.Peer)}
			}
			out = append(out, Event{Type: typ, Time: t, Data: mustJSON(d)})
		case HappenedFriendRequest:
			if h.To != b.Account {
				continue
			}
			out = append(out, Event{Type: EventFriendRequest, Time: t, Key: "friend_request:" + strconv.FormatInt(h.Request, 10),
				Data: mustJSON(friendData{Request: h.Request, From: int64(h.From), Greeting: h.Greeting})})
		}
	}
	return out
}

type chatRef struct {
	Type string `json:"type"`
	ID   int64  `json:"id"`
}

type messageData struct {
	MessageID  int64   `json:"message_id"`
	Chat       chatRef `json:"chat"`
	Sender     int64   `json:"sender"`
	Kind       string  `json:"kind"`
	Text       string  `json:"text,omitempty"`
	Media      string  `json:"media,omitempty"`
	Mentions   []int64 `json:"mentions,omitempty"`
	MentionAll bool    `json:"mention_all,omitempty"`
}

type memberData struct {
	Group int64   `json:"group"`
	Actor int64   `json:"actor"`
	Users []int64 `json:"users"`
}

type friendData struct {
	Request  int64  `json:"request_id"`
	From     int64  `json:"from"`
	Greeting string `json:"greeting,omitempty"`
}

func ids(us []hongyan.UserID) []int64 {
	out := make([]int64, len(us))
	for i, u := range us {
		out[i] = int64(u)
	}
	return out
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // plain structs of numbers and strings always encode
	}
	return b
}

// Envelope is an event as the API and webhooks show it.
type Envelope struct {
	ID        string          `json:"id"`
	Seq       int64           `json:"seq"`
	Type      string          `json:"type"`
	Timestamp string          `json:"timestamp"`
	Data      json.RawMessage `json:"data"`
}

// EnvelopeOf returns e as the API shows it.
func EnvelopeOf(e Event) Envelope {
	return Envelope{ID: e.WebhookID(), Seq: e.Seq, Type: e.Type, Timestamp: e.Time.UTC().Format(time.RFC3339Nano), Data: e.Data}
}
