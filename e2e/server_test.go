// Package e2e builds the real hongyan binary and drives it over the network:
// the command-line client as a user would run it, and the Go client for the
// crash tests.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"hongyan/internal/postgres/pgtest"
)

// bin is the hongyan binary built for this test run.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "hongyan-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = filepath.Join(dir, "hongyan")
	build := exec.Command("go", "build", "-o", bin, "./cmd/hongyan")
	build.Dir = ".."
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building hongyan:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// server is a running hongyan serve process.
type server struct {
	t    *testing.T
	data string
	addr string // host:port
	env  []string
	// admin is the admin listener (metrics), when env set one.
	admin string
	cmd   *exec.Cmd
	done  chan struct{}
	log   *bytes.Buffer
}

// schemas maps a server's data directory to the PostgreSQL database it
// runs on when the tests run on PostgreSQL, so that a restarted server
// finds its data again.
var schemas sync.Map

// storageEnv chooses the server's storage engine: SQLite in data, or, when
// $HONGYAN_TEST_POSTGRES is set (as CI sets it), a PostgreSQL schema of
// the test's own, dropped when the test ends.
func storageEnv(t *testing.T, data string) []string {
	t.Helper()
	if os.Getenv(pgtest.EnvDSN) == "" {
		return []string{"HONGYAN_STORAGE_DRIVER=sqlite"}
	}
	dsn, ok := schemas.Load(data)
	if !ok {
		dsn, _ = schemas.LoadOrStore(data, pgtest.DSN(t))
	}
	return []string{"HONGYAN_STORAGE_DRIVER=postgres", "HONGYAN_STORAGE_POSTGRES=" + dsn.(string)}
}

// startServer runs `hongyan serve` on data, listening on addr
// ("127.0.0.1:0" picks a port), and waits until it prints its address.
func startServer(t *testing.T, data, addr string) *server {
	t.Helper()
	return startServerEnv(t, data, addr, nil)
}

// startServerEnv is startServer with more environment; when env names the
// storage, storageEnv is not consulted.
func startServerEnv(t *testing.T, data, addr string, env []string) *server {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--listen", addr, "--data", data)
	cmd.Env = append(os.Environ(),
		// The tests register and log in more often than a person would.
		"HONGYAN_LIMITS_REGISTER_PER_MINUTE=0", "HONGYAN_LIMITS_LOGIN_PER_MINUTE=0",
		"HONGYAN_LIMITS_FRIEND_REQUESTS_PER_HOUR=0", "HONGYAN_LIMITS_SENDS_PER_MINUTE=0", "HONGYAN_LOG_LEVEL=warn")
	if !slices.ContainsFunc(env, func(e string) bool { return strings.HasPrefix(e, "HONGYAN_STORAGE_DRIVER=") }) {
		cmd.Env = append(cmd.Env, storageEnv(t, data)...)
	}
	cmd.Env = append(cmd.Env, env...)
	admin := ""
	for _, e := range env {
		if v, ok := strings.CutPrefix(e, "HONGYAN_ADMIN_LISTEN="); ok {
			admin = v
		}
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, data: data, env: env, admin: admin, cmd: cmd, done: make(chan struct{}), log: new(bytes.Buffer)}
	cmd.Stderr = s.log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { cmd.Wait(); close(s.done) }()
	t.Cleanup(s.kill)
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "listening on http") {
				line <- sc.Text()
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	select {
	case l := <-line:
		rest := l[strings.Index(l, "://")+len("://"):]
		s.addr = strings.Fields(rest)[0]
	case <-s.done:
		t.Fatalf("server exited before listening:\n%s", s.log)
	case <-time.After(30 * time.Second):
		t.Fatalf("server did not print its address:\n%s", s.log)
	}
	return s
}

func (s *server) url() string { return "http://" + s.addr }

// kill ends the server with SIGKILL: no shutdown code runs.
func (s *server) kill() {
	select {
	case <-s.done:
		return
	default:
	}
	s.cmd.Process.Kill()
	<-s.done
}

// stop ends the server with SIGTERM and waits for its graceful exit.
func (s *server) stop() {
	s.t.Helper()
	s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		s.t.Fatalf("server did not stop on SIGINT:\n%s", s.log)
	}
}

// restart starts a new server process on the same data and address.
func (s *server) restart() *server {
	return startServerEnv(s.t, s.data, s.addr, s.env)
}

// freeAddr returns a loopback address with a port free right now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// ready reports whether base answers /readyz with 200.
func ready(base string) bool {
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(base + "/readyz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// connections returns the node's open client connections, from the
// gauge on its admin listener.
func (s *server) connections(t *testing.T) int {
	t.Helper()
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get("http://" + s.admin + "/metrics")
	if err != nil {
		return 0 // a node that is down holds none
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "hongyan_gateway_connections "); ok {
			n, _ := strconv.ParseFloat(v, 64)
			return int(n)
		}
	}
	return 0
}

// cli runs `hongyan cli` with a profile (one device) and returns its stdout
// lines decoded as JSON objects. It fails the test if the command fails.
func cli(t *testing.T, s *server, profile string, args ...string) []map[string]any {
	t.Helper()
	out, err := cliRun(s, profile, args...)
	if err != nil {
		t.Fatalf("hongyan cli %s: %v", strings.Join(args, " "), err)
	}
	return out
}

// cliErr runs a cli command that must fail and returns its error code.
func cliErr(t *testing.T, s *server, profile string, args ...string) string {
	t.Helper()
	_, err := cliRun(s, profile, args...)
	ce, ok := err.(*cliError)
	if !ok {
		t.Fatalf("hongyan cli %s: got %v, want a JSON error", strings.Join(args, " "), err)
	}
	return ce.Code
}

type cliError struct {
	Code, Message string
}

func (e *cliError) Error() string { return e.Code + ": " + e.Message }

func cliRun(s *server, profile string, args ...string) ([]map[string]any, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	full := append([]string{"cli", "--server", s.url(), "--profile", profile}, args...)
	cmd := exec.CommandContext(ctx, bin, full...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	if runErr != nil {
		// What was printed before the failure comes back with the error.
		out, _ := decodeLines(stdout.Bytes())
		var e struct {
			Error cliError `json:"error"`
		}
		if json.Unmarshal(bytes.TrimSpace(stderr.Bytes()), &e) == nil && e.Error.Code != "" {
			return out, &e.Error
		}
		return out, fmt.Errorf("%v; stderr: %s", runErr, stderr.String())
	}
	return decodeLines(stdout.Bytes())
}

func decodeLines(b []byte) ([]map[string]any, error) {
	var out []map[string]any
	for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			return nil, fmt.Errorf("output line %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out, nil
}

// num reads a JSON number field as int64.
func num(m map[string]any, key string) int64 {
	f, _ := m[key].(float64)
	return int64(f)
}
