package wallet

import (
	"context"
	"errors"
	"time"

	"hongyan/internal/hongyan"
)

// CrashPoint is a point in a top-up or withdrawal where a test stops it as
// a crash of the node would (Service.SetCrash).
type CrashPoint uint8

// The crash points, in the order a request passes them.
const (
	CrashBeforeProvider CrashPoint = 1 // recorded, the provider not yet asked
	CrashAfterProvider  CrashPoint = 2 // the provider answered, the ledger not yet written
	CrashAfterCommit    CrashPoint = 3 // the ledger written, the caller not yet answered
)

// errCrash is what a request stopped at a crash point returns: to its
// caller it is a lost connection, an unknown outcome.
var errCrash = hongyan.Errorf(hongyan.CodeUnavailable, "wallet: crash injected by a test")

// SetCrash makes top-ups and withdrawals stop at every point where
// crash returns true (tests only; nil: never).
func (s *Service) SetCrash(crash func(CrashPoint) bool) { s.crashAt = crash }

func (s *Service) crash(p CrashPoint) bool { return s.crashAt != nil && s.crashAt(p) }

// ReconcileReport is what one Reconcile run did.
type ReconcileReport struct {
	Pending   int `json:"pending"`   // provider operations it looked at
	Credited  int `json:"credited"`  // top-ups the provider charged, now credited
	Cancelled int `json:"cancelled"` // top-ups the provider never charged or refused
	Paid      int `json:"paid"`      // withdrawals the provider paid out
	Reverted  int `json:"reverted"`  // withdrawals the provider refused, money back in the wallet
	Left      int `json:"left"`      // still unknown (the provider did not answer): the next run tries again
}

// reconcileBatch bounds the operations one Reconcile run settles.
const reconcileBatch = 500

// Reconcile settles the provider operations that have been pending for
// longer than Config.ReconcileAfter (no call to the provider can still be
// under way for them: each is bounded by ProviderTimeout): it asks the
// provider what became of each, by its key, and completes or cancels it
// exactly once.
//
//   - A top-up the provider charged is credited (once: the entry's Once
//     key is the provider's key, and the caller's idempotency key is
//     remembered, so the caller's retry gets the same entry). One it
//     refused or never received is cancelled; a retry with the same key
//     opens it again.
//   - A withdrawal (already debited) the provider paid is done; one it
//     refused is reverted (once); one it never received is paid out now
//     (the caller asked for it and the money left the wallet).
//
// Every node runs it at start-up and every wallet.reconcile_interval;
// however many run at once, each outcome is written once.
func (s *Service) Reconcile(ctx context.Context) (ReconcileReport, error) {
	var r ReconcileReport
	ops, err := s.store.PendingProviderOps(ctx, s.now().Add(-s.cfg.ReconcileAfter), reconcileBatch)
	if err != nil {
		return r, err
	}
	r.Pending = len(ops)
	var firstErr error
	for _, op := range ops {
		if ctx.Err() != nil {
			return r, ctx.Err()
		}
		if err := s.reconcileOne(ctx, op, &r); err != nil {
			r.Left++
			if firstErr == nil {
				firstErr = err
			}
		}
	}
	if firstErr != nil && r.Left == r.Pending && r.Pending > 0 {
		return r, firstErr
	}
	return r, nil
}

func (s *Service) reconcileOne(ctx context.Context, op ProviderOp, r *ReconcileReport) error {
	pctx, cancel := s.providerContext(ctx)
	st, err := s.prov.Status(pctx, op.Kind, op.Key)
	cancel()
	if err != nil {
		return err
	}
	switch op.Kind {
	case EntryTopUp:
		if st == ProviderSucceeded {
			if _, err := s.creditTopUp(ctx, op); err != nil {
				return err
			}
			r.Credited++
			return nil
		}
		if err := s.closeOp(ctx, op.Key, ProviderOpCancelled); err != nil {
			return err
		}
		r.Cancelled++
		return nil
	case EntryWithdraw:
		paid := st == ProviderSucceeded
		if st == ProviderNoRecord {
			pctx, cancel := s.providerContext(ctx)
			perr := s.prov.Payout(pctx, op.User, op.Amount, op.Key)
			cancel()
			if perr != nil && !refused(perr) {
				return perr
			}
			paid = perr == nil
		}
		if err := s.settleWithdraw(ctx, op, paid); err != nil {
			return err
		}
		if paid {
			r.Paid++
		} else {
			r.Reverted++
		}
		return nil
	}
	return errors.New("wallet: a provider operation of an unknown kind")
}

// ReconcileEvery runs Reconcile now and then every interval until ctx
// ends, reporting each run's outcome to report.
func (s *Service) ReconcileEvery(ctx context.Context, interval time.Duration, report func(ReconcileReport, error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		r, err := s.Reconcile(ctx)
		if ctx.Err() != nil {
			return
		}
		report(r, err)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
