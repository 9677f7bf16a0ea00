package sqldb

import (
	"context"
	"database/sql"
	"time"
)

// indexChunk is the most messages one step of the deferred search index
// takes into the index (about 10 ms of work here).
const indexChunk = 1000

// indexIdle is the lull in writes after which the writer feeds the
// deferred search index.
const indexIdle = 20 * time.Millisecond

// indexStep indexes up to indexChunk messages that the search index does
// not cover yet, moving the index's high-water mark in the same
// transaction. It sets *n to how many it indexed.
func indexStep(d Dialect, n *int) func(*wtx) error {
	return func(t *wtx) error {
		*n = 0
		var last int64
		if _, err := t.read(`SELECT last_id FROM search_progress`, nil, &last); err != nil {
			return internal(err)
		}
		var upper sql.NullInt64
		var count int
		if _, err := t.read(`SELECT MAX(id), COUNT(*) FROM (SELECT id FROM messages WHERE id > $1 ORDER BY id LIMIT $2) AS tail`,
			[]any{last, indexChunk}, &upper, &count); err != nil {
			return internal(err)
		}
		if !upper.Valid {
			return nil
		}
		if _, err := t.exec(d.IndexMessages, last, upper.Int64); err != nil {
			return internal(err)
		}
		if _, err := t.exec(`UPDATE search_progress SET last_id = $1`, upper.Int64); err != nil {
			return internal(err)
		}
		*n = count
		return nil
	}
}

// runIndexStep runs one index step as a batch of its own and reports
// whether more messages wait to be indexed.
func (w *writer) runIndexStep() bool {
	var n int
	o := &op{ctx: context.Background(), fn: indexStep(w.d, &n), done: make(chan error, 1)}
	w.run([]*op{o})
	return <-o.done == nil && n == indexChunk
}

// IndexSearch brings the deferred search index up to date with every
// message committed before the call. Search results never depend on it
// (messages past the index are searched directly); it exists for tests and
// for operators who want the index complete now.
func (db *DB) IndexSearch(ctx context.Context) error {
	if db.d.IndexMessages == "" {
		return nil
	}
	for {
		var n int
		if err := db.write(ctx, indexStep(db.d, &n)); err != nil {
			return err
		}
		if n < indexChunk {
			return nil
		}
	}
}
