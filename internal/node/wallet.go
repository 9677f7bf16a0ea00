package node

import (
	"context"
	"time"

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
func newWallet(cfg config.Config, db *stores.DB, contacts *contact.Service, groups *group.Service, chats *chat.Service, pub hongyan.Publisher) *wallet.Service {
	wc := wallet.DefaultConfig()
	wc.MaxPacket = int64(cfg.Wallet.MaxPacket)
	wc.MaxShares = int64(cfg.Wallet.MaxShares)
	wc.MaxTransfer = int64(cfg.Wallet.MaxTransfer)
	wc.MaxTopUp = int64(cfg.Wallet.MaxTopUp)
	prov := sandboxpay.New(sandboxpay.Config{FailRate: float64(cfg.Wallet.SandboxFailPercent) / 100, Delay: cfg.Wallet.SandboxDelay.Duration})
	w := wallet.New(db.Wallet(), prov, walletPeers{contacts, groups}, pub, wc)
	w.SetCards(walletCards{chats})
	return w
}

// walletPeers answers the wallet's questions through the contact and group
// features.
type walletPeers struct {
	contacts *contact.Service
	groups   *group.Service
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
