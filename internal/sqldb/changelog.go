package sqldb

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"hongyan/internal/changelog"
	"hongyan/internal/hongyan"
)

// ChangeLog implements changelog.Store, and appends entries that go with no
// other write.
type ChangeLog struct{ db *DB }

var _ changelog.Store = ChangeLog{}

// ChangeLog returns the change-log store.
func (db *DB) ChangeLog() ChangeLog { return ChangeLog{db} }

// After returns up to limit entries of user's log with Seq > after, in
// order.
func (l ChangeLog) After(ctx context.Context, user hongyan.UserID, after int64, limit int) ([]hongyan.Change, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	rows, err := l.db.query(ctx, `SELECT seq, kind, conversation, ref FROM changes
		WHERE user_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`, int64(user), after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []hongyan.Change
	for rows.Next() {
		c := hongyan.Change{User: user}
		var kind int64
		if err := rows.Scan(&c.Seq, &kind, &c.Conversation, &c.Ref); err != nil {
			return nil, internal(err)
		}
		c.Kind = hongyan.ChangeKind(kind)
		out = append(out, c)
	}
	return out, internal(rows.Err())
}

// Head returns the sequence of user's newest entry (0 when none).
func (l ChangeLog) Head(ctx context.Context, user hongyan.UserID) (int64, error) {
	var seq int64
	_, err := l.db.queryRow(ctx, `SELECT seq FROM user_heads WHERE user_id = $1`, []any{int64(user)}, &seq)
	return seq, err
}

// Append appends changes to their users' logs in one durable transaction
// and returns them with Seq set. Features append changes together with
// their own writes through their Store methods; Append is for changes that
// go with no stored write (and for tests).
func (l ChangeLog) Append(ctx context.Context, changes []hongyan.Change) ([]hongyan.Change, error) {
	if err := checkChanges(changes); err != nil {
		return nil, err
	}
	var out []hongyan.Change
	err := l.db.write(ctx, func(t *wtx) error {
		var err error
		out, err = t.appendChanges(changes)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// checkChanges validates changes before they are submitted to the writer.
func checkChanges(changes []hongyan.Change) error {
	for _, c := range changes {
		if c.User <= 0 {
			return invalid("change for user %d", c.User)
		}
	}
	return nil
}

// rowsPerInsert bounds the rows of one multi-row statement.
const rowsPerInsert = 128

// chunk returns how many of remaining rows the next multi-row statement
// takes: the largest power of two not above remaining or rowsPerInsert.
// Powers of two keep the number of distinct statements (each prepared once
// on the writer connection) small.
func chunk(remaining int) int {
	n := rowsPerInsert
	for n > remaining {
		n /= 2
	}
	return n
}

// rowsSQL returns head, then n parenthesised rows of len(types) numbered
// parameters, then tail. A non-empty types[j] casts the j-th parameter of
// each row (PostgreSQL cannot infer the types of parameters in a VALUES
// list that is not an INSERT's). Results are cached: statements are
// prepared once per text.
func (d Dialect) rowsSQL(head string, n int, types []string, tail string) string {
	k := rowsKey{head, n, tail, d.AnonymousParams}
	if q, ok := rowsCache.Load(k); ok {
		return q.(string)
	}
	var b strings.Builder
	b.WriteString(head)
	p := 1
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(")
		for j, typ := range types {
			if j > 0 {
				b.WriteString(", ")
			}
			ph := "$" + strconv.Itoa(p)
			if d.AnonymousParams {
				ph = "?"
			}
			if typ != "" {
				ph = "CAST(" + ph + " AS " + typ + ")"
			}
			b.WriteString(ph)
			p++
		}
		b.WriteString(")")
	}
	b.WriteString(tail)
	q := b.String()
	rowsCache.Store(k, q)
	return q
}

// rowsSQL is Dialect.rowsSQL for a statement of the writer. In fast mode
// (no savepoints: any failed statement makes the writer roll the whole
// batch back and run it again in safe mode) an INSERT or UPDATE gets the
// dialect's FastConflict clause, which on SQLite spares the statement
// journal.
func (t *wtx) rowsSQL(head string, n int, types []string, tail string) string {
	if t.fast && t.w.d.FastConflict != "" {
		if rest, ok := strings.CutPrefix(head, "INSERT INTO "); ok {
			head = "INSERT " + t.w.d.FastConflict + " INTO " + rest
		} else if rest, ok := strings.CutPrefix(head, "UPDATE "); ok {
			head = "UPDATE " + t.w.d.FastConflict + " " + rest
		}
	}
	return t.w.d.rowsSQL(head, n, types, tail)
}

type rowsKey struct {
	head string
	n    int
	tail string
	anon bool
}

var rowsCache sync.Map // rowsKey → string

// userSeq is one user's share of an append: how many entries, and the
// next sequence to hand out.
type userSeq struct {
	user  int64
	count int64
	next  int64
}

func byUser(u userSeq, id int64) int { return cmp.Compare(u.user, id) }

const (
	headsHead = `INSERT INTO user_heads (user_id, seq) VALUES `
	headsTail = ` ON CONFLICT (user_id) DO UPDATE SET seq = user_heads.seq + excluded.seq RETURNING user_id, seq`
	chgHead   = `INSERT INTO changes (user_id, seq, kind, conversation, ref, created) VALUES `
)

var (
	headsTypes = make([]string, 2)
	chgTypes   = make([]string, 6)
)

// appendChanges appends in to the change logs within the transaction and
// returns a copy with Seq assigned. Users' heads are bumped in ascending
// user order, so that concurrent transactions lock them in one order.
func (t *wtx) appendChanges(in []hongyan.Change) ([]hongyan.Change, error) {
	if len(in) == 0 {
		return nil, nil
	}
	if err := checkChanges(in); err != nil {
		return nil, err
	}
	users := make([]userSeq, len(in))
	for i, c := range in {
		users[i] = userSeq{user: int64(c.User), count: 1}
	}
	slices.SortFunc(users, func(x, y userSeq) int { return cmp.Compare(x.user, y.user) })
	j := 0
	for i := 1; i < len(users); i++ {
		if users[i].user == users[j].user {
			users[j].count++
		} else {
			j++
			users[j] = users[i]
		}
	}
	users = users[:j+1]

	args := make([]any, 0, 2*min(len(users), rowsPerInsert))
	for start, n := 0, 0; start < len(users); start += n {
		n = chunk(len(users) - start)
		part := users[start : start+n]
		args = args[:0]
		for _, u := range part {
			args = append(args, u.user, u.count)
		}
		rows, err := t.query(t.rowsSQL(headsHead, len(part), headsTypes, headsTail), args...)
		if err != nil {
			return nil, internal(err)
		}
		t.dirty = true
		got := 0
		for rows.Next() {
			var user, head int64
			if err := rows.Scan(&user, &head); err != nil {
				rows.Close()
				return nil, internal(t.note(err))
			}
			i, ok := slices.BinarySearchFunc(part, user, byUser)
			if !ok {
				rows.Close()
				return nil, internal(t.note(fmt.Errorf("head returned for unknown user %d", user)))
			}
			part[i].next = head - part[i].count + 1
			got++
		}
		if err := rows.Close(); err != nil {
			return nil, internal(t.note(err))
		}
		if err := rows.Err(); err != nil {
			return nil, internal(t.note(err))
		}
		if got != len(part) {
			return nil, internal(t.note(fmt.Errorf("%d heads returned for %d users", got, len(part))))
		}
	}
	out := make([]hongyan.Change, len(in))
	copy(out, in)
	for i := range out {
		j, _ := slices.BinarySearchFunc(users, int64(out[i].User), byUser)
		out[i].Seq = users[j].next
		users[j].next++
	}
	created := ms(t.now)
	args = make([]any, 0, 6*min(len(out), rowsPerInsert))
	for start, n := 0, 0; start < len(out); start += n {
		n = chunk(len(out) - start)
		part := out[start : start+n]
		args = args[:0]
		for _, c := range part {
			args = append(args, int64(c.User), c.Seq, int64(c.Kind), int64(c.Conversation), c.Ref, created)
		}
		if _, err := t.exec(t.rowsSQL(chgHead, len(part), chgTypes, ""), args...); err != nil {
			return nil, internal(err)
		}
	}
	return out, nil
}
