// Package sqlite opens Hongyan's storage on SQLite (modernc.org/sqlite, pure
// Go): one file, WAL journal, synchronous=FULL, one writer connection that
// group-commits every write (see internal/sqldb), and a pool of query-only
// reader connections. The schema is migrated on open from every feature's
// embedded migrations (internal/sqldb/stores).
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"hongyan/internal/sqldb"
	"hongyan/internal/sqldb/stores"
)

// FileName is the database file's name inside the data directory.
const FileName = "hongyan.db"

// commitLinger is how long the writer lets a small batch wait for more
// writes when they are arriving together (sqldb.Options.Linger). A commit
// costs SQLite BEGIN, COMMIT with its fsync, a WAL frame for every page it
// changed and the checkpoint's copy of each: pages like a conversation's
// row, the users' change-log heads and the last page of the message table
// are written again by every commit, however many messages it holds. On a
// two-core machine at 3,000 msg/s (BENCHMARKS.md, "Commits that wait for
// company"), 1 ms took batches from 3 to 9 messages and the node's CPU a
// message down by a fifth, for ~2 ms more at the median.
const commitLinger = time.Millisecond

// Dialect is the SQLite dialect for sqldb.
var Dialect = sqldb.Dialect{
	Name:     "sqlite",
	Begin:    "BEGIN IMMEDIATE",
	IsUnique: isUnique,

	AnonymousParams: true,
	FastConflict:    "OR ROLLBACK",
}

func isUnique(err error) bool {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	return e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

// Open opens (creating if needed) the database in dir/hongyan.db, migrates
// its schema and starts its writer.
func Open(ctx context.Context, dir string) (*stores.DB, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	if err := registerVFS(); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, FileName)
	write, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)
	if err := migrate(ctx, write); err != nil {
		write.Close()
		return nil, err
	}
	read, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	readers := max(4, 2*runtime.GOMAXPROCS(0))
	read.SetMaxOpenConns(readers)
	read.SetMaxIdleConns(readers)
	read.SetConnMaxIdleTime(0)
	read.SetConnMaxLifetime(0)
	ckpt, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		read.Close()
		write.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	ckpt.SetMaxOpenConns(1)
	cp := newCheckpointer(ckpt)
	db, err := sqldb.New(ctx, read, write, Dialect, sqldb.Options{Linger: commitLinger, AfterCommit: cp.committed, OnClose: cp.stop, UnsafeAckBeforeCommit: sqldb.UnsafeAckFromEnv()})
	if err != nil {
		cp.stop()
		read.Close()
		write.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	return stores.New(db), nil
}

// Migrate brings the schema of the database in dir up to date without
// keeping it open.
func Migrate(ctx context.Context, dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	if err := registerVFS(); err != nil {
		return err
	}
	db, err := sql.Open("sqlite", dsn(filepath.Join(dir, FileName), false))
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	defer db.Close()
	return migrate(ctx, db)
}

func migrate(ctx context.Context, db *sql.DB) error {
	if _, err := sqldb.Migrate(ctx, db, Dialect, stores.Schemas); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	return nil
}

// dsn is the connection string for the file at path: WAL, synchronous=FULL
// (a commit is on disk when it returns), foreign keys, a busy timeout, a
// 64 MiB page cache for the writer (16 MiB for each reader), and the VFS
// that gathers WAL writes (walvfs.go).
func dsn(path string, reader bool) string {
	q := url.Values{}
	q.Set("vfs", vfsName)
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "foreign_keys(ON)")
	q.Add("_pragma", "temp_store(MEMORY)")
	if reader {
		q.Add("_pragma", "cache_size(-16384)")
		q.Add("_pragma", "query_only(ON)")
	} else {
		q.Add("_pragma", "cache_size(-65536)")
		// Checkpoints run in the background (checkpoint.go); this is the
		// backstop should they fall behind.
		q.Add("_pragma", "wal_autocheckpoint(20000)")
		q.Set("_txlock", "immediate")
	}
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}
