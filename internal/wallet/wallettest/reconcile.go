package wallettest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"hongyan/internal/hongyan"
	"hongyan/internal/wallet"
)

// fakeProvider is a payment provider outside the node: idempotent by key,
// and its records outlive any crash of the service.
type fakeProvider struct {
	mu      sync.Mutex
	done    map[string]bool
	refuse  bool
	charged int64
	paid    int64
}

func (p *fakeProvider) do(op, key string, amount int64, total *int64) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	ok, seen := p.done[op+key]
	if !seen {
		ok = !p.refuse
		p.done[op+key] = ok
		if ok {
			*total += amount
		}
	}
	if !ok {
		return hongyan.Errorf(hongyan.CodePrecondition, "refused").WithReason(hongyan.ReasonProviderFailed)
	}
	return nil
}

func (p *fakeProvider) Charge(ctx context.Context, u hongyan.UserID, amount int64, key string) error {
	return p.do("charge:", key, amount, &p.charged)
}

func (p *fakeProvider) Payout(ctx context.Context, u hongyan.UserID, amount int64, key string) error {
	return p.do("payout:", key, amount, &p.paid)
}

func (p *fakeProvider) Status(ctx context.Context, kind wallet.EntryKind, key string) (wallet.ProviderStatus, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	op := "charge:"
	if kind == wallet.EntryWithdraw {
		op = "payout:"
	}
	ok, seen := p.done[op+key]
	switch {
	case !seen:
		return wallet.ProviderNoRecord, nil
	case ok:
		return wallet.ProviderSucceeded, nil
	}
	return wallet.ProviderRefused, nil
}

func (p *fakeProvider) totals() (charged, paid int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.charged, p.paid
}

type nopBus struct{}

func (nopBus) Publish(ctx context.Context, subject string, data []byte) error { return nil }
func (nopBus) Subscribe(subject string, fn func(data []byte)) (hongyan.Subscription, error) {
	return nil, fmt.Errorf("nopBus: no subscriptions")
}

// testReconcile stops top-ups and withdrawals at each crash point, as a
// crash of the node would, and checks that the reconciliation (run by the
// service that comes back) completes or cancels each exactly once, that a
// client's retry with the same key afterwards moves nothing more, and that
// the provider's records and the ledger agree.
func testReconcile(t *testing.T, open func(t *testing.T) wallet.Store) {
	points := []struct {
		name string
		at   wallet.CrashPoint
	}{{"BeforeProvider", wallet.CrashBeforeProvider}, {"AfterProvider", wallet.CrashAfterProvider}, {"AfterCommit", wallet.CrashAfterCommit}}
	for _, pt := range points {
		for _, kind := range []string{"TopUp", "Withdraw", "WithdrawRefused"} {
			t.Run(kind+pt.name, func(t *testing.T) { testCrashAt(t, open(t), kind, pt.at) })
		}
	}
}

func testCrashAt(t *testing.T, s wallet.Store, kind string, at wallet.CrashPoint) {
	ctx := t.Context()
	prov := &fakeProvider{done: map[string]bool{}}
	now := T0
	newService := func() *wallet.Service {
		cfg := wallet.DefaultConfig()
		svc := wallet.New(s, prov, nil, hongyan.Publisher{Bus: nopBus{}}, cfg)
		svc.SetClock(func() time.Time { return now })
		return svc
	}
	c := hongyan.Caller{User: 7, Device: 1}
	balance := func() int64 {
		t.Helper()
		b, err := s.Balance(ctx, c.User)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	svc := newService()
	const start, amount = 1000, 300
	if kind != "TopUp" {
		if _, err := svc.TopUp(ctx, c, start, "first"); err != nil {
			t.Fatal(err)
		}
	}
	prov.refuse = kind == "WithdrawRefused"
	crashed := false
	svc.SetCrash(func(p wallet.CrashPoint) bool {
		if p == at && !crashed {
			crashed = true
			return true
		}
		return false
	})
	var err error
	if kind == "TopUp" {
		_, err = svc.TopUp(ctx, c, amount, "k")
	} else {
		_, err = svc.Withdraw(ctx, c, amount, "k")
	}
	if !crashed || hongyan.ErrorCode(err) != hongyan.CodeUnavailable {
		t.Fatalf("the request stopped at the crash point: got crashed %v, %v; want true and unavailable", crashed, err)
	}

	// The node comes back; before reconcile_after nothing is touched.
	svc = newService()
	r, err := svc.Reconcile(ctx)
	if err != nil || r.Pending != 0 {
		t.Fatalf("Reconcile at once: got %+v, %v; want nothing pending yet", r, err)
	}
	now = now.Add(wallet.DefaultConfig().ReconcileAfter + time.Second)
	r, err = svc.Reconcile(ctx)
	if err != nil {
		t.Fatalf("Reconcile: %v", err)
	}
	// What the provider did, what the ledger must say, what Reconcile did.
	var want wallet.ReconcileReport
	var wantBalance, wantCharged, wantPaid int64
	switch kind {
	case "TopUp":
		switch at {
		case wallet.CrashBeforeProvider:
			want = wallet.ReconcileReport{Pending: 1, Cancelled: 1}
		case wallet.CrashAfterProvider:
			want = wallet.ReconcileReport{Pending: 1, Credited: 1}
			wantBalance, wantCharged = amount, amount
		case wallet.CrashAfterCommit:
			wantBalance, wantCharged = amount, amount
		}
	case "Withdraw":
		wantBalance, wantCharged, wantPaid = start-amount, start, amount
		if at != wallet.CrashAfterCommit {
			want = wallet.ReconcileReport{Pending: 1, Paid: 1}
		}
	case "WithdrawRefused":
		wantBalance, wantCharged = start, start
		if at != wallet.CrashAfterCommit {
			want = wallet.ReconcileReport{Pending: 1, Reverted: 1}
		}
	}
	verify := func(when string) {
		t.Helper()
		if got := balance(); got != wantBalance {
			t.Errorf("%s: balance %d fen, want %d", when, got, wantBalance)
		}
		if charged, paid := prov.totals(); charged != wantCharged || paid != wantPaid {
			t.Errorf("%s: the provider charged %d and paid %d fen, want %d and %d", when, charged, paid, wantCharged, wantPaid)
		}
		check(t, s)
		if ops, err := s.PendingProviderOps(ctx, now.Add(time.Hour), 10); err != nil || len(ops) != 0 {
			t.Errorf("%s: pending provider operations %+v, %v; want none", when, ops, err)
		}
	}
	if r != want {
		t.Errorf("Reconcile: got %+v, want %+v", r, want)
	}
	verify("after the reconciliation")
	if r, err := svc.Reconcile(ctx); err != nil || r != (wallet.ReconcileReport{}) {
		t.Errorf("Reconcile again: got %+v, %v; want nothing to do", r, err)
	}

	// The client comes back and retries with the same key: the same
	// outcome, nothing moves again (a top-up that was never charged is
	// charged now, once).
	if kind == "TopUp" {
		m, err := svc.TopUp(ctx, c, amount, "k")
		if err != nil || m.Amount != amount {
			t.Fatalf("the retried top-up: got %+v, %v; want %d fen", m, err, amount)
		}
		wantBalance, wantCharged = amount, amount
	} else {
		_, err := svc.Withdraw(ctx, c, amount, "k")
		if kind == "Withdraw" && err != nil {
			t.Fatalf("the retried withdrawal: %v", err)
		}
		if kind == "WithdrawRefused" && hongyan.ErrorReason(err) != hongyan.ReasonProviderFailed {
			t.Fatalf("the retried refused withdrawal: got %v, want %s", err, hongyan.ReasonProviderFailed)
		}
	}
	verify("after the client's retry")
	// The same key with another amount is another request.
	if kind == "TopUp" {
		if _, err := svc.TopUp(ctx, c, amount+1, "k"); hongyan.ErrorReason(err) != hongyan.ReasonKeyReused {
			t.Errorf("the key with another amount: got %v, want %s", err, hongyan.ReasonKeyReused)
		}
	}
}
