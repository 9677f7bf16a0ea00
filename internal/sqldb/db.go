// Package sqldb is the shared core of Hongyan's storage on database/sql, for
// both engines (internal/sqlite and internal/postgres): the opened database,
// the group-commit writer, the migration runner, the dialect and small
// helpers. Each feature's SQL lives in a package of its own beside it
// (accountdb, chatdb, ...; see docs/architecture.md), built on what this
// package exports; internal/sqldb/stores puts them together.
//
// All writes go through one writer goroutine that groups concurrent write
// operations into one transaction (group commit): each caller's operation
// runs in that transaction, and every caller gets its result only after the
// COMMIT has returned, that is, after the batch is durable. An operation that
// fails is rolled back alone (see writer.go) and the rest of its batch still
// commits. Reads go straight to the read pool.
//
// The core holds no product rules and no feature's tables.
package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync"
	"time"

	"hongyan/internal/hongyan"
)

// Dialect is what differs between the SQL engines. The SQL text itself is
// shared: both engines accept $N placeholders, ON CONFLICT and RETURNING.
type Dialect struct {
	// Name names the engine in errors and logs ("sqlite", "postgres").
	Name string
	// Begin is the statement that opens a write transaction, e.g.
	// "BEGIN IMMEDIATE" on SQLite so the write lock is taken up front.
	Begin string
	// IsUnique reports whether err is a unique-constraint violation.
	IsUnique func(err error) bool
	// IsRetryable reports whether err aborted the transaction in a way that
	// is worth retrying the whole batch (deadlock, serialization failure).
	// Nil means no error is retryable.
	IsRetryable func(err error) bool
	// IsBusy reports whether err is a statement that gave up waiting for a
	// lock (PostgreSQL's lock_timeout); its caller is told to try again.
	// Nil means none is.
	IsBusy func(err error) bool
	// AnonymousParams makes generated multi-row statements use "?"
	// placeholders instead of $N: modernc.org/sqlite looks each $N
	// parameter's name up in a linear list when binding, which costs
	// quadratic time in statements with hundreds of parameters.
	AnonymousParams bool
	// ExactRows makes the writer's multi-row statements (Tx.Chunk) take
	// any number of rows up to RowsPerInsert, each count a statement text
	// of its own, prepared once per connection: on PostgreSQL a statement
	// is a network round trip made while the batch holds its transaction,
	// so a batch of 7 messages is worth one statement per kind, not three
	// (4 + 2 + 1 rows). Off (SQLite, in process): powers of two, which
	// keep the statement cache small.
	ExactRows bool
	// WritableCTE says the engine runs data-modifying statements inside
	// WITH and joins their RETURNING rows (PostgreSQL): the change log
	// then bumps the users' heads and inserts their entries in one
	// statement, one round trip, instead of two.
	WritableCTE bool
	// FastConflict is a conflict clause ("OR ROLLBACK" on SQLite) for the
	// multi-row INSERT and UPDATE statements of batches that run without
	// savepoints, where any failure reruns the whole batch anyway; it
	// spares SQLite the statement journal. Empty on PostgreSQL.
	FastConflict string
	// BeginSerializable, when set, opens a SERIALIZABLE write transaction
	// for WriteSerializable (PostgreSQL, where several nodes write at
	// once). Empty means the engine has one writer for the whole database
	// (SQLite), which serializes every write already.
	BeginSerializable string
	// Lock, when set, is executed at the start of a migration transaction
	// to keep concurrent migrators out (e.g. an advisory lock).
	Lock string
	// TryLock and Unlock, when set, take and release a session lock on a
	// 64-bit key ($1) that every node of a cluster sees (PostgreSQL's
	// advisory locks); TryLock answers whether it got the lock. Empty: the
	// database has one node (SQLite), and Exclusive locks in the process.
	TryLock, Unlock string
}

// Options tune a DB. The zero value is sensible.
type Options struct {
	// MaxBatch is the most write operations committed in one transaction
	// (default 1024).
	MaxBatch int
	// QueueSize is how many write operations may wait for the writer
	// before callers block (default 4096).
	QueueSize int
	// Linger, when positive, lets a batch wait for company: when the batch
	// before it held more than one operation (writes are arriving
	// together) and fewer than LingerBatch are queued, the writer waits up
	// to Linger for more before it begins the transaction. Every commit
	// has a fixed cost that its operations share (BEGIN, COMMIT and its
	// fsync, the hot pages written again), so under a steady load fewer,
	// larger commits cost less CPU a write; a lone writer, whose batches
	// hold one operation, never waits. Off by default.
	Linger time.Duration
	// LingerBatch is the batch size at which a lingering batch stops
	// waiting (default 64, at most MaxBatch).
	LingerBatch int
	// AfterCommit, when set, is called by the writer after each successful
	// commit with the number of operations committed; the SQLite engine
	// uses it to schedule WAL checkpoints. It must not block.
	AfterCommit func(ops int)
	// OnClose, when set, is called by Close after the writer has stopped
	// and before the pools are closed.
	OnClose func() error
	// UnsafeAckBeforeCommit is a TEST-ONLY NEGATIVE CONTROL: the writer
	// replies to each operation of a batch before COMMIT and then waits
	// 50 ms, so a crash in that window loses acknowledged writes. It exists
	// so that the chaos checker (internal/load) can prove it detects loss;
	// it is set only from the HONGYAN_UNSAFE_ACK_BEFORE_COMMIT environment
	// variable (internal/sqlite), never from the configuration.
	UnsafeAckBeforeCommit bool
}

// DB is an opened database: the read pool, the single writer and the
// dialect. The feature storage packages build their Store ports on it; all
// share the one writer, so writes of every feature are group-committed
// together.
type DB struct {
	read  *sql.DB
	write *sql.DB
	d     Dialect
	opts  Options
	w     *writer
	close []func() error

	// serial is the writer of WriteSerializable on engines with
	// Dialect.BeginSerializable, started on first use.
	serialMu sync.Mutex
	serial   *writer

	mu    sync.Mutex
	stmts map[string]*sql.Stmt // prepared read statements, by query text

	jobsMu sync.Mutex
	jobs   map[string]bool // Exclusive's names running in this process

	// Background's goroutines: closed quit stops them, and Close waits.
	quit     chan struct{}
	quitOnce sync.Once
	bg       sync.WaitGroup
}

// New starts the writer on write (which it keeps one connection of for as
// long as the DB is open) and returns a DB reading through read. read and
// write may be the same pool (PostgreSQL) or separate pools (SQLite: one
// writer connection, many query-only readers). The schema must already be
// migrated (see Migrate). Close closes both pools.
func New(ctx context.Context, read, write *sql.DB, d Dialect, opts Options) (*DB, error) {
	if d.Begin == "" {
		d.Begin = "BEGIN"
	}
	if d.IsUnique == nil {
		d.IsUnique = func(error) bool { return false }
	}
	if d.IsRetryable == nil {
		d.IsRetryable = func(error) bool { return false }
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 1024
	}
	if opts.QueueSize <= 0 {
		opts.QueueSize = 4096
	}
	if opts.LingerBatch <= 0 {
		opts.LingerBatch = 64
	}
	opts.LingerBatch = min(opts.LingerBatch, opts.MaxBatch)
	w, err := newWriter(ctx, write, d, opts)
	if err != nil {
		return nil, err
	}
	db := &DB{read: read, write: write, d: d, opts: opts, w: w, stmts: make(map[string]*sql.Stmt), quit: make(chan struct{})}
	if opts.OnClose != nil {
		db.close = append(db.close, opts.OnClose)
	}
	db.close = append(db.close, read.Close)
	if write != read {
		db.close = append(db.close, write.Close)
	}
	return db, nil
}

// Close stops the writer (operations still queued fail with
// hongyan.CodeUnavailable) and closes the connection pools.
func (db *DB) Close() error {
	db.quitOnce.Do(func() { close(db.quit) })
	db.bg.Wait()
	db.serialMu.Lock()
	if db.serial != nil {
		db.serial.stop()
	}
	db.serialMu.Unlock()
	db.w.stop()
	db.mu.Lock()
	for _, s := range db.stmts {
		s.Close()
	}
	db.stmts = nil
	db.mu.Unlock()
	var errs []error
	for _, f := range db.close {
		errs = append(errs, f())
	}
	return errors.Join(errs...)
}

// Background runs fn every interval, on the read pool and beside the
// writer, until Close: upkeep that must not hold up the writer's batches
// (see chatdb's search index on PostgreSQL). fn gets a context that ends at
// Close; its errors are its own to report or drop.
func (db *DB) Background(every time.Duration, fn func(ctx context.Context)) {
	ctx, cancel := context.WithCancel(context.Background())
	db.bg.Add(2)
	go func() {
		defer db.bg.Done()
		<-db.quit
		cancel()
	}()
	go func() {
		defer db.bg.Done()
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				fn(ctx)
			}
		}
	}()
}

// Ping reports whether the database can serve: the DB is open and a read
// connection reaches the database (for readiness checks).
func (db *DB) Ping(ctx context.Context) error {
	select {
	case <-db.w.ended:
		return errClosed
	default:
	}
	if err := db.read.PingContext(ctx); err != nil {
		return Internal(err)
	}
	return nil
}

// Dialect returns the dialect the DB was opened with.
func (db *DB) Dialect() Dialect { return db.d }

// Stats are counters of the writer since the DB was opened.
type Stats struct {
	Batches int64 // transactions committed
	Ops     int64 // write operations that ran in committed transactions
	Retries int64 // batches run again (after a failed operation or a retryable error)
	// Statements counts the statements the writer sent, preparations,
	// BEGIN and COMMIT included, committed or not: on PostgreSQL each is a
	// network round trip.
	Statements int64
}

// ObserveCommits makes the writer call fn after each commit with the
// number of operations it held and how long COMMIT took (for SQLite in
// FULL mode, mostly the fsync). fn must not block.
func (db *DB) ObserveCommits(fn func(ops int, commit time.Duration)) {
	db.w.observer.Store(&fn)
}

// Stats returns the writer's counters.
func (db *DB) Stats() Stats { return db.w.stats() }

// Queued returns how many write operations wait for the writer (not
// counting the batch it is running).
func (db *DB) Queued() int { return len(db.w.ch) }

// SerializableStats returns the counters of WriteSerializable's writer
// (zero before its first use, and on engines without one).
func (db *DB) SerializableStats() Stats {
	db.serialMu.Lock()
	defer db.serialMu.Unlock()
	if db.serial == nil {
		return Stats{}
	}
	return db.serial.stats()
}

// Stmt returns a prepared statement on the read pool for q, prepared once
// per query text.
func (db *DB) Stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.stmts == nil {
		return nil, errClosed
	}
	if s, ok := db.stmts[q]; ok {
		return s, nil
	}
	s, err := db.read.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	db.stmts[q] = s
	return s, nil
}

// Query runs a read query.
func (db *DB) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	s, err := db.Stmt(ctx, q)
	if err != nil {
		return nil, Internal(err)
	}
	rows, err := s.QueryContext(ctx, args...)
	if err != nil {
		return nil, Internal(err)
	}
	return rows, nil
}

// RowScanner is the part of *sql.Rows that Collect uses.
type RowScanner interface {
	Next() bool
	Scan(...any) error
	Err() error
	Close() error
}

// Collect scans every row with scan, appending to out, and closes rows.
func Collect[T any](rows RowScanner, out []T, scan func(func(...any) error) (T, error)) ([]T, error) {
	defer rows.Close()
	for rows.Next() {
		v, err := scan(rows.Scan)
		if err != nil {
			return nil, Internal(err)
		}
		out = append(out, v)
	}
	return out, Internal(rows.Err())
}

// QueryAll runs a read query and scans every row with scan.
func QueryAll[T any](ctx context.Context, db *DB, scan func(func(...any) error) (T, error), q string, args ...any) ([]T, error) {
	rows, err := db.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return Collect(rows, nil, scan)
}

// QueryRow runs a read query returning at most one row and scans it into
// dest; found is false when there is no row.
func (db *DB) QueryRow(ctx context.Context, q string, args []any, dest ...any) (found bool, err error) {
	s, err := db.Stmt(ctx, q)
	if err != nil {
		return false, Internal(err)
	}
	err = s.QueryRowContext(ctx, args...).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, Internal(err)
	}
	return true, nil
}

var errClosed = hongyan.Errorf(hongyan.CodeUnavailable, "database closed")

// Internal wraps a storage error so that its details stay in the chain (for
// logs) while clients see only hongyan.CodeInternal. Errors that already
// carry a code, and context errors, pass through.
func Internal(err error) error {
	if err == nil {
		return nil
	}
	var he *hongyan.Error
	if errors.As(err, &he) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return &storageError{err: err}
}

// storageError is a storage failure: hongyan.ErrorCode reports it as
// CodeInternal and hongyan.ErrorMessage hides its text.
type storageError struct{ err error }

func (e *storageError) Error() string { return "storage: " + e.err.Error() }
func (e *storageError) Unwrap() error { return e.err }

// IsNoRows reports whether err says a single-row query found no row.
func IsNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// Ms converts a time to the stored form, unix milliseconds.
func Ms(t time.Time) int64 { return t.UnixMilli() }

// Tm converts stored unix milliseconds to a time in UTC.
func Tm(x int64) time.Time { return time.UnixMilli(x).UTC() }

// CheckLimit rejects a non-positive list limit.
func CheckLimit(limit int) error {
	if limit <= 0 {
		return hongyan.Errorf(hongyan.CodeInvalid, "limit must be positive, got %d", limit)
	}
	return nil
}

// NonNil returns b, or an empty non-nil slice, so that a nil hash is stored
// as an empty value rather than NULL.
func NonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// NullIfEmpty maps "" to NULL, for optional unique columns.
func NullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Invalid is shorthand for an input error.
func Invalid(format string, args ...any) error {
	return hongyan.Errorf(hongyan.CodeInvalid, format, args...)
}

// NotFound is shorthand for a missing object.
func NotFound(format string, args ...any) error {
	return hongyan.Errorf(hongyan.CodeNotFound, format, args...)
}

// LikePattern matches text containing s anywhere, with LIKE's wildcards in
// s taken literally (escape character '\').
func LikePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}
