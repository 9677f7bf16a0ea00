// Package postgres opens Hongyan's storage on PostgreSQL (or a
// PostgreSQL-compatible cluster) through github.com/jackc/pgx/v5/stdlib.
// Every connection runs with synchronous_commit=on, so a commit has been
// flushed when it returns. Writes go through internal/sqldb's group-commit
// writer; several nodes may write to one database concurrently (a batch
// that deadlocks or fails serialization is retried whole). The schema is
// migrated on open from every feature's embedded migrations
// (internal/sqldb/stores), under an advisory lock so that nodes starting
// together migrate once.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/stdlib"

	"hongyan/internal/sqldb"
	"hongyan/internal/sqldb/stores"
)

// Dialect is the PostgreSQL dialect for sqldb.
var Dialect = sqldb.Dialect{
	Name:  "postgres",
	Begin: "BEGIN",
	// Money (wallet) decides on balances and counts it reads: SERIALIZABLE,
	// and batches that fail serialization run again.
	BeginSerializable: "BEGIN ISOLATION LEVEL SERIALIZABLE",
	IsUnique:          func(err error) bool { return sqlState(err) == "23505" },
	IsRetryable:       isRetryable,
	IsBusy:            func(err error) bool { return sqlState(err) == "55P03" }, // lock_not_available
	// A statement is a round trip: one per kind and batch, whatever its
	// number of rows.
	ExactRows:   true,
	WritableCTE: true,
	// An arbitrary constant key: "hongyan migrate". Migrating may wait
	// for another node's migration as long as it takes.
	Lock: "SET LOCAL lock_timeout = 0; SELECT pg_advisory_xact_lock(7236102938475610)",
	// Exclusive's session locks, in the second key space of advisory
	// locks (two int4 keys) so they never meet the migration's lock.
	TryLock: "SELECT pg_try_advisory_lock(72361029, hashtext($1))",
	Unlock:  "SELECT pg_advisory_unlock(72361029, hashtext($1))",
}

func sqlState(err error) string {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// isRetryable reports deadlocks and serialization failures: the
// transaction was aborted only because of a concurrent one.
func isRetryable(err error) bool {
	switch sqlState(err) {
	case "40P01", "40001":
		return true
	}
	return false
}

// MaxConns is the size of the connection pool (one connection of it is
// the writer's).
const MaxConns = 16

// DefaultLockTimeout is how long a statement waits for a lock held by
// another session before it fails, unless Options say otherwise.
const DefaultLockTimeout = 5 * time.Second

// Options tune the sessions. The zero value is sensible.
type Options struct {
	// LockTimeout is each session's lock_timeout: how long a statement
	// waits for a lock before it fails (with SQLSTATE 55P03), so that a
	// session holding a lock for long (a forgotten transaction, another
	// node's slow migration) fails the writes that need it instead of
	// stalling the writer. 0 means DefaultLockTimeout; negative, no limit.
	LockTimeout time.Duration
	// OnStatement, when set, is called with the text of every statement
	// each connection sends, and of every preparation (prepare true):
	// each is a round trip (benchmarks count them with it). It must be
	// safe for concurrent use.
	OnStatement func(sql string, prepare bool)
}

// statementTracer hands pgx's query and prepare starts to a callback.
type statementTracer func(sql string, prepare bool)

func (f statementTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	f(d.SQL, false)
	return ctx
}

func (statementTracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (f statementTracer) TracePrepareStart(ctx context.Context, _ *pgx.Conn, d pgx.TracePrepareStartData) context.Context {
	f(d.SQL, true)
	return ctx
}

func (statementTracer) TracePrepareEnd(context.Context, *pgx.Conn, pgx.TracePrepareEndData) {}

// Open connects to the database at dsn (a postgres:// URL or key=value
// string) with default Options, migrates its schema and starts the writer.
// It fails if the server cannot be reached.
func Open(ctx context.Context, dsn string) (*stores.DB, error) {
	return OpenWith(ctx, dsn, Options{})
}

// OpenWith is Open with opts.
func OpenWith(ctx context.Context, dsn string, opts Options) (*stores.DB, error) {
	db, err := open(ctx, dsn, opts)
	if err != nil {
		return nil, err
	}
	if err := migrate(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	s, err := sqldb.New(ctx, db, db, Dialect, sqldb.Options{UnsafeAckBeforeCommit: sqldb.UnsafeAckFromEnv()})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return stores.New(s), nil
}

// Migrate brings the schema of the database at dsn up to date.
func Migrate(ctx context.Context, dsn string) error {
	db, err := open(ctx, dsn, Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	return migrate(ctx, db)
}

func open(ctx context.Context, dsn string, opts Options) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	// Acknowledged means flushed to disk, whatever the server's default.
	cfg.RuntimeParams["synchronous_commit"] = "on"
	// Statements are prepared once per connection and live for its
	// lifetime. A generic plan fixed while a table was small (a fresh node)
	// would stay, as a sequential scan, long after the table has grown;
	// planning each execution with its values keeps index lookups.
	cfg.RuntimeParams["plan_cache_mode"] = "force_custom_plan"
	switch lt := opts.LockTimeout; {
	case lt == 0:
		cfg.RuntimeParams["lock_timeout"] = strconv.FormatInt(DefaultLockTimeout.Milliseconds(), 10)
	case lt > 0:
		cfg.RuntimeParams["lock_timeout"] = strconv.FormatInt(max(lt.Milliseconds(), 1), 10)
	default:
		cfg.RuntimeParams["lock_timeout"] = "0"
	}
	// A writer statement stops when its caller gives up (its context
	// ends): ask the server to cancel it, keeping the connection, rather
	// than breaking the connection (pgx's default).
	cfg.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: c, DeadlineDelay: 5 * time.Second}
	}
	if opts.OnStatement != nil {
		cfg.Tracer = statementTracer(opts.OnStatement)
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(MaxConns)
	db.SetMaxIdleConns(MaxConns)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return db, nil
}

func migrate(ctx context.Context, db *sql.DB) error {
	if _, err := sqldb.Migrate(ctx, db, Dialect, stores.Schemas); err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	return nil
}
