package favoritedb

import (
	"context"
	"time"

	"hongyan/internal/favorite"
	"hongyan/internal/hongyan"
	"hongyan/internal/sqldb"
)

// Store implements favorite.Store.
type Store struct{ db *sqldb.DB }

var _ favorite.Store = Store{}

// New returns the favorite store on db.
func New(db *sqldb.DB) Store { return Store{db} }

const favoriteCols = `id, owner, kind, source, snapshot, url, text, created, updated`

func scanFavorite(scan func(...any) error) (favorite.Favorite, error) {
	var f favorite.Favorite
	var owner, kind, source, created, updated int64
	err := scan(&f.ID, &owner, &kind, &source, &f.Snapshot, &f.URL, &f.Text, &created, &updated)
	f.Owner, f.Kind, f.Source = hongyan.UserID(owner), favorite.Kind(kind), hongyan.MessageID(source)
	f.Created, f.Updated = sqldb.Tm(created), sqldb.Tm(updated)
	return f, err
}

// Add stores f; changes with Ref 0 get the new favorite's ID.
func (s Store) Add(ctx context.Context, f favorite.Favorite, changes []hongyan.Change) (favorite.Favorite, []hongyan.Change, error) {
	if f.Owner <= 0 {
		return favorite.Favorite{}, nil, sqldb.Invalid("a favorite needs an owner")
	}
	if err := sqldb.CheckChanges(changes); err != nil {
		return favorite.Favorite{}, nil, err
	}
	f.Created, f.Updated = sqldb.Tm(sqldb.Ms(f.Created)), sqldb.Tm(sqldb.Ms(f.Updated))
	var out []hongyan.Change
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		var snap any
		if f.Snapshot != nil {
			snap = f.Snapshot
		}
		if _, err := t.Write(`INSERT INTO favorites (owner, kind, source, snapshot, url, text, created, updated)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			[]any{int64(f.Owner), int64(f.Kind), int64(f.Source), snap, f.URL, f.Text, sqldb.Ms(f.Created), sqldb.Ms(f.Updated)}, &f.ID); err != nil {
			return sqldb.Internal(err)
		}
		in := make([]hongyan.Change, len(changes))
		for i, c := range changes {
			if c.Ref == 0 {
				c.Ref = f.ID
			}
			in[i] = c
		}
		var err error
		out, err = t.AppendChanges(in)
		return err
	})
	if err != nil {
		return favorite.Favorite{}, nil, err
	}
	return f, out, nil
}

// Get returns owner's favorite id.
func (s Store) Get(ctx context.Context, owner hongyan.UserID, id int64) (favorite.Favorite, error) {
	fs, err := sqldb.QueryAll(ctx, s.db, scanFavorite, `SELECT `+favoriteCols+` FROM favorites WHERE id = $1 AND owner = $2`, id, int64(owner))
	if err != nil {
		return favorite.Favorite{}, err
	}
	if len(fs) == 0 {
		return favorite.Favorite{}, sqldb.NotFound("no such favorite")
	}
	return fs[0], nil
}

// List returns owner's favorites containing query, newest first.
func (s Store) List(ctx context.Context, owner hongyan.UserID, query string, before int64, limit int) ([]favorite.Favorite, error) {
	if err := sqldb.CheckLimit(limit); err != nil {
		return nil, err
	}
	if before <= 0 {
		before = 1<<63 - 1
	}
	return sqldb.QueryAll(ctx, s.db, scanFavorite, `SELECT `+favoriteCols+` FROM favorites
		WHERE owner = $1 AND id < $2 AND ($3 = '' OR lower(text) LIKE lower($4) ESCAPE '\')
		ORDER BY id DESC LIMIT $5`, int64(owner), before, query, sqldb.LikePattern(query), limit)
}

// SetText changes the text of owner's favorite id.
func (s Store) SetText(ctx context.Context, owner hongyan.UserID, id int64, text string, at time.Time, changes []hongyan.Change) ([]hongyan.Change, error) {
	return s.change(ctx, changes, `UPDATE favorites SET text = $3, updated = $4 WHERE id = $1 AND owner = $2`,
		id, int64(owner), text, sqldb.Ms(at))
}

// Delete removes owner's favorite id.
func (s Store) Delete(ctx context.Context, owner hongyan.UserID, id int64, changes []hongyan.Change) ([]hongyan.Change, error) {
	return s.change(ctx, changes, `DELETE FROM favorites WHERE id = $1 AND owner = $2`, id, int64(owner))
}

// change runs a statement on one favorite and appends changes; no row is
// not found.
func (s Store) change(ctx context.Context, changes []hongyan.Change, q string, args ...any) ([]hongyan.Change, error) {
	if err := sqldb.CheckChanges(changes); err != nil {
		return nil, err
	}
	var out []hongyan.Change
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		n, err := t.Exec(q, args...)
		if err != nil {
			return sqldb.Internal(err)
		}
		if n == 0 {
			return sqldb.NotFound("no such favorite")
		}
		out, err = t.AppendChanges(changes)
		return err
	})
	return out, err
}
