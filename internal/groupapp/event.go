package groupapp

import (
	"context"
	"slices"
	"strings"
	"time"

	"hongyan/internal/hongyan"
)

// Event is a gathering members sign up for: a time, a place and a limit of
// places (0: none). Sign-ups beyond the limit wait in the order they came;
// when someone who has a place cancels, the first who waits takes it (a
// place is a sign-up's rank, so no one is ever promoted twice or skipped).
// Members sign up and cancel until the event starts; its creator, the
// owner and admins remind those who have a place.
type Event struct {
	ID       int64
	Group    hongyan.ConversationID
	Creator  hongyan.UserID
	Title    string
	Place    string
	Start    time.Time
	Limit    int
	Created  time.Time
	Reminded time.Time
	// RemindBefore: a reminder card is posted automatically this long
	// before Start, once each (ascending, distinct).
	RemindBefore []time.Duration
}

// Signup is a member's sign-up for an event; Seq orders them.
type Signup struct {
	Event int64
	User  hongyan.UserID
	Seq   int64
	At    time.Time
}

// EventView is an event as a member sees it.
type EventView struct {
	Event
	Open    bool // takes sign-ups (before the start)
	Going   []hongyan.UserID
	Waiting []hongyan.UserID
	// Mine: 0 not signed up, 1 has a place, 2 waits (at MyPlace in the
	// waiting list, from 1).
	Mine      int
	WaitingAt int
}

// Event limits.
const (
	MaxPlace      = 100
	MaxEventLimit = 10000
	// An event has at most MaxAutoReminders automatic reminders, each
	// MinRemindBefore to MaxRemindBefore before its start.
	MaxAutoReminders = 3
	MinRemindBefore  = 5 * time.Minute
	MaxRemindBefore  = 7 * 24 * time.Hour
)

// NewEvent is what a member asks to create.
type NewEvent struct {
	Title string
	Place string
	Start time.Time
	Limit int
	// RemindBefore asks for automatic reminders this long before the
	// start (e.g. 1 h and 24 h); none: only the manual reminder.
	RemindBefore []time.Duration
}

// remindBefore checks and orders an event's automatic reminders.
func remindBefore(in []time.Duration) ([]time.Duration, error) {
	if len(in) > MaxAutoReminders {
		return nil, hongyan.Errorf(hongyan.CodeInvalid, "an event has at most %d automatic reminders", MaxAutoReminders)
	}
	out := make([]time.Duration, 0, len(in))
	for _, d := range in {
		if d < MinRemindBefore || d > MaxRemindBefore || d%time.Minute != 0 {
			return nil, hongyan.Errorf(hongyan.CodeInvalid, "a reminder is %v to %v before the start, in whole minutes", MinRemindBefore, MaxRemindBefore)
		}
		if !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	slices.Sort(out)
	return out, nil
}

// CreateEvent creates an event in group and posts its card; any member who
// may post may.
func (s *Service) CreateEvent(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, ne NewEvent) (Event, error) {
	now := s.now()
	ne.Title, ne.Place = strings.TrimSpace(ne.Title), strings.TrimSpace(ne.Place)
	if err := text("title", ne.Title, MaxTitle, false); err != nil {
		return Event{}, err
	}
	if ne.Place != "" {
		if err := text("place", ne.Place, MaxPlace, false); err != nil {
			return Event{}, err
		}
	}
	if !ne.Start.After(now) || ne.Start.Sub(now) > maxAhead {
		return Event{}, hongyan.Errorf(hongyan.CodeInvalid, "the start must be in the coming year")
	}
	if ne.Limit < 0 || ne.Limit > MaxEventLimit {
		return Event{}, hongyan.Errorf(hongyan.CodeInvalid, "the limit is 0 (none) to %d", MaxEventLimit)
	}
	before, err := remindBefore(ne.RemindBefore)
	if err != nil {
		return Event{}, err
	}
	if _, err := s.poster(ctx, c, group); err != nil {
		return Event{}, err
	}
	notify, err := s.notify(ctx, c, group, ChangeEvent, 0)
	if err != nil {
		return Event{}, err
	}
	e, changes, err := s.store.CreateEvent(ctx, Event{Group: group, Creator: c.User, Title: ne.Title, Place: ne.Place, Start: ne.Start,
		Limit: ne.Limit, Created: now, RemindBefore: before}, notify)
	if err != nil {
		return Event{}, err
	}
	s.publish(ctx, changes)
	s.post(ctx, group, c.User, Card{App: AppEvent, Kind: CardCreated, Item: e.ID, Title: e.Title})
	return e, nil
}

// openEvent returns event id of group if it takes sign-ups.
func (s *Service) openEvent(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, id int64) (Member, Event, error) {
	m, err := s.member(ctx, c, group)
	if err != nil {
		return m, Event{}, err
	}
	e, err := s.store.Event(ctx, group, id)
	if err != nil {
		return m, Event{}, err
	}
	if !s.now().Before(e.Start) {
		return m, Event{}, hongyan.Errorf(hongyan.CodePrecondition, "the event has started").WithReason(hongyan.ReasonExpired)
	}
	return m, e, nil
}

// SignUp signs the caller up for event id of group (again: no change); with
// every place taken they wait.
func (s *Service) SignUp(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, id int64) (EventView, error) {
	m, e, err := s.openEvent(ctx, c, group, id)
	if err != nil {
		return EventView{}, err
	}
	notify, err := s.notify(ctx, c, group, ChangeEvent, id)
	if err != nil {
		return EventView{}, err
	}
	changes, err := s.store.SignUp(ctx, group, Signup{Event: id, User: c.User, At: s.now()}, notify)
	if err != nil {
		return EventView{}, err
	}
	s.publish(ctx, changes)
	return s.eventView(ctx, c, m, e)
}

// CancelSignup withdraws the caller's sign-up for event id of group; if
// they had a place, the first who waits takes it and is told in the chat
// (a card from the event's creator mentioning them).
func (s *Service) CancelSignup(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, id int64) (EventView, error) {
	m, e, err := s.openEvent(ctx, c, group, id)
	if err != nil {
		return EventView{}, err
	}
	before, err := s.eventView(ctx, c, m, e)
	if err != nil {
		return EventView{}, err
	}
	notify, err := s.notify(ctx, c, group, ChangeEvent, id)
	if err != nil {
		return EventView{}, err
	}
	changes, err := s.store.CancelSignup(ctx, group, id, c.User, notify)
	if err != nil {
		return EventView{}, err
	}
	s.publish(ctx, changes)
	after, err := s.eventView(ctx, c, m, e)
	if err != nil {
		return EventView{}, err
	}
	var promoted []hongyan.UserID
	for _, u := range after.Going {
		if !contains(before.Going, u) {
			promoted = append(promoted, u)
		}
	}
	if len(promoted) > 0 {
		// Posted as the event's creator, as the organiser's news: the
		// member who cancelled may be muted. The change reaches the
		// promoted member's devices either way.
		s.post(ctx, group, e.Creator, Card{App: AppEvent, Kind: CardPromoted, Item: e.ID, Title: e.Title, Mentions: promoted, At: s.now()})
	}
	return after, nil
}

func contains(us []hongyan.UserID, u hongyan.UserID) bool {
	for _, x := range us {
		if x == u {
			return true
		}
	}
	return false
}

// RemindEvent posts a card mentioning those who have a place in event id of
// group; its creator, the owner and admins may, before the start, once per
// Config.RemindEvery.
func (s *Service) RemindEvent(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, id int64) (EventView, error) {
	m, e, err := s.openEvent(ctx, c, group, id)
	if err != nil {
		return EventView{}, err
	}
	if m.Muted {
		return EventView{}, errMuted
	}
	if e.Creator != c.User && !m.Admin() {
		return EventView{}, errAdminsOnly
	}
	v, err := s.eventView(ctx, c, m, e)
	if err != nil {
		return EventView{}, err
	}
	if len(v.Going) == 0 {
		return EventView{}, hongyan.Errorf(hongyan.CodePrecondition, "nobody has signed up")
	}
	now := s.now()
	ok, err := s.store.RemindEvent(ctx, group, id, now, now.Add(-s.cfg.RemindEvery))
	if err != nil {
		return EventView{}, err
	}
	if !ok {
		return EventView{}, hongyan.Errorf(hongyan.CodeRateLimited, "a reminder was sent less than %v ago", s.cfg.RemindEvery)
	}
	v.Reminded = now
	mentions := v.Going
	if len(mentions) > MaxReminded {
		mentions = mentions[:MaxReminded]
	}
	s.post(ctx, group, c.User, Card{App: AppEvent, Kind: CardReminder, Item: e.ID, Title: e.Title, Mentions: mentions, At: now})
	return v, nil
}

// EventOf returns event id of group as the caller sees it.
func (s *Service) EventOf(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, id int64) (EventView, error) {
	m, err := s.member(ctx, c, group)
	if err != nil {
		return EventView{}, err
	}
	e, err := s.store.Event(ctx, group, id)
	if err != nil {
		return EventView{}, err
	}
	return s.eventView(ctx, c, m, e)
}

// Events returns a page of group's events, newest first, below ID before
// (0: from the newest).
func (s *Service) Events(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, before int64, limit int) ([]EventView, error) {
	if before < 0 {
		return nil, hongyan.Errorf(hongyan.CodeInvalid, "before must not be negative")
	}
	m, err := s.member(ctx, c, group)
	if err != nil {
		return nil, err
	}
	es, err := s.store.Events(ctx, group, before, page(limit))
	if err != nil {
		return nil, err
	}
	out := make([]EventView, 0, len(es))
	for _, e := range es {
		v, err := s.eventView(ctx, c, m, e)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// eventView ranks e's sign-ups of members still in the group: the first
// Limit have a place, the rest wait.
func (s *Service) eventView(ctx context.Context, c hongyan.Caller, _ Member, e Event) (EventView, error) {
	members, err := s.groups.Members(ctx, e.Group, c.User)
	if err != nil {
		return EventView{}, err
	}
	ups, err := s.store.Signups(ctx, e.ID)
	if err != nil {
		return EventView{}, err
	}
	v := EventView{Event: e, Open: s.now().Before(e.Start)}
	for _, u := range ups {
		if !contains(members, u.User) {
			continue
		}
		if e.Limit == 0 || len(v.Going) < e.Limit {
			v.Going = append(v.Going, u.User)
			if u.User == c.User {
				v.Mine = 1
			}
			continue
		}
		v.Waiting = append(v.Waiting, u.User)
		if u.User == c.User {
			v.Mine, v.WaitingAt = 2, len(v.Waiting)
		}
	}
	return v, nil
}
