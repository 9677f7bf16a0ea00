package chatdb

import (
	"context"
	"time"

	"hongyan/internal/chat"
	"hongyan/internal/sqldb"
)

var _ chat.Counts = Store{}

// MessagesPerDay counts messages by day from the ids at the days'
// boundaries: ids grow with the time of sending, so each boundary's first
// id is found by a binary search on the primary key (a few dozen index
// probes a boundary), and a day's count is the difference of its
// boundaries' ids — no scan of the messages and no index on their time.
func (s Store) MessagesPerDay(ctx context.Context, days []time.Time, until time.Time) ([]int64, error) {
	var lo, hi int64
	if _, err := s.db.QueryRow(ctx, `SELECT COALESCE(MIN(id), 0), COALESCE(MAX(id), 0) FROM messages`, nil, &lo, &hi); err != nil {
		return nil, err
	}
	// first returns the first id sent at or after t (hi+1 when none).
	first := func(t time.Time) (int64, error) {
		a, b := lo, hi+1
		for a < b {
			mid := a + (b-a)/2
			var id, created int64
			found, err := s.db.QueryRow(ctx, `SELECT id, created FROM messages WHERE id >= $1 ORDER BY id LIMIT 1`, []any{mid}, &id, &created)
			if err != nil {
				return 0, err
			}
			if !found || created >= sqldb.Ms(t) {
				b = mid
			} else {
				a = id + 1
			}
		}
		return a, nil
	}
	bounds := make([]int64, 0, len(days)+1)
	for _, d := range append(append([]time.Time{}, days...), until) {
		id, err := first(d)
		if err != nil {
			return nil, err
		}
		bounds = append(bounds, id)
	}
	out := make([]int64, len(days))
	for i := range days {
		out[i] = max(0, bounds[i+1]-bounds[i])
	}
	return out, nil
}
