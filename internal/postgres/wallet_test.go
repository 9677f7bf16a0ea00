package postgres_test

import (
	"context"
	"sync"
	"testing"

	"hongyan/internal/hongyan"
	"hongyan/internal/membus"
	"hongyan/internal/postgres"
	"hongyan/internal/postgres/pgtest"
	"hongyan/internal/sandboxpay"
	"hongyan/internal/wallet"
)

type everyone struct{}

func (everyone) CanPay(ctx context.Context, from, to hongyan.UserID) error { return nil }
func (everyone) ConfirmPassword(ctx context.Context, u hongyan.UserID, password string) error {
	return nil
}
func (everyone) Group(ctx context.Context, g hongyan.ConversationID, u hongyan.UserID) (int, bool, error) {
	return 1000, true, nil
}

// Two nodes on one database grab from one red packet and transfer between
// the same users at once: their serializable transactions conflict, and
// the retries keep every invariant — each share paid once, the shares
// adding up, no balance below zero.
func TestWalletAcrossNodes(t *testing.T) {
	dsn := pgtest.DSN(t)
	var svcs []*wallet.Service
	for range 2 {
		db, err := postgres.Open(t.Context(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		cfg := wallet.DefaultConfig()
		cfg.PINCost = wallet.PINCost{MemoryKiB: 8, Time: 1}
		svcs = append(svcs, wallet.New(db.Wallet(), sandboxpay.New(sandboxpay.Config{}), everyone{}, hongyan.Publisher{Bus: membus.New()}, cfg))
	}
	ctx := t.Context()
	sender := hongyan.Caller{User: 1, Device: 1}
	if _, err := svcs[0].SetPIN(ctx, sender, "123456", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := svcs[0].TopUp(ctx, sender, 30_000, "top"); err != nil {
		t.Fatal(err)
	}
	p, err := svcs[0].SendPacket(ctx, sender, wallet.PacketRequest{To: wallet.Target{Group: 9}, Amount: 20_000, Count: 50, Lucky: true, PIN: "123456", Key: "p"})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var got, sum, taken int64
	var wg sync.WaitGroup
	for u := hongyan.UserID(2); u < 122; u++ {
		wg.Go(func() {
			for {
				g, err := svcs[int(u)%2].Grab(ctx, hongyan.Caller{User: u, Device: 1}, p.ID)
				if hongyan.ErrorCode(err) == hongyan.CodeUnavailable {
					continue // write conflict beyond the retries: the client tries again
				}
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					got++
					sum += g.Amount
				case hongyan.ErrorReason(err) == hongyan.ReasonAllTaken:
					taken++
				default:
					t.Errorf("grab by %d: %v", u, err)
				}
				return
			}
		})
	}
	// Meanwhile the sender spends the rest of the balance from both
	// nodes: at most 10,000 fen can leave.
	var spent int64
	for i := range 40 {
		wg.Go(func() {
			for {
				_, err := svcs[i%2].Withdraw(ctx, sender, 500, "w"+string(rune('A'+i)))
				if hongyan.ErrorCode(err) == hongyan.CodeUnavailable {
					continue
				}
				if err == nil {
					mu.Lock()
					spent += 500
					mu.Unlock()
				} else if hongyan.ErrorReason(err) != hongyan.ReasonInsufficientFunds {
					t.Errorf("withdraw: %v", err)
				}
				return
			}
		})
	}
	wg.Wait()
	if got != 50 || taken != 70 || sum != 20_000 {
		t.Errorf("120 grabs of 50 shares over two nodes: %d paid %d fen, %d all taken; want 50, 20000, 70", got, sum, taken)
	}
	if spent != 10_000 {
		t.Errorf("withdrawn: %d fen, want all 10000 left and no more", spent)
	}
	r, err := svcs[1].Check(ctx)
	if err != nil || !r.OK {
		t.Errorf("ledger check: %+v, %v", r, err)
	}
}
