package node

import (
	"context"
	"log"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"hongyan/internal/account"
	"hongyan/internal/chat"
	"hongyan/internal/config"
	"hongyan/internal/contact"
	"hongyan/internal/group"
	"hongyan/internal/hongyan"
	"hongyan/internal/sandboxpay"
	"hongyan/internal/sqldb/stores"
	"hongyan/internal/wallet"
)

// newWallet builds the wallet on the node's store, the contact and group
// features (who may pay whom) and the configured payment provider.
func newWallet(cfg config.Config, db *stores.DB, accounts *account.Service, contacts *contact.Service, groups *group.Service, chats *chat.Service, pub hongyan.Publisher) (*wallet.Service, *sandboxpay.Provider, error) {
	wc := wallet.DefaultConfig()
	wc.MaxPacket = int64(cfg.Wallet.MaxPacket)
	wc.MaxShares = int64(cfg.Wallet.MaxShares)
	wc.MaxTransfer = int64(cfg.Wallet.MaxTransfer)
	wc.MaxTopUp = int64(cfg.Wallet.MaxTopUp)
	wc.ReconcileAfter = cfg.Wallet.ReconcileAfter.Duration
	wc.PINCost = cfg.PasswordCost // zero: the production cost
	// The sandbox keeps its records in the data directory, so that they
	// outlive a crash of the node as a real provider's would.
	if err := os.MkdirAll(cfg.Data, 0o700); err != nil {
		return nil, nil, err
	}
	prov, err := sandboxpay.Open(sandboxpay.Config{FailRate: float64(cfg.Wallet.SandboxFailPercent) / 100, Delay: cfg.Wallet.SandboxDelay.Duration,
		Journal: filepath.Join(cfg.Data, "sandboxpay.journal")})
	if err != nil {
		return nil, nil, err
	}
	var store wallet.Store = db.Wallet()
	if os.Getenv(EnvUnsafeWalletIgnoreKeys) == "1" {
		log.Printf("WARNING: %s=1: the wallet forgets idempotency keys; retried payments WILL be carried out twice. Test-only negative control of the money chaos; never use on a real node.", EnvUnsafeWalletIgnoreKeys)
		store = forgetfulStore{store}
	}
	w := wallet.New(store, prov, walletPeers{contacts, groups, accounts}, pub, wc)
	w.SetCards(walletCards{chats})
	if pc, _ := strconv.Atoi(os.Getenv(EnvUnsafeWalletCrashPercent)); pc > 0 {
		log.Printf("WARNING: %s=%d: the node kills itself at that share of the crash points of top-ups and withdrawals. Test-only nemesis of the money chaos; never use on a real node.", EnvUnsafeWalletCrashPercent, pc)
		w.SetCrash(func(wallet.CrashPoint) bool {
			if mrand.IntN(100) < pc {
				if me, err := os.FindProcess(os.Getpid()); err == nil {
					me.Kill() // SIGKILL: no shutdown code runs, as in a crash
				}
			}
			return false
		})
	}
	return w, prov, nil
}

// walletPeers answers the wallet's questions through the contact, group
// and account features.
type walletPeers struct {
	contacts *contact.Service
	groups   *group.Service
	accounts *account.Service
}

func (p walletPeers) ConfirmPassword(ctx context.Context, u hongyan.UserID, password string) error {
	return p.accounts.ConfirmPassword(ctx, hongyan.Caller{User: u}, password)
}

func (p walletPeers) CanPay(ctx context.Context, from, to hongyan.UserID) error {
	return p.contacts.CanMessage(ctx, from, to)
}

func (p walletPeers) Group(ctx context.Context, g hongyan.ConversationID, u hongyan.UserID) (int, bool, error) {
	v, err := p.groups.Get(ctx, hongyan.Caller{User: u}, g)
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	return v.Members, v.Me.Active && !v.Dissolved, nil
}

// expire refunds what is due every wallet.expiry_interval until ctx ends.
// One node of a cluster at a time runs it; each refund would happen once
// however many did.
func (n *Node) expire(ctx context.Context) {
	t := time.NewTicker(n.cfg.Wallet.ExpiryInterval.Duration)
	defer t.Stop()
	for {
		n.job(ctx, "wallet-expire", func(ctx context.Context) error {
			k, err := n.wallet.Expire(ctx)
			if k > 0 {
				n.log.Info("refunded expired transfers and red packets", "count", k)
			}
			return err
		})
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// reconcile settles top-ups and withdrawals left between the provider and
// the ledger, at start-up and every wallet.reconcile_interval until ctx
// ends. Every node runs it; each outcome is written once however many do.
func (n *Node) reconcile(ctx context.Context) {
	n.wallet.ReconcileEvery(ctx, n.cfg.Wallet.ReconcileInterval.Duration, func(r wallet.ReconcileReport, err error) {
		switch {
		case err != nil:
			n.log.Warn("reconciling payments with the provider", "err", err, "pending", r.Pending, "left", r.Left)
		case r.Pending > 0:
			// Worth an operator's eye: a crash (or a provider that did
			// not answer) left these between the provider and the ledger.
			n.log.Warn("reconciled payments with the provider", "pending", r.Pending, "credited", r.Credited,
				"cancelled", r.Cancelled, "paid", r.Paid, "reverted", r.Reverted, "left", r.Left)
		}
	})
}

// Reconcile runs the reconciliation once (`hongyan admin wallet
// reconcile`).
func (n *Node) Reconcile(ctx context.Context) (wallet.ReconcileReport, error) {
	return n.wallet.Reconcile(ctx)
}

// LedgerCheck verifies the wallet ledger's invariants (`hongyan admin
// ledger check`).
func (n *Node) LedgerCheck(ctx context.Context) (wallet.Report, error) { return n.wallet.Check(ctx) }

// ExpireNow refunds every transfer and red packet as if wallet.Expiry had
// passed (`hongyan admin expire-now`); refused unless wallet.test_clock is
// set.
func (n *Node) ExpireNow(ctx context.Context) (int, error) {
	if !n.cfg.Wallet.TestClock {
		return 0, hongyan.Errorf(hongyan.CodePrecondition, "expire-now needs wallet.test_clock = true (a test knob; never on a real server)")
	}
	return n.wallet.ExpireAt(ctx, time.Now().Add(n.wallet.Config().Expiry))
}

// Wallet returns the node's wallet service (tests).
func (n *Node) Wallet() *wallet.Service { return n.wallet }

// walletCards posts the wallet's transfer and red packet cards into chats.
type walletCards struct{ chats *chat.Service }

func (w walletCards) PostCard(ctx context.Context, c wallet.Card) error {
	_, err := w.chats.PostMoney(ctx, c.From, chat.Target{Peer: c.To.User, Group: c.To.Group},
		chat.Money{Transfer: c.Transfer, Packet: c.Packet, Amount: c.Amount}, c.Text)
	return err
}

// EnvUnsafeWalletIgnoreKeys names the environment variable that makes the
// wallet forget idempotency keys: a TEST-ONLY NEGATIVE CONTROL of the
// money chaos (internal/load/chaosmoney.go), which must then find
// payments carried out twice. It is read from the environment only, so
// that no configuration file can turn it on.
const EnvUnsafeWalletIgnoreKeys = "HONGYAN_UNSAFE_WALLET_IGNORE_KEYS"

// EnvUnsafeWalletCrashPercent names the environment variable that makes
// the node SIGKILL itself at this percentage of the crash points of
// top-ups and withdrawals (wallet.CrashPoint: before the provider is asked,
// after it answered, after the ledger's commit): a TEST-ONLY nemesis of the
// money chaos, which then checks that the reconciliation settled each.
const EnvUnsafeWalletCrashPercent = "HONGYAN_UNSAFE_WALLET_CRASH_PERCENT"

// forgetfulStore is the wallet store under the negative control: no
// idempotency key is ever found, and remembering one never conflicts.
type forgetfulStore struct{ wallet.Store }

func (s forgetfulStore) Atomically(ctx context.Context, fn func(tx wallet.Tx) error) error {
	return s.Store.Atomically(ctx, func(tx wallet.Tx) error { return fn(forgetfulTx{tx}) })
}

type forgetfulTx struct{ wallet.Tx }

func (forgetfulTx) Key(u hongyan.UserID, key string) (wallet.Idem, bool, error) {
	return wallet.Idem{}, false, nil
}

func (x forgetfulTx) Remember(i wallet.Idem) error {
	if err := x.Tx.Remember(i); hongyan.ErrorCode(err) != hongyan.CodeExists {
		return err
	}
	return nil
}
