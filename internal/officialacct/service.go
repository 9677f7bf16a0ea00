package officialacct

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"hongyan/internal/hongyan"
)

// Push is what the platform tells an account's developer server: a user's
// message or an event.
type Push struct {
	Account Account
	OpenID  string
	Created time.Time
	// A user's message: its ID (MsgId) and content.
	MsgID   int64
	Message *Content
	// An event: subscribe, unsubscribe, SCAN, CLICK, VIEW,
	// TEMPLATESENDJOBFINISH, MASSSENDJOBFINISH.
	Event    string
	EventKey string
	Ticket   string
	// Job events: the job (MsgID), its status and counts.
	Status                             string
	Total, Filtered, Sent, ErrorsCount int
}

// Sink delivers pushes to an account's developer server (the developer
// API fulfils it).
type Sink interface {
	// Push delivers p and returns the server's passive reply (nil: none).
	// An error means the server could not be reached or answered nonsense
	// after all attempts.
	Push(ctx context.Context, p Push) (*Content, error)
}

// Verifier checks a developer server configuration (the URL verification
// GET) before it is saved.
type Verifier interface {
	Verify(ctx context.Context, a Account, s Server) error
}

// Unavailable is what a user reads when the account's developer server
// fails them.
const Unavailable = "该公众号暂时无法提供服务，请稍后再试"

// Service implements the official-account rules. It is safe for
// concurrent use.
type Service struct {
	// suspensions says which accounts are suspended (nil: none).
	suspensions Suspensions
	store       Store
	pub         hongyan.Publisher
	now         func() time.Time

	mu       sync.RWMutex
	sink     Sink
	verifier Verifier
	jobs     sync.WaitGroup
	// forumRate limits posts and replies per user.
	forumRate hongyan.RateLimiter
	limiters  hongyan.Limiters // makes forumRate
	images    Images
	names     Names
}

// New returns a Service on store.
func New(store Store, pub hongyan.Publisher) *Service {
	return &Service{store: store, pub: pub, now: time.Now, forumRate: hongyan.NewLimiter(DefaultForumRate), limiters: hongyan.MemoryLimiters}
}

// SetDeveloper installs the developer API's sink and verifier (either may
// be nil: no developer mode).
func (s *Service) SetDeveloper(sink Sink, v Verifier) {
	s.mu.Lock()
	s.sink, s.verifier = sink, v
	s.mu.Unlock()
}

// Wait waits for the job notifications in flight (TEMPLATESENDJOBFINISH,
// MASSSENDJOBFINISH) to be pushed.
func (s *Service) Wait() { s.jobs.Wait() }

func (s *Service) developer() (Sink, Verifier) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.sink, s.verifier
}

// ---- identifiers ----

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// Token returns a random URL-safe string of n characters (6 bits each).
func Token(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = alnum[b[i]&63]
	}
	return string(b)
}

func randHex(n int) string {
	b := make([]byte, (n+1)/2)
	rand.Read(b)
	return hex.EncodeToString(b)[:n]
}

// HashToken is how secrets and grants are stored.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

func newOpenID() string { return "o" + Token(27) }

// ---- lookups ----

// Resolve returns the account named by ref: its numeric ID, AppID or
// original ID.
func (s *Service) Resolve(ctx context.Context, ref string) (Account, error) {
	ref = strings.TrimSpace(ref)
	if n, err := strconv.ParseInt(ref, 10, 64); err == nil && n > 0 {
		return s.store.Account(ctx, AccountID(n))
	}
	if strings.HasPrefix(ref, "wx") && len(ref) <= 32 {
		return s.store.AccountByAppID(ctx, ref)
	}
	if strings.HasPrefix(ref, "gh_") && len(ref) <= 32 {
		as, err := s.store.SearchAccounts(ctx, ref, 1)
		if err != nil {
			return Account{}, err
		}
		if len(as) == 1 && as[0].OriginalID == ref {
			return as[0], nil
		}
	}
	return Account{}, hongyan.Errorf(hongyan.CodeNotFound, "no such official account")
}

// Account returns an account (its public fields are for anyone).
func (s *Service) Account(ctx context.Context, id AccountID) (Account, error) {
	return s.store.Account(ctx, id)
}

// Search finds accounts by name, AppID or original ID.
func (s *Service) Search(ctx context.Context, query string) ([]Account, error) {
	query = strings.TrimSpace(query)
	if query == "" || !utf8Valid(query, 60) {
		return nil, hongyan.Errorf(hongyan.CodeInvalid, "search for 1 to 60 characters")
	}
	return s.store.SearchAccounts(ctx, query, 50)
}

func utf8Valid(s string, max int) bool {
	return hongyan.ValidText("text", s, max) == nil
}

// Profile is an account as a user sees it.
type Profile struct {
	Account   Account
	Following bool
	Followers int
	Articles  []Article // recent published articles
	Suspended bool      // an administrator suspended the account
}

// Profile returns account id as the caller sees it.
func (s *Service) Profile(ctx context.Context, c hongyan.Caller, id AccountID) (Profile, error) {
	a, err := s.store.Account(ctx, id)
	if err != nil {
		return Profile{}, err
	}
	p := Profile{Account: a}
	if f, err := s.store.Fan(ctx, id, c.User); err == nil {
		p.Following = f.Following
	} else if hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		return Profile{}, err
	}
	if p.Followers, err = s.store.CountFollowers(ctx, id); err != nil {
		return Profile{}, err
	}
	if p.Articles, err = s.store.Articles(ctx, id, true, 10); err != nil {
		return Profile{}, err
	}
	if err := s.notSuspended(ctx, id); hongyan.ErrorReason(err) == hongyan.ReasonSuspended {
		p.Suspended = true
	} else if err != nil {
		return Profile{}, err
	}
	return p, nil
}

// Following returns the accounts the caller follows.
func (s *Service) Following(ctx context.Context, c hongyan.Caller) ([]Account, error) {
	ids, err := s.store.Following(ctx, c.User)
	if err != nil {
		return nil, err
	}
	out := make([]Account, 0, len(ids))
	for _, id := range ids {
		a, err := s.store.Account(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// FollowState is whether a user follows an account.
type FollowState struct {
	Account   Account
	Following bool
}

// FollowState returns whether the caller follows the account (what a
// ChangeOAFollow entry resolves to).
func (s *Service) FollowState(ctx context.Context, c hongyan.Caller, id AccountID) (FollowState, error) {
	a, err := s.store.Account(ctx, id)
	if err != nil {
		return FollowState{}, err
	}
	f, err := s.store.Fan(ctx, id, c.User)
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
		return FollowState{Account: a}, nil
	}
	return FollowState{Account: a, Following: f.Following}, err
}

// ---- following ----

// Follow makes the caller follow the account.
func (s *Service) Follow(ctx context.Context, c hongyan.Caller, id AccountID) (Fan, error) {
	a, err := s.store.Account(ctx, id)
	if err != nil {
		return Fan{}, err
	}
	return s.follow(ctx, c, a, Follow{Scene: SceneSearch}, "")
}

func (s *Service) follow(ctx context.Context, c hongyan.Caller, a Account, f Follow, ticket string) (Fan, error) {
	f.OpenID, f.UnionID, f.At = newOpenID(), newOpenID(), s.now()
	fan, first, changes, err := s.store.Follow(ctx, a.ID, c.User, f,
		[]hongyan.Change{{User: c.User, Kind: hongyan.ChangeOAFollow, Ref: int64(a.ID)}})
	if err != nil {
		return Fan{}, err
	}
	s.pub.PublishChanges(ctx, changes)
	p := Push{Account: a, OpenID: fan.OpenID, Created: f.At, Event: "subscribe", Ticket: ticket}
	switch {
	case first && ticket != "":
		p.EventKey = "qrscene_" + sceneKey(f.QRScene, f.QRSceneStr)
	case !first && ticket != "":
		p.Event, p.EventKey = "SCAN", sceneKey(f.QRScene, f.QRSceneStr)
	case !first:
		return fan, nil // already following: nothing to tell
	}
	var fallback *Content
	if first {
		fallback = a.Welcome
	}
	s.answer(ctx, a, fan, p, fallback, false)
	return fan, nil
}

func sceneKey(id int64, str string) string {
	if str != "" {
		return str
	}
	return strconv.FormatInt(id, 10)
}

// Unfollow ends the caller's follow.
func (s *Service) Unfollow(ctx context.Context, c hongyan.Caller, id AccountID) error {
	a, err := s.store.Account(ctx, id)
	if err != nil {
		return err
	}
	fan, changes, err := s.store.Unfollow(ctx, id, c.User, s.now(),
		[]hongyan.Change{{User: c.User, Kind: hongyan.ChangeOAFollow, Ref: int64(id)}})
	if err != nil {
		return err
	}
	s.pub.PublishChanges(ctx, changes)
	if sink, _ := s.developer(); sink != nil && a.Server.URL != "" {
		s.jobs.Add(1)
		go func() {
			defer s.jobs.Done()
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
			defer cancel()
			sink.Push(ctx, Push{Account: a, OpenID: fan.OpenID, Created: s.now(), Event: "unsubscribe"})
		}()
	}
	return nil
}

// ParseTicket takes a QR ticket or a URL that holds one (…/q/TICKET or
// …?ticket=TICKET).
func ParseTicket(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.Index(s, "ticket="); i >= 0 {
		s = s[i+len("ticket="):]
		if j := strings.IndexAny(s, "&#"); j >= 0 {
			s = s[:j]
		}
		return s
	}
	if i := strings.LastIndex(s, "/q/"); i >= 0 {
		s = s[i+3:]
		if j := strings.IndexAny(s, "?#/"); j >= 0 {
			s = s[:j]
		}
	}
	return s
}

// Scan follows the account of a parametric QR code (or reports the scan
// of a follower), keeping its scene.
func (s *Service) Scan(ctx context.Context, c hongyan.Caller, ticketOrURL string) (Account, Fan, error) {
	t := ParseTicket(ticketOrURL)
	if t == "" || len(t) > 128 || !urlSafe(t) {
		return Account{}, Fan{}, hongyan.Errorf(hongyan.CodeInvalid, "not a QR code of an official account")
	}
	q, err := s.store.QR(ctx, t)
	if err != nil {
		return Account{}, Fan{}, err
	}
	if !q.Permanent && !s.now().Before(q.Expires) {
		return Account{}, Fan{}, hongyan.Errorf(hongyan.CodePrecondition, "this QR code has expired").WithReason(hongyan.ReasonCodeExpired)
	}
	a, err := s.store.Account(ctx, q.Account)
	if err != nil {
		return Account{}, Fan{}, err
	}
	fan, err := s.follow(ctx, c, a, Follow{Scene: SceneQRCode, QRScene: q.SceneID, QRSceneStr: q.SceneStr}, q.Ticket)
	return a, fan, err
}

// QRInfo returns the account a QR code opens, for a profile opened by a
// link (the scene is kept by Scan).
func (s *Service) QRInfo(ctx context.Context, ticket string) (QR, Account, error) {
	t := ParseTicket(ticket)
	if t == "" || len(t) > 128 || !urlSafe(t) {
		return QR{}, Account{}, hongyan.Errorf(hongyan.CodeNotFound, "no such QR code")
	}
	q, err := s.store.QR(ctx, t)
	if err != nil {
		return QR{}, Account{}, err
	}
	a, err := s.store.Account(ctx, q.Account)
	return q, a, err
}

// ---- chatting ----

// fanOf returns the caller as a following, unblocked fan of the account.
func (s *Service) fanOf(ctx context.Context, c hongyan.Caller, id AccountID) (Account, Fan, error) {
	a, err := s.store.Account(ctx, id)
	if err != nil {
		return Account{}, Fan{}, err
	}
	f, err := s.store.Fan(ctx, id, c.User)
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound || (err == nil && !f.Following) {
		return Account{}, Fan{}, hongyan.Errorf(hongyan.CodePrecondition, "follow the account first").WithReason(ReasonNotFollowing)
	}
	if err != nil {
		return Account{}, Fan{}, err
	}
	if f.Blocked {
		return Account{}, Fan{}, hongyan.Errorf(hongyan.CodeDenied, "the account does not accept your messages").WithReason(hongyan.ReasonBlocked)
	}
	return a, f, nil
}

// Send sends the caller's message (text or image) to the account, and the
// account's answer back: from its developer server, else its keyword
// rules, else its default reply. It returns the caller's message.
func (s *Service) Send(ctx context.Context, c hongyan.Caller, id AccountID, msg Content) (Message, error) {
	switch msg.Kind {
	case ContentText, ContentImage, ContentVoice, ContentVideo:
	default:
		return Message{}, hongyan.Errorf(hongyan.CodeInvalid, "send an account text, an image, a voice message or a video")
	}
	if err := ValidContent(msg); err != nil {
		return Message{}, err
	}
	a, fan, err := s.fanOf(ctx, c, id)
	if err != nil {
		return Message{}, err
	}
	m, changes, err := s.store.AddMessage(ctx, Message{Account: id, User: c.User, Content: msg, Created: s.now()},
		[]hongyan.Change{{User: c.User, Kind: hongyan.ChangeOAMessage}})
	if err != nil {
		return Message{}, err
	}
	s.pub.PublishChanges(ctx, changes)
	var fallback *Content
	if msg.Kind == ContentText {
		rules, err := s.store.Rules(ctx, id)
		if err != nil {
			return m, nil // the message is in; an answer is not owed
		}
		if r, ok := MatchRule(rules, msg.Text); ok {
			fallback = &r.Reply
		}
	}
	if fallback == nil {
		fallback = a.DefaultReply
	}
	s.answer(ctx, a, fan, Push{Account: a, OpenID: fan.OpenID, Created: m.Created, MsgID: m.ID, Message: &m.Content}, fallback, true)
	return m, nil
}

// UserMedia is a voice clip or video a user sends an account, with a
// video's poster as its thumbnail.
type UserMedia struct {
	Kind        ContentKind // ContentVoice or ContentVideo
	Name        string
	ContentType string
	Data        []byte
	Thumb       []byte
	ThumbType   string
}

// SendMedia is the caller sending the account a voice clip or a video: a
// copy becomes the account's temporary media (its developer fetches it by
// the pushed MediaId), and the message is handled as Send does.
func (s *Service) SendMedia(ctx context.Context, c hongyan.Caller, id AccountID, f UserMedia) (Message, error) {
	if f.Kind != ContentVoice && f.Kind != ContentVideo {
		return Message{}, hongyan.Errorf(hongyan.CodeInvalid, "send an account a voice clip or a video")
	}
	if _, _, err := s.fanOf(ctx, c, id); err != nil {
		return Message{}, err
	}
	app, err := s.AppOf(ctx, id)
	if err != nil {
		return Message{}, err
	}
	m, err := app.PutMedia(ctx, string(f.Kind), f.Name, f.ContentType, f.Data)
	if err != nil {
		return Message{}, err
	}
	msg := Content{Kind: f.Kind, MediaID: m.ID}
	if f.Kind == ContentVoice {
		msg.Format = AudioFormat(f.ContentType)
	} else if len(f.Thumb) > 0 {
		if t, err := app.PutMedia(ctx, "thumb", "thumb.jpg", f.ThumbType, f.Thumb); err == nil {
			msg.ThumbMediaID = t.ID
		}
	}
	return s.Send(ctx, c, id, msg)
}

// AudioFormat names a voice clip's format as WeChat's Format field does
// (amr, speex, mp3…) from its MIME type.
func AudioFormat(contentType string) string {
	t, _, _ := strings.Cut(strings.ToLower(contentType), ";")
	sub, ok := strings.CutPrefix(strings.TrimSpace(t), "audio/")
	if !ok {
		return ""
	}
	switch sub {
	case "mpeg", "mp3":
		return "mp3"
	case "mp4", "x-m4a", "aac":
		return "m4a"
	case "x-wav", "wave", "wav":
		return "wav"
	}
	sub = strings.TrimPrefix(sub, "x-")
	if len(sub) > 16 || !urlSafe(sub) {
		return ""
	}
	return sub
}

// Click is the caller tapping a menu button of the account: a click
// button's key, or a view button's URL. A click without a developer
// server is answered by the keyword rule that equals its key.
func (s *Service) Click(ctx context.Context, c hongyan.Caller, id AccountID, keyOrURL string) (Button, error) {
	a, fan, err := s.fanOf(ctx, c, id)
	if err != nil {
		return Button{}, err
	}
	var b Button
	found := false
	if a.Menu != nil {
		for _, top := range a.Menu.Buttons {
			for _, x := range append([]Button{top}, top.Sub...) {
				if len(x.Sub) == 0 && ((x.Type == "click" && x.Key == keyOrURL) || (x.Type == "view" && x.URL == keyOrURL)) {
					b, found = x, true
				}
			}
		}
	}
	if !found {
		return Button{}, hongyan.Errorf(hongyan.CodeNotFound, "the account's menu has no such button")
	}
	now := s.now()
	if err := s.store.Touch(ctx, id, c.User, now); err != nil {
		return Button{}, err
	}
	if b.Type == "view" {
		if sink, _ := s.developer(); sink != nil && a.Server.URL != "" {
			s.jobs.Add(1)
			go func() {
				defer s.jobs.Done()
				ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
				defer cancel()
				sink.Push(ctx, Push{Account: a, OpenID: fan.OpenID, Created: now, Event: "VIEW", EventKey: b.URL})
			}()
		}
		return b, nil
	}
	var fallback *Content
	if rules, err := s.store.Rules(ctx, id); err == nil {
		for _, r := range rules {
			if r.Match == MatchExact && r.Keyword == b.Key {
				fallback = &r.Reply
				break
			}
		}
	}
	s.answer(ctx, a, fan, Push{Account: a, OpenID: fan.OpenID, Created: now, Event: "CLICK", EventKey: b.Key}, fallback, true)
	return b, nil
}

// answer gets the account's answer to p: from its developer server when
// it has one (a failure is told to the user when failNotice), else
// fallback; and sends it to the fan.
func (s *Service) answer(ctx context.Context, a Account, fan Fan, p Push, fallback *Content, failNotice bool) {
	reply := fallback
	if sink, _ := s.developer(); sink != nil && a.Server.URL != "" {
		r, err := sink.Push(ctx, p)
		switch {
		case err != nil && failNotice:
			reply = &Content{Kind: ContentText, Text: Unavailable}
		case err != nil:
			reply = nil
		default:
			reply = r
		}
	}
	if reply == nil {
		return
	}
	if ValidContent(*reply) != nil {
		reply = &Content{Kind: ContentText, Text: Unavailable}
	}
	s.deliver(ctx, a.ID, fan.User, *reply)
}

// deliver stores a message from the account to user and tells the user.
func (s *Service) deliver(ctx context.Context, id AccountID, user hongyan.UserID, c Content) (Message, error) {
	if err := s.notSuspended(ctx, id); err != nil {
		return Message{}, err
	}
	m, changes, err := s.store.AddMessage(ctx, Message{Account: id, User: user, Out: true, Content: c, Created: s.now()},
		[]hongyan.Change{{User: user, Kind: hongyan.ChangeOAMessage}})
	if err != nil {
		return Message{}, err
	}
	s.pub.PublishChanges(ctx, changes)
	return m, nil
}

// History returns the caller's messages with the account, newest first,
// below ID before (0: from the newest).
func (s *Service) History(ctx context.Context, c hongyan.Caller, id AccountID, before int64, limit int) ([]Message, error) {
	if before < 0 {
		return nil, hongyan.Errorf(hongyan.CodeInvalid, "before must not be negative")
	}
	if limit <= 0 || limit > 200 {
		limit = 200
	}
	return s.store.History(ctx, id, c.User, before, limit)
}

// Message returns one of the caller's messages with any account.
func (s *Service) Message(ctx context.Context, c hongyan.Caller, id int64) (Message, error) {
	return s.store.Message(ctx, c.User, id)
}

// Article returns an article: a published one to anyone, a draft to the
// account's operators.
func (s *Service) Article(ctx context.Context, c hongyan.Caller, id int64) (Article, error) {
	a, err := s.store.Article(ctx, id)
	if err != nil {
		return Article{}, err
	}
	if a.State != ArticlePublished {
		if r, err := s.store.Operator(ctx, a.Account, c.User); err != nil || r == RoleNone {
			return Article{}, hongyan.Errorf(hongyan.CodeNotFound, "no such article")
		}
	}
	return a, nil
}

// ---- secrets ----

// CheckSecret reports whether secret is the account's AppSecret.
func CheckSecret(a Account, secret string) bool {
	return len(a.SecretHash) == sha256.Size && subtle.ConstantTimeCompare(HashToken(secret), a.SecretHash) == 1
}

// SeedFollowers makes n synthetic users follow the account, first at
// synthetic user ID first, with no welcome message, event or change:
// many followers fast for a load test (hongyan-load w6-oa runs it on the
// node it starts; no request reaches it). parallel follows run at once.
func (s *Service) SeedFollowers(ctx context.Context, appid string, first hongyan.UserID, n, parallel int) error {
	app, err := s.App(ctx, appid)
	if err != nil {
		return err
	}
	if parallel < 1 {
		parallel = 1
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, parallel)
	at := s.now()
	for range parallel {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(n) || ctx.Err() != nil {
					return
				}
				if _, _, _, err := s.store.Follow(ctx, app.Account.ID, first+hongyan.UserID(i), Follow{OpenID: newOpenID(), UnionID: newOpenID(), At: at}, nil); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	return ctx.Err()
}
