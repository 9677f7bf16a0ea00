package sqldb

import (
	"context"
	"time"

	"hongyan/internal/favorite"
	"hongyan/internal/hongyan"
)

// FavoriteStore implements favorite.Store.
type FavoriteStore struct{ db *DB }

var _ favorite.Store = FavoriteStore{}

// Favorites returns the favorite store.
func (db *DB) Favorites() FavoriteStore { return FavoriteStore{db} }

const favoriteCols = `id, owner, kind, source, snapshot, url, text, created, updated`

func scanFavorite(scan func(...any) error) (favorite.Favorite, error) {
	var f favorite.Favorite
	var owner, kind, source, created, updated int64
	err := scan(&f.ID, &owner, &kind, &source, &f.Snapshot, &f.URL, &f.Text, &created, &updated)
	f.Owner, f.Kind, f.Source = hongyan.UserID(owner), favorite.Kind(kind), hongyan.MessageID(source)
	f.Created, f.Updated = tm(created), tm(updated)
	return f, err
}

// Add stores f; changes with Ref 0 get the new favorite's ID.
func (s FavoriteStore) Add(ctx context.Context, f favorite.Favorite, changes []hongyan.Change) (favorite.Favorite, []hongyan.Change, error) {
	if f.Owner <= 0 {
		return favorite.Favorite{}, nil, invalid("a favorite needs an owner")
	}
	if err := checkChanges(changes); err != nil {
		return favorite.Favorite{}, nil, err
	}
	f.Created, f.Updated = tm(ms(f.Created)), tm(ms(f.Updated))
	var out []hongyan.Change
	err := s.db.write(ctx, func(t *wtx) error {
		var snap any
		if f.Snapshot != nil {
			snap = f.Snapshot
		}
		if _, err := t.write(`INSERT INTO favorites (owner, kind, source, snapshot, url, text, created, updated)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			[]any{int64(f.Owner), int64(f.Kind), int64(f.Source), snap, f.URL, f.Text, ms(f.Created), ms(f.Updated)}, &f.ID); err != nil {
			return internal(err)
		}
		in := make([]hongyan.Change, len(changes))
		for i, c := range changes {
			if c.Ref == 0 {
				c.Ref = f.ID
			}
			in[i] = c
		}
		var err error
		out, err = t.appendChanges(in)
		return err
	})
	if err != nil {
		return favorite.Favorite{}, nil, err
	}
	return f, out, nil
}

// Get returns owner's favorite id.
func (s FavoriteStore) Get(ctx context.Context, owner hongyan.UserID, id int64) (favorite.Favorite, error) {
	fs, err := queryAll(ctx, s.db, scanFavorite, `SELECT `+favoriteCols+` FROM favorites WHERE id = $1 AND owner = $2`, id, int64(owner))
	if err != nil {
		return favorite.Favorite{}, err
	}
	if len(fs) == 0 {
		return favorite.Favorite{}, notFound("no such favorite")
	}
	return fs[0], nil
}

// List returns owner's favorites containing query, newest first.
func (s FavoriteStore) List(ctx context.Context, owner hongyan.UserID, query string, before int64, limit int) ([]favorite.Favorite, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	if before <= 0 {
		before = 1<<63 - 1
	}
	return queryAll(ctx, s.db, scanFavorite, `SELECT `+favoriteCols+` FROM favorites
		WHERE owner = $1 AND id < $2 AND ($3 = '' OR lower(text) LIKE lower($4) ESCAPE '\')
		ORDER BY id DESC LIMIT $5`, int64(owner), before, query, likePattern(query), limit)
}

// SetText changes the text of owner's favorite id.
func (s FavoriteStore) SetText(ctx context.Context, owner hongyan.UserID, id int64, text string, at time.Time, changes []hongyan.Change) ([]hongyan.Change, error) {
	return s.change(ctx, changes, `UPDATE favorites SET text = $3, updated = $4 WHERE id = $1 AND owner = $2`,
		id, int64(owner), text, ms(at))
}

// Delete removes owner's favorite id.
func (s FavoriteStore) Delete(ctx context.Context, owner hongyan.UserID, id int64, changes []hongyan.Change) ([]hongyan.Change, error) {
	return s.change(ctx, changes, `DELETE FROM favorites WHERE id = $1 AND owner = $2`, id, int64(owner))
}

// change runs a statement on one favorite and appends changes; no row is
// not found.
func (s FavoriteStore) change(ctx context.Context, changes []hongyan.Change, q string, args ...any) ([]hongyan.Change, error) {
	if err := checkChanges(changes); err != nil {
		return nil, err
	}
	var out []hongyan.Change
	err := s.db.write(ctx, func(t *wtx) error {
		n, err := t.exec(q, args...)
		if err != nil {
			return internal(err)
		}
		if n == 0 {
			return notFound("no such favorite")
		}
		out, err = t.appendChanges(changes)
		return err
	})
	return out, err
}
