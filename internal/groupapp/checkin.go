package groupapp

import (
	"cmp"
	"context"
	"slices"
	"time"

	"hongyan/internal/hongyan"
)

// Checkin is one member's check-in on one day. Day counts calendar days
// since 1970-01-01 in the service's day zone (Config.Day).
type Checkin struct {
	Group hongyan.ConversationID
	User  hongyan.UserID
	Day   int64
	At    time.Time
}

// Tally is a member's check-in record in a group: the last day they
// checked in, the streak of consecutive days that ended on it, their best
// streak and how many days they checked in.
type Tally struct {
	Group   hongyan.ConversationID
	User    hongyan.UserID
	LastDay int64
	Streak  int
	Best    int
	Total   int
	At      time.Time // of the last check-in
}

// Current is t's streak as of day today: it goes on while the member
// checked in today or yesterday, and is 0 otherwise.
func (t Tally) Current(today int64) int {
	if t.Total == 0 || t.LastDay < today-1 {
		return 0
	}
	return t.Streak
}

// Rank is one line of a group's check-in ranking.
type Rank struct {
	User   hongyan.UserID
	Streak int // current
	Best   int
	Total  int
	Today  bool // checked in today
}

// Board is a group's check-in board as a member sees it on Day.
type Board struct {
	Group hongyan.ConversationID
	Day   int64
	Zone  string // the day zone's name
	Me    Rank
	Today int // members who checked in today
	// Ranking lists members with a current streak, longest first (then
	// most days, then who checked in earliest), at most MaxRanking.
	Ranking []Rank
}

// Day returns the check-in day of t: calendar days since 1970-01-01 in
// loc.
func Day(t time.Time, loc *time.Location) int64 {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

// CheckIn checks the caller in to group for today (in the day zone);
// checking in again on the same day changes nothing. Muted members may
// check in: it posts no card.
func (s *Service) CheckIn(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID) (Board, error) {
	if _, err := s.member(ctx, c, group); err != nil {
		return Board{}, err
	}
	now := s.now()
	notify, err := s.notify(ctx, c, group, ChangeCheckin, int64(c.User))
	if err != nil {
		return Board{}, err
	}
	_, added, changes, err := s.store.CheckIn(ctx, Checkin{Group: group, User: c.User, Day: Day(now, s.cfg.Day), At: now}, notify)
	if err != nil {
		return Board{}, err
	}
	if added {
		s.publish(ctx, changes)
	}
	return s.board(ctx, c, group, now)
}

// Board returns group's check-in board.
func (s *Service) Board(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID) (Board, error) {
	if _, err := s.member(ctx, c, group); err != nil {
		return Board{}, err
	}
	return s.board(ctx, c, group, s.now())
}

func (s *Service) board(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, now time.Time) (Board, error) {
	today := Day(now, s.cfg.Day)
	b := Board{Group: group, Day: today, Zone: s.cfg.Day.String()}
	mine, err := s.store.Tally(ctx, group, c.User)
	if err != nil {
		return Board{}, err
	}
	b.Me = rank(mine, today)
	b.Me.User = c.User
	members, err := s.groups.Members(ctx, group, c.User)
	if err != nil {
		return Board{}, err
	}
	ts, err := s.store.Tallies(ctx, group, today-1, len(members)+1)
	if err != nil {
		return Board{}, err
	}
	for _, t := range ts {
		if !slices.Contains(members, t.User) {
			continue // left the group
		}
		r := rank(t, today)
		if r.Today {
			b.Today++
		}
		if r.Streak > 0 {
			b.Ranking = append(b.Ranking, r)
		}
	}
	at := make(map[hongyan.UserID]time.Time, len(ts))
	for _, t := range ts {
		at[t.User] = t.At
	}
	slices.SortFunc(b.Ranking, func(x, y Rank) int {
		if c := cmp.Compare(y.Streak, x.Streak); c != 0 {
			return c
		}
		if c := cmp.Compare(y.Total, x.Total); c != 0 {
			return c
		}
		if c := at[x.User].Compare(at[y.User]); c != 0 {
			return c
		}
		return cmp.Compare(x.User, y.User)
	})
	if len(b.Ranking) > MaxRanking {
		b.Ranking = b.Ranking[:MaxRanking]
	}
	return b, nil
}

func rank(t Tally, today int64) Rank {
	return Rank{User: t.User, Streak: t.Current(today), Best: t.Best, Total: t.Total, Today: t.Total > 0 && t.LastDay == today}
}
