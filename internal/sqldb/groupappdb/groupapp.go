// Package groupappdb keeps the group apps on the shared storage core:
// polls with their votes, check-ins with each member's tally, homework
// with its submissions, in tables of their own.
package groupappdb

import (
	"context"
	"encoding/json"
	"time"

	"hongyan/internal/groupapp"
	"hongyan/internal/hongyan"
	"hongyan/internal/sqldb"
)

// Store implements groupapp.Store.
type Store struct{ db *sqldb.DB }

var _ groupapp.Store = Store{}

// New returns the group apps' store on db.
func New(db *sqldb.DB) Store { return Store{db} }

// ms is t in unix milliseconds, 0 for the zero time.
func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return sqldb.Ms(t)
}

// tm is the inverse of ms.
func tm(x int64) time.Time {
	if x == 0 {
		return time.Time{}
	}
	return sqldb.Tm(x)
}

// appendChanges appends notify with Ref set to id where it is 0.
func appendChanges(t *sqldb.Tx, notify []hongyan.Change, id int64) ([]hongyan.Change, error) {
	in := make([]hongyan.Change, len(notify))
	for i, c := range notify {
		if c.Ref == 0 {
			c.Ref = id
		}
		in[i] = c
	}
	return t.AppendChanges(in)
}

// CreatePoll stores p.
func (s Store) CreatePoll(ctx context.Context, p groupapp.Poll, notify []hongyan.Change) (groupapp.Poll, []hongyan.Change, error) {
	if p.Group <= 0 || p.Creator <= 0 {
		return groupapp.Poll{}, nil, sqldb.Invalid("a poll needs a group and a creator")
	}
	if err := sqldb.CheckChanges(notify); err != nil {
		return groupapp.Poll{}, nil, err
	}
	opts, err := json.Marshal(p.Options)
	if err != nil {
		return groupapp.Poll{}, nil, sqldb.Internal(err)
	}
	p.Created, p.Deadline, p.Closed = tm(ms(p.Created)), tm(ms(p.Deadline)), tm(ms(p.Closed))
	var out []hongyan.Change
	err = s.db.Write(ctx, func(t *sqldb.Tx) error {
		if _, err := t.Write(`INSERT INTO groupapp_polls (grp, creator, question, options, multi, anonymous, deadline, created, closed)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
			[]any{int64(p.Group), int64(p.Creator), p.Question, string(opts), p.Multi, p.Anonymous, ms(p.Deadline), ms(p.Created), ms(p.Closed)}, &p.ID); err != nil {
			return sqldb.Internal(err)
		}
		var err error
		out, err = appendChanges(t, notify, p.ID)
		return err
	})
	if err != nil {
		return groupapp.Poll{}, nil, err
	}
	return p, out, nil
}

const pollCols = `id, grp, creator, question, options, multi, anonymous, deadline, created, closed`

func scanPoll(scan func(...any) error) (groupapp.Poll, error) {
	var p groupapp.Poll
	var grp, creator, deadline, created, closed int64
	var opts string
	if err := scan(&p.ID, &grp, &creator, &p.Question, &opts, &p.Multi, &p.Anonymous, &deadline, &created, &closed); err != nil {
		return p, err
	}
	p.Group, p.Creator = hongyan.ConversationID(grp), hongyan.UserID(creator)
	p.Deadline, p.Created, p.Closed = tm(deadline), tm(created), tm(closed)
	return p, json.Unmarshal([]byte(opts), &p.Options)
}

// Poll returns poll id of group.
func (s Store) Poll(ctx context.Context, group hongyan.ConversationID, id int64) (groupapp.Poll, error) {
	ps, err := sqldb.QueryAll(ctx, s.db, scanPoll, `SELECT `+pollCols+` FROM groupapp_polls WHERE id = $1 AND grp = $2`, id, int64(group))
	if err != nil {
		return groupapp.Poll{}, err
	}
	if len(ps) == 0 {
		return groupapp.Poll{}, sqldb.NotFound("no such poll")
	}
	return ps[0], nil
}

// before turns a page's upper bound (0: none) into an ID bound.
func before(id int64) int64 {
	if id <= 0 {
		return 1<<63 - 1
	}
	return id
}

// Polls returns a page of group's polls, newest first.
func (s Store) Polls(ctx context.Context, group hongyan.ConversationID, below int64, limit int) ([]groupapp.Poll, error) {
	if err := sqldb.CheckLimit(limit); err != nil {
		return nil, err
	}
	return sqldb.QueryAll(ctx, s.db, scanPoll, `SELECT `+pollCols+` FROM groupapp_polls WHERE grp = $1 AND id < $2 ORDER BY id DESC LIMIT $3`,
		int64(group), before(below), int64(limit))
}

// ClosePoll closes poll id of group.
func (s Store) ClosePoll(ctx context.Context, group hongyan.ConversationID, id int64, at time.Time, notify []hongyan.Change) ([]hongyan.Change, error) {
	if err := sqldb.CheckChanges(notify); err != nil {
		return nil, err
	}
	var out []hongyan.Change
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		out = nil
		var closed int64
		found, err := t.Read(`SELECT closed FROM groupapp_polls WHERE id = $1 AND grp = $2`, []any{id, int64(group)}, &closed)
		if err != nil {
			return err
		}
		if !found {
			return sqldb.NotFound("no such poll")
		}
		if closed != 0 {
			return nil
		}
		if _, err := t.Exec(`UPDATE groupapp_polls SET closed = $3 WHERE id = $1 AND grp = $2`, id, int64(group), max(ms(at), 1)); err != nil {
			return sqldb.Internal(err)
		}
		out, err = appendChanges(t, notify, id)
		return err
	})
	return out, err
}

// Vote stores v in place of the user's earlier vote.
func (s Store) Vote(ctx context.Context, group hongyan.ConversationID, v groupapp.Vote, notify []hongyan.Change) ([]hongyan.Change, error) {
	if v.User <= 0 {
		return nil, sqldb.Invalid("a vote needs a user")
	}
	if err := sqldb.CheckChanges(notify); err != nil {
		return nil, err
	}
	choices, err := json.Marshal(v.Choices)
	if err != nil {
		return nil, sqldb.Internal(err)
	}
	var out []hongyan.Change
	err = s.db.Write(ctx, func(t *sqldb.Tx) error {
		var one int64
		found, err := t.Read(`SELECT 1 FROM groupapp_polls WHERE id = $1 AND grp = $2`, []any{v.Poll, int64(group)}, &one)
		if err != nil {
			return err
		}
		if !found {
			return sqldb.NotFound("no such poll")
		}
		if _, err := t.Exec(`INSERT INTO groupapp_votes (poll, user_id, choices, at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (poll, user_id) DO UPDATE SET choices = excluded.choices, at = excluded.at`,
			v.Poll, int64(v.User), string(choices), sqldb.Ms(v.At)); err != nil {
			return sqldb.Internal(err)
		}
		out, err = appendChanges(t, notify, v.Poll)
		return err
	})
	return out, err
}

// Votes returns the votes of poll id.
func (s Store) Votes(ctx context.Context, id int64) ([]groupapp.Vote, error) {
	return sqldb.QueryAll(ctx, s.db, func(scan func(...any) error) (groupapp.Vote, error) {
		var v groupapp.Vote
		var user, at int64
		var choices string
		if err := scan(&v.Poll, &user, &choices, &at); err != nil {
			return v, err
		}
		v.User, v.At = hongyan.UserID(user), sqldb.Tm(at)
		return v, json.Unmarshal([]byte(choices), &v.Choices)
	}, `SELECT poll, user_id, choices, at FROM groupapp_votes WHERE poll = $1 ORDER BY at, user_id`, id)
}

const tallyCols = `grp, user_id, last_day, streak, best, total, at`

func scanTally(scan func(...any) error) (groupapp.Tally, error) {
	var t groupapp.Tally
	var grp, user, at int64
	var streak, best, total int64
	err := scan(&grp, &user, &t.LastDay, &streak, &best, &total, &at)
	t.Group, t.User, t.At = hongyan.ConversationID(grp), hongyan.UserID(user), sqldb.Tm(at)
	t.Streak, t.Best, t.Total = int(streak), int(best), int(total)
	return t, err
}

// CheckIn records c once per user, group and day.
func (s Store) CheckIn(ctx context.Context, c groupapp.Checkin, notify []hongyan.Change) (groupapp.Tally, bool, []hongyan.Change, error) {
	if c.Group <= 0 || c.User <= 0 {
		return groupapp.Tally{}, false, nil, sqldb.Invalid("a check-in needs a group and a user")
	}
	if err := sqldb.CheckChanges(notify); err != nil {
		return groupapp.Tally{}, false, nil, err
	}
	var (
		tally groupapp.Tally
		added bool
		out   []hongyan.Change
	)
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		tally, added, out = groupapp.Tally{}, false, nil
		found, err := t.ReadScan(`SELECT `+tallyCols+` FROM groupapp_tallies WHERE grp = $1 AND user_id = $2`, []any{int64(c.Group), int64(c.User)},
			func(scan func(...any) error) error {
				var err error
				tally, err = scanTally(scan)
				return err
			})
		if err != nil {
			return err
		}
		n, err := t.Exec(`INSERT INTO groupapp_checkins (grp, user_id, day, at) VALUES ($1, $2, $3, $4) ON CONFLICT (grp, user_id, day) DO NOTHING`,
			int64(c.Group), int64(c.User), c.Day, sqldb.Ms(c.At))
		if err != nil {
			return sqldb.Internal(err)
		}
		if n == 0 {
			return nil
		}
		added = true
		switch {
		case !found:
			tally = groupapp.Tally{Group: c.Group, User: c.User, LastDay: c.Day, Streak: 1}
		case tally.LastDay == c.Day-1:
			tally.LastDay, tally.Streak = c.Day, tally.Streak+1
		case tally.LastDay < c.Day-1:
			tally.LastDay, tally.Streak = c.Day, 1
		}
		// A day before the last (a clock behind another node's) only
		// counts towards the total.
		tally.Total++
		tally.Best = max(tally.Best, tally.Streak)
		tally.At = sqldb.Tm(sqldb.Ms(c.At))
		if _, err := t.Exec(`INSERT INTO groupapp_tallies (`+tallyCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (grp, user_id) DO UPDATE SET last_day = excluded.last_day, streak = excluded.streak, best = excluded.best,
				total = excluded.total, at = excluded.at`,
			int64(c.Group), int64(c.User), tally.LastDay, int64(tally.Streak), int64(tally.Best), int64(tally.Total), sqldb.Ms(c.At)); err != nil {
			return sqldb.Internal(err)
		}
		out, err = appendChanges(t, notify, int64(c.User))
		return err
	})
	if err != nil {
		return groupapp.Tally{}, false, nil, err
	}
	return tally, added, out, nil
}

// Tally returns user's tally in group.
func (s Store) Tally(ctx context.Context, group hongyan.ConversationID, user hongyan.UserID) (groupapp.Tally, error) {
	ts, err := sqldb.QueryAll(ctx, s.db, scanTally, `SELECT `+tallyCols+` FROM groupapp_tallies WHERE grp = $1 AND user_id = $2`, int64(group), int64(user))
	if err != nil || len(ts) == 0 {
		return groupapp.Tally{Group: group, User: user}, err
	}
	return ts[0], nil
}

// Tallies returns tallies of group with a check-in on or after since.
func (s Store) Tallies(ctx context.Context, group hongyan.ConversationID, since int64, limit int) ([]groupapp.Tally, error) {
	if limit <= 0 {
		return nil, sqldb.Invalid("limit must be positive")
	}
	return sqldb.QueryAll(ctx, s.db, scanTally, `SELECT `+tallyCols+` FROM groupapp_tallies WHERE grp = $1 AND last_day >= $2 LIMIT $3`,
		int64(group), since, int64(limit))
}

// CreateHomework stores h.
func (s Store) CreateHomework(ctx context.Context, h groupapp.Homework, notify []hongyan.Change) (groupapp.Homework, []hongyan.Change, error) {
	if h.Group <= 0 || h.Creator <= 0 {
		return groupapp.Homework{}, nil, sqldb.Invalid("homework needs a group and a creator")
	}
	if err := sqldb.CheckChanges(notify); err != nil {
		return groupapp.Homework{}, nil, err
	}
	h.Created, h.Due, h.Reminded = tm(ms(h.Created)), tm(ms(h.Due)), tm(ms(h.Reminded))
	var out []hongyan.Change
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		if _, err := t.Write(`INSERT INTO groupapp_homework (grp, creator, title, body, due, created, reminded)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			[]any{int64(h.Group), int64(h.Creator), h.Title, h.Body, ms(h.Due), ms(h.Created), ms(h.Reminded)}, &h.ID); err != nil {
			return sqldb.Internal(err)
		}
		var err error
		out, err = appendChanges(t, notify, h.ID)
		return err
	})
	if err != nil {
		return groupapp.Homework{}, nil, err
	}
	return h, out, nil
}

const homeworkCols = `id, grp, creator, title, body, due, created, reminded`

func scanHomework(scan func(...any) error) (groupapp.Homework, error) {
	var h groupapp.Homework
	var grp, creator, due, created, reminded int64
	err := scan(&h.ID, &grp, &creator, &h.Title, &h.Body, &due, &created, &reminded)
	h.Group, h.Creator = hongyan.ConversationID(grp), hongyan.UserID(creator)
	h.Due, h.Created, h.Reminded = tm(due), tm(created), tm(reminded)
	return h, err
}

// Homework returns homework id of group.
func (s Store) Homework(ctx context.Context, group hongyan.ConversationID, id int64) (groupapp.Homework, error) {
	hs, err := sqldb.QueryAll(ctx, s.db, scanHomework, `SELECT `+homeworkCols+` FROM groupapp_homework WHERE id = $1 AND grp = $2`, id, int64(group))
	if err != nil {
		return groupapp.Homework{}, err
	}
	if len(hs) == 0 {
		return groupapp.Homework{}, sqldb.NotFound("no such homework")
	}
	return hs[0], nil
}

// Homeworks returns a page of group's homework, newest first.
func (s Store) Homeworks(ctx context.Context, group hongyan.ConversationID, below int64, limit int) ([]groupapp.Homework, error) {
	if err := sqldb.CheckLimit(limit); err != nil {
		return nil, err
	}
	return sqldb.QueryAll(ctx, s.db, scanHomework, `SELECT `+homeworkCols+` FROM groupapp_homework WHERE grp = $1 AND id < $2 ORDER BY id DESC LIMIT $3`,
		int64(group), before(below), int64(limit))
}

// Submit stores sub in place of the user's earlier submission.
func (s Store) Submit(ctx context.Context, group hongyan.ConversationID, sub groupapp.Submission, quota int64, notify []hongyan.Change) ([]hongyan.Change, error) {
	if sub.User <= 0 {
		return nil, sqldb.Invalid("a submission needs a user")
	}
	if err := sqldb.CheckChanges(notify); err != nil {
		return nil, err
	}
	var out []hongyan.Change
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		var one int64
		found, err := t.Read(`SELECT 1 FROM groupapp_homework WHERE id = $1 AND grp = $2`, []any{sub.Homework, int64(group)}, &one)
		if err != nil {
			return err
		}
		if !found {
			return sqldb.NotFound("no such homework")
		}
		if _, err := t.Exec(`INSERT INTO groupapp_submissions (homework, user_id, text, at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (homework, user_id) DO UPDATE SET text = excluded.text, at = excluded.at`,
			sub.Homework, int64(sub.User), sub.Text, sqldb.Ms(sub.At)); err != nil {
			return sqldb.Internal(err)
		}
		files := append([]groupapp.File(nil), sub.Files...)
		if err := submissionFiles(t, group, sub.Homework, sub.User, files, sub.At, quota); err != nil {
			return err
		}
		out, err = appendChanges(t, notify, sub.Homework)
		return err
	})
	return out, err
}

// Submissions returns the submissions of homework id, oldest first.
func (s Store) Submissions(ctx context.Context, id int64) ([]groupapp.Submission, error) {
	subs, err := s.submissions(ctx, id)
	if err != nil || len(subs) == 0 {
		return subs, err
	}
	files, err := s.homeworkFiles(ctx, id)
	if err != nil {
		return nil, err
	}
	for i := range subs {
		subs[i].Files = files[subs[i].User]
	}
	return subs, nil
}

func (s Store) submissions(ctx context.Context, id int64) ([]groupapp.Submission, error) {
	return sqldb.QueryAll(ctx, s.db, func(scan func(...any) error) (groupapp.Submission, error) {
		var sub groupapp.Submission
		var user, at int64
		err := scan(&sub.Homework, &user, &sub.Text, &at)
		sub.User, sub.At = hongyan.UserID(user), sqldb.Tm(at)
		return sub, err
	}, `SELECT homework, user_id, text, at FROM groupapp_submissions WHERE homework = $1 ORDER BY at, user_id`, id)
}

// Remind records a reminder unless the last was at or after notBefore.
func (s Store) Remind(ctx context.Context, group hongyan.ConversationID, id int64, at, notBefore time.Time) (bool, error) {
	var ok bool
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		n, err := t.Exec(`UPDATE groupapp_homework SET reminded = $3 WHERE id = $1 AND grp = $2 AND reminded < $4`,
			id, int64(group), sqldb.Ms(at), sqldb.Ms(notBefore))
		if err != nil {
			return sqldb.Internal(err)
		}
		ok = n > 0
		if !ok {
			var one int64
			found, err := t.Read(`SELECT 1 FROM groupapp_homework WHERE id = $1 AND grp = $2`, []any{id, int64(group)}, &one)
			if err != nil {
				return err
			}
			if !found {
				return sqldb.NotFound("no such homework")
			}
		}
		return nil
	})
	return ok, err
}
