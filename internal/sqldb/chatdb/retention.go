package chatdb

import (
	"context"
	"hongyan/internal/sqldb"
	"time"
)

// DeleteBefore deletes up to limit of the oldest messages sent before t,
// with the deletions, mentions and media index rows that refer to them.
func (s Store) DeleteBefore(ctx context.Context, t time.Time, limit int) (int, error) {
	if err := sqldb.CheckLimit(limit); err != nil {
		return 0, err
	}
	var n int64
	err := s.db.Write(ctx, func(w *sqldb.Tx) error {
		rows, err := w.Query(`SELECT id, conversation, seq FROM messages WHERE created < $1 ORDER BY id LIMIT $2`, sqldb.Ms(t), limit)
		if err != nil {
			return sqldb.Internal(err)
		}
		type pos struct{ id, conv, seq int64 }
		old, err := sqldb.Collect(rows, nil, func(scan func(...any) error) (pos, error) {
			var p pos
			err := scan(&p.id, &p.conv, &p.seq)
			return p, err
		})
		if err != nil {
			return err
		}
		n = 0
		for _, p := range old {
			if _, err := w.Exec(`DELETE FROM hidden_messages WHERE message_id = $1`, p.id); err != nil {
				return sqldb.Internal(err)
			}
			if _, err := w.Exec(`DELETE FROM mentions WHERE conversation = $1 AND seq = $2`, p.conv, p.seq); err != nil {
				return sqldb.Internal(err)
			}
			if err := unindexMedia(w, p.conv, p.seq); err != nil {
				return err
			}
			k, err := w.Exec(`DELETE FROM messages WHERE id = $1`, p.id)
			if err != nil {
				return sqldb.Internal(err)
			}
			n += k
		}
		return nil
	})
	return int(n), err
}
