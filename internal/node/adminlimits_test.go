package node_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"hongyan/internal/config"
	"hongyan/internal/moderation"
	"hongyan/internal/node"
	"hongyan/internal/postgres/pgtest"
)

// clusterOf2 starts two nodes sharing a new PostgreSQL schema and the NATS
// server at natsURL, with limits.
func clusterOf2(t *testing.T, natsURL string, limits config.Limits) ([]*httptest.Server, []*node.Node) {
	t.Helper()
	dsn := pgtest.DSN(t)
	var srvs []*httptest.Server
	var nodes []*node.Node
	for range 2 {
		cfg := config.Default()
		cfg.Storage.Driver, cfg.Storage.Postgres = "postgres", dsn
		cfg.Data, cfg.Bus = t.TempDir(), natsURL
		cfg.Limits = limits
		cfg.PasswordCost = config.TestPasswordCost
		n, err := node.New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatalf("node.New: %v", err)
		}
		srv := httptest.NewServer(n.Handler())
		t.Cleanup(func() {
			n.Close()
			srv.Close()
		})
		srvs, nodes = append(srvs, srv), append(nodes, n)
	}
	return srvs, nodes
}

// Administrators' sign-in attempts count across the nodes of a cluster:
// with limits.shared = "auto" on two nodes sharing PostgreSQL and NATS, 12
// wrong passwords spread over both get 10 tries in all (the sign-in limit
// is 10 a minute per name and per address), not 10 on each. With
// limits.shared = "memory" (the negative control) each node counts on its
// own and all 12 reach the password check.
func TestAdminSignInLimitHoldsAcrossNodes(t *testing.T) {
	natsURL := natsServer(t)
	for _, tc := range []struct {
		shared  string
		limited int // of 12 tries
	}{{"auto", 2}, {"memory", 0}} {
		t.Run(tc.shared, func(t *testing.T) {
			srvs, nodes := clusterOf2(t, natsURL, config.Limits{Shared: tc.shared})
			first := nodes[0]
			if _, _, err := first.Moderation().CreateAdmin(t.Context(), moderation.System, "lim_"+tc.shared, moderation.RoleModerator); err != nil {
				t.Fatalf("CreateAdmin: %v", err)
			}
			var statuses []int
			limited := 0
			for i := range 12 {
				body, _ := json.Marshal(map[string]string{"name": "lim_" + tc.shared, "password": "not the password"})
				resp, err := http.Post(srvs[i%2].URL+"/admin/api/sign-in", "application/json", bytes.NewReader(body))
				if err != nil {
					t.Fatalf("sign-in %d: %v", i+1, err)
				}
				resp.Body.Close()
				statuses = append(statuses, resp.StatusCode)
				switch resp.StatusCode {
				case http.StatusTooManyRequests:
					limited++
				case http.StatusUnauthorized:
				default:
					t.Fatalf("try %d: got status %d, want 401 or 429", i+1, resp.StatusCode)
				}
			}
			if limited != tc.limited {
				t.Errorf("12 wrong passwords over two nodes: got %v (%d limited), want %d limited", statuses, limited, tc.limited)
			}
			if tc.limited > 0 && statuses[10] != http.StatusTooManyRequests {
				t.Errorf("the 11th try: got %d, want 429 (10 a minute in all)", statuses[10])
			}
		})
	}
}
