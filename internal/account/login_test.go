package account

import (
	"context"
	"fmt"
	"testing"
	"time"

	"hongyan/internal/hongyan"
)

// A login that names no account checks a password hash as one that does:
// its time does not tell whether the account exists.
func TestLoginHashesForUnknownAccounts(t *testing.T) {
	s, _ := newTestService(Config{})
	ctx := context.Background()
	if _, err := s.Register(ctx, Registration{AccountID: "known_user", Password: "right-password"}); err != nil {
		t.Fatal(err)
	}
	checks := 0
	s.check = func(hash, password string) (bool, error) {
		checks++
		return CheckPassword(hash, password)
	}
	for _, login := range []string{"known_user", "unknown_user", "+8613812345678", "nobody@example.org", "not a login!"} {
		checks = 0
		_, err := s.Login(ctx, login, "wrong-password", "", "192.0.2.1:1")
		if hongyan.ErrorReason(err) != hongyan.ReasonWrongCredentials {
			t.Errorf("Login(%q): got %v, want wrong_credentials", login, err)
		}
		if checks != 1 {
			t.Errorf("Login(%q): checked %d password hashes, want 1 as for every login", login, checks)
		}
	}
}

// Login attempts count against the account, whichever of its ID, phone or
// e-mail they name, and against the source address.
func TestLoginLimits(t *testing.T) {
	s, m0 := newTestService(Config{LoginRate: hongyan.Rate{N: 3, Per: time.Hour}})
	ctx := context.Background()
	hash, err := HashPassword("right-password")
	if err != nil {
		t.Fatal(err)
	}
	id, err := m0.CreateAccount(ctx, Account{AccountID: "limited1", PasswordHash: hash, Phone: "+8613800000001", Email: "l@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	sess := Session{User: id}
	// Three wrong attempts from three addresses, one per identifier.
	for i, login := range []string{"limited1", "+8613800000001", "l@example.org"} {
		_, err := s.Login(ctx, login, "wrong-password", "", fmt.Sprintf("192.0.2.%d:1", i+1))
		if hongyan.ErrorCode(err) != hongyan.CodeUnauth {
			t.Fatalf("attempt %d (%s): got %v, want unauthenticated", i+1, login, err)
		}
	}
	for _, login := range []string{"LIMITED1", "+8613800000001", "l@example.org"} {
		_, err := s.Login(ctx, login, "right-password", "", "198.51.100.1:1")
		if hongyan.ErrorCode(err) != hongyan.CodeRateLimited {
			t.Errorf("login as %q after the account's budget is spent: got %v, want rate_limited", login, err)
		}
	}
	// Changing the password spends the same budget.
	if err := s.ChangePassword(ctx, hongyan.Caller{User: sess.User}, "right-password", "another-password"); hongyan.ErrorCode(err) != hongyan.CodeRateLimited {
		t.Errorf("ChangePassword after the account's budget is spent: got %v, want rate_limited", err)
	}

	// One address spends its own budget over many accounts, before any
	// lookup.
	s, m := newTestService(Config{LoginRate: hongyan.Rate{N: 3, Per: time.Hour}})
	for i := range 3 {
		if _, err := s.Login(ctx, fmt.Sprintf("someone_%d", i), "password", "", "[2001:db8:1:2::1]:1"); hongyan.ErrorCode(err) != hongyan.CodeUnauth {
			t.Fatalf("attempt %d: got %v, want unauthenticated", i+1, err)
		}
	}
	before := m.lookups
	if _, err := s.Login(ctx, "someone_else", "password", "", "[2001:db8:1:2::99]:1"); hongyan.ErrorCode(err) != hongyan.CodeRateLimited {
		t.Errorf("fourth attempt from the same /64: got %v, want rate_limited", err)
	}
	if m.lookups != before {
		t.Errorf("a rate-limited login looked an account up")
	}
}

// New accounts get random public IDs, not the next number: a stranger can
// neither count the users nor walk the IDs to find them.
func TestRandomUserIDs(t *testing.T) {
	s, _ := newTestService(Config{})
	ctx := context.Background()
	seen := map[hongyan.UserID]bool{}
	var last hongyan.UserID
	for i := range 20 {
		sess, err := s.Register(ctx, Registration{AccountID: fmt.Sprintf("random_%d", i), Password: "password-1"})
		if err != nil {
			t.Fatal(err)
		}
		u := sess.User
		if u < MinUserID || u > MaxUserID {
			t.Errorf("user ID %d: want within [%d, %d]", u, int64(MinUserID), int64(MaxUserID))
		}
		if seen[u] || u == last+1 {
			t.Errorf("user ID %d after %d: want a fresh random one", u, last)
		}
		seen[u], last = true, u
	}
}

// A password change that commits while a login checks the old password
// signs out every device it sees; the login's own device comes after it,
// so the login undoes itself instead of handing out a session the change
// was meant to end.
func TestLoginRacingAPasswordChange(t *testing.T) {
	s, m := newTestService(Config{})
	ctx := context.Background()
	hash, err := HashPassword("old-password")
	if err != nil {
		t.Fatal(err)
	}
	id, err := m.CreateAccount(ctx, Account{AccountID: "racer_01", PasswordHash: hash})
	if err != nil {
		t.Fatal(err)
	}
	s.check = func(hash, password string) (bool, error) {
		ok, err := CheckPassword(hash, password)
		// The owner's change commits right after the thief's check.
		if _, _, err := m.SetPassword(ctx, id, "the owner's new hash", 0, nil); err != nil {
			t.Errorf("SetPassword: %v", err)
		}
		return ok, err
	}
	_, err = s.Login(ctx, "racer_01", "old-password", "thief", "203.0.113.5:1")
	if hongyan.ErrorReason(err) != hongyan.ReasonWrongCredentials {
		t.Errorf("login that checked the old password as it changed: got %v, want wrong_credentials", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, d := range m.devices {
		if d.User == id {
			t.Errorf("device %q of the account survived the password change", d.Name)
		}
	}
}
