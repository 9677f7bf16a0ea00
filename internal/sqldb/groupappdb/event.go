package groupappdb

import (
	"context"
	"strconv"
	"strings"
	"time"

	"hongyan/internal/groupapp"
	"hongyan/internal/hongyan"
	"hongyan/internal/sqldb"
)

// CreateEvent stores e.
func (s Store) CreateEvent(ctx context.Context, e groupapp.Event, notify []hongyan.Change) (groupapp.Event, []hongyan.Change, error) {
	if e.Group <= 0 || e.Creator <= 0 {
		return groupapp.Event{}, nil, sqldb.Invalid("an event needs a group and a creator")
	}
	if err := sqldb.CheckChanges(notify); err != nil {
		return groupapp.Event{}, nil, err
	}
	e.Start, e.Created, e.Reminded = tm(ms(e.Start)), tm(ms(e.Created)), tm(ms(e.Reminded))
	var out []hongyan.Change
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		if _, err := t.Write(`INSERT INTO groupapp_events (grp, creator, title, place, start, places, created, reminded, remind_before)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
			[]any{int64(e.Group), int64(e.Creator), e.Title, e.Place, ms(e.Start), int64(e.Limit), ms(e.Created), ms(e.Reminded),
				formatBefore(e.RemindBefore)}, &e.ID); err != nil {
			return sqldb.Internal(err)
		}
		for _, b := range e.RemindBefore {
			if _, err := t.Exec(`INSERT INTO groupapp_event_reminders (event, before_ms, grp, due, start, sent) VALUES ($1, $2, $3, $4, $5, 0)
				ON CONFLICT (event, before_ms) DO NOTHING`,
				e.ID, b.Milliseconds(), int64(e.Group), ms(e.Start)-b.Milliseconds(), ms(e.Start)); err != nil {
				return sqldb.Internal(err)
			}
		}
		var err error
		out, err = appendChanges(t, notify, e.ID)
		return err
	})
	if err != nil {
		return groupapp.Event{}, nil, err
	}
	return e, out, nil
}

const eventCols = `id, grp, creator, title, place, start, places, created, reminded, remind_before`

// formatBefore and parseBefore keep an event's automatic reminders as
// minutes separated by commas ("60,1440").
func formatBefore(ds []time.Duration) string {
	var b strings.Builder
	for i, d := range ds {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(int64(d/time.Minute), 10))
	}
	return b.String()
}

func parseBefore(s string) []time.Duration {
	if s == "" {
		return nil
	}
	var out []time.Duration
	for _, f := range strings.Split(s, ",") {
		if m, err := strconv.ParseInt(f, 10, 32); err == nil {
			out = append(out, time.Duration(m)*time.Minute)
		}
	}
	return out
}

func scanEvent(scan func(...any) error) (groupapp.Event, error) {
	var e groupapp.Event
	var grp, creator, start, places, created, reminded int64
	var remind string
	err := scan(&e.ID, &grp, &creator, &e.Title, &e.Place, &start, &places, &created, &reminded, &remind)
	e.RemindBefore = parseBefore(remind)
	e.Group, e.Creator, e.Limit = hongyan.ConversationID(grp), hongyan.UserID(creator), int(places)
	e.Start, e.Created, e.Reminded = tm(start), tm(created), tm(reminded)
	return e, err
}

// Event returns event id of group.
func (s Store) Event(ctx context.Context, group hongyan.ConversationID, id int64) (groupapp.Event, error) {
	es, err := sqldb.QueryAll(ctx, s.db, scanEvent, `SELECT `+eventCols+` FROM groupapp_events WHERE id = $1 AND grp = $2`, id, int64(group))
	if err != nil {
		return groupapp.Event{}, err
	}
	if len(es) == 0 {
		return groupapp.Event{}, sqldb.NotFound("no such event")
	}
	return es[0], nil
}

// Events returns a page of group's events, newest first.
func (s Store) Events(ctx context.Context, group hongyan.ConversationID, below int64, limit int) ([]groupapp.Event, error) {
	if err := sqldb.CheckLimit(limit); err != nil {
		return nil, err
	}
	return sqldb.QueryAll(ctx, s.db, scanEvent, `SELECT `+eventCols+` FROM groupapp_events WHERE grp = $1 AND id < $2 ORDER BY id DESC LIMIT $3`,
		int64(group), before(below), int64(limit))
}

// eventIn reports (as not_found) whether event id belongs to group.
func eventIn(t *sqldb.Tx, group hongyan.ConversationID, id int64) error {
	var one int64
	found, err := t.Read(`SELECT 1 FROM groupapp_events WHERE id = $1 AND grp = $2`, []any{id, int64(group)}, &one)
	if err != nil {
		return err
	}
	if !found {
		return sqldb.NotFound("no such event")
	}
	return nil
}

// SignUp stores su once per user and event.
func (s Store) SignUp(ctx context.Context, group hongyan.ConversationID, su groupapp.Signup, notify []hongyan.Change) ([]hongyan.Change, error) {
	if su.User <= 0 {
		return nil, sqldb.Invalid("a sign-up needs a user")
	}
	if err := sqldb.CheckChanges(notify); err != nil {
		return nil, err
	}
	var out []hongyan.Change
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		out = nil
		if err := eventIn(t, group, su.Event); err != nil {
			return err
		}
		n, err := t.Exec(`INSERT INTO groupapp_signups (event, user_id, at) VALUES ($1, $2, $3) ON CONFLICT (event, user_id) DO NOTHING`,
			su.Event, int64(su.User), sqldb.Ms(su.At))
		if err != nil {
			return sqldb.Internal(err)
		}
		if n == 0 {
			return nil
		}
		out, err = appendChanges(t, notify, su.Event)
		return err
	})
	return out, err
}

// CancelSignup removes user's sign-up for event id.
func (s Store) CancelSignup(ctx context.Context, group hongyan.ConversationID, id int64, user hongyan.UserID, notify []hongyan.Change) ([]hongyan.Change, error) {
	if err := sqldb.CheckChanges(notify); err != nil {
		return nil, err
	}
	var out []hongyan.Change
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		out = nil
		if err := eventIn(t, group, id); err != nil {
			return err
		}
		n, err := t.Exec(`DELETE FROM groupapp_signups WHERE event = $1 AND user_id = $2`, id, int64(user))
		if err != nil {
			return sqldb.Internal(err)
		}
		if n == 0 {
			return nil
		}
		out, err = appendChanges(t, notify, id)
		return err
	})
	return out, err
}

// Signups returns the sign-ups of event id in the order they came.
func (s Store) Signups(ctx context.Context, id int64) ([]groupapp.Signup, error) {
	return sqldb.QueryAll(ctx, s.db, func(scan func(...any) error) (groupapp.Signup, error) {
		var su groupapp.Signup
		var user, at int64
		err := scan(&su.Seq, &su.Event, &user, &at)
		su.User, su.At = hongyan.UserID(user), sqldb.Tm(at)
		return su, err
	}, `SELECT id, event, user_id, at FROM groupapp_signups WHERE event = $1 ORDER BY id`, id)
}

// RemindEvent records a reminder unless the last was at or after notBefore.
func (s Store) RemindEvent(ctx context.Context, group hongyan.ConversationID, id int64, at, notBefore time.Time) (bool, error) {
	var ok bool
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		n, err := t.Exec(`UPDATE groupapp_events SET reminded = $3 WHERE id = $1 AND grp = $2 AND reminded < $4`,
			id, int64(group), sqldb.Ms(at), sqldb.Ms(notBefore))
		if err != nil {
			return sqldb.Internal(err)
		}
		ok = n > 0
		if !ok {
			return eventIn(t, group, id)
		}
		return nil
	})
	return ok, err
}

// DueReminders returns reminders due at now whose event has not started.
func (s Store) DueReminders(ctx context.Context, now time.Time, limit int) ([]groupapp.DueReminder, error) {
	if err := sqldb.CheckLimit(limit); err != nil {
		return nil, err
	}
	return sqldb.QueryAll(ctx, s.db, func(scan func(...any) error) (groupapp.DueReminder, error) {
		var r groupapp.DueReminder
		var grp, before, due int64
		err := scan(&r.Event, &before, &grp, &due)
		r.Group, r.Before, r.At = hongyan.ConversationID(grp), time.Duration(before)*time.Millisecond, sqldb.Tm(due)
		return r, err
	}, `SELECT event, before_ms, grp, due FROM groupapp_event_reminders WHERE sent = 0 AND due <= $1 AND start > $1
		ORDER BY due, event, before_ms LIMIT $2`, sqldb.Ms(now), int64(limit))
}

// ReminderSent marks a reminder sent.
func (s Store) ReminderSent(ctx context.Context, id int64, before time.Duration) error {
	return s.db.Write(ctx, func(t *sqldb.Tx) error {
		_, err := t.Exec(`UPDATE groupapp_event_reminders SET sent = 1 WHERE event = $1 AND before_ms = $2`, id, before.Milliseconds())
		if err != nil {
			return sqldb.Internal(err)
		}
		return nil
	})
}
