package groupapp

import (
	"context"
	"time"

	"hongyan/internal/hongyan"
)

// DueReminder is an automatic reminder of an event (Event.RemindBefore)
// whose time has come: At is the event's start less Before.
type DueReminder struct {
	Event  int64
	Group  hongyan.ConversationID
	Before time.Duration
	At     time.Time
}

// EventReminders keeps the events' automatic reminders: CreateEvent
// schedules one for each of Event.RemindBefore.
type EventReminders interface {
	// DueReminders returns up to limit reminders not marked sent whose
	// time is at or before now and whose event starts after now,
	// earliest first.
	DueReminders(ctx context.Context, now time.Time, limit int) ([]DueReminder, error)
	// ReminderSent marks the reminder of event id Before its start sent
	// (marked already: nothing changes).
	ReminderSent(ctx context.Context, id int64, before time.Duration) error
}

// maxDuePerRun bounds the reminders one run of SendDueReminders posts.
const maxDuePerRun = 200

// SendDueReminders posts the automatic event reminders whose time has
// come: a card from the event's creator mentioning those who have a
// place, as the manual reminder does. Each is posted once: a card posted
// but not yet marked sent (a crash between the two) is posted again with
// the same key, which the chat posts once. Run by one node of a cluster
// at a time; returns how many were sent.
func (s *Service) SendDueReminders(ctx context.Context) (int, error) {
	now := s.now()
	due, err := s.store.DueReminders(ctx, now, maxDuePerRun)
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, r := range due {
		posted, err := s.sendReminder(ctx, r)
		if err != nil {
			return sent, err
		}
		if err := s.store.ReminderSent(ctx, r.Event, r.Before); err != nil {
			return sent, err
		}
		if posted {
			sent++
		}
	}
	return sent, nil
}

// sendReminder posts r's card; posted is false when there was nothing to
// post (the event or its creator's membership gone, nobody going) or the
// chat refused it for good (the error is logged). A failure worth a retry
// is returned.
func (s *Service) sendReminder(ctx context.Context, r DueReminder) (posted bool, err error) {
	permanent := func(err error) bool {
		switch hongyan.ErrorCode(err) {
		case hongyan.CodeNotFound, hongyan.CodeDenied, hongyan.CodePrecondition, hongyan.CodeInvalid:
			return true
		}
		return false
	}
	e, err := s.store.Event(ctx, r.Group, r.Event)
	if err != nil {
		if permanent(err) {
			return false, nil
		}
		return false, err
	}
	v, err := s.eventView(ctx, hongyan.Caller{User: e.Creator}, Member{}, e)
	if err != nil {
		if permanent(err) {
			return false, nil
		}
		return false, err
	}
	if len(v.Going) == 0 || s.cards == nil {
		return false, nil
	}
	mentions := v.Going
	if len(mentions) > MaxReminded {
		mentions = mentions[:MaxReminded]
	}
	err = s.cards.Post(ctx, e.Group, e.Creator, Card{App: AppEvent, Kind: CardReminder, Item: e.ID, Title: e.Title, Mentions: mentions, At: r.At})
	if err != nil {
		if permanent(err) {
			s.cfg.Log.Warn("groupapp: event reminder not posted", "group", e.Group, "event", e.ID, "err", err)
			return false, nil
		}
		return false, err
	}
	return true, nil
}
