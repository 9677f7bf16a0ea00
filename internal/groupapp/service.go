package groupapp

import (
	"context"
	"log/slog"
	"time"
	"unicode"
	"unicode/utf8"

	"hongyan/internal/hongyan"
)

// Config holds the apps' settings.
type Config struct {
	// Day is the time zone whose calendar days check-in counts (nil:
	// UTC).
	Day *time.Location
	// RemindEvery is the least time between two reminders of one
	// homework.
	RemindEvery time.Duration
	// FileQuota is the bytes a group's files (homework files included)
	// may take.
	FileQuota int64
	// Log receives what cannot be reported to the caller (a card that
	// could not be posted after its object was stored); nil: slog's
	// default.
	Log *slog.Logger
}

// DefaultConfig returns the default settings.
func DefaultConfig() Config {
	return Config{Day: time.UTC, RemindEvery: time.Hour, FileQuota: DefaultFileQuota}
}

// Limits of what the apps accept.
const (
	MaxPollQuestion   = 200
	MaxPollOption     = 80
	MaxPollOptions    = 20
	MaxTitle          = 100
	MaxHomeworkBody   = 2000
	MaxSubmission     = 4000
	MaxPage           = 50
	MaxRanking        = 100
	MaxReminded       = 100 // the most members one reminder mentions
	maxAhead          = 366 * 24 * time.Hour
	errTextNotAllowed = "may not be empty"
)

// Service implements the group apps' rules. It is safe for concurrent use.
type Service struct {
	store  Store
	groups Groups
	cards  Cards
	media  Media
	pub    hongyan.Publisher
	cfg    Config
	now    func() time.Time
}

// New returns a Service.
func New(store Store, groups Groups, cards Cards, pub hongyan.Publisher, cfg Config) *Service {
	if cfg.Day == nil {
		cfg.Day = time.UTC
	}
	if cfg.RemindEvery <= 0 {
		cfg.RemindEvery = time.Hour
	}
	if cfg.FileQuota <= 0 {
		cfg.FileQuota = DefaultFileQuota
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	return &Service{store: store, groups: groups, cards: cards, pub: pub, cfg: cfg, now: time.Now}
}

// SetMedia sets where uploaded files are shared from (without it, files
// are refused).
func (s *Service) SetMedia(m Media) { s.media = m }

// SetClock replaces the clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// DayZone is the time zone whose calendar days check-in counts.
func (s *Service) DayZone() *time.Location { return s.cfg.Day }

var (
	errAdminsOnly = hongyan.Errorf(hongyan.CodeDenied, "only the group's owner and admins may do that").WithReason(hongyan.ReasonAdminOnly)
	errMuted      = hongyan.Errorf(hongyan.CodeDenied, "you may not post in this group now").WithReason(hongyan.ReasonMuted)
)

// member returns the caller's membership of group (not_found for a
// stranger or a former member).
func (s *Service) member(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID) (Member, error) {
	if c.User <= 0 || group <= 0 {
		return Member{}, hongyan.Errorf(hongyan.CodeNotFound, "no such group")
	}
	return s.groups.Member(ctx, group, c.User)
}

// poster returns the caller's membership of group if they may post in
// it now.
func (s *Service) poster(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID) (Member, error) {
	m, err := s.member(ctx, c, group)
	if err != nil {
		return m, err
	}
	if m.Muted {
		return m, errMuted
	}
	return m, nil
}

// notify returns one change of kind about ref for each active member of
// group (Ref 0: the store sets it to the new object's ID).
func (s *Service) notify(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, kind hongyan.ChangeKind, ref int64) ([]hongyan.Change, error) {
	us, err := s.groups.Members(ctx, group, c.User)
	if err != nil {
		return nil, err
	}
	out := make([]hongyan.Change, len(us))
	for i, u := range us {
		out[i] = hongyan.Change{User: u, Kind: kind, Conversation: group, Ref: ref}
	}
	return out, nil
}

// publish pushes committed changes to the members' devices; a lost push
// costs a re-sync, never a change.
func (s *Service) publish(ctx context.Context, changes []hongyan.Change) {
	if err := s.pub.PublishChanges(ctx, changes); err != nil {
		s.cfg.Log.Warn("groupapp: publish", "err", err)
	}
}

// post posts card into group's chat after its object was stored. The
// object stands either way; a card that could not be posted is logged.
func (s *Service) post(ctx context.Context, group hongyan.ConversationID, from hongyan.UserID, card Card) {
	if s.cards == nil {
		return
	}
	if err := s.cards.Post(ctx, group, from, card); err != nil {
		s.cfg.Log.Warn("groupapp: card not posted", "group", group, "app", card.App, "item", card.Item, "err", err)
	}
}

// page bounds a page's size.
func page(limit int) int {
	if limit <= 0 || limit > MaxPage {
		return MaxPage
	}
	return limit
}

// text checks a required single-line or multi-line text. A single line is
// a name or title that others see in the group (an album, an event, a
// poll and its options), held to the rules of names: no bidi overrides or
// invisible characters that would make it pass for another.
func text(field, v string, max int, multiline bool) error {
	if v == "" {
		return hongyan.Errorf(hongyan.CodeInvalid, "%s %s", field, errTextNotAllowed)
	}
	if !multiline {
		return hongyan.ValidName(field, v, max)
	}
	if !utf8.ValidString(v) {
		return hongyan.Errorf(hongyan.CodeInvalid, "%s is not valid UTF-8", field)
	}
	if utf8.RuneCountInString(v) > max {
		return hongyan.Errorf(hongyan.CodeInvalid, "%s must be at most %d characters", field, max)
	}
	for _, r := range v {
		if unicode.IsControl(r) && r != '\n' && r != '\t' {
			return hongyan.Errorf(hongyan.CodeInvalid, "%s may not hold control characters", field)
		}
	}
	return nil
}
