package account

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"hongyan/internal/hongyan"
)

// FindableByPhone answers only for bound numbers whose owners let others
// find them by phone; a store without PhoneLookup is asked number by number.
func TestFindableByPhone(t *testing.T) {
	s, m := newTestService(Config{})
	ctx := t.Context()
	for _, a := range []Account{
		{AccountID: "open_one", Phone: "13800000001", Settings: Settings{FindByPhone: true}},
		{AccountID: "hidden_one", Phone: "13800000002", Settings: Settings{FindByPhone: false, FindByAccountID: true}},
		{AccountID: "no_phone", Settings: Settings{FindByPhone: true}},
	} {
		if _, err := m.CreateAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.FindableByPhone(ctx, []string{"13800000001", "13800000002", "13800000003", ""})
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]hongyan.UserID{"13800000001": 1}; !cmp.Equal(got, want) {
		t.Errorf("FindableByPhone: got %v, want %v", got, want)
	}
	if _, err := s.FindableByPhone(ctx, make([]string, MaxFindPhones+1)); hongyan.ErrorCode(err) != hongyan.CodeTooLarge {
		t.Errorf("too many numbers: got %v, want too large", err)
	}
}
