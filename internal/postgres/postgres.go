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

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"hongyan/internal/sqldb"
	"hongyan/internal/sqldb/stores"
)

// Dialect is the PostgreSQL dialect for sqldb.
var Dialect = sqldb.Dialect{
	Name:        "postgres",
	Begin:       "BEGIN",
	IsUnique:    func(err error) bool { return sqlState(err) == "23505" },
	IsRetryable: isRetryable,
	// An arbitrary constant key: "hongyan migrate".
	Lock: "SELECT pg_advisory_xact_lock(7236102938475610)",
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

// Open connects to the database at dsn (a postgres:// URL or key=value
// string), migrates its schema and starts the writer. It fails if the
// server cannot be reached.
func Open(ctx context.Context, dsn string) (*stores.DB, error) {
	db, err := open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if err := migrate(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	s, err := sqldb.New(ctx, db, db, Dialect, sqldb.Options{})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return stores.New(s), nil
}

// Migrate brings the schema of the database at dsn up to date.
func Migrate(ctx context.Context, dsn string) error {
	db, err := open(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	return migrate(ctx, db)
}

func open(ctx context.Context, dsn string) (*sql.DB, error) {
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
