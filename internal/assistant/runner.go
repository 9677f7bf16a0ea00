package assistant

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"hongyan/internal/hongyan"
)

// PageSize is how many events one runner step reads.
const PageSize = 100

// Runner is the assistant at work: it reads the assistant bot's events
// through the bot API, answers them (welcome, keyword replies), counts
// them (statistics) and posts due schedules. One runner per cluster at a
// time (the node runs it as an exclusive job); it resumes from the cursor
// stored with the statistics, and its sends carry client IDs derived from
// the event (or the schedule's time), so a step retried after a crash
// sends nothing twice.
type Runner struct {
	svc  *Service
	api  API
	self hongyan.UserID
}

// Runner returns the runner acting through api as the assistant's account self.
func (s *Service) Runner(api API, self hongyan.UserID) *Runner {
	return &Runner{svc: s, api: api, self: self}
}

// The event data the runner reads (docs/bots.md).
type eventData struct {
	Chat struct {
		Type string `json:"type"`
		ID   int64  `json:"id"`
	} `json:"chat"`
	MessageID int64   `json:"message_id"`
	Sender    int64   `json:"sender"`
	Kind      string  `json:"kind"`
	Text      string  `json:"text"`
	Group     int64   `json:"group"`
	Users     []int64 `json:"users"`
	From      int64   `json:"from"`
	Request   int64   `json:"request_id"`
}

type send struct {
	chat     Chat
	text     string
	clientID string
}

// step holds what a runner step learnt of groups, so each is read once.
type step struct {
	r        *Runner
	settings map[hongyan.ConversationID]*Settings // nil: off
	keywords map[hongyan.ConversationID][]Keyword
	lots     map[hongyan.ConversationID][]Lottery
	bots     map[hongyan.UserID]bool
	tally    Tally
	sends    []send
}

// Step handles one page of events and the schedules due; it returns how
// many events it handled.
func (r *Runner) Step(ctx context.Context) (int, error) {
	n, err := r.events(ctx)
	if err != nil {
		return n, err
	}
	if err := r.schedules(ctx); err != nil {
		return n, err
	}
	if err := r.birthdays(ctx); err != nil {
		return n, err
	}
	return n, r.lotteries(ctx)
}

func (r *Runner) events(ctx context.Context) (int, error) {
	s := r.svc.store
	cur, err := s.Cursor(ctx)
	if err != nil {
		return 0, err
	}
	evs, err := r.api.Events(ctx, cur, PageSize)
	if err != nil || len(evs) == 0 {
		return 0, err
	}
	st := &step{r: r, settings: map[hongyan.ConversationID]*Settings{}, keywords: map[hongyan.ConversationID][]Keyword{}, lots: map[hongyan.ConversationID][]Lottery{}, bots: map[hongyan.UserID]bool{}}
	last := cur
	for _, e := range evs {
		if e.Seq <= last {
			continue
		}
		last = e.Seq
		if err := st.handle(ctx, e); err != nil {
			return 0, err
		}
	}
	for _, m := range st.sends {
		if err := r.api.Send(ctx, m.chat, m.text, m.clientID); err != nil && !gone(err) {
			return 0, err // retried on the next step with the same client IDs
		}
	}
	if err := s.Commit(ctx, cur, last, st.tally); err != nil {
		return 0, err
	}
	return len(evs), nil
}

// gone reports whether err means the send can never succeed as it is (the
// bot was removed, muted, refused): it is dropped, not retried.
func gone(err error) bool {
	switch hongyan.ErrorCode(err) {
	case hongyan.CodeDenied, hongyan.CodeNotFound, hongyan.CodeInvalid, hongyan.CodePrecondition, hongyan.CodeTooLarge:
		return true
	}
	return false
}

func (st *step) group(ctx context.Context, g hongyan.ConversationID) (*Settings, error) {
	if s, ok := st.settings[g]; ok {
		return s, nil
	}
	s, err := st.r.svc.store.Settings(ctx, g)
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
		st.settings[g] = nil
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	st.settings[g] = &s
	return &s, nil
}

func (st *step) isBot(ctx context.Context, u hongyan.UserID) (bool, error) {
	if u == st.r.self {
		return true, nil
	}
	if b, ok := st.bots[u]; ok {
		return b, nil
	}
	b, err := st.r.svc.groups.IsBot(ctx, u)
	if err != nil {
		return false, err
	}
	st.bots[u] = b
	return b, nil
}

// Day returns t's day in the timezone zone (UTC if unknown).
func Day(t time.Time, zone string) string {
	loc, err := time.LoadLocation(zone)
	if err != nil {
		loc = time.UTC
	}
	return t.In(loc).Format(time.DateOnly)
}

func (st *step) handle(ctx context.Context, e Event) error {
	var d eventData
	if json.Unmarshal(e.Data, &d) != nil {
		return nil // not an event the assistant reads
	}
	clientID := func(k string) string { return "asst-e" + strconv.FormatInt(e.Seq, 10) + k }
	switch e.Type {
	case "friend_request":
		if d.From > 0 && st.r.svc.cfg.FriendGreeting != "" {
			st.sends = append(st.sends, send{Chat{User: hongyan.UserID(d.From)}, st.r.svc.cfg.FriendGreeting, clientID("f")})
		}
	case "member_joined", "member_left":
		g := hongyan.ConversationID(d.Group)
		set, err := st.group(ctx, g)
		if err != nil || set == nil {
			return err
		}
		k := DayKey{g, Day(e.Time, set.Timezone)}
		var users []hongyan.UserID
		for _, u := range d.Users {
			if hongyan.UserID(u) != st.r.self {
				users = append(users, hongyan.UserID(u))
			}
		}
		if len(users) == 0 {
			return nil
		}
		if e.Type == "member_left" {
			st.tally.add(k, func(s *DayStat) { s.Leaves += len(users) })
			return nil
		}
		st.tally.add(k, func(s *DayStat) { s.Joins += len(users) })
		if set.Welcome != "" {
			names, err := st.r.api.MemberNames(ctx, g)
			if err != nil && !gone(err) {
				return err
			}
			var who []string
			for _, u := range users {
				if n := names[u]; n != "" {
					who = append(who, n)
				}
			}
			text := strings.ReplaceAll(set.Welcome, "{name}", strings.Join(who, "、"))
			st.sends = append(st.sends, send{Chat{Group: g}, text, clientID("w")})
		}
	case "message", "mention":
		if d.Chat.Type != "group" || d.Kind == "notice" {
			return nil
		}
		g, sender := hongyan.ConversationID(d.Chat.ID), hongyan.UserID(d.Sender)
		set, err := st.group(ctx, g)
		if err != nil || set == nil {
			return err
		}
		bot, err := st.isBot(ctx, sender)
		if err != nil || bot {
			return err // bots' messages are neither counted nor answered
		}
		k := DayKey{g, Day(e.Time, set.Timezone)}
		st.tally.add(k, func(s *DayStat) { s.Messages++ })
		if st.tally.Active == nil {
			st.tally.Active = map[DayKey][]hongyan.UserID{}
		}
		st.tally.Active[k] = append(st.tally.Active[k], sender)
		if d.Kind != "text" {
			return nil
		}
		ls, ok := st.lots[g]
		if !ok {
			if ls, err = st.r.svc.store.OpenLotteries(ctx, g); err != nil {
				return err
			}
			st.lots[g] = ls
		}
		for _, l := range ls {
			if strings.TrimSpace(d.Text) == l.Keyword && e.Time.Before(l.Deadline) {
				st.tally.Entries = append(st.tally.Entries, Entry{l.ID, sender})
			}
		}
		ks, ok := st.keywords[g]
		if !ok {
			if ks, err = st.r.svc.store.Keywords(ctx, g); err != nil {
				return err
			}
			st.keywords[g] = ks
		}
		reply := Match(ks, d.Text)
		if reply == "" {
			return nil
		}
		// The cooldown is counted in events' times, so that a step retried
		// after a failure decides the same.
		if !set.LastReply.IsZero() && e.Time.Before(set.LastReply.Add(st.r.svc.cfg.Cooldown)) {
			return nil
		}
		set.LastReply = e.Time
		if st.tally.Replied == nil {
			st.tally.Replied = map[hongyan.ConversationID]time.Time{}
		}
		st.tally.Replied[g] = e.Time
		st.sends = append(st.sends, send{Chat{Group: g}, reply, clientID("k")})
	}
	return nil
}

// scheduleBatch is how many due schedules one step posts.
const scheduleBatch = 50

// schedules posts each due schedule once and moves it to its next time
// after now: a schedule missed for days posts once, not once per day.
func (r *Runner) schedules(ctx context.Context) error {
	now := r.svc.now()
	due, err := r.svc.store.DueSchedules(ctx, now, scheduleBatch)
	if err != nil {
		return err
	}
	for _, sc := range due {
		id := "asst-s" + strconv.FormatInt(sc.ID, 10) + "-" + strconv.FormatInt(sc.Next.UnixMilli(), 10)
		if err := r.api.Send(ctx, Chat{Group: sc.Group}, sc.Text, id); err != nil && !gone(err) {
			return err
		}
		if _, err := r.svc.store.AdvanceSchedule(ctx, sc.ID, sc.Next, NextAt(sc, now)); err != nil {
			return err
		}
	}
	return nil
}
