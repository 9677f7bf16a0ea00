package sqldb

import (
	"context"
	"time"
)

// DeleteBefore deletes up to limit of the oldest messages sent before t,
// with the deletions and mentions that refer to them.
func (s ChatStore) DeleteBefore(ctx context.Context, t time.Time, limit int) (int, error) {
	if err := checkLimit(limit); err != nil {
		return 0, err
	}
	var n int64
	err := s.db.write(ctx, func(w *wtx) error {
		rows, err := w.query(`SELECT id, conversation, seq FROM messages WHERE created < $1 ORDER BY id LIMIT $2`, ms(t), limit)
		if err != nil {
			return internal(err)
		}
		type pos struct{ id, conv, seq int64 }
		old, err := collect(rows, nil, func(scan func(...any) error) (pos, error) {
			var p pos
			err := scan(&p.id, &p.conv, &p.seq)
			return p, err
		})
		if err != nil {
			return err
		}
		n = 0
		for _, p := range old {
			if _, err := w.exec(`DELETE FROM hidden_messages WHERE message_id = $1`, p.id); err != nil {
				return internal(err)
			}
			if _, err := w.exec(`DELETE FROM mentions WHERE conversation = $1 AND seq = $2`, p.conv, p.seq); err != nil {
				return internal(err)
			}
			k, err := w.exec(`DELETE FROM messages WHERE id = $1`, p.id)
			if err != nil {
				return internal(err)
			}
			n += k
		}
		return nil
	})
	return int(n), err
}
