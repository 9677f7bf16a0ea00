package assistant

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"hongyan/internal/hongyan"
)

// Config holds the assistant's limits.
type Config struct {
	// Cooldown is the least time between two keyword replies in a group:
	// keyword replies cannot loop or flood.
	Cooldown time.Duration
	// FriendGreeting is sent to a user who adds the assistant as a friend.
	FriendGreeting string
}

// DefaultConfig is the assistant of a node without configuration.
func DefaultConfig() Config {
	return Config{Cooldown: 10 * time.Second,
		FriendGreeting: "你好！我是群助手。群主可以在群设置里打开我：欢迎新成员、关键词回复、定时消息和群统计。\nHello! I am the Group Assistant. A group's owner turns me on in the group's settings: welcome messages, keyword replies, scheduled posts and statistics."}
}

// Service implements the assistant's rules. It is safe for concurrent use.
type Service struct {
	store  Store
	groups Groups
	cfg    Config
	now    func() time.Time
}

// New returns a Service.
func New(store Store, groups Groups, cfg Config) *Service {
	return &Service{store: store, groups: groups, cfg: cfg, now: time.Now}
}

// SetClock replaces the service's clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

var errOff = hongyan.Errorf(hongyan.CodePrecondition, "the group's owner has not turned the assistant on")

// manager checks that the caller is the group's owner or an admin.
func (s *Service) manager(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID) error {
	role, err := s.groups.Role(ctx, c, group)
	if err != nil {
		return err
	}
	if role != "owner" && role != "admin" {
		return hongyan.Errorf(hongyan.CodeDenied, "only the group's owner and admins may configure its assistant").WithReason(hongyan.ReasonAdminOnly)
	}
	return nil
}

// on checks the caller manages group and the assistant is on there.
func (s *Service) on(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID) (Settings, error) {
	if err := s.manager(ctx, c, group); err != nil {
		return Settings{}, err
	}
	st, err := s.store.Settings(ctx, group)
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
		return Settings{}, errOff
	}
	return st, err
}

// View is a group's assistant as its managers see it.
type View struct {
	Settings  Settings
	On        bool
	Keywords  []Keyword
	Schedules []Schedule
	Bot       hongyan.UserID // the assistant bot's account (0 until it is made)
}

// Get returns the group's assistant to its owner and admins.
func (s *Service) Get(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID) (View, error) {
	if err := s.manager(ctx, c, group); err != nil {
		return View{}, err
	}
	var v View
	if id, err := s.store.Identity(ctx); err == nil {
		v.Bot = id.Account
	}
	st, err := s.store.Settings(ctx, group)
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
		v.Settings = Settings{Group: group, Timezone: DefaultTimezone}
		return v, nil
	}
	if err != nil {
		return View{}, err
	}
	v.Settings, v.On = st, true
	if v.Keywords, err = s.store.Keywords(ctx, group); err != nil {
		return View{}, err
	}
	v.Schedules, err = s.store.Schedules(ctx, group)
	return v, err
}

// Enable turns the assistant on for group: the owner's action, which adds
// the assistant bot to the group with the grants of Scopes (through the
// bot feature, which lets only the group's owner). timezone "" keeps the
// group's (or DefaultTimezone).
func (s *Service) Enable(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, timezone string) (Settings, error) {
	role, err := s.groups.Role(ctx, c, group)
	if err != nil {
		return Settings{}, err
	}
	if role != "owner" {
		return Settings{}, hongyan.Errorf(hongyan.CodeDenied, "only the group's owner may turn the assistant on").WithReason(hongyan.ReasonOwnerOnly)
	}
	st, err := s.store.Settings(ctx, group)
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
		st, err = Settings{Group: group, Timezone: DefaultTimezone}, nil
	}
	if err != nil {
		return Settings{}, err
	}
	if timezone != "" {
		if _, err := Zone(timezone); err != nil {
			return Settings{}, err
		}
		st.Timezone = timezone
	}
	if err := s.groups.AddAssistant(ctx, c, group, Scopes); err != nil {
		return Settings{}, err
	}
	st.By, st.Updated = c.User, s.now()
	return st, s.store.SetSettings(ctx, st)
}

// Zone loads an IANA timezone name, bounded.
func Zone(name string) (*time.Location, error) {
	if name == "" || len(name) > MaxTimezone || name == "Local" {
		return nil, hongyan.Errorf(hongyan.CodeInvalid, "a timezone is an IANA name such as Asia/Shanghai")
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, hongyan.Errorf(hongyan.CodeInvalid, "unknown timezone %q", name)
	}
	return loc, nil
}

func checkText(what, text string, max int, empty bool) error {
	if !utf8.ValidString(text) {
		return hongyan.Errorf(hongyan.CodeInvalid, "%s is not UTF-8", what)
	}
	if !empty && strings.TrimSpace(text) == "" {
		return hongyan.Errorf(hongyan.CodeInvalid, "%s must not be empty", what)
	}
	if n := utf8.RuneCountInString(text); n > max {
		return hongyan.Errorf(hongyan.CodeInvalid, "%s has at most %d characters, not %d", what, max, n)
	}
	return nil
}

// SetWelcome sets the group's welcome template ("" turns the welcome
// off); {name} becomes the new member's name.
func (s *Service) SetWelcome(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, text string) (Settings, error) {
	if err := checkText("a welcome", text, MaxWelcome, true); err != nil {
		return Settings{}, err
	}
	st, err := s.on(ctx, c, group)
	if err != nil {
		return Settings{}, err
	}
	st.Welcome, st.By, st.Updated = strings.TrimSpace(text), c.User, s.now()
	return st, s.store.SetSettings(ctx, st)
}

// AddKeyword adds a keyword reply to the group.
func (s *Service) AddKeyword(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, word, reply string, exact bool) (Keyword, error) {
	word = strings.TrimSpace(word)
	if err := checkText("a keyword", word, MaxKeyword, false); err != nil {
		return Keyword{}, err
	}
	if err := checkText("a reply", reply, MaxReply, false); err != nil {
		return Keyword{}, err
	}
	if _, err := s.on(ctx, c, group); err != nil {
		return Keyword{}, err
	}
	return s.store.AddKeyword(ctx, Keyword{Group: group, Word: word, Reply: reply, Exact: exact, By: c.User, Created: s.now()}, MaxKeywords)
}

// RemoveKeyword removes the group's keyword id.
func (s *Service) RemoveKeyword(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, id int64) error {
	if _, err := s.on(ctx, c, group); err != nil {
		return err
	}
	return s.store.RemoveKeyword(ctx, group, id)
}

// Match returns the reply of the first keyword text matches ("" if none):
// an exact keyword is the whole message (trimmed), another one is within
// it; case is folded.
func Match(ks []Keyword, text string) string {
	t := strings.ToLower(strings.TrimSpace(text))
	if t == "" {
		return ""
	}
	for _, k := range ks {
		w := strings.ToLower(k.Word)
		if (k.Exact && t == w) || (!k.Exact && strings.Contains(t, w)) {
			return k.Reply
		}
	}
	return ""
}

// PutSchedule adds a schedule to the group (id 0) or edits schedule id:
// text posted at first (a wall-clock time, read in the group's timezone)
// and then again daily or weekly, or once.
func (s *Service) PutSchedule(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, id int64, text string, first time.Time, repeat Repeat) (Schedule, error) {
	if err := checkText("a scheduled post", text, MaxPost, false); err != nil {
		return Schedule{}, err
	}
	if repeat != Once && repeat != Daily && repeat != Weekly {
		return Schedule{}, hongyan.Errorf(hongyan.CodeInvalid, "a schedule repeats once, daily or weekly")
	}
	if id < 0 {
		return Schedule{}, hongyan.Errorf(hongyan.CodeInvalid, "bad schedule ID")
	}
	st, err := s.on(ctx, c, group)
	if err != nil {
		return Schedule{}, err
	}
	loc, err := Zone(st.Timezone)
	if err != nil {
		return Schedule{}, err
	}
	first = time.Date(first.Year(), first.Month(), first.Day(), first.Hour(), first.Minute(), 0, 0, loc)
	now := s.now()
	sc := Schedule{ID: id, Group: group, Text: text, First: first, Repeat: repeat, Zone: st.Timezone, By: c.User, Updated: now}
	sc.Next = NextAt(sc, now.Add(-time.Second))
	if sc.Next.IsZero() {
		return Schedule{}, hongyan.Errorf(hongyan.CodeInvalid, "a one-off post's time has passed")
	}
	return s.store.PutSchedule(ctx, sc, MaxSchedules)
}

// CancelSchedule cancels the group's schedule id.
func (s *Service) CancelSchedule(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, id int64) error {
	if _, err := s.on(ctx, c, group); err != nil {
		return err
	}
	return s.store.CancelSchedule(ctx, group, id)
}

// NextAt returns sc's first time after t (zero: none, a one-off past):
// daily and weekly schedules keep First's wall-clock time in sc.Zone, so
// a daily 09:00 stays 09:00 across daylight-saving changes.
func NextAt(sc Schedule, t time.Time) time.Time {
	loc, err := time.LoadLocation(sc.Zone)
	if err != nil {
		loc = time.UTC
	}
	f := sc.First.In(loc)
	if f.After(t) {
		return f
	}
	if sc.Repeat == Once {
		return time.Time{}
	}
	step := 1
	if sc.Repeat == Weekly {
		step = 7
	}
	lt := t.In(loc)
	days := int(time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, time.UTC).Sub(time.Date(f.Year(), f.Month(), f.Day(), 0, 0, 0, 0, time.UTC)).Hours() / 24)
	k := days / step * step
	for {
		n := time.Date(f.Year(), f.Month(), f.Day()+k, f.Hour(), f.Minute(), 0, 0, loc)
		if n.After(t) {
			return n
		}
		k += step
	}
}

// Stats returns the group's statistics for the days days up to today (in
// the group's timezone), to its owner and admins; days without counts
// are zero.
func (s *Service) Stats(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, days int) ([]DayStat, error) {
	if days <= 0 || days > MaxStatsDays {
		return nil, hongyan.Errorf(hongyan.CodeInvalid, "read 1 to %d days of statistics", MaxStatsDays)
	}
	st, err := s.on(ctx, c, group)
	if err != nil {
		return nil, err
	}
	loc, err := Zone(st.Timezone)
	if err != nil {
		loc = time.UTC
	}
	today := s.now().In(loc)
	from := time.Date(today.Year(), today.Month(), today.Day()-days+1, 12, 0, 0, 0, loc)
	got, err := s.store.Stats(ctx, group, from.Format(time.DateOnly), today.Format(time.DateOnly))
	if err != nil {
		return nil, err
	}
	byDay := make(map[string]DayStat, len(got))
	for _, d := range got {
		byDay[d.Day] = d
	}
	out := make([]DayStat, days)
	for i := range out {
		day := time.Date(from.Year(), from.Month(), from.Day()+i, 12, 0, 0, 0, loc).Format(time.DateOnly)
		out[i] = byDay[day]
		out[i].Day = day
	}
	return out, nil
}

// WallClock is the layout of a schedule's time as people give it: a
// wall-clock time in the group's timezone.
const WallClock = "2006-01-02 15:04"

// WallClockIn formats t as WallClock in zone (UTC if unknown).
func WallClockIn(t time.Time, zone string) string {
	loc, err := time.LoadLocation(zone)
	if err != nil {
		loc = time.UTC
	}
	return t.In(loc).Format(WallClock)
}
