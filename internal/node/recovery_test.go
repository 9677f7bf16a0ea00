package node_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"

	"hongyan/internal/config"
	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/node"
	"hongyan/internal/wsclient"
)

// syncBuffer is a log sink safe for the node's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startLoggedNode starts a SQLite node whose log the test can read.
func startLoggedNode(t *testing.T, limits config.Limits) (*httptest.Server, *syncBuffer) {
	t.Helper()
	cfg := config.Default()
	cfg.Data = t.TempDir()
	cfg.Limits = limits
	logs := new(syncBuffer)
	cfg.PasswordCost = config.TestPasswordCost
	n, err := node.New(context.Background(), cfg, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(n.Handler())
	t.Cleanup(func() { n.Close(); srv.Close() })
	return srv, logs
}

func TestPasswordRecoveryByCode(t *testing.T) {
	srv, logs := startLoggedNode(t, config.Limits{})
	c := dial(t, srv)
	ctx := context.Background()
	phoneCode := verifiedCode(t, srv, logs, "phone", "+8613800000001")
	if _, err := c.Register(ctx, &pb.RegisterRequest{AccountId: "rec_user1", Password: "old-password", Phone: "+8613800000001", PhoneCode: phoneCode}); err != nil {
		t.Fatal(err)
	}
	ask := func(via string) {
		t.Helper()
		if _, err := c.Call(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_RecoveryCode{RecoveryCode: &pb.RecoveryCodeRequest{AccountId: "rec_user1", Via: via}}}); err != nil {
			t.Fatalf("recovery_code via %s: %v", via, err)
		}
	}
	if _, err := c.Call(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_RecoveryCode{RecoveryCode: &pb.RecoveryCodeRequest{AccountId: "no_such_user", Via: "phone"}}}); err != nil {
		t.Fatalf("recovery for an unknown account: got %v, want the same answer as for a known one", err)
	}
	ask("phone")
	m := regexp.MustCompile(`to=\+8613800000001 body="Your Hongyan recovery code for rec_user1 is (\d{6})`).FindStringSubmatch(logs.String())
	if m == nil {
		t.Fatalf("no recovery code in the outbox log:\n%s", logs)
	}
	code := m[1]
	recover := func(code string) error {
		_, err := c.Call(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_Recover{Recover: &pb.RecoverRequest{AccountId: "rec_user1", Code: code, NewPassword: "new-password", DeviceName: "recovered"}}})
		return err
	}
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	if err := recover(wrong); wsclient.ErrorCode(err) != "unauthenticated" {
		t.Fatalf("recover with a wrong code: got %v, want unauthenticated", err)
	}
	if err := recover(code); err != nil {
		t.Fatalf("recover with the code: %v", err)
	}
	if err := recover(code); wsclient.ErrorCode(err) != "unauthenticated" {
		t.Fatalf("recover with a used code: got %v, want unauthenticated", err)
	}
	if _, err := c.Login(ctx, &pb.LoginRequest{Login: "rec_user1", Password: "old-password"}); wsclient.ErrorCode(err) != "unauthenticated" {
		t.Fatalf("login with the old password: got %v, want unauthenticated", err)
	}
	if _, err := c.Login(ctx, &pb.LoginRequest{Login: "+8613800000001", Password: "new-password"}); err != nil {
		t.Fatalf("login by phone with the new password: %v", err)
	}
}

// TestRateLimits runs with the limits in memory and counted in the store
// (limits.shared = "store", here on SQLite), which must decide alike.
func TestRateLimits(t *testing.T) {
	for _, shared := range []string{"memory", "store"} {
		t.Run(shared, func(t *testing.T) { testRateLimits(t, shared) })
	}
}

func testRateLimits(t *testing.T, shared string) {
	srv, _ := startLoggedNode(t, config.Limits{Shared: shared, LoginPerMinute: 3, RegisterPerMinute: 2, RecoveryPer10Minutes: 1, FriendRequestsPerHour: 1})
	c := dial(t, srv)
	ctx := context.Background()
	var sessions []*pb.Session
	for i, id := range []string{"limit_a1", "limit_b1"} {
		sess, err := c.Register(ctx, &pb.RegisterRequest{AccountId: id, Password: "password-1"})
		if err != nil {
			t.Fatalf("registration %d: %v", i+1, err)
		}
		sessions = append(sessions, sess)
	}
	if _, err := c.Register(ctx, &pb.RegisterRequest{AccountId: "limit_c1", Password: "password-1"}); wsclient.ErrorCode(err) != "rate_limited" {
		t.Fatalf("third registration in a minute from one address: got %v, want rate_limited", err)
	}
	for i := range 3 {
		if _, err := c.Login(ctx, &pb.LoginRequest{Login: "limit_a1", Password: "wrong-password"}); wsclient.ErrorCode(err) != "unauthenticated" {
			t.Fatalf("wrong password %d: got %v, want unauthenticated", i+1, err)
		}
	}
	if _, err := c.Login(ctx, &pb.LoginRequest{Login: "limit_a1", Password: "password-1"}); wsclient.ErrorCode(err) != "rate_limited" {
		t.Fatalf("fourth login in a minute: got %v, want rate_limited (even with the right password)", err)
	}
	rc := &pb.ClientFrame{Req: &pb.ClientFrame_RecoveryCode{RecoveryCode: &pb.RecoveryCodeRequest{AccountId: "limit_a1", Via: "email"}}}
	if _, err := c.Call(ctx, rc); err != nil {
		t.Fatalf("first recovery code: %v", err)
	}
	if _, err := c.Call(ctx, rc); wsclient.ErrorCode(err) != "rate_limited" {
		t.Fatalf("second recovery code: got %v, want rate_limited", err)
	}
	a := dial(t, srv)
	if _, err := a.Hello(ctx, sessions[0].Token); err != nil {
		t.Fatal(err)
	}
	fr := &pb.ClientFrame{Req: &pb.ClientFrame_FriendRequest{FriendRequest: &pb.FriendRequestRequest{User: sessions[1].User, Greeting: "hi"}}}
	if _, err := a.Call(ctx, fr); err != nil {
		t.Fatalf("first friend request: %v", err)
	}
	if _, err := a.Call(ctx, fr); wsclient.ErrorCode(err) != "rate_limited" {
		t.Fatalf("second friend request in an hour: got %v, want rate_limited", err)
	}
}

// TestRecoveryInputBounded: a recovery request is validated before its
// account ID becomes a limiter's key, and one address cannot ask for codes
// for many accounts.
func TestRecoveryInputBounded(t *testing.T) {
	srv, _ := startLoggedNode(t, config.Limits{RecoveryPer10Minutes: 3, RecoveryPerAddress: 5})
	c := dial(t, srv)
	ctx := context.Background()
	ask := func(id string) error {
		_, err := c.Call(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_RecoveryCode{RecoveryCode: &pb.RecoveryCodeRequest{AccountId: id, Via: "phone"}}})
		return err
	}
	for _, id := range []string{strings.Repeat("a", 10<<10), "a b c d", "", "user@", strings.Repeat("x", 300) + "@example.com"} {
		if err := ask(id); wsclient.ErrorCode(err) != "invalid_argument" {
			t.Errorf("recovery for %.20q (%d bytes): got %v, want invalid_argument", id, len(id), err)
		}
	}
	for i := range 5 {
		if err := ask(fmt.Sprintf("someone_%d", i)); err != nil {
			t.Fatalf("recovery %d from one address: %v", i+1, err)
		}
	}
	if err := ask("someone_else"); wsclient.ErrorCode(err) != "rate_limited" {
		t.Fatalf("6th recovery from one address, for another account: got %v, want rate_limited", err)
	}
}
