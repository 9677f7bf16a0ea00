// Package spam finds spam and scams where messages and friend requests
// enter (PRODUCT §11): a classifier on the words of a text (rules.go; an
// evaluation set in testdata) and on behaviour — a new account adding
// many strangers, the same message sent to many chats, links and images
// from new accounts, mass group joins — counted in the store so that the
// counts hold across the nodes of a cluster. It returns a verdict; the
// node holds or lets through what is flagged, as configured, and reports
// every finding through the Reporter port.
package spam

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"hongyan/internal/hongyan"
)

// Action is what happens to what is flagged.
type Action string

const (
	Off    Action = "off"    // nothing is checked
	Report Action = "report" // delivered; the finding is reported
	Hold   Action = "hold"   // refused (held for review); the finding is reported
)

// Config tunes the detection.
type Config struct {
	Action Action
	// Threshold is the score at which something is flagged (default 1).
	Threshold float64
	// NewAccount: an account younger than this is new (default 7 days).
	NewAccount time.Duration
	// Window is the period behaviour is counted over (default 1 hour).
	Window time.Duration
	// StrangerRequests: friend requests a new account may send in a
	// window before more are flagged (default 20).
	StrangerRequests int
	// SameMessage: chats the same text may go to in a window (default 10).
	SameMessage int
	// GroupJoins: groups a new account may join in a window (default 10).
	GroupJoins int
	// NewAccountMedia: links and images a new account may send in a
	// window before more are flagged (default 20).
	NewAccountMedia int
}

// DefaultConfig is the detection a node runs with unless configured.
func DefaultConfig() Config {
	return Config{Action: Hold, Threshold: 1, NewAccount: 7 * 24 * time.Hour, Window: time.Hour,
		StrangerRequests: 20, SameMessage: 10, GroupJoins: 10, NewAccountMedia: 20}
}

// Kind is what is being checked.
type Kind string

const (
	Message       Kind = "message"
	FriendRequest Kind = "friend_request"
	GroupJoin     Kind = "group_join"
)

// Input is one thing a user does that is checked.
type Input struct {
	Kind Kind
	User hongyan.UserID
	// Created is when the user's account was created.
	Created time.Time
	// Target is who or what it goes to (a user, a chat, a group), as the
	// caller names it (at most 64 bytes): the same text is counted once
	// per target.
	Target string
	// Text is the message's text or the request's greeting.
	Text string
	// Link and Image say that a message carries a link or an image.
	Link, Image bool
	// Stranger: a friend request to someone with no contact either way.
	Stranger bool
	// Media is the image's uploaded media ID, when Image: from a new
	// account, it is searched for a QR code (see QRFinder).
	Media string
}

// QRFinder tells whether an uploaded image of user's carries a QR code
// (the node fills it with internal/qrscan over the media feature).
type QRFinder interface {
	ImageHasQR(ctx context.Context, user hongyan.UserID, media string) (bool, error)
}

// Verdict is the outcome of a check.
type Verdict struct {
	Score   float64
	Spam    bool
	Reasons []string // the rules and signals that added to the score
}

// Finding is a flagged input, for the Reporter.
type Finding struct {
	Input   Input
	Verdict Verdict
	Action  Action
	At      time.Time
}

// Reporter receives findings: reviewers' queue, an audit log. The node
// fills it; LogReporter is the default.
type Reporter interface {
	ReportFinding(ctx context.Context, f Finding) error
}

// LogReporter logs findings.
type LogReporter struct{ Log *slog.Logger }

// ReportFinding logs f at warn level, without the text itself.
func (l LogReporter) ReportFinding(_ context.Context, f Finding) error {
	log := l.Log
	if log == nil {
		log = slog.Default()
	}
	log.Warn("spam finding", "kind", f.Input.Kind, "user", int64(f.Input.User), "score", f.Verdict.Score,
		"reasons", strings.Join(f.Verdict.Reasons, ","), "action", f.Action)
	return nil
}

// Counters keeps behaviour counts across nodes.
type Counters interface {
	// Add adds n to counter key of the window starting at window and
	// returns the counter's new value (one atomic step: concurrent adds
	// from any node all count).
	Add(ctx context.Context, key string, window time.Time, n int64) (int64, error)
	// AddOnce counts member once in counter key of the window starting at
	// window and returns the counter's value: adding a member already
	// counted in that window changes nothing. One atomic step, like Add.
	AddOnce(ctx context.Context, key, member string, window time.Time) (int64, error)
	// PruneCounters deletes up to limit counters of windows starting
	// before t, returning how many it deleted.
	PruneCounters(ctx context.Context, before time.Time, limit int) (int, error)
}

// Service checks inputs.
type Service struct {
	store  Counters
	report Reporter
	qr     QRFinder
	cfg    Config
	now    func() time.Time
	seen   *seen
}

// New returns a Service; a nil report logs findings with slog.Default.
func New(store Counters, report Reporter, cfg Config) *Service {
	d := DefaultConfig()
	if cfg.Action == "" {
		cfg.Action = d.Action
	}
	if cfg.Threshold <= 0 {
		cfg.Threshold = d.Threshold
	}
	if cfg.NewAccount <= 0 {
		cfg.NewAccount = d.NewAccount
	}
	if cfg.Window <= 0 {
		cfg.Window = d.Window
	}
	for _, p := range []*int{&cfg.StrangerRequests, &cfg.SameMessage, &cfg.GroupJoins, &cfg.NewAccountMedia} {
		if *p <= 0 {
			*p = 1 << 30
		}
	}
	if report == nil {
		report = LogReporter{}
	}
	return &Service{store: store, report: report, cfg: cfg, now: time.Now, seen: newSeen(seenGeneration)}
}

// Off reports whether nothing is checked (Check returns at once).
func (s *Service) Off() bool { return s.cfg.Action == Off }

// SetQRFinder sets what searches images of new accounts for QR codes
// (nil: images are not searched).
func (s *Service) SetQRFinder(f QRFinder) { s.qr = f }

// SetReporter replaces where findings go.
func (s *Service) SetReporter(r Reporter) { s.report = r }

// Check classifies in and counts its behaviour. When it is spam, the
// finding is reported and, with action Hold, Check returns an error with
// hongyan.CodeDenied and reason held_as_spam (nothing else
// changes); with Report it returns nil. The verdict is returned either way.
func (s *Service) Check(ctx context.Context, in Input) (Verdict, error) {
	if s.cfg.Action == Off {
		return Verdict{}, nil
	}
	if len(in.Target) > 64 {
		in.Target = in.Target[:64]
	}
	t := normalise(in.Text)
	v := classify(t)
	now := s.now()
	newAccount := !in.Created.IsZero() && now.Sub(in.Created) < s.cfg.NewAccount
	win := now.Truncate(s.cfg.Window)
	u := strconv.FormatInt(int64(in.User), 10)
	over := func(reason, key string, limit int, weight float64) error {
		n, err := s.store.Add(ctx, key, win, 1)
		if err != nil {
			return err
		}
		if n > int64(limit) {
			v.add(reason, weight)
		}
		return nil
	}
	var err error
	switch in.Kind {
	case FriendRequest:
		if newAccount && in.Stranger {
			err = over("new_account_adding_strangers", "req:"+u, s.cfg.StrangerRequests, 1)
		}
	case GroupJoin:
		if newAccount {
			err = over("mass_group_joins", "join:"+u, s.cfg.GroupJoins, 1)
		}
	case Message:
		if utf8.RuneCountInString(t) >= 8 {
			// Counted once per chat: the same text again in one chat is
			// a conversation, not a campaign. A text seen in one chat
			// only is not counted in the store yet (seen).
			if count, first := s.seen.note(int64(in.User), t, in.Target, win); count {
				h := sha256.Sum256([]byte(t))
				key := "same:" + u + ":" + hex.EncodeToString(h[:8])
				if first != "" {
					_, err = s.store.AddOnce(ctx, key, first, win)
				}
				var n int64
				if err == nil {
					n, err = s.store.AddOnce(ctx, key, in.Target, win)
				}
				if err == nil && n > int64(s.cfg.SameMessage) {
					v.add("same_message_many_chats", 1)
				}
			}
		}
		if err == nil && newAccount && in.Image && in.Media != "" && s.qr != nil {
			// An image that cannot be searched (too large, too slow) is
			// no finding: the other signals still count.
			if found, qerr := s.qr.ImageHasQR(ctx, in.User, in.Media); qerr == nil && found {
				v.add("new_account_qr_image", 0.7)
			}
		}
		if err == nil && newAccount && (in.Link || in.Image || v.has("link")) {
			v.add("new_account_link", 0.4)
			err = over("new_account_links_images", "media:"+u, s.cfg.NewAccountMedia, 1)
		}
	}
	if err != nil {
		return v, err
	}
	v.Spam = v.Score >= s.cfg.Threshold
	if !v.Spam {
		return v, nil
	}
	if rerr := s.report.ReportFinding(ctx, Finding{Input: in, Verdict: v, Action: s.cfg.Action, At: now}); rerr != nil {
		return v, rerr
	}
	if s.cfg.Action == Hold {
		return v, hongyan.Errorf(hongyan.CodeDenied, "held for review as possible spam or scam").WithReason(hongyan.ReasonHeldAsSpam)
	}
	return v, nil
}

// Prune deletes counters older than two windows.
func (s *Service) Prune(ctx context.Context) (int, error) {
	return s.store.PruneCounters(ctx, s.now().Add(-2*s.cfg.Window), 10000)
}

// Classify scores a text alone (no behaviour): the sum of the weights of
// the rules it matches, each reason once at its highest weight. Spam is
// set at the default threshold.
func Classify(text string) Verdict {
	v := classify(normalise(text))
	v.Spam = v.Score >= DefaultConfig().Threshold
	return v
}

// classify scores the normalised text t.
func classify(t string) Verdict {
	var v Verdict
	if t == "" {
		return v
	}
	var h hits
	lex.scan(t, &h)
	for i := range textRules {
		if ru := &textRules[i]; ru.match(t, &h) {
			v.add(ru.reason, ru.weight)
		}
	}
	if links := linkRe.findAll(t, &h, 4); len(links) > 0 {
		v.add("link", 0.3)
		for _, l := range links {
			// A link's literals are among the text's, so h serves as a
			// prefilter for them too (it may say yes where l has none).
			switch {
			case shortenerRe.match(l, &h):
				v.add("link_shortener", 0.5)
			case badTLDRe.match(l, &h):
				v.add("link_suspicious_domain", 0.5)
			}
			if lookalikeRe.match(l, &h) {
				v.add("link_lookalike", 0.4)
			}
		}
	}
	if obfuscationRe.match(t, &h) {
		v.add("obfuscation", 0.4)
	}
	return v
}

func (v *Verdict) add(reason string, w float64) {
	for _, r := range v.Reasons {
		if r == reason {
			return // each reason once
		}
	}
	v.Reasons = append(v.Reasons, reason)
	v.Score += w
}

func (v Verdict) has(reason string) bool {
	for _, r := range v.Reasons {
		if r == reason {
			return true
		}
	}
	return false
}

// MaxText bounds the text classified (longer texts are cut): rules run in
// time linear in it, and this keeps each check small.
const MaxText = 4096

// normalise lower-cases t, folds full-width ASCII to half-width and
// collapses runs of white space.
func normalise(t string) string {
	if len(t) > MaxText {
		t = t[:MaxText]
	}
	var b strings.Builder
	b.Grow(len(t))
	space := false
	for _, r := range t {
		if r >= 0xFF01 && r <= 0xFF5E {
			r -= 0xFEE0
		}
		if unicode.IsSpace(r) {
			if !space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = true
			continue
		}
		space = false
		b.WriteRune(unicode.ToLower(r))
	}
	return strings.TrimSpace(b.String())
}
