package accountdb

import (
	"context"
	"time"

	"hongyan/internal/account"
	"hongyan/internal/sqldb"
)

var _ account.Counts = Store{}

// CountUsers counts the accounts.
func (s Store) CountUsers(ctx context.Context) (int64, error) {
	var n int64
	_, err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM accounts`, nil, &n)
	return n, err
}

// CountActiveDevices counts the devices seen since.
func (s Store) CountActiveDevices(ctx context.Context, since time.Time) (int64, error) {
	var n int64
	_, err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM devices WHERE last_seen >= $1`, []any{sqldb.Ms(since)}, &n)
	return n, err
}
