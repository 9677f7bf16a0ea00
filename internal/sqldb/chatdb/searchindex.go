package chatdb

import (
	"context"
	"database/sql"
	"time"

	"hongyan/internal/sqldb"
)

// Message search finds any substring, since Chinese has no spaces between
// words. The engines differ only in the FROM-and-WHERE fragment that finds
// the messages whose text contains the LIKE pattern $1 (escape character
// '\'), aliasing the messages table m.
var textMatch = map[string]string{
	// The search index is deferred (migrations/sqlite/0002_search.sql):
	// messages up to search_progress.last_id are found through it, later
	// ones by scanning them.
	"sqlite": `messages m WHERE m.id IN (
		SELECT rowid FROM messages_fts WHERE text LIKE $1 ESCAPE '\'
		UNION ALL
		SELECT id FROM messages WHERE id > (SELECT last_id FROM search_progress) AND text LIKE $1 ESCAPE '\')`,
	// A pg_trgm GIN index under ILIKE.
	"postgres": `messages m WHERE m.text ILIKE $1 ESCAPE '\'`,
}

// indexMessages, for an engine whose search index is deferred, indexes the
// messages with $1 < id <= $2; the writer feeds the index in its idle time
// (see New) and moves the high-water mark search_progress.last_id with it.
var indexMessages = map[string]string{
	"sqlite": `INSERT INTO messages_fts (rowid, text) SELECT id, text FROM messages WHERE id > $1 AND id <= $2`,
}

// cleanIndex, for an engine whose search index gathers new entries in a
// pending list that some insert must eventually merge into the index,
// merges them beside the writer, every second or more often (nextClean).
//
// PostgreSQL's GIN index (pg_trgm) keeps up to gin_pending_list_limit
// (4 MB: ~9,000 short messages) of new entries in such a list; the INSERT
// that overflows it merges the whole list, inside the writer's
// transaction: a 20–300 ms stall of every write queued behind it, every few
// seconds under load (autovacuum, which would merge it otherwise, runs
// rarely on a large, insert-only table). Merged from another connection
// often enough, the list never reaches the limit, and an insert that
// finds it over the limit while this merge runs leaves the merge to it.
var cleanIndex = map[string]string{
	"postgres": `SELECT gin_clean_pending_list('messages_text_trgm'::regclass)`,
}

// The pending list is merged every cleanLongest, or more often when it
// fills faster: each merge sets the next so that about cleanTarget pages
// gather in between, but no sooner than cleanShortest. A merge costs per
// page it merges less the more it merges at once (an index leaf gets
// several new entries in one rewrite): at 2,000 short messages a second,
// merging every second instead of every 250 ms about halved the index's
// WAL (58 → 30 MB in one 20 s run each) and the share of the time a merge
// runs beside the writer (7 % → 3 %; see BENCHMARKS.md). Longer messages, or more of them, fill the
// list faster and bring the merges closer, so that the list stays far
// below gin_pending_list_limit.
const (
	cleanShortest = 250 * time.Millisecond
	cleanLongest  = time.Second
	// cleanTarget is a quarter of the default gin_pending_list_limit
	// (4 MB) in 8 kB pages.
	cleanTarget = 128
)

// nextClean is how long to wait for the next merge after one that merged
// pages gathered in elapsed.
func nextClean(elapsed time.Duration, pages int64) time.Duration {
	if pages <= 0 || elapsed <= 0 {
		return cleanLongest
	}
	d := time.Duration(float64(elapsed) * cleanTarget / float64(pages))
	return min(max(d, cleanShortest), cleanLongest)
}

// indexChunk is the most messages one step of the deferred search index
// takes into the index (about 10 ms of work here).
const indexChunk = 1000

// indexIdle is the lull in writes after which the writer feeds the
// deferred search index.
const indexIdle = 20 * time.Millisecond

// InstallIndex makes db's writer do, in its idle time, the indexing that
// writes do not pay for inside their commit: feed the deferred search
// index (on engines that defer it), and index the media of messages
// stored before the media index existed (media.go).
// It is installed once per DB (stores.New), not per chat store: a second
// merger would only wait for the first (gin_clean_pending_list takes the
// index's metapage lock).
func InstallIndex(db *sqldb.DB) {
	if clean := cleanIndex[db.Dialect().Name]; clean != "" {
		last, wait := time.Now(), cleanShortest
		db.Background(cleanShortest, func(ctx context.Context) {
			now := time.Now()
			if now.Sub(last) < wait {
				return
			}
			// Best effort: a failure (a standby, a user that does not own
			// the index) leaves the merge to inserts, as without it.
			var merged int64
			db.QueryRow(ctx, clean, nil, &merged)
			last, wait = now, nextClean(now.Sub(last), merged)
		})
	}
	q := indexMessages[db.Dialect().Name]
	db.SetIdleTask(sqldb.IdleTask{
		Step: func(t *sqldb.Tx) (bool, error) {
			more := false
			if q != "" {
				n, err := indexStep(t, q)
				if err != nil {
					return false, err
				}
				more = n == indexChunk
			}
			m, err := backfillStep(t)
			return more || m, err
		},
		After: indexIdle,
		Every: indexChunk,
	})
}

// indexStep indexes up to indexChunk messages that the search index does
// not cover yet, moving the index's high-water mark in the same
// transaction, and returns how many it indexed.
func indexStep(t *sqldb.Tx, index string) (int, error) {
	var last int64
	if _, err := t.Read(`SELECT last_id FROM search_progress`, nil, &last); err != nil {
		return 0, sqldb.Internal(err)
	}
	var upper sql.NullInt64
	var count int
	if _, err := t.Read(`SELECT MAX(id), COUNT(*) FROM (SELECT id FROM messages WHERE id > $1 ORDER BY id LIMIT $2) AS tail`,
		[]any{last, indexChunk}, &upper, &count); err != nil {
		return 0, sqldb.Internal(err)
	}
	if !upper.Valid {
		return 0, nil
	}
	if _, err := t.Exec(index, last, upper.Int64); err != nil {
		return 0, sqldb.Internal(err)
	}
	if _, err := t.Exec(`UPDATE search_progress SET last_id = $1`, upper.Int64); err != nil {
		return 0, sqldb.Internal(err)
	}
	return count, nil
}

// IndexSearch brings the deferred search index up to date with every
// message committed before the call. Search results never depend on it
// (messages past the index are searched directly); it exists for tests and
// for operators who want the index complete now.
func (s Store) IndexSearch(ctx context.Context) error {
	q := indexMessages[s.db.Dialect().Name]
	if q == "" {
		return nil
	}
	for {
		var n int
		if err := s.db.Write(ctx, func(t *sqldb.Tx) error {
			var err error
			n, err = indexStep(t, q)
			return err
		}); err != nil {
			return err
		}
		if n < indexChunk {
			return nil
		}
	}
}
