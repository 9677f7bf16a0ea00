// Package spamdb keeps spam detection's behaviour counters (spam.Counters)
// in a table of its own, so that every node of a cluster counts into the
// same numbers.
package spamdb

import (
	"context"
	"embed"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"hongyan/internal/spam"
	"hongyan/internal/sqldb"
)

//go:embed migrations
var migrations embed.FS

// Schema is the spam feature's migrations, for both engines.
var Schema = sqldb.Schema{Feature: "spam", FS: migrations}

// Store implements spam.Counters.
type Store struct{ db *sqldb.DB }

var _ spam.Counters = Store{}

// New returns the store on db.
func New(db *sqldb.DB) Store { return Store{db} }

// MaxKey bounds a counter's key.
const MaxKey = 200

// Add adds n to counter key of window and returns its new value.
func (s Store) Add(ctx context.Context, key string, window time.Time, n int64) (int64, error) {
	if key == "" || len(key) > MaxKey || !utf8.ValidString(key) {
		return 0, sqldb.Invalid("counter key of 1 to %d bytes", MaxKey)
	}
	var v int64
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		_, err := t.Write(`INSERT INTO spam_counters (key, window_start, n) VALUES ($1, $2, $3)
			ON CONFLICT (key, window_start) DO UPDATE SET n = spam_counters.n + excluded.n RETURNING n`,
			[]any{key, sqldb.Ms(window), n}, &v)
		return sqldb.Internal(err)
	})
	return v, err
}

// AddOnce counts member once in counter key of window: the member's own
// row (key, U+001F, member) is inserted if missing, and the counter goes up
// only when it was, in one transaction.
func (s Store) AddOnce(ctx context.Context, key, member string, window time.Time) (int64, error) {
	mk := key + "\x1f" + member
	if key == "" || len(mk) > MaxKey || !utf8.ValidString(mk) || strings.ContainsRune(key, 0x1f) {
		return 0, sqldb.Invalid("counter key and member of 1 to %d bytes", MaxKey)
	}
	var v int64
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		v = 0
		added, err := t.Exec(`INSERT INTO spam_counters (key, window_start, n) VALUES ($1, $2, 1) ON CONFLICT DO NOTHING`, mk, sqldb.Ms(window))
		if err != nil {
			return sqldb.Internal(err)
		}
		_, err = t.Write(`INSERT INTO spam_counters (key, window_start, n) VALUES ($1, $2, $3)
			ON CONFLICT (key, window_start) DO UPDATE SET n = spam_counters.n + excluded.n RETURNING n`,
			[]any{key, sqldb.Ms(window), added}, &v)
		return sqldb.Internal(err)
	})
	return v, err
}

// PruneCounters deletes up to limit counters of windows before before.
func (s Store) PruneCounters(ctx context.Context, before time.Time, limit int) (int, error) {
	// The writer may still run the operation after Write returned (its
	// context ended first): what it counts is kept atomically.
	var n atomic.Int64
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		k, err := t.Exec(`DELETE FROM spam_counters WHERE (key, window_start) IN
			(SELECT key, window_start FROM spam_counters WHERE window_start < $1 LIMIT $2)`, sqldb.Ms(before), limit)
		n.Store(k)
		return sqldb.Internal(err)
	})
	return int(n.Load()), err
}
