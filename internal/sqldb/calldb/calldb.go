// Package calldb keeps one-to-one calls on the shared storage core: the
// calls with their deadlines, and the line each party of a call in
// progress holds, in tables of its own.
package calldb

import (
	"context"
	"errors"
	"time"

	"hongyan/internal/call"
	"hongyan/internal/hongyan"
	"hongyan/internal/sqldb"
)

// Store implements call.Store.
type Store struct{ db *sqldb.DB }

var _ call.Store = Store{}

// New returns the call store on db.
func New(db *sqldb.DB) Store { return Store{db} }

// ms is t in unix milliseconds, 0 for the zero time.
func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return sqldb.Ms(t)
}

func tm(x int64) time.Time {
	if x == 0 {
		return time.Time{}
	}
	return sqldb.Tm(x)
}

const cols = `id, caller, callee, caller_device, callee_device, video, state, end_reason, created, answered, ended, deadline, recorded`

func scan(sc func(...any) error) (call.Call, error) {
	var c call.Call
	var caller, callee, cdev, edev, created, answered, ended, deadline int64
	var state, end int64
	if err := sc(&c.ID, &caller, &callee, &cdev, &edev, &c.Video, &state, &end, &created, &answered, &ended, &deadline, &c.Recorded); err != nil {
		return c, err
	}
	c.Caller, c.Callee, c.CallerDevice, c.CalleeDevice = hongyan.UserID(caller), hongyan.UserID(callee), hongyan.DeviceID(cdev), hongyan.DeviceID(edev)
	c.State, c.End = call.State(state), call.End(end)
	c.Created, c.Answered, c.Ended, c.Deadline = tm(created), tm(answered), tm(ended), tm(deadline)
	return c, nil
}

// Create stores c and takes both parties' lines, or stores it busy.
func (s Store) Create(ctx context.Context, c call.Call) (call.Call, []hongyan.Change, error) {
	if c.Caller <= 0 || c.Callee <= 0 || c.Caller == c.Callee || c.State != call.StateRinging {
		return call.Call{}, nil, sqldb.Invalid("a new call rings between two users")
	}
	var out []hongyan.Change
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		c.ID, out = 0, nil
		var id int64
		if _, err := t.Write(`INSERT INTO calls (caller, callee, caller_device, callee_device, video, state, end_reason, created, answered, ended, deadline, recorded)
			VALUES ($1, $2, $3, 0, $4, $5, 0, $6, 0, 0, $7, false) RETURNING id`,
			[]any{int64(c.Caller), int64(c.Callee), int64(c.CallerDevice), c.Video, int64(call.StateRinging), ms(c.Created), ms(c.Deadline)}, &id); err != nil {
			return sqldb.Internal(err)
		}
		n, err := t.Exec(`INSERT INTO call_lines (user_id, call_id) VALUES ($1, $3), ($2, $3) ON CONFLICT DO NOTHING`, int64(c.Caller), int64(c.Callee), id)
		if err != nil {
			return sqldb.Internal(err)
		}
		notify := []hongyan.Change{{User: c.Caller, Kind: hongyan.ChangeCall, Ref: id}, {User: c.Callee, Kind: hongyan.ChangeCall, Ref: id}}
		if n != 2 {
			// Either is in a call: this one is busy and holds no line.
			if _, err := t.Exec(`DELETE FROM call_lines WHERE call_id = $1`, id); err != nil {
				return sqldb.Internal(err)
			}
			if _, err := t.Exec(`UPDATE calls SET state = $1, end_reason = $2, ended = created, deadline = 0 WHERE id = $3`,
				int64(call.StateEnded), int64(call.EndBusy), id); err != nil {
				return sqldb.Internal(err)
			}
			notify = notify[:1]
		}
		c.ID = id
		if n != 2 {
			c.State, c.End, c.Ended, c.Deadline = call.StateEnded, call.EndBusy, c.Created, time.Time{}
		}
		out, err = t.AppendChanges(notify)
		return err
	})
	if err != nil {
		return call.Call{}, nil, err
	}
	c.CalleeDevice, c.Answered, c.Recorded = 0, time.Time{}, false
	return c, out, nil
}

// Get returns call id.
func (s Store) Get(ctx context.Context, id int64) (call.Call, error) {
	cs, err := sqldb.QueryAll(ctx, s.db, scan, `SELECT `+cols+` FROM calls WHERE id = $1`, id)
	if err != nil {
		return call.Call{}, err
	}
	if len(cs) == 0 {
		return call.Call{}, sqldb.NotFound("no such call")
	}
	return cs[0], nil
}

var errMoved = errors.New("calldb: the call moved meanwhile")

// Update stores c's mutable fields if the call is still in state from.
func (s Store) Update(ctx context.Context, c call.Call, from call.State, quiet bool) ([]hongyan.Change, bool, error) {
	if c.ID <= 0 || c.State < call.StateRinging || c.State > call.StateEnded {
		return nil, false, sqldb.Invalid("an update needs a call and a state")
	}
	var out []hongyan.Change
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		out = nil
		var caller, callee int64
		found, err := t.Write(`UPDATE calls SET state = $1, end_reason = $2, callee_device = $3, video = $4, answered = $5, ended = $6, deadline = $7
			WHERE id = $8 AND state = $9 RETURNING caller, callee`,
			[]any{int64(c.State), int64(c.End), int64(c.CalleeDevice), c.Video, ms(c.Answered), ms(c.Ended), ms(c.Deadline), c.ID, int64(from)}, &caller, &callee)
		if err != nil {
			return sqldb.Internal(err)
		}
		if !found {
			return errMoved
		}
		if c.State == call.StateEnded {
			if _, err := t.Exec(`DELETE FROM call_lines WHERE call_id = $1`, c.ID); err != nil {
				return sqldb.Internal(err)
			}
		}
		if quiet {
			return nil
		}
		out, err = t.AppendChanges([]hongyan.Change{{User: hongyan.UserID(caller), Kind: hongyan.ChangeCall, Ref: c.ID},
			{User: hongyan.UserID(callee), Kind: hongyan.ChangeCall, Ref: c.ID}})
		return err
	})
	if errors.Is(err, errMoved) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return out, true, nil
}

// Current returns the call user holds a line in.
func (s Store) Current(ctx context.Context, user hongyan.UserID) (call.Call, error) {
	cs, err := sqldb.QueryAll(ctx, s.db, scan, `SELECT `+cols+` FROM calls WHERE id = (SELECT call_id FROM call_lines WHERE user_id = $1)`, int64(user))
	if err != nil {
		return call.Call{}, err
	}
	if len(cs) == 0 {
		return call.Call{}, sqldb.NotFound("not in a call")
	}
	return cs[0], nil
}

// Overdue returns calls in progress past their deadline.
func (s Store) Overdue(ctx context.Context, now time.Time, limit int) ([]call.Call, error) {
	if err := sqldb.CheckLimit(limit); err != nil {
		return nil, err
	}
	return sqldb.QueryAll(ctx, s.db, scan, `SELECT `+cols+` FROM calls WHERE state < 3 AND deadline < $1 ORDER BY deadline, id LIMIT $2`,
		sqldb.Ms(now), limit)
}

// Unrecorded returns ended calls whose record was not posted.
func (s Store) Unrecorded(ctx context.Context, limit int) ([]call.Call, error) {
	if err := sqldb.CheckLimit(limit); err != nil {
		return nil, err
	}
	return sqldb.QueryAll(ctx, s.db, scan, `SELECT `+cols+` FROM calls WHERE state = 3 AND NOT recorded ORDER BY id LIMIT $1`, limit)
}

// TakePlace counts a call placed in period while under max.
func (s Store) TakePlace(ctx context.Context, user hongyan.UserID, period int64, max int) (bool, error) {
	if max <= 0 {
		return false, nil
	}
	var n int64
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		var err error
		n, err = t.Exec(`INSERT INTO call_quotas (user_id, period, used) VALUES ($1, $2, 1)
			ON CONFLICT (user_id) DO UPDATE SET period = excluded.period,
				used = CASE WHEN call_quotas.period = excluded.period THEN call_quotas.used + 1 ELSE 1 END
			WHERE call_quotas.period <> excluded.period OR call_quotas.used < $3`,
			int64(user), period, int64(max))
		return sqldb.Internal(err)
	})
	return n > 0, err
}

// MarkRecorded notes that call id's record was posted.
func (s Store) MarkRecorded(ctx context.Context, id int64) error {
	return s.db.Write(ctx, func(t *sqldb.Tx) error {
		_, err := t.Exec(`UPDATE calls SET recorded = true WHERE id = $1`, id)
		return sqldb.Internal(err)
	})
}
