package node_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"

	"hongyan/internal/config"
	"hongyan/internal/node"
	"hongyan/internal/postgres/pgtest"
)

// forEachEngine runs fn against a fresh node on SQLite, and on PostgreSQL
// when HONGYAN_TEST_POSTGRES is set (then an unreachable database fails the
// test rather than skipping it).
func forEachEngine(t *testing.T, fn func(t *testing.T, srv *httptest.Server)) {
	t.Run("sqlite", func(t *testing.T) {
		cfg := config.Default()
		cfg.Data = t.TempDir()
		fn(t, startNode(t, cfg))
	})
	t.Run("postgres", func(t *testing.T) {
		cfg := config.Default()
		cfg.Storage.Driver = "postgres"
		cfg.Storage.Postgres = pgtest.DSN(t)
		cfg.Data = t.TempDir() // media files
		fn(t, startNode(t, cfg))
	})
}

func startNode(t testing.TB, cfg config.Config) *httptest.Server {
	t.Helper()
	srv, _ := startNodeWith(t, cfg)
	return srv
}

// startNodeWith is startNode that also returns the node.
func startNodeWith(t testing.TB, cfg config.Config) (*httptest.Server, *node.Node) {
	t.Helper()
	cfg.Limits = config.Limits{} // tests sign in far more often than people
	n, err := node.New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("node.New: %v", err)
	}
	srv := httptest.NewServer(n.Handler())
	t.Cleanup(func() {
		n.Close()
		srv.Close()
	})
	return srv, n
}
