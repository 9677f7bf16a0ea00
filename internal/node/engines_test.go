package node_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"regexp"
	"sync"
	"testing"

	"hongyan/internal/config"
	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/node"
	"hongyan/internal/postgres/pgtest"
)

// forEachEngine runs fn against a fresh node on SQLite, and on PostgreSQL
// when HONGYAN_TEST_POSTGRES is set (then an unreachable database fails the
// test rather than skipping it).
func forEachEngine(t *testing.T, fn func(t *testing.T, srv *httptest.Server)) {
	forEachEngineWith(t, func(*config.Config) {}, fn)
}

// forEachEngineWith is forEachEngine with the configuration changed by set.
func forEachEngineWith(t *testing.T, set func(*config.Config), fn func(t *testing.T, srv *httptest.Server)) {
	t.Run("sqlite", func(t *testing.T) {
		cfg := config.Default()
		set(&cfg)
		cfg.Data = t.TempDir()
		fn(t, startNode(t, cfg))
	})
	t.Run("postgres", func(t *testing.T) {
		cfg := config.Default()
		set(&cfg)
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
	if _, bench := t.(*testing.B); !bench {
		// Tests register and sign in hundreds of users: argon2id at its
		// production cost (19 MiB, 2 passes) would take most of their
		// time. Benchmarks keep the production cost.
		cfg.PasswordCost = config.TestPasswordCost
	}
	logs := new(syncBuffer)
	n, err := node.New(context.Background(), cfg, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatalf("node.New: %v", err)
	}
	srv := httptest.NewServer(n.Handler())
	nodeLogs.Store(srv, logs)
	t.Cleanup(func() {
		n.Close()
		srv.Close()
	})
	return srv, n
}

// nodeLogs holds the log of each node startNode started, by its server.
var nodeLogs sync.Map // *httptest.Server → *syncBuffer

// verifiedCode asks the node behind srv to send a verification code to a
// phone or e-mail (channel) and returns the code, read from the log the
// node's sender writes it to.
func verifiedCode(t *testing.T, srv *httptest.Server, logs *syncBuffer, channel, to string) string {
	t.Helper()
	if logs == nil {
		l, ok := nodeLogs.Load(srv)
		if !ok {
			t.Fatal("verifiedCode: a node not started by startNode needs its logs")
		}
		logs = l.(*syncBuffer)
	}
	call(t, dial(t, srv), &pb.ClientFrame{Req: &pb.ClientFrame_VerifyContact{VerifyContact: &pb.VerifyContactRequest{Channel: channel, To: to}}})
	ms := regexp.MustCompile(`to=`+regexp.QuoteMeta(to)+` body="Your Hongyan verification code is (\d{6})`).FindAllStringSubmatch(logs.String(), -1)
	if len(ms) == 0 {
		t.Fatalf("no verification code for %s in the log:\n%s", to, logs)
	}
	return ms[len(ms)-1][1]
}
