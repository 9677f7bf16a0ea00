package sqldb

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Migrations are versioned per feature. Each feature's storage package
// embeds its own numbered files for each engine (migrations/sqlite/*.sql,
// migrations/postgres/*.sql) and declares them as a Schema; the table
// schema_migrations records (feature, version) for each one applied, so
// features number their migrations independently and never collide.
//
// Before this layout, one global sequence (versions 1–6 in a
// schema_migrations table keyed by version alone) covered every feature.
// Migrate converts such a database in place: each feature's migrations
// that the old versions already applied (Schema.Legacy) are recorded as
// applied, and only the newer ones run.

// Migration is one schema migration: the SQL in a file named
// NNNN_description.sql, applied once, in order of Version.
type Migration struct {
	Version int64
	Name    string
	SQL     string
}

// Schema is one feature's migrations.
type Schema struct {
	// Feature names the feature in schema_migrations ("chat").
	Feature string
	// FS holds a directory of migration files per engine, named
	// migrations/ and the engine's Dialect.Name: migrations/sqlite,
	// migrations/postgres.
	FS fs.FS
	// Legacy maps the feature's first migrations to the versions of the
	// former global numbering that applied the same statements: Legacy[i]
	// is the old version that holds migration i+1. Features added after
	// that numbering leave it empty.
	Legacy []int64
}

// LegacyVersion is the newest version of the former global numbering.
const LegacyVersion = 6

// Migrations reads the *.sql files of dir in fsys. Each file name must
// start with its version number and an underscore ("0001_init.sql");
// versions must be unique.
func Migrations(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.ParseInt(num, 10, 64)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %q: name must start with a positive version and '_'", name)
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, name))
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: name, SQL: string(b)})
	}
	slices.SortFunc(out, func(a, b Migration) int { return cmp.Compare(a.Version, b.Version) })
	for i := range out {
		if out[i].Version != int64(i+1) {
			return nil, fmt.Errorf("migration %q: versions must run 1, 2, 3, … without gaps or repeats", out[i].Name)
		}
	}
	return out, nil
}

// Applied is one migration Migrate applied.
type Applied struct {
	Feature string
	Version int64
	Name    string
}

// Migrate applies every schema's migrations that the database lacks, all
// in one transaction, schema by schema in the order given (a feature whose
// migrations touch another's tables comes after it), and records each in
// schema_migrations. It returns what it applied. A database holding a
// feature this binary does not know, or a newer migration of one it knows,
// is an error: an older binary must not write to it.
func Migrate(ctx context.Context, db *sql.DB, d Dialect, schemas []Schema) (applied []Applied, err error) {
	type feature struct {
		Schema
		ms []Migration
	}
	feats := make([]feature, len(schemas))
	for i, s := range schemas {
		ms, err := Migrations(s.FS, "migrations/"+d.Name)
		if err != nil {
			return nil, fmt.Errorf("%s migrations: %w", s.Feature, err)
		}
		if len(s.Legacy) > len(ms) {
			return nil, fmt.Errorf("%s migrations: %d legacy versions for %d migrations", s.Feature, len(s.Legacy), len(ms))
		}
		feats[i] = feature{s, ms}
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	if d.Lock != "" {
		if _, err := tx.ExecContext(ctx, d.Lock); err != nil {
			return nil, fmt.Errorf("migration lock: %w", err)
		}
	}
	now := time.Now().UnixMilli()
	record := func(feature string, m Migration) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (feature, version, name, applied) VALUES ($1, $2, $3, $4)`,
			feature, m.Version, m.Name, now)
		return err
	}
	const create = `CREATE TABLE IF NOT EXISTS schema_migrations (
		feature TEXT   NOT NULL,
		version BIGINT NOT NULL,
		name    TEXT   NOT NULL,
		applied BIGINT NOT NULL,
		PRIMARY KEY (feature, version)
	)`
	if _, err := tx.ExecContext(ctx, create); err != nil {
		return nil, fmt.Errorf("schema_migrations: %w", err)
	}
	legacy, err := isLegacy(ctx, tx)
	if err != nil {
		return nil, fmt.Errorf("schema_migrations: %w", err)
	}
	if legacy {
		var old int64
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&old); err != nil {
			return nil, fmt.Errorf("schema version: %w", err)
		}
		if old > LegacyVersion {
			return nil, fmt.Errorf("database schema version %d is newer than this binary's", old)
		}
		if _, err := tx.ExecContext(ctx, `DROP TABLE schema_migrations`); err != nil {
			return nil, fmt.Errorf("schema_migrations: %w", err)
		}
		if _, err := tx.ExecContext(ctx, create); err != nil {
			return nil, fmt.Errorf("schema_migrations: %w", err)
		}
		for _, f := range feats {
			for i, v := range f.Legacy {
				if v <= old {
					if err := record(f.Feature, f.ms[i]); err != nil {
						return nil, fmt.Errorf("schema_migrations: %w", err)
					}
				}
			}
		}
	}
	current := map[string]int64{}
	rows, err := tx.QueryContext(ctx, `SELECT feature, MAX(version) FROM schema_migrations GROUP BY feature`)
	if err != nil {
		return nil, fmt.Errorf("schema versions: %w", err)
	}
	for rows.Next() {
		var f string
		var v int64
		if err := rows.Scan(&f, &v); err != nil {
			rows.Close()
			return nil, fmt.Errorf("schema versions: %w", err)
		}
		current[f] = v
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("schema versions: %w", err)
	}
	known := map[string]bool{}
	for _, f := range feats {
		known[f.Feature] = true
		if n := len(f.ms); current[f.Feature] > int64(n) {
			return nil, fmt.Errorf("database schema of %s is at version %d, newer than this binary's %d", f.Feature, current[f.Feature], n)
		}
	}
	for f := range current {
		if !known[f] {
			return nil, fmt.Errorf("database holds the schema of %q, which this binary does not know: it was written by a newer version", f)
		}
	}
	for _, f := range feats {
		for _, m := range f.ms {
			if m.Version <= current[f.Feature] {
				continue
			}
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return nil, fmt.Errorf("migration %s/%s: %w", f.Feature, m.Name, err)
			}
			if err := record(f.Feature, m); err != nil {
				return nil, fmt.Errorf("migration %s/%s: %w", f.Feature, m.Name, err)
			}
			applied = append(applied, Applied{Feature: f.Feature, Version: m.Version, Name: m.Name})
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return applied, nil
}

// isLegacy reports whether schema_migrations has the former layout, keyed
// by version alone (no feature column).
func isLegacy(ctx context.Context, tx *sql.Tx) (bool, error) {
	rows, err := tx.QueryContext(ctx, `SELECT * FROM schema_migrations WHERE 1 = 0`)
	if err != nil {
		return false, err
	}
	cols, err := rows.Columns()
	rows.Close()
	if err != nil {
		return false, err
	}
	return !slices.Contains(cols, "feature"), nil
}

// Migrations lists every migration the database has applied, feature by
// feature in version order.
func (db *DB) Migrations(ctx context.Context) ([]Applied, error) {
	return QueryAll(ctx, db, func(scan func(...any) error) (Applied, error) {
		var a Applied
		err := scan(&a.Feature, &a.Version, &a.Name)
		return a, err
	}, `SELECT feature, version, name FROM schema_migrations ORDER BY feature, version`)
}
