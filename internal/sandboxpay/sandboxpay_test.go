package sandboxpay

import (
	"os"
	"path/filepath"
	"testing"

	"hongyan/internal/hongyan"
	"hongyan/internal/wallet"
)

// The journal keeps every decision across a restart (a crash of the
// node), so that Status answers as before and nothing is charged twice; a
// torn last line, never answered, is dropped.
func TestJournal(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "sandboxpay.journal")
	refuse := false
	cfg := Config{Journal: path, FailRate: 0.5, Rand: func() float64 {
		if refuse {
			return 0
		}
		return 0.9
	}}
	p, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Charge(ctx, 1, 500, "a"); err != nil {
		t.Fatal(err)
	}
	if err := p.Payout(ctx, 1, 70, "b"); err != nil {
		t.Fatal(err)
	}
	refuse = true
	if err := p.Charge(ctx, 1, 900, "c"); hongyan.ErrorCode(err) != hongyan.CodePrecondition {
		t.Fatalf("a refused charge: got %v, want a precondition error", err)
	}
	p.Close()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"op":"charge","key":"d","ok":tr`)
	f.Close()

	refuse = false
	p, err = Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for _, tc := range []struct {
		kind wallet.EntryKind
		key  string
		want wallet.ProviderStatus
	}{
		{wallet.EntryTopUp, "a", wallet.ProviderSucceeded},
		{wallet.EntryWithdraw, "b", wallet.ProviderSucceeded},
		{wallet.EntryTopUp, "c", wallet.ProviderRefused},
		{wallet.EntryTopUp, "d", wallet.ProviderNoRecord},
		{wallet.EntryWithdraw, "a", wallet.ProviderNoRecord},
	} {
		if got, err := p.Status(ctx, tc.kind, tc.key); err != nil || got != tc.want {
			t.Errorf("Status(%d, %q) after a restart: got %d, %v; want %d", tc.kind, tc.key, got, err, tc.want)
		}
	}
	// Retries answer as the first call did, and charge nothing again.
	if err := p.Charge(ctx, 1, 500, "a"); err != nil {
		t.Errorf("retried charge: %v", err)
	}
	if err := p.Charge(ctx, 1, 900, "c"); hongyan.ErrorCode(err) != hongyan.CodePrecondition {
		t.Errorf("retried refused charge: got %v, want it refused again", err)
	}
	if err := p.Charge(ctx, 1, 40, "d"); err != nil {
		t.Fatal(err)
	}
	if charged, paid := p.Totals(); charged != 540 || paid != 70 {
		t.Errorf("Totals: got %d charged, %d paid; want 540 and 70", charged, paid)
	}
	p.Close()
	p2, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer p2.Close()
	if got, _ := p2.Status(ctx, wallet.EntryTopUp, "d"); got != wallet.ProviderSucceeded {
		t.Errorf("a charge made after a torn line: got status %d after reopening, want succeeded", got)
	}
}
