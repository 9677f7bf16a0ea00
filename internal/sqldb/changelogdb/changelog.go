package changelogdb

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"hongyan/internal/changelog"
	"hongyan/internal/hongyan"
	"hongyan/internal/sqldb"
)

// Store implements changelog.Store, and appends entries that go with no
// other write. The change-log tables (user_heads, changes) are this
// package's: every feature appends to them inside its own transactions
// through sqldb.Tx.AppendChanges, which calls appendChanges (installed by
// Install).
type Store struct{ db *sqldb.DB }

var _ changelog.Store = Store{}

// Install makes db's transactions append change-log entries here
// (sqldb.Tx.AppendChanges). Every DB that features write through needs it.
func Install(db *sqldb.DB) { db.SetChangeAppender(appendChanges) }

// New returns the change-log store on db.
func New(db *sqldb.DB) Store { return Store{db} }

// After returns up to limit entries of user's log with Seq > after, in
// order.
func (l Store) After(ctx context.Context, user hongyan.UserID, after int64, limit int) ([]hongyan.Change, error) {
	if err := sqldb.CheckLimit(limit); err != nil {
		return nil, err
	}
	rows, err := l.db.Query(ctx, `SELECT seq, kind, conversation, ref FROM changes
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
			return nil, sqldb.Internal(err)
		}
		c.Kind = hongyan.ChangeKind(kind)
		out = append(out, c)
	}
	return out, sqldb.Internal(rows.Err())
}

// Head returns the sequence of user's newest entry (0 when none).
func (l Store) Head(ctx context.Context, user hongyan.UserID) (int64, error) {
	var seq int64
	_, err := l.db.QueryRow(ctx, `SELECT seq FROM user_heads WHERE user_id = $1`, []any{int64(user)}, &seq)
	return seq, err
}

// PruneBefore deletes the entries created before t from the logs of up to
// users users, and returns how many entries it deleted and whether users
// remain with such entries. Each user's log keeps its head (user_heads):
// the entries left still end there.
func (l Store) PruneBefore(ctx context.Context, t time.Time, users int) (deleted int, more bool, err error) {
	if err := sqldb.CheckLimit(users); err != nil {
		return 0, false, err
	}
	// Per user, the entries before t are a prefix of its log: find where
	// each prefix ends (one read), then delete each by its key range.
	rows, err := l.db.Query(ctx, `SELECT user_id, MAX(seq) FROM changes WHERE created < $1
		GROUP BY user_id ORDER BY user_id LIMIT $2`, sqldb.Ms(t), users+1)
	if err != nil {
		return 0, false, err
	}
	type prefix struct{ user, upto int64 }
	prefixes, err := sqldb.Collect(rows, nil, func(scan func(...any) error) (prefix, error) {
		var p prefix
		err := scan(&p.user, &p.upto)
		return p, err
	})
	if err != nil {
		return 0, false, err
	}
	if more = len(prefixes) > users; more {
		prefixes = prefixes[:users]
	}
	for _, p := range prefixes {
		var n int64
		err := l.db.Write(ctx, func(t *sqldb.Tx) error {
			var err error
			n, err = t.Exec(`DELETE FROM changes WHERE user_id = $1 AND seq <= $2`, p.user, p.upto)
			return sqldb.Internal(err)
		})
		if err != nil {
			return deleted, more, err
		}
		deleted += int(n)
	}
	return deleted, more, nil
}

// Append appends changes to their users' logs in one durable transaction
// and returns them with Seq set. Features append changes together with
// their own writes through their Store methods; Append is for changes that
// go with no stored write (and for tests).
func (l Store) Append(ctx context.Context, changes []hongyan.Change) ([]hongyan.Change, error) {
	if err := sqldb.CheckChanges(changes); err != nil {
		return nil, err
	}
	var out []hongyan.Change
	err := l.db.Write(ctx, func(t *sqldb.Tx) error {
		var err error
		out, err = t.AppendChanges(changes)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

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
func appendChanges(t *sqldb.Tx, in []hongyan.Change) ([]hongyan.Change, error) {
	if len(in) == 0 {
		return nil, nil
	}
	if err := sqldb.CheckChanges(in); err != nil {
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
	if t.Dialect().WritableCTE && len(in) <= sqldb.RowsPerInsert {
		return appendOne(t, in, users)
	}

	args := make([]any, 0, 2*min(len(users), sqldb.RowsPerInsert))
	for start, n := 0, 0; start < len(users); start += n {
		n = t.Chunk(len(users) - start)
		part := users[start : start+n]
		args = args[:0]
		for _, u := range part {
			args = append(args, u.user, u.count)
		}
		rows, err := t.Query(t.RowsSQL(headsHead, len(part), headsTypes, headsTail), args...)
		if err != nil {
			return nil, sqldb.Internal(err)
		}
		t.MarkDirty()
		got := 0
		for rows.Next() {
			var user, head int64
			if err := rows.Scan(&user, &head); err != nil {
				rows.Close()
				return nil, sqldb.Internal(t.Note(err))
			}
			i, ok := slices.BinarySearchFunc(part, user, byUser)
			if !ok {
				rows.Close()
				return nil, sqldb.Internal(t.Note(fmt.Errorf("head returned for unknown user %d", user)))
			}
			part[i].next = head - part[i].count + 1
			got++
		}
		if err := rows.Close(); err != nil {
			return nil, sqldb.Internal(t.Note(err))
		}
		if err := rows.Err(); err != nil {
			return nil, sqldb.Internal(t.Note(err))
		}
		if got != len(part) {
			return nil, sqldb.Internal(t.Note(fmt.Errorf("%d heads returned for %d users", got, len(part))))
		}
	}
	out := make([]hongyan.Change, len(in))
	copy(out, in)
	for i := range out {
		j, _ := slices.BinarySearchFunc(users, int64(out[i].User), byUser)
		out[i].Seq = users[j].next
		users[j].next++
	}
	created := sqldb.Ms(t.Now())
	args = make([]any, 0, 6*min(len(out), sqldb.RowsPerInsert))
	for start, n := 0, 0; start < len(out); start += n {
		n = t.Chunk(len(out) - start)
		part := out[start : start+n]
		args = args[:0]
		for _, c := range part {
			args = append(args, int64(c.User), c.Seq, int64(c.Kind), int64(c.Conversation), c.Ref, created)
		}
		if _, err := t.Exec(t.RowsSQL(chgHead, len(part), chgTypes, ""), args...); err != nil {
			return nil, sqldb.Internal(err)
		}
	}
	return out, nil
}

// The one statement of appendOne. Each row of v is (user, k, n, kind,
// conversation, ref, created): the entry is the k-th (from 1) of the
// user's n in this append. h bumps each user's head by n (from the user's
// row with k = 1), in ascending user order so that concurrent
// transactions lock heads in one order; each entry goes in at its user's
// new head minus the user's entries after it. The text depends on the
// number of entries alone: at most RowsPerInsert statements to prepare.
const (
	oneHead = `WITH v (user_id, k, n, kind, conversation, ref, created) AS (VALUES `
	oneTail = `), h AS (INSERT INTO user_heads (user_id, seq) SELECT user_id, n FROM v WHERE k = 1 ORDER BY user_id
		ON CONFLICT (user_id) DO UPDATE SET seq = user_heads.seq + excluded.seq RETURNING user_id, seq)
		INSERT INTO changes (user_id, seq, kind, conversation, ref, created)
		SELECT v.user_id, h.seq - v.n + v.k, v.kind, v.conversation, v.ref, v.created FROM v JOIN h ON h.user_id = v.user_id
		RETURNING user_id, seq`
)

// oneTypes cast every column of v: the types of a VALUES list that is not
// an INSERT's are not inferred.
var oneTypes = []string{"BIGINT", "BIGINT", "BIGINT", "BIGINT", "BIGINT", "BIGINT", "BIGINT"}

// appendOne is appendChanges in one statement, for an engine with
// writable CTEs (Dialect.WritableCTE) and at most RowsPerInsert entries:
// users are in's distinct users, ascending, with their counts.
func appendOne(t *sqldb.Tx, in []hongyan.Change, users []userSeq) ([]hongyan.Change, error) {
	args := make([]any, 0, 7*len(in))
	out := make([]hongyan.Change, len(in))
	copy(out, in)
	created := sqldb.Ms(t.Now())
	for i := range out {
		j, _ := slices.BinarySearchFunc(users, int64(out[i].User), byUser)
		users[j].next++ // k: how many of the user's entries so far
		c := &out[i]
		args = append(args, int64(c.User), users[j].next, users[j].count, int64(c.Kind), int64(c.Conversation), c.Ref, created)
	}
	rows, err := t.Query(t.Dialect().RowsSQL(oneHead, len(in), oneTypes, oneTail), args...)
	if err != nil {
		return nil, sqldb.Internal(err)
	}
	t.MarkDirty()
	// Each user's entries got consecutive sequences in the order of in:
	// the smallest returned is the first's.
	for i := range users {
		users[i].next = 0
	}
	got := 0
	for rows.Next() {
		var user, seq int64
		if err := rows.Scan(&user, &seq); err != nil {
			rows.Close()
			return nil, sqldb.Internal(t.Note(err))
		}
		j, ok := slices.BinarySearchFunc(users, user, byUser)
		if !ok {
			rows.Close()
			return nil, sqldb.Internal(t.Note(fmt.Errorf("change returned for unknown user %d", user)))
		}
		if users[j].next == 0 || seq < users[j].next {
			users[j].next = seq
		}
		got++
	}
	if err := rows.Close(); err != nil {
		return nil, sqldb.Internal(t.Note(err))
	}
	if err := rows.Err(); err != nil {
		return nil, sqldb.Internal(t.Note(err))
	}
	if got != len(in) {
		return nil, sqldb.Internal(t.Note(fmt.Errorf("%d changes returned for %d entries", got, len(in))))
	}
	for i := range out {
		j, _ := slices.BinarySearchFunc(users, int64(out[i].User), byUser)
		out[i].Seq = users[j].next
		users[j].next++
	}
	return out, nil
}
