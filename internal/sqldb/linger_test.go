package sqldb_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"hongyan/internal/sqldb"
	"hongyan/internal/sqlite"
)

// openLinger opens a bare database on SQLite whose writer lingers for an
// hour or until a batch holds three operations.
func openLinger(t *testing.T) *sqldb.DB {
	t.Helper()
	conn, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "linger.db")+"?_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatalf("sql.Open: %v", err)
	}
	conn.SetMaxOpenConns(1)
	db, err := sqldb.New(t.Context(), conn, conn, sqlite.Dialect, sqldb.Options{Linger: time.Hour, LingerBatch: 3})
	if err != nil {
		t.Fatalf("sqldb.New: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func noop(*sqldb.Tx) error { return nil }

// lingering brings db's writer to the point where it has taken one write
// (the first) right after committing a batch of two: the writes' results
// arrive on the returned channel, three so far. stats are the writer's
// counters from before that batch of two committed.
func lingering(t *testing.T, db *sqldb.DB) (results chan error, stats sqldb.Stats) {
	t.Helper()
	results = make(chan error, 16)
	write := func(fn func(*sqldb.Tx) error) {
		go func() { results <- db.Write(context.Background(), fn) }()
	}
	queued := func(n int) {
		for db.Queued() != n {
			runtime.Gosched()
		}
	}
	// A batch of two, queued behind a hold: an empty write and one that
	// holds the writer inside that batch.
	release := db.Hold()
	held, release2 := make(chan struct{}), make(chan struct{})
	write(noop)
	queued(1)
	write(func(*sqldb.Tx) error { close(held); <-release2; return nil })
	queued(2)
	release()
	<-held
	write(noop) // the first: it waits in the queue until the batch commits
	queued(1)
	stats = db.Stats()
	close(release2)
	queued(0) // the writer took the first
	return results, stats
}

// TestLingerGathersABatch: after a batch of two, a write that finds the
// queue empty waits for company, and commits together with the writes that
// come after it once the batch holds LingerBatch.
func TestLingerGathersABatch(t *testing.T) {
	db := openLinger(t)
	results, before := lingering(t, db)
	for range 2 {
		go func() { results <- db.Write(context.Background(), noop) }()
	}
	for range 5 {
		if err := <-results; err != nil {
			t.Fatalf("Write: %v", err)
		}
	}
	after := db.Stats()
	if got := after.Batches - before.Batches; got != 2 {
		t.Errorf("batches: got %d, want 2 (the batch of two, then the first lingering for the two after it)", got)
	}
	if got := after.Ops - before.Ops; got != 5 {
		t.Errorf("operations committed: got %d, want 5", got)
	}
}

// TestLingerEndsOnClose: a lingering batch is committed when the database
// closes, not failed.
func TestLingerEndsOnClose(t *testing.T) {
	db := openLinger(t)
	results, before := lingering(t, db)
	db.Close()
	for range 3 {
		if err := <-results; err != nil {
			t.Fatalf("Write: %v (want every write committed, the lingering one as the database closes)", err)
		}
	}
	after := db.Stats()
	if got := after.Batches - before.Batches; got != 2 {
		t.Errorf("batches: got %d, want 2 (the batch of two, then the lingering first)", got)
	}
}

// TestLingerNotAlone: a writer whose batches hold one operation never
// waits, however long the linger.
func TestLingerNotAlone(t *testing.T) {
	db := openLinger(t)
	for i := range 5 {
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		err := db.Write(ctx, noop)
		cancel()
		if err != nil {
			t.Fatalf("write %d alone: %v (want it committed without waiting for company)", i, err)
		}
	}
	if got := db.Stats().Batches; got != 5 {
		t.Errorf("batches: got %d, want 5", got)
	}
}
