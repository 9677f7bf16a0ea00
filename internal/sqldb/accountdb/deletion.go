package accountdb

import (
	"context"
	"time"

	"hongyan/internal/account"
	"hongyan/internal/hongyan"
	"hongyan/internal/sqldb"
)

// PutDeletion records d as the user's pending request.
func (s Store) PutDeletion(ctx context.Context, d account.Deletion, changes []hongyan.Change) ([]hongyan.Change, error) {
	if d.User <= 0 {
		return nil, sqldb.Invalid("no user")
	}
	if err := sqldb.CheckChanges(changes); err != nil {
		return nil, err
	}
	var out []hongyan.Change
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		out = nil
		var erased int64
		found, err := t.Read(`SELECT erased FROM account_deletions WHERE user_id = $1`, []any{int64(d.User)}, &erased)
		if err != nil {
			return err
		}
		if found && erased != 0 {
			return hongyan.Errorf(hongyan.CodePrecondition, "the account has been deleted")
		}
		_, err = t.Exec(`INSERT INTO account_deletions (user_id, requested, due, erased) VALUES ($1, $2, $3, 0)
			ON CONFLICT (user_id) DO UPDATE SET requested = excluded.requested, due = excluded.due`,
			int64(d.User), sqldb.Ms(d.Requested), sqldb.Ms(d.Due))
		if err != nil {
			return sqldb.Internal(err)
		}
		out, err = t.AppendChanges(changes)
		return err
	})
	return out, err
}

// Deletion returns the user's request.
func (s Store) Deletion(ctx context.Context, user hongyan.UserID) (account.Deletion, error) {
	var requested, due, erased int64
	found, err := s.db.QueryRow(ctx, `SELECT requested, due, erased FROM account_deletions WHERE user_id = $1`,
		[]any{int64(user)}, &requested, &due, &erased)
	if err != nil {
		return account.Deletion{}, err
	}
	if !found {
		return account.Deletion{}, sqldb.NotFound("no deletion of this account")
	}
	d := account.Deletion{User: user, Requested: sqldb.Tm(requested), Due: sqldb.Tm(due)}
	if erased != 0 {
		d.Erased = sqldb.Tm(erased)
	}
	return d, nil
}

// CancelDeletion removes the user's pending request.
func (s Store) CancelDeletion(ctx context.Context, user hongyan.UserID, changes []hongyan.Change) (bool, []hongyan.Change, error) {
	if err := sqldb.CheckChanges(changes); err != nil {
		return false, nil, err
	}
	var n int64
	var out []hongyan.Change
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		var err error
		out = nil
		n, err = t.Exec(`DELETE FROM account_deletions WHERE user_id = $1 AND erased = 0`, int64(user))
		if err != nil || n == 0 {
			return sqldb.Internal(err)
		}
		out, err = t.AppendChanges(changes)
		return err
	})
	return n > 0, out, err
}

// DueDeletions lists pending requests due at now, earliest first.
func (s Store) DueDeletions(ctx context.Context, now time.Time, limit int) ([]hongyan.UserID, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := s.db.Query(ctx, `SELECT user_id FROM account_deletions WHERE erased = 0 AND due <= $1 ORDER BY due, user_id LIMIT $2`,
		sqldb.Ms(now), limit)
	if err != nil {
		return nil, sqldb.Internal(err)
	}
	defer rows.Close()
	var out []hongyan.UserID
	for rows.Next() {
		var u int64
		if err := rows.Scan(&u); err != nil {
			return nil, sqldb.Internal(err)
		}
		out = append(out, hongyan.UserID(u))
	}
	return out, sqldb.Internal(rows.Err())
}

// MarkErased records that the user's account was erased.
func (s Store) MarkErased(ctx context.Context, user hongyan.UserID, at time.Time) error {
	return s.db.Write(ctx, func(t *sqldb.Tx) error {
		_, err := t.Exec(`INSERT INTO account_deletions (user_id, requested, due, erased) VALUES ($1, $2, $2, $2)
			ON CONFLICT (user_id) DO UPDATE SET erased = excluded.erased`, int64(user), sqldb.Ms(at))
		return sqldb.Internal(err)
	})
}
