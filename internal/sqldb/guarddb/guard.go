// Package guarddb keeps the Group Guard on the shared storage core: rules,
// the action log, members' joins and the event cursor, in tables of its
// own.
package guarddb

import (
	"context"
	"encoding/json"
	"time"

	"hongyan/internal/guard"
	"hongyan/internal/hongyan"
	"hongyan/internal/sqldb"
)

// Store implements guard.Store.
type Store struct{ db *sqldb.DB }

var _ guard.Store = Store{}

// New returns the Guard's store on db.
func New(db *sqldb.DB) Store { return Store{db} }

// SetRules stores r in place of the group's rules.
func (s Store) SetRules(ctx context.Context, r guard.Rules) error {
	kw, err := json.Marshal(r.Keywords)
	if err != nil {
		return sqldb.Internal(err)
	}
	if r.Keywords == nil {
		kw = []byte("[]")
	}
	return s.db.Write(ctx, func(t *sqldb.Tx) error {
		_, err := t.Exec(`INSERT INTO guard_rules (group_id, enabled, keywords, links, qr_images, new_member_links, new_member_hours,
				remove_message, remove_member, warnings, updated_by, updated)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
			ON CONFLICT (group_id) DO UPDATE SET enabled = excluded.enabled, keywords = excluded.keywords, links = excluded.links,
				qr_images = excluded.qr_images, new_member_links = excluded.new_member_links, new_member_hours = excluded.new_member_hours,
				remove_message = excluded.remove_message, remove_member = excluded.remove_member, warnings = excluded.warnings,
				updated_by = excluded.updated_by, updated = excluded.updated`,
			int64(r.Group), r.Enabled, string(kw), r.Links, r.QRImages, r.NewMemberLinks, int64(r.NewMemberHours),
			r.RemoveMessage, r.RemoveMember, int64(r.Warnings), int64(r.UpdatedBy), sqldb.Ms(r.Updated))
		return sqldb.Internal(err)
	})
}

// Rules returns the group's rules.
func (s Store) Rules(ctx context.Context, group hongyan.ConversationID) (guard.Rules, error) {
	rs, err := sqldb.QueryAll(ctx, s.db, func(scan func(...any) error) (guard.Rules, error) {
		var r guard.Rules
		var g, hours, warnings, by, updated int64
		var kw string
		if err := scan(&g, &r.Enabled, &kw, &r.Links, &r.QRImages, &r.NewMemberLinks, &hours, &r.RemoveMessage, &r.RemoveMember,
			&warnings, &by, &updated); err != nil {
			return r, err
		}
		r.Group, r.NewMemberHours, r.Warnings, r.UpdatedBy, r.Updated = hongyan.ConversationID(g), int(hours), int(warnings), hongyan.UserID(by), sqldb.Tm(updated)
		if err := json.Unmarshal([]byte(kw), &r.Keywords); err != nil {
			return r, err
		}
		if len(r.Keywords) == 0 {
			r.Keywords = nil
		}
		return r, nil
	}, `SELECT group_id, enabled, keywords, links, qr_images, new_member_links, new_member_hours, remove_message, remove_member,
		warnings, updated_by, updated FROM guard_rules WHERE group_id = $1`, int64(group))
	if err != nil {
		return guard.Rules{}, err
	}
	if len(rs) == 0 {
		return guard.Rules{}, sqldb.NotFound("no Group Guard rules for this group")
	}
	return rs[0], nil
}

// ms is t in unix milliseconds, 0 for the zero time.
func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return sqldb.Ms(t)
}

// tm is ms's inverse.
func tm(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return sqldb.Tm(v)
}

// AddAction stores a, once per message and action.
func (s Store) AddAction(ctx context.Context, a guard.Action) (guard.Action, error) {
	a.At = sqldb.Tm(sqldb.Ms(a.At))
	a.Undone = tm(ms(a.Undone))
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		_, err := t.Write(`INSERT INTO guard_actions (group_id, user_id, message_id, rule, did, detail, error, at, undone, undone_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
			[]any{int64(a.Group), int64(a.User), int64(a.Message), a.Rule, a.Did, a.Detail, a.Error, sqldb.Ms(a.At), ms(a.Undone), int64(a.UndoneBy)}, &a.ID)
		if err != nil && t.Dialect().IsUnique(err) {
			return hongyan.Errorf(hongyan.CodeExists, "message %d was acted on (%s) already", a.Message, a.Did)
		}
		return sqldb.Internal(err)
	})
	return a, err
}

const actionCols = `id, group_id, user_id, message_id, rule, did, detail, error, at, undone, undone_by`

func scanAction(scan func(...any) error) (guard.Action, error) {
	var a guard.Action
	var g, u, m, at, undone, by int64
	err := scan(&a.ID, &g, &u, &m, &a.Rule, &a.Did, &a.Detail, &a.Error, &at, &undone, &by)
	a.Group, a.User, a.Message, a.At, a.Undone, a.UndoneBy = hongyan.ConversationID(g), hongyan.UserID(u), hongyan.MessageID(m), sqldb.Tm(at), tm(undone), hongyan.UserID(by)
	return a, err
}

// Action returns action id.
func (s Store) Action(ctx context.Context, id int64) (guard.Action, error) {
	as, err := sqldb.QueryAll(ctx, s.db, scanAction, `SELECT `+actionCols+` FROM guard_actions WHERE id = $1`, id)
	if err != nil {
		return guard.Action{}, err
	}
	if len(as) == 0 {
		return guard.Action{}, sqldb.NotFound("no such Group Guard action")
	}
	return as[0], nil
}

// Actions returns the group's actions below before, newest first.
func (s Store) Actions(ctx context.Context, group hongyan.ConversationID, before int64, limit int) ([]guard.Action, error) {
	if before <= 0 {
		before = 1 << 62
	}
	return sqldb.QueryAll(ctx, s.db, scanAction, `SELECT `+actionCols+` FROM guard_actions WHERE group_id = $1 AND id < $2
		ORDER BY id DESC LIMIT $3`, int64(group), before, int64(limit))
}

// CountActions counts the group's actions on user of kind did, not
// undone, since t.
func (s Store) CountActions(ctx context.Context, group hongyan.ConversationID, user hongyan.UserID, did string, since time.Time) (int, error) {
	ns, err := sqldb.QueryAll(ctx, s.db, func(scan func(...any) error) (int64, error) {
		var n int64
		return n, scan(&n)
	}, `SELECT COUNT(*) FROM guard_actions WHERE group_id = $1 AND user_id = $2 AND did = $3 AND undone = 0 AND at >= $4`,
		int64(group), int64(user), did, ms(since))
	if err != nil || len(ns) == 0 {
		return 0, err
	}
	return int(ns[0]), nil
}

// FailAction records why action id could not be done.
func (s Store) FailAction(ctx context.Context, id int64, msg string) error {
	return s.db.Write(ctx, func(t *sqldb.Tx) error {
		n, err := t.Exec(`UPDATE guard_actions SET error = $1 WHERE id = $2`, msg, id)
		if err != nil {
			return sqldb.Internal(err)
		}
		if n == 0 {
			return sqldb.NotFound("no such Group Guard action")
		}
		return nil
	})
}

// MarkUndone marks action id undone, once.
func (s Store) MarkUndone(ctx context.Context, id int64, by hongyan.UserID, at time.Time) error {
	return s.db.Write(ctx, func(t *sqldb.Tx) error {
		n, err := t.Exec(`UPDATE guard_actions SET undone = $1, undone_by = $2 WHERE id = $3 AND undone = 0`, sqldb.Ms(at), int64(by), id)
		if err != nil {
			return sqldb.Internal(err)
		}
		if n == 0 {
			return hongyan.Errorf(hongyan.CodePrecondition, "no such action, or it was undone already")
		}
		return nil
	})
}

// SetJoined records that user joined group at t.
func (s Store) SetJoined(ctx context.Context, group hongyan.ConversationID, user hongyan.UserID, t time.Time) error {
	return s.db.Write(ctx, func(tx *sqldb.Tx) error {
		_, err := tx.Exec(`INSERT INTO guard_joins (group_id, user_id, joined) VALUES ($1, $2, $3)
			ON CONFLICT (group_id, user_id) DO UPDATE SET joined = excluded.joined`, int64(group), int64(user), sqldb.Ms(t))
		return sqldb.Internal(err)
	})
}

// Joined returns when user last joined group (zero: not seen).
func (s Store) Joined(ctx context.Context, group hongyan.ConversationID, user hongyan.UserID) (time.Time, error) {
	ts, err := sqldb.QueryAll(ctx, s.db, func(scan func(...any) error) (int64, error) {
		var v int64
		return v, scan(&v)
	}, `SELECT joined FROM guard_joins WHERE group_id = $1 AND user_id = $2`, int64(group), int64(user))
	if err != nil || len(ts) == 0 {
		return time.Time{}, err
	}
	return sqldb.Tm(ts[0]), nil
}

// Cursor returns bot's cursor (0 at first).
func (s Store) Cursor(ctx context.Context, bot int64) (int64, error) {
	cs, err := sqldb.QueryAll(ctx, s.db, func(scan func(...any) error) (int64, error) {
		var v int64
		return v, scan(&v)
	}, `SELECT seq FROM guard_cursors WHERE bot_id = $1`, bot)
	if err != nil || len(cs) == 0 {
		return 0, err
	}
	return cs[0], nil
}

// MoveCursor moves bot's cursor from from to to, if it is still at from.
func (s Store) MoveCursor(ctx context.Context, bot int64, from, to int64) error {
	return s.db.Write(ctx, func(t *sqldb.Tx) error {
		var n int64
		var err error
		if from == 0 {
			n, err = t.Exec(`INSERT INTO guard_cursors (bot_id, seq) VALUES ($1, $2) ON CONFLICT (bot_id) DO NOTHING`, bot, to)
		} else {
			n, err = t.Exec(`UPDATE guard_cursors SET seq = $1 WHERE bot_id = $2 AND seq = $3`, to, bot, from)
		}
		if err != nil {
			return sqldb.Internal(err)
		}
		if n == 0 {
			return hongyan.Errorf(hongyan.CodePrecondition, "the Group Guard's cursor moved meanwhile")
		}
		return nil
	})
}
