// Package limitdb keeps rate limits that hold across the nodes of a
// cluster (hongyan.RateLimiter) in the shared storage core: one row per
// limit and key, checked and moved on by one UPSERT.
//
// Each limit is a GCRA (generic cell rate algorithm), which decides as a
// token bucket of N tokens refilled at N per Per does, with one number per
// key: the theoretical arrival time (tat). An action at now is allowed
// when max(tat, now) − now ≤ (N−1)·T, T = Per/N, and then moves tat to
// max(tat, now) + T; a refused action changes nothing. Rows whose tat has
// passed are full buckets: Prune deletes them without changing a decision.
//
// On PostgreSQL the table is UNLOGGED and each check is one autocommit
// statement on the node's pool: no WAL, no fsync, and no wait for the
// node's write batches; a crash of PostgreSQL empties the table, so every
// limit starts afresh then. On SQLite (one node) a check goes through the
// node's writer like any write.
package limitdb

import (
	"context"
	"crypto/sha256"
	"embed"
	"time"

	"hongyan/internal/hongyan"
	"hongyan/internal/sqldb"
)

//go:embed migrations
var migrations embed.FS

// Schema is the shared rate limits' migrations, for both engines.
var Schema = sqldb.Schema{Feature: "limits", FS: migrations}

// Store keeps shared rate limits on db.
type Store struct{ db *sqldb.DB }

// New returns the rate-limit store on db.
func New(db *sqldb.DB) Store { return Store{db} }

// Limiters makes limiters on the store; it is a hongyan.Limiters.
func (s Store) Limiters(name string, r hongyan.Rate) hongyan.RateLimiter {
	return Limiter{db: s.db, name: name, rate: r}
}

// Limiter is one shared limit.
type Limiter struct {
	db   *sqldb.DB
	name string
	rate hongyan.Rate
}

var _ hongyan.QuotaLimiter = Limiter{}

// take is the GCRA step for n actions at once: $1 name, $2 key, $3 now,
// $4 n·T, $5 (N−n)·T, $6 now + n·T. Refused actions match no row and
// return none.
const take = `INSERT INTO rate_limits (name, key, tat) VALUES ($1, $2, $6)
	ON CONFLICT (name, key) DO UPDATE SET tat = (CASE WHEN rate_limits.tat > $3 THEN rate_limits.tat ELSE $3 END) + $4
	WHERE (CASE WHEN rate_limits.tat > $3 THEN rate_limits.tat ELSE $3 END) - $3 <= $5
	RETURNING tat`

// Take takes one action of key at now.
func (l Limiter) Take(ctx context.Context, key string, now time.Time) (bool, error) {
	return l.TakeN(ctx, key, now, 1)
}

// TakeN takes n actions of key at now, all or none, in one statement.
func (l Limiter) TakeN(ctx context.Context, key string, now time.Time, n int) (bool, error) {
	if l.rate.N <= 0 || l.rate.Per <= 0 {
		return true, nil
	}
	if n < 1 || n > l.rate.N {
		return false, nil
	}
	k := []byte(key)
	if len(k) > hongyan.MaxLimiterKey {
		sum := sha256.Sum256(k)
		k = sum[:]
	}
	per := max(int64(l.rate.Per/time.Duration(l.rate.N)), 1)
	tau := per * int64(l.rate.N-n)
	t := now.UnixNano()
	args := []any{l.name, k, t, per * int64(n), tau, t + per*int64(n)}
	var tat int64
	if l.db.Dialect().Name == "postgres" {
		// One statement of its own on the pool, outside the node's
		// write batches: the table is unlogged, so its commit waits
		// for no fsync.
		return l.db.QueryRow(ctx, take, args, &tat)
	}
	var allowed bool
	err := l.db.Write(ctx, func(tx *sqldb.Tx) error {
		found, err := tx.Write(take, args, &tat)
		allowed = found
		return sqldb.Internal(err)
	})
	return allowed, err
}

// Prune deletes the rows of keys whose buckets are full again at now, and
// returns how many it deleted.
func (s Store) Prune(ctx context.Context, now time.Time) (int64, error) {
	var n int64
	err := s.db.Write(ctx, func(tx *sqldb.Tx) error {
		var err error
		n, err = tx.Exec(`DELETE FROM rate_limits WHERE tat < $1`, now.UnixNano())
		return sqldb.Internal(err)
	})
	return n, err
}
