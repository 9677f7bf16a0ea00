// Package assistantdb keeps the Group Assistant on the shared storage
// core: groups' settings, keywords and schedules, the cluster's assistant
// bot and its event cursor, and statistics per group and day, in tables
// of its own.
package assistantdb

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"time"

	"hongyan/internal/assistant"
	"hongyan/internal/hongyan"
	"hongyan/internal/sqldb"
)

// Store implements assistant.Store.
type Store struct{ db *sqldb.DB }

var _ assistant.Store = Store{}

// New returns the assistant's store on db.
func New(db *sqldb.DB) Store { return Store{db} }

// Settings returns the group's settings.
func (s Store) Settings(ctx context.Context, group hongyan.ConversationID) (assistant.Settings, error) {
	st := assistant.Settings{Group: group}
	var by, updated, last int64
	found, err := s.db.QueryRow(ctx, `SELECT welcome, timezone, by_user, updated, last_reply FROM assistant_settings WHERE group_id = $1`,
		[]any{int64(group)}, &st.Welcome, &st.Timezone, &by, &updated, &last)
	if err != nil {
		return st, err
	}
	if !found {
		return st, sqldb.NotFound("the assistant is not on in group %d", group)
	}
	st.By, st.Updated = hongyan.UserID(by), sqldb.Tm(updated)
	if last != 0 {
		st.LastReply = sqldb.Tm(last)
	}
	return st, nil
}

// SetSettings stores st (LastReply is left as it is).
func (s Store) SetSettings(ctx context.Context, st assistant.Settings) error {
	if st.Group <= 0 {
		return sqldb.Invalid("settings need a group")
	}
	return s.db.Write(ctx, func(t *sqldb.Tx) error {
		_, err := t.Exec(`INSERT INTO assistant_settings (group_id, welcome, timezone, by_user, updated, last_reply) VALUES ($1, $2, $3, $4, $5, 0)
			ON CONFLICT (group_id) DO UPDATE SET welcome = excluded.welcome, timezone = excluded.timezone, by_user = excluded.by_user, updated = excluded.updated`,
			int64(st.Group), st.Welcome, st.Timezone, int64(st.By), sqldb.Ms(st.Updated))
		return sqldb.Internal(err)
	})
}

// Keywords lists the group's keywords, oldest first.
func (s Store) Keywords(ctx context.Context, group hongyan.ConversationID) ([]assistant.Keyword, error) {
	return sqldb.QueryAll(ctx, s.db, func(scan func(...any) error) (assistant.Keyword, error) {
		var k assistant.Keyword
		var g, by, created int64
		err := scan(&k.ID, &g, &k.Word, &k.Reply, &k.Exact, &by, &created)
		k.Group, k.By, k.Created = hongyan.ConversationID(g), hongyan.UserID(by), sqldb.Tm(created)
		return k, err
	}, `SELECT id, group_id, word, reply, exact, by_user, created FROM assistant_keywords WHERE group_id = $1 ORDER BY id`, int64(group))
}

// AddKeyword stores k, unless the group has max keywords or k's word.
func (s Store) AddKeyword(ctx context.Context, k assistant.Keyword, max int) (assistant.Keyword, error) {
	k.Created = sqldb.Tm(sqldb.Ms(k.Created))
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		var n int64
		if _, err := t.Read(`SELECT COUNT(*) FROM assistant_keywords WHERE group_id = $1`, []any{int64(k.Group)}, &n); err != nil {
			return sqldb.Internal(err)
		}
		if n >= int64(max) {
			return hongyan.Errorf(hongyan.CodePrecondition, "a group has at most %d keywords", max)
		}
		_, err := t.Write(`INSERT INTO assistant_keywords (group_id, word, reply, exact, by_user, created) VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (group_id, word) DO NOTHING RETURNING id`,
			[]any{int64(k.Group), k.Word, k.Reply, k.Exact, int64(k.By), sqldb.Ms(k.Created)}, &k.ID)
		if err != nil {
			return sqldb.Internal(err)
		}
		if k.ID == 0 {
			return hongyan.Errorf(hongyan.CodeExists, "the group has the keyword %q already", k.Word)
		}
		return nil
	})
	return k, err
}

// RemoveKeyword deletes the group's keyword id.
func (s Store) RemoveKeyword(ctx context.Context, group hongyan.ConversationID, id int64) error {
	return s.deleteOne(ctx, `DELETE FROM assistant_keywords WHERE group_id = $1 AND id = $2`, group, id, "no such keyword")
}

// deleteOne runs del (a DELETE of the group's row id): CodeNotFound with
// missing when there was none.
func (s Store) deleteOne(ctx context.Context, del string, group hongyan.ConversationID, id int64, missing string) error {
	return s.db.Write(ctx, func(t *sqldb.Tx) error {
		n, err := t.Exec(del, int64(group), id)
		if err != nil {
			return sqldb.Internal(err)
		}
		if n == 0 {
			return hongyan.Errorf(hongyan.CodeNotFound, "%s", missing)
		}
		return nil
	})
}

const scheduleCols = `id, group_id, body, first_at, repeats, zone, next_at, by_user, updated`

func scanSchedule(scan func(...any) error) (assistant.Schedule, error) {
	var sc assistant.Schedule
	var g, first, next, by, updated int64
	var repeat string
	err := scan(&sc.ID, &g, &sc.Text, &first, &repeat, &sc.Zone, &next, &by, &updated)
	sc.Group, sc.First, sc.Repeat, sc.Next, sc.By, sc.Updated = hongyan.ConversationID(g), sqldb.Tm(first), assistant.Repeat(repeat), sqldb.Tm(next), hongyan.UserID(by), sqldb.Tm(updated)
	return sc, err
}

// Schedules lists the group's schedules by ID.
func (s Store) Schedules(ctx context.Context, group hongyan.ConversationID) ([]assistant.Schedule, error) {
	return sqldb.QueryAll(ctx, s.db, scanSchedule, `SELECT `+scheduleCols+` FROM assistant_schedules WHERE group_id = $1 ORDER BY id`, int64(group))
}

// PutSchedule adds or replaces a schedule.
func (s Store) PutSchedule(ctx context.Context, sc assistant.Schedule, max int) (assistant.Schedule, error) {
	if sc.Next.IsZero() {
		return sc, sqldb.Invalid("a schedule needs its next time")
	}
	sc.First, sc.Next, sc.Updated = sqldb.Tm(sqldb.Ms(sc.First)), sqldb.Tm(sqldb.Ms(sc.Next)), sqldb.Tm(sqldb.Ms(sc.Updated))
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		if sc.ID != 0 {
			n, err := t.Exec(`UPDATE assistant_schedules SET body = $1, first_at = $2, repeats = $3, zone = $4, next_at = $5, by_user = $6, updated = $7
				WHERE id = $8 AND group_id = $9`,
				sc.Text, sqldb.Ms(sc.First), string(sc.Repeat), sc.Zone, sqldb.Ms(sc.Next), int64(sc.By), sqldb.Ms(sc.Updated), sc.ID, int64(sc.Group))
			if err != nil {
				return sqldb.Internal(err)
			}
			if n == 0 {
				return hongyan.Errorf(hongyan.CodeNotFound, "no such schedule")
			}
			return nil
		}
		var n int64
		if _, err := t.Read(`SELECT COUNT(*) FROM assistant_schedules WHERE group_id = $1`, []any{int64(sc.Group)}, &n); err != nil {
			return sqldb.Internal(err)
		}
		if n >= int64(max) {
			return hongyan.Errorf(hongyan.CodePrecondition, "a group has at most %d scheduled posts", max)
		}
		_, err := t.Write(`INSERT INTO assistant_schedules (group_id, body, first_at, repeats, zone, next_at, by_user, updated)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			[]any{int64(sc.Group), sc.Text, sqldb.Ms(sc.First), string(sc.Repeat), sc.Zone, sqldb.Ms(sc.Next), int64(sc.By), sqldb.Ms(sc.Updated)}, &sc.ID)
		return sqldb.Internal(err)
	})
	return sc, err
}

// CancelSchedule deletes the group's schedule id.
func (s Store) CancelSchedule(ctx context.Context, group hongyan.ConversationID, id int64) error {
	return s.deleteOne(ctx, `DELETE FROM assistant_schedules WHERE group_id = $1 AND id = $2`, group, id, "no such schedule")
}

// DueSchedules returns up to limit schedules due at now.
func (s Store) DueSchedules(ctx context.Context, now time.Time, limit int) ([]assistant.Schedule, error) {
	return sqldb.QueryAll(ctx, s.db, scanSchedule, `SELECT `+scheduleCols+` FROM assistant_schedules WHERE next_at <= $1 ORDER BY next_at, id LIMIT $2`,
		sqldb.Ms(now), limit)
}

// AdvanceSchedule moves schedule id from from to next (zero: deletes it).
func (s Store) AdvanceSchedule(ctx context.Context, id int64, from, next time.Time) (bool, error) {
	var moved bool
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		var n int64
		var err error
		if next.IsZero() {
			n, err = t.Exec(`DELETE FROM assistant_schedules WHERE id = $1 AND next_at = $2`, id, sqldb.Ms(from))
		} else {
			n, err = t.Exec(`UPDATE assistant_schedules SET next_at = $1 WHERE id = $2 AND next_at = $3`, sqldb.Ms(next), id, sqldb.Ms(from))
		}
		moved = n > 0
		return sqldb.Internal(err)
	})
	return moved, err
}

// Identity returns the cluster's assistant bot.
func (s Store) Identity(ctx context.Context) (assistant.Identity, error) {
	var id assistant.Identity
	var acct int64
	found, err := s.db.QueryRow(ctx, `SELECT bot_id, account, token FROM assistant_identity WHERE id = 1`, nil, &id.Bot, &acct, &id.Token)
	if err != nil {
		return id, err
	}
	if !found {
		return id, sqldb.NotFound("the assistant bot is not made yet")
	}
	id.Account = hongyan.UserID(acct)
	return id, nil
}

// SetIdentity stores id unless an identity is stored; it returns the one stored.
func (s Store) SetIdentity(ctx context.Context, id assistant.Identity) (assistant.Identity, error) {
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		_, err := t.Exec(`INSERT INTO assistant_identity (id, bot_id, account, token) VALUES (1, $1, $2, $3) ON CONFLICT (id) DO NOTHING`,
			id.Bot, int64(id.Account), id.Token)
		return sqldb.Internal(err)
	})
	if err != nil {
		return assistant.Identity{}, err
	}
	return s.Identity(ctx)
}

// Cursor returns the seq of the last event handled.
func (s Store) Cursor(ctx context.Context) (int64, error) {
	var seq int64
	_, err := s.db.QueryRow(ctx, `SELECT seq FROM assistant_cursor WHERE id = 1`, nil, &seq)
	return seq, err
}

// Commit adds tally and moves the cursor from from to to, in one transaction.
func (s Store) Commit(ctx context.Context, from, to int64, tally assistant.Tally) error {
	keys := make([]assistant.DayKey, 0, len(tally.Days))
	for k := range tally.Days {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { // a fixed order of writes: no deadlocks between writers
		return keys[i].Group < keys[j].Group || (keys[i].Group == keys[j].Group && keys[i].Day < keys[j].Day)
	})
	return s.db.Write(ctx, func(t *sqldb.Tx) error {
		n, err := t.Exec(`UPDATE assistant_cursor SET seq = $1 WHERE id = 1 AND seq = $2`, to, from)
		if err != nil {
			return sqldb.Internal(err)
		}
		if n == 0 {
			return hongyan.Errorf(hongyan.CodePrecondition, "the assistant's cursor is not at %d", from)
		}
		for _, k := range keys {
			d := tally.Days[k]
			if _, err := t.Exec(`INSERT INTO assistant_days (group_id, day, msg_count, joins, leaves) VALUES ($1, $2, $3, $4, $5)
				ON CONFLICT (group_id, day) DO UPDATE SET msg_count = assistant_days.msg_count + excluded.msg_count,
				joins = assistant_days.joins + excluded.joins, leaves = assistant_days.leaves + excluded.leaves`,
				int64(k.Group), k.Day, d.Messages, d.Joins, d.Leaves); err != nil {
				return sqldb.Internal(err)
			}
			for _, u := range tally.Active[k] {
				if _, err := t.Exec(`INSERT INTO assistant_active (group_id, day, user_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
					int64(k.Group), k.Day, int64(u)); err != nil {
					return sqldb.Internal(err)
				}
			}
		}
		for _, e := range tally.Entries {
			if _, err := t.Exec(`INSERT INTO assistant_entrants (lottery_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, e.Lottery, int64(e.User)); err != nil {
				return sqldb.Internal(err)
			}
		}
		for g, at := range tally.Replied {
			if _, err := t.Exec(`UPDATE assistant_settings SET last_reply = $1 WHERE group_id = $2 AND last_reply < $1`, sqldb.Ms(at), int64(g)); err != nil {
				return sqldb.Internal(err)
			}
		}
		return nil
	})
}

// Stats returns the group's days from from to to with any counts.
func (s Store) Stats(ctx context.Context, group hongyan.ConversationID, from, to string) ([]assistant.DayStat, error) {
	return sqldb.QueryAll(ctx, s.db, func(scan func(...any) error) (assistant.DayStat, error) {
		var d assistant.DayStat
		var m, a, j, l int64
		err := scan(&d.Day, &m, &j, &l, &a)
		d.Messages, d.Joins, d.Leaves, d.Active = int(m), int(j), int(l), int(a)
		return d, err
	}, `SELECT d.day, d.msg_count, d.joins, d.leaves,
		(SELECT COUNT(*) FROM assistant_active a WHERE a.group_id = d.group_id AND a.day = d.day)
		FROM assistant_days d WHERE d.group_id = $1 AND d.day >= $2 AND d.day <= $3 ORDER BY d.day`, int64(group), from, to)
}

const lotteryCols = `id, group_id, title, keyword, winners, deadline, seed, hash, announced, drawn, result, by_user, created`

func scanLottery(scan func(...any) error) (assistant.Lottery, error) {
	var l assistant.Lottery
	var g, winners, deadline, by, created int64
	var result string
	err := scan(&l.ID, &g, &l.Title, &l.Keyword, &winners, &deadline, &l.Seed, &l.Hash, &l.Announced, &l.Drawn, &result, &by, &created)
	l.Group, l.Winners, l.Deadline, l.By, l.Created = hongyan.ConversationID(g), int(winners), sqldb.Tm(deadline), hongyan.UserID(by), sqldb.Tm(created)
	for _, f := range strings.Split(result, ",") {
		if u, err := strconv.ParseInt(f, 10, 64); err == nil {
			l.Result = append(l.Result, hongyan.UserID(u))
		}
	}
	return l, err
}

// AddLottery stores l unless the group has max lotteries not drawn.
func (s Store) AddLottery(ctx context.Context, l assistant.Lottery, max int) (assistant.Lottery, error) {
	l.Deadline, l.Created = sqldb.Tm(sqldb.Ms(l.Deadline)), sqldb.Tm(sqldb.Ms(l.Created))
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		var n int64
		if _, err := t.Read(`SELECT COUNT(*) FROM assistant_lotteries WHERE group_id = $1 AND NOT drawn`, []any{int64(l.Group)}, &n); err != nil {
			return sqldb.Internal(err)
		}
		if n >= int64(max) {
			return hongyan.Errorf(hongyan.CodePrecondition, "a group has at most %d lotteries not drawn yet", max)
		}
		_, err := t.Write(`INSERT INTO assistant_lotteries (group_id, title, keyword, winners, deadline, seed, hash, announced, drawn, result, by_user, created)
			VALUES ($1, $2, $3, $4, $5, $6, $7, false, false, '', $8, $9) RETURNING id`,
			[]any{int64(l.Group), l.Title, l.Keyword, int64(l.Winners), sqldb.Ms(l.Deadline), l.Seed, l.Hash, int64(l.By), sqldb.Ms(l.Created)}, &l.ID)
		return sqldb.Internal(err)
	})
	return l, err
}

// Lotteries lists the group's lotteries, newest first.
func (s Store) Lotteries(ctx context.Context, group hongyan.ConversationID) ([]assistant.Lottery, error) {
	return sqldb.QueryAll(ctx, s.db, scanLottery, `SELECT `+lotteryCols+` FROM assistant_lotteries WHERE group_id = $1 ORDER BY id DESC`, int64(group))
}

// OpenLotteries lists the group's lotteries not drawn yet.
func (s Store) OpenLotteries(ctx context.Context, group hongyan.ConversationID) ([]assistant.Lottery, error) {
	return sqldb.QueryAll(ctx, s.db, scanLottery, `SELECT `+lotteryCols+` FROM assistant_lotteries WHERE group_id = $1 AND NOT drawn ORDER BY id`, int64(group))
}

// LotteriesToPost returns lotteries to announce or to draw at now.
func (s Store) LotteriesToPost(ctx context.Context, now time.Time, limit int) ([]assistant.Lottery, error) {
	return sqldb.QueryAll(ctx, s.db, scanLottery, `SELECT `+lotteryCols+` FROM assistant_lotteries
		WHERE NOT announced OR (NOT drawn AND deadline <= $1) ORDER BY id LIMIT $2`, sqldb.Ms(now), limit)
}

// MarkAnnounced records that lottery id was announced.
func (s Store) MarkAnnounced(ctx context.Context, id int64) error {
	return s.db.Write(ctx, func(t *sqldb.Tx) error {
		_, err := t.Exec(`UPDATE assistant_lotteries SET announced = true WHERE id = $1`, id)
		return sqldb.Internal(err)
	})
}

// SetResult records lottery id's winners.
func (s Store) SetResult(ctx context.Context, id int64, winners []hongyan.UserID) error {
	ids := make([]string, len(winners))
	for i, u := range winners {
		ids[i] = strconv.FormatInt(int64(u), 10)
	}
	return s.db.Write(ctx, func(t *sqldb.Tx) error {
		_, err := t.Exec(`UPDATE assistant_lotteries SET drawn = true, result = $1 WHERE id = $2 AND NOT drawn`, strings.Join(ids, ","), id)
		return sqldb.Internal(err)
	})
}

// Entrants lists lottery id's entrants by user ID.
func (s Store) Entrants(ctx context.Context, id int64) ([]hongyan.UserID, error) {
	return sqldb.QueryAll(ctx, s.db, func(scan func(...any) error) (hongyan.UserID, error) {
		var u int64
		err := scan(&u)
		return hongyan.UserID(u), err
	}, `SELECT user_id FROM assistant_entrants WHERE lottery_id = $1 ORDER BY user_id`, id)
}

// SetBirthday stores b (Month 0: deletes the member's).
func (s Store) SetBirthday(ctx context.Context, b assistant.Birthday) error {
	return s.db.Write(ctx, func(t *sqldb.Tx) error {
		var err error
		if b.Month == 0 {
			_, err = t.Exec(`DELETE FROM assistant_birthdays WHERE group_id = $1 AND user_id = $2`, int64(b.Group), int64(b.User))
		} else {
			_, err = t.Exec(`INSERT INTO assistant_birthdays (group_id, user_id, month, day, next_at) VALUES ($1, $2, $3, $4, $5)
				ON CONFLICT (group_id, user_id) DO UPDATE SET month = excluded.month, day = excluded.day, next_at = excluded.next_at`,
				int64(b.Group), int64(b.User), int64(b.Month), int64(b.Day), sqldb.Ms(b.Next))
		}
		return sqldb.Internal(err)
	})
}

func scanBirthday(scan func(...any) error) (assistant.Birthday, error) {
	var b assistant.Birthday
	var g, u, m, d, next int64
	err := scan(&g, &u, &m, &d, &next)
	b.Group, b.User, b.Month, b.Day, b.Next = hongyan.ConversationID(g), hongyan.UserID(u), time.Month(m), int(d), sqldb.Tm(next)
	return b, err
}

// Birthday returns the member's birthday in the group.
func (s Store) Birthday(ctx context.Context, group hongyan.ConversationID, user hongyan.UserID) (assistant.Birthday, error) {
	bs, err := sqldb.QueryAll(ctx, s.db, scanBirthday, `SELECT group_id, user_id, month, day, next_at FROM assistant_birthdays WHERE group_id = $1 AND user_id = $2`,
		int64(group), int64(user))
	if err != nil {
		return assistant.Birthday{}, err
	}
	if len(bs) == 0 {
		return assistant.Birthday{}, sqldb.NotFound("no birthday")
	}
	return bs[0], nil
}

// DueBirthdays returns up to limit birthdays due at now.
func (s Store) DueBirthdays(ctx context.Context, now time.Time, limit int) ([]assistant.Birthday, error) {
	return sqldb.QueryAll(ctx, s.db, scanBirthday, `SELECT group_id, user_id, month, day, next_at FROM assistant_birthdays
		WHERE next_at <= $1 ORDER BY next_at, group_id, user_id LIMIT $2`, sqldb.Ms(now), limit)
}

// AdvanceBirthday moves a birthday from from to next.
func (s Store) AdvanceBirthday(ctx context.Context, group hongyan.ConversationID, user hongyan.UserID, from, next time.Time) error {
	return s.db.Write(ctx, func(t *sqldb.Tx) error {
		_, err := t.Exec(`UPDATE assistant_birthdays SET next_at = $1 WHERE group_id = $2 AND user_id = $3 AND next_at = $4`,
			sqldb.Ms(next), int64(group), int64(user), sqldb.Ms(from))
		return sqldb.Internal(err)
	})
}
