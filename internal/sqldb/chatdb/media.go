package chatdb

import (
	"context"

	"hongyan/internal/chat"
	"hongyan/internal/hongyan"
	"hongyan/internal/sqldb"
)

// The media index (migrations/*/0006_message_media.sql): one row per
// media object a message carries, written with the message, deleted with
// it or when it is recalled.

// Rows never collide: a message's position is new when its rows are
// written (the backfill covers only messages older than every row written
// with its message), and MediaIDs lists each ID once.
const mediaHead = `INSERT INTO message_media (conversation, media_id, seq) VALUES `

var mediaTypes = []string{"BIGINT", "TEXT", "BIGINT"}

// indexMedia records, in t, the media each of ms carries.
func indexMedia(t *sqldb.Tx, ms ...chat.Message) error {
	var args []any
	for _, m := range ms {
		for _, id := range m.MediaIDs() {
			args = append(args, int64(m.Conversation), id, m.Seq)
		}
	}
	for rows := len(args) / 3; rows > 0; {
		n := t.Chunk(rows)
		if _, err := t.Exec(t.RowsSQL(mediaHead, n, mediaTypes, ""), args[:3*n]...); err != nil {
			return sqldb.Internal(err)
		}
		args, rows = args[3*n:], rows-n
	}
	return nil
}

// unindexMedia forgets the media of the message at (conv, seq), in t.
func unindexMedia(t *sqldb.Tx, conv, seq int64) error {
	if _, err := t.Exec(`DELETE FROM message_media WHERE conversation = $1 AND seq = $2`, conv, seq); err != nil {
		return sqldb.Internal(err)
	}
	return nil
}

// MediaVisible reports whether a message of conv inside w carries media
// id; indexed is false while messages stored before the index existed are
// still being indexed.
func (s Store) MediaVisible(ctx context.Context, conv hongyan.ConversationID, id string, w chat.Window) (found, indexed bool, err error) {
	var upto int64
	if _, err := s.db.QueryRow(ctx, `SELECT upto FROM message_media_backfill`, nil, &upto); err != nil {
		return false, false, err
	}
	to := w.To
	if to == 0 {
		to = 1<<63 - 1
	}
	var one int64
	found, err = s.db.QueryRow(ctx, `SELECT 1 FROM message_media WHERE conversation = $1 AND media_id = $2 AND seq >= $3 AND seq <= $4 LIMIT 1`,
		[]any{int64(conv), id, w.From, to}, &one)
	return found, upto == 0, err
}

// backfillChunk is how many message IDs one step of the media backfill
// covers.
const backfillChunk = 1000

// backfillStep indexes the media of the messages with IDs in
// (upto - backfillChunk, upto], those stored before the index existed,
// and lowers upto past them. It reports whether more are waiting.
func backfillStep(t *sqldb.Tx) (bool, error) {
	var upto int64
	found, err := t.Read(`SELECT upto FROM message_media_backfill`, nil, &upto)
	if err != nil || !found || upto <= 0 {
		return false, err
	}
	low := max(upto-backfillChunk, 0)
	rows, err := t.Query(`SELECT conversation, seq, body FROM messages WHERE id > $1 AND id <= $2 AND body IS NOT NULL`, low, upto)
	if err != nil {
		return false, sqldb.Internal(err)
	}
	var ms []chat.Message
	for rows.Next() {
		var conv int64
		var body []byte
		var m chat.Message
		if err := rows.Scan(&conv, &m.Seq, &body); err != nil {
			rows.Close()
			return false, t.Note(err)
		}
		m.Conversation = hongyan.ConversationID(conv)
		if chat.DecodeBody(body, &m) == nil { // a body that does not decode carries nothing readable
			ms = append(ms, m)
		}
	}
	if err := rows.Close(); err != nil {
		return false, t.Note(err)
	}
	if err := rows.Err(); err != nil {
		return false, t.Note(err)
	}
	if err := indexMedia(t, ms...); err != nil {
		return false, err
	}
	if _, err := t.Exec(`UPDATE message_media_backfill SET upto = $1`, low); err != nil {
		return false, sqldb.Internal(err)
	}
	return low > 0, nil
}

// BackfillMedia indexes the media of every message stored before the
// index existed, now. Readers never need it (they fall back to
// membership meanwhile); it exists for tests and operators.
func (s Store) BackfillMedia(ctx context.Context) error {
	for {
		var more bool
		if err := s.db.Write(ctx, func(t *sqldb.Tx) error {
			var err error
			more, err = backfillStep(t)
			return err
		}); err != nil {
			return err
		}
		if !more {
			return nil
		}
	}
}
