package account

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"hongyan/internal/hongyan"
)

// codeStore is a memStore that also keeps recovery codes.
type codeStore struct {
	*memStore

	mu    sync.Mutex
	codes map[hongyan.UserID]RecoveryCode
}

func (s *codeStore) RecoveryCode(ctx context.Context, user hongyan.UserID) (RecoveryCode, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rc, ok := s.codes[user]
	if !ok {
		return RecoveryCode{}, hongyan.Errorf(hongyan.CodeNotFound, "no code")
	}
	return rc, nil
}

func (s *codeStore) CountRecoveryAttempt(ctx context.Context, user hongyan.UserID) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	rc, ok := s.codes[user]
	if !ok {
		return hongyan.Errorf(hongyan.CodeNotFound, "no code")
	}
	rc.Attempts++
	s.codes[user] = rc
	return nil
}

// recoveryBuckets is the number of keys the service's per-address
// recovery limiter holds.
func recoveryBuckets(t *testing.T, s *Service) int {
	t.Helper()
	l, ok := s.recoveryAddr.(*hongyan.Limiter)
	if !ok {
		t.Fatalf("recovery limiter: got %T, want *hongyan.Limiter", s.recoveryAddr)
	}
	n, _ := l.Size()
	return n
}

// Recover refuses what is not an account ID, phone number or e-mail
// address (an oversized one included) before it costs anything: no
// limiter key, no lookup, none of the address's budget.
func TestRecoverRefusesInvalidLogins(t *testing.T) {
	s, m := newTestService(Config{RecoveryAddrRate: hongyan.Rate{N: 3, Per: time.Hour}})
	ctx := context.Background()
	const addr = "192.0.2.1:1"
	for _, login := range []string{
		"",
		"not a login!",
		strings.Repeat("a", 255), // over the longest e-mail address, no '@'
		strings.Repeat("a", 64) + "@" + strings.Repeat("b", 250) + ".org", // an e-mail address, too long
		strings.Repeat("x", 1<<20),
	} {
		_, err := s.Recover(ctx, login, "123456", "new-password", "phone", addr)
		if hongyan.ErrorCode(err) != hongyan.CodeInvalid || hongyan.ErrorReason(err) != hongyan.ReasonAccountIDFormat {
			t.Errorf("Recover(%.20q…, %d bytes): got %v, want invalid_argument account_id_format", login, len(login), err)
		}
	}
	if n := recoveryBuckets(t, s); n != 0 {
		t.Errorf("after invalid logins: the recovery limiter holds %d keys, want 0", n)
	}
	if m.lookups != 0 {
		t.Errorf("after invalid logins: %d account lookups, want 0", m.lookups)
	}
	// The address's whole budget is left.
	for i := range 3 {
		if _, err := s.Recover(ctx, fmt.Sprintf("someone_%d", i), "123456", "new-password", "phone", addr); hongyan.ErrorCode(err) != hongyan.CodeUnauth {
			t.Errorf("attempt %d with a valid account ID after the invalid ones: got %v, want unauthenticated", i+1, err)
		}
	}
}

// Recovery attempts are limited per source address (IPv6: its /64)
// before the account is looked up, whichever accounts they name: one
// address cannot spread its guesses over many accounts, a few per code.
func TestRecoverLimitedPerAddress(t *testing.T) {
	m := &codeStore{memStore: newMemStore(), codes: map[hongyan.UserID]RecoveryCode{}}
	s := New(m, nil, hongyan.Publisher{Bus: nullBus{}}, Config{RecoveryAddrRate: hongyan.Rate{N: 3, Per: time.Hour}})
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s.now = func() time.Time { return t0 }
	ctx := context.Background()
	var users []hongyan.UserID
	for i := range 4 {
		id, err := m.CreateAccount(ctx, Account{AccountID: fmt.Sprintf("victim_%d", i), PasswordHash: "hash"})
		if err != nil {
			t.Fatal(err)
		}
		m.codes[id] = RecoveryCode{User: id, CodeHash: hashToken("123456"), Expires: t0.Add(time.Hour)}
		users = append(users, id)
	}
	// Three wrong guesses, each on another account, spend the /64's
	// budget.
	for i := range 3 {
		_, err := s.Recover(ctx, fmt.Sprintf("victim_%d", i), "000000", "new-password", "phone", fmt.Sprintf("[2001:db8:1:2::%d]:1", i+1))
		if hongyan.ErrorReason(err) != hongyan.ReasonWrongCode {
			t.Fatalf("guess %d: got %v, want wrong_code", i+1, err)
		}
	}
	before := m.lookups
	_, err := s.Recover(ctx, "victim_3", "000000", "new-password", "phone", "[2001:db8:1:2::99]:1")
	if hongyan.ErrorCode(err) != hongyan.CodeRateLimited {
		t.Errorf("fourth guess from the same /64, on a fourth account: got %v, want rate_limited", err)
	}
	if m.lookups != before {
		t.Errorf("a rate-limited recovery looked an account up")
	}
	if got := m.codes[users[3]].Attempts; got != 0 {
		t.Errorf("the fourth account's code: got %d attempts counted, want 0", got)
	}
	// Another address has its own budget.
	if _, err := s.Recover(ctx, "victim_3", "000000", "new-password", "phone", "198.51.100.7:1"); hongyan.ErrorReason(err) != hongyan.ReasonWrongCode {
		t.Errorf("a guess from another address: got %v, want wrong_code", err)
	}
}
