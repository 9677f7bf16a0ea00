// Package pgtest gives tests a PostgreSQL database of their own: a fresh
// schema in the database named by $HONGYAN_TEST_POSTGRES, dropped when the
// test ends, so that tests of many packages can share one server in
// parallel.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for the admin connection
)

// EnvDSN names the environment variable holding the test database's DSN,
// e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
const EnvDSN = "HONGYAN_TEST_POSTGRES"

// Require skips the test when EnvDSN is not set.
func Require(t testing.TB) {
	t.Helper()
	if os.Getenv(EnvDSN) == "" {
		t.Skipf("%s is not set: skipping PostgreSQL tests (set it to e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)", EnvDSN)
	}
}

// DSN returns a DSN for a new, empty schema of the test database, dropped
// when the test ends. It skips the test when EnvDSN is not set and fails it
// when the database cannot be reached.
func DSN(t testing.TB) string {
	t.Helper()
	Require(t)
	base := os.Getenv(EnvDSN)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("%s: %v", EnvDSN, err)
	}
	b := make([]byte, 8)
	rand.Read(b)
	schema := "hy_test_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(context.Background(), "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		t.Fatalf("creating a test schema in %s: %v", EnvDSN, err)
	}
	t.Cleanup(func() {
		if _, err := admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("dropping test schema %s: %v", schema, err)
		}
		admin.Close()
	})
	dsn, err := WithSearchPath(base, schema)
	if err != nil {
		t.Fatalf("%s: %v", EnvDSN, err)
	}
	return dsn
}

// WithSearchPath returns dsn (URL or key=value form) with its search_path
// set to schema.
func WithSearchPath(dsn, schema string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", err
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String(), nil
	}
	return dsn + " search_path=" + schema, nil
}
