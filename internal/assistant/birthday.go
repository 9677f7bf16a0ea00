package assistant

import (
	"context"
	"strconv"
	"strings"
	"time"

	"hongyan/internal/hongyan"
)

// Birthdays: a member of a group whose assistant is on may tell it their
// birthday (month and day, no year). Only they and the assistant see it;
// on the day, at BirthdayHour in the group's timezone, the assistant wishes
// them a happy birthday in the group (once, even after downtime).

// BirthdayHour is when, in the group's timezone, birthdays are wished.
const BirthdayHour = 9

// Birthday is a member's birthday in a group.
type Birthday struct {
	Group hongyan.ConversationID
	User  hongyan.UserID
	Month time.Month
	Day   int
	Next  time.Time // when it is wished next
}

// NextBirthday returns the first BirthdayHour on month/day in zone after t
// (29 February is wished on 1 March in other years).
func NextBirthday(month time.Month, day int, zone string, t time.Time) time.Time {
	loc, err := time.LoadLocation(zone)
	if err != nil {
		loc = time.UTC
	}
	y := t.In(loc).Year()
	for {
		n := time.Date(y, month, day, BirthdayHour, 0, 0, 0, loc)
		if n.After(t) {
			return n
		}
		y++
	}
}

// SetBirthday records the caller's birthday in group (month 0 forgets it).
// Any member may, once the assistant is on.
func (s *Service) SetBirthday(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, month, day int) (Birthday, error) {
	if _, err := s.groups.Role(ctx, c, group); err != nil {
		return Birthday{}, err
	}
	st, err := s.store.Settings(ctx, group)
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
		return Birthday{}, errOff
	}
	if err != nil {
		return Birthday{}, err
	}
	b := Birthday{Group: group, User: c.User}
	if month == 0 {
		return b, s.store.SetBirthday(ctx, b)
	}
	if month < 1 || month > 12 || day < 1 || day > 31 || time.Date(2024, time.Month(month), day, 0, 0, 0, 0, time.UTC).Day() != day {
		return Birthday{}, hongyan.Errorf(hongyan.CodeInvalid, "no such date: %d-%d", month, day)
	}
	b.Month, b.Day = time.Month(month), day
	b.Next = NextBirthday(b.Month, b.Day, st.Timezone, s.now())
	return b, s.store.SetBirthday(ctx, b)
}

// MyBirthday returns the caller's birthday in group (Month 0: none).
func (s *Service) MyBirthday(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID) (Birthday, error) {
	if _, err := s.groups.Role(ctx, c, group); err != nil {
		return Birthday{}, err
	}
	b, err := s.store.Birthday(ctx, group, c.User)
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
		return Birthday{Group: group, User: c.User}, nil
	}
	return b, err
}

// birthdays wishes the birthdays due, once each, and moves each to next
// year; a member who left the group is not wished.
func (r *Runner) birthdays(ctx context.Context) error {
	now := r.svc.now()
	due, err := r.svc.store.DueBirthdays(ctx, now, scheduleBatch)
	if err != nil {
		return err
	}
	names := map[hongyan.ConversationID]map[hongyan.UserID]string{}
	for _, b := range due {
		ns, ok := names[b.Group]
		if !ok {
			if ns, err = r.api.MemberNames(ctx, b.Group); err != nil && !gone(err) {
				return err
			}
			names[b.Group] = ns
		}
		if name, member := ns[b.User]; member {
			if name == "" {
				name = strconv.FormatInt(int64(b.User), 10)
			}
			text := strings.ReplaceAll("🎂 祝 {name} 生日快乐！Happy birthday, {name}!", "{name}", name)
			id := "asst-b" + strconv.FormatInt(int64(b.Group), 10) + "-" + strconv.FormatInt(int64(b.User), 10) + "-" + strconv.FormatInt(b.Next.UnixMilli(), 10)
			if err := r.api.Send(ctx, Chat{Group: b.Group}, text, id); err != nil && !gone(err) {
				return err
			}
		}
		zone := DefaultTimezone
		if st, err := r.svc.store.Settings(ctx, b.Group); err == nil {
			zone = st.Timezone
		}
		if err := r.svc.store.AdvanceBirthday(ctx, b.Group, b.User, b.Next, NextBirthday(b.Month, b.Day, zone, now)); err != nil {
			return err
		}
	}
	return nil
}
