package node_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"hongyan/internal/config"
	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/node"
	"hongyan/internal/wsclient"
)

// A connection must say hello within gateway.hello_timeout; one that does
// stays, and a new device waiting for its QR login to be confirmed may
// wait past the deadline.
func TestHelloDeadline(t *testing.T) {
	ctx := context.Background()
	cfg := config.Default()
	cfg.Data = t.TempDir()
	cfg.Limits = config.Limits{}
	// Alice registers on a node with the default deadline (her password
	// takes a while to hash), then the node restarts with a short one.
	cfg.PasswordCost = config.TestPasswordCost
	n, err := node.New(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(n.Handler())
	alice := registerUser(t, srv, "alice_hel")
	srv.Close()
	n.Close()
	cfg.Gateway.HelloTimeout = config.Duration{Duration: 300 * time.Millisecond}
	srv = startNode(t, cfg)
	signedIn := session(t, srv, alice)
	silent := dial(t, srv)
	waiting := dial(t, srv)
	start := call(t, waiting, &pb.ClientFrame{Req: &pb.ClientFrame_QrLoginStart{QrLoginStart: &pb.QrLoginStartRequest{DeviceName: "laptop"}}}).GetQrLogin()
	claim := func() *pb.QrLogin {
		// Longer than the hello timeout, on the server's side.
		return call(t, waiting, &pb.ClientFrame{Req: &pb.ClientFrame_QrLoginClaim{QrLoginClaim: &pb.QrLoginClaimRequest{Code: start.Code, Secret: start.Secret, WaitMs: 1000}}}).GetQrLogin()
	}
	if q := claim(); q.GetSession() != nil {
		t.Fatalf("claim before confirmation: got a session")
	}
	select {
	case <-silent.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("a connection that never said hello was not closed")
	}
	if _, err := signedIn.Ping(ctx, 0); err != nil {
		t.Fatalf("ping on the signed-in connection after the deadline: %v", err)
	}
	// The waiting device is still there; confirmed, it signs in.
	call(t, signedIn, &pb.ClientFrame{Req: &pb.ClientFrame_QrLoginConfirm{QrLoginConfirm: &pb.QrCodeRef{Code: start.Code}}})
	q := claim()
	if q.GetSession() == nil {
		t.Fatalf("claim after confirmation: got %v, want a session", q)
	}
	if _, err := waiting.Hello(ctx, q.GetSession().GetToken()); err != nil {
		t.Fatalf("hello after the QR login: %v", err)
	}
}

// The HTTP server bounds slow clients: headers within
// http.read_header_timeout, a whole request within http.read_timeout —
// except a media upload whose bytes keep coming — and idle kept-alive
// connections within http.idle_timeout.
func TestHTTPTimeouts(t *testing.T) {
	ctx := t.Context()
	addr := serveHTTP(t, config.HTTP{
		ReadHeaderTimeout: config.Duration{Duration: 200 * time.Millisecond},
		ReadTimeout:       config.Duration{Duration: 600 * time.Millisecond},
		IdleTimeout:       config.Duration{Duration: 300 * time.Millisecond},
	})
	base := "http://" + addr

	// closedWithin writes head on a new connection and reports whether the
	// server closed it within d.
	closedWithin := func(head string, d time.Duration) bool {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		io.WriteString(nc, head)
		nc.SetReadDeadline(time.Now().Add(d))
		_, err = io.Copy(io.Discard, nc)
		return err == nil // EOF: the server closed it
	}
	if !closedWithin("GET /healthz HTTP/1.1\r\nHost: x\r\n", 5*time.Second) {
		t.Errorf("unfinished headers: the connection was not closed")
	}
	if !closedWithin("POST /media/uploads HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{", 5*time.Second) {
		t.Errorf("a body that stops: the connection was not closed")
	}
	if !closedWithin("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 5*time.Second) {
		t.Errorf("an idle kept-alive connection was not closed")
	}

	// An upload that takes twice the read timeout, its bytes coming
	// steadily, goes through.
	c, err := wsclient.Dial(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sess, err := c.Register(ctx, &pb.RegisterRequest{AccountId: "alice_slow", Password: "password-alice"})
	if err != nil {
		t.Fatal(err)
	}
	pr, pw := io.Pipe()
	go func() {
		for range 6 {
			pw.Write(bytes.Repeat([]byte("x"), 1000))
			time.Sleep(200 * time.Millisecond) // a slow client: the point of the test
		}
		pw.Close()
	}()
	req, _ := http.NewRequestWithContext(ctx, "POST", base+"/media?kind=file&name=slow.txt", pr)
	req.Header.Set("Authorization", "Bearer "+sess.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("slow upload: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte(`"size":6000`)) {
		t.Fatalf("slow upload: got %d %s, want 200 with the 6,000 bytes", resp.StatusCode, body)
	}
}

// /metrics is on the admin listener, and on the client listener only to a
// holder of http.metrics_token; the client listener answers only for its
// own names (and IP addresses and localhost).
func TestHostsAndMetrics(t *testing.T) {
	cfg := config.Default()
	cfg.Data = t.TempDir()
	cfg.PublicURL = "https://chat.example.com"
	cfg.HTTP.Hosts = []string{"Chat.Example.NET"}
	cfg.HTTP.MetricsToken = "s3cret"
	cfg.PasswordCost = config.TestPasswordCost
	n, err := node.New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(n.Handler())
	admin := httptest.NewServer(n.AdminHandler())
	t.Cleanup(func() { n.Close(); srv.Close(); admin.Close() })

	get := func(base, path, host, auth string) (int, string) {
		req, _ := http.NewRequest("GET", base+path, nil)
		if host != "" {
			req.Host = host
		}
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, tt := range []struct {
		path, host string
		want       int
	}{
		{"/", "", 200}, // 127.0.0.1:port
		{"/", "localhost:8080", 200},
		{"/", "[::1]:8080", 200},
		{"/", "192.0.2.10", 200},
		{"/", "chat.example.com", 200},
		{"/", "CHAT.example.com.:443", 200},
		{"/", "chat.example.net", 200},
		{"/", "evil.example", 421},
		{"/ws", "rebind.attacker.example:8080", 421},
		{"/healthz", "probe.internal", 200},
	} {
		if got, _ := get(srv.URL, tt.path, tt.host, ""); got != tt.want {
			t.Errorf("GET %s with Host %q: got %d, want %d", tt.path, tt.host, got, tt.want)
		}
	}
	if got, _ := get(srv.URL, "/metrics", "", ""); got != http.StatusUnauthorized {
		t.Errorf("/metrics without the token: got %d, want 401", got)
	}
	if got, _ := get(srv.URL, "/metrics", "", "Bearer wrong"); got != http.StatusUnauthorized {
		t.Errorf("/metrics with a wrong token: got %d, want 401", got)
	}
	for _, tt := range []struct{ base, auth string }{{srv.URL, "Bearer s3cret"}, {admin.URL, ""}} {
		status, body := get(tt.base, "/metrics", "", tt.auth)
		if status != http.StatusOK {
			t.Fatalf("/metrics on %s: got %d, want 200", tt.base, status)
		}
		for _, name := range []string{"hongyan_store_commit_seconds_count", "hongyan_gateway_connections", "process_open_fds"} {
			if !strings.Contains(body, name) {
				t.Errorf("/metrics on %s lacks %s", tt.base, name)
			}
		}
	}
}

// http.read_header_timeout and http.idle_timeout each bound a client on
// their own, well before http.read_timeout (which the server would fall
// back to without them): a client that sends a request line and then
// trickles headers is cut off once the header timeout has passed, and a
// kept-alive connection that sends no next request once the idle timeout
// has.
func TestHTTPHeaderAndIdleTimeouts(t *testing.T) {
	addr := serveHTTP(t, config.HTTP{
		ReadHeaderTimeout: config.Duration{Duration: 200 * time.Millisecond},
		ReadTimeout:       config.Duration{Duration: 10 * time.Minute},
		IdleTimeout:       config.Duration{Duration: 200 * time.Millisecond},
	})

	// Far less than the read timeout, far more than the others.
	const wait = 20 * time.Second

	t.Run("headers", func(t *testing.T) {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		io.WriteString(nc, "GET /healthz HTTP/1.1\r\nHost: x\r\n")
		// A header line every 50 ms: bytes keep coming, the headers never
		// end. The writer stops when the server has closed the
		// connection (its write fails) or the test has.
		stop := make(chan struct{})
		wrote := make(chan struct{})
		go func() {
			defer close(wrote)
			tick := time.NewTicker(50 * time.Millisecond) // a slow client: the point of the test
			defer tick.Stop()
			for {
				select {
				case <-stop:
					return
				case <-tick.C:
					if _, err := io.WriteString(nc, "X-Slow: 1\r\n"); err != nil {
						return
					}
				}
			}
		}()
		defer func() { close(stop); <-wrote }()
		start := time.Now()
		nc.SetReadDeadline(start.Add(wait))
		// The server closes the connection: EOF, or a reset when it
		// closed with our latest header line unread.
		got, err := io.ReadAll(nc)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("trickled headers: the connection was still open after %v, want it closed after the 200 ms header timeout", time.Since(start).Round(time.Millisecond))
		}
		if strings.Contains(string(got), "200 OK") {
			t.Errorf("trickled headers: got a response %q, want none", got)
		}
	})

	t.Run("idle", func(t *testing.T) {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		io.WriteString(nc, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
		br := bufio.NewReader(nc)
		nc.SetReadDeadline(time.Now().Add(wait))
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Close {
			t.Fatalf("GET /healthz: got %d, close %v; want 200 on a kept-alive connection", resp.StatusCode, resp.Close)
		}
		// The client sends nothing more: the server closes the
		// connection.
		start := time.Now()
		if b, err := br.ReadByte(); err != io.EOF {
			t.Fatalf("idle kept-alive connection: read %q, %v after %v, want EOF after the 200 ms idle timeout", b, err, time.Since(start).Round(time.Millisecond))
		}
	})
}

// serveHTTP serves a node with the HTTP timeouts of h (and no rate limits)
// on a loopback port until the test ends, and returns its address.
func serveHTTP(t *testing.T, h config.HTTP) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cfg := config.Default()
	cfg.Data = t.TempDir()
	cfg.Limits = config.Limits{}
	cfg.HTTP = h
	cfg.PasswordCost = config.TestPasswordCost
	n, err := node.New(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		cancel()
		n.Close()
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- n.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		<-served
		n.Close()
	})
	return ln.Addr().String()
}
