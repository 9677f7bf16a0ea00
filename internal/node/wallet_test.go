package node_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"hongyan/internal/config"
	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/postgres/pgtest"
	"hongyan/internal/wsclient"
)

func topUp(t *testing.T, c *wsclient.Conn, fen int64, key string) {
	t.Helper()
	call(t, c, &pb.ClientFrame{Req: &pb.ClientFrame_WalletTopup{WalletTopup: &pb.WalletAmountRequest{Amount: fen, Key: key}}})
}

func setPIN(t *testing.T, c *wsclient.Conn, pin string) {
	t.Helper()
	call(t, c, &pb.ClientFrame{Req: &pb.ClientFrame_WalletSetPin{WalletSetPin: &pb.WalletPinRequest{Pin: pin}}})
}

func balance(t *testing.T, c *wsclient.Conn) int64 {
	t.Helper()
	return call(t, c, &pb.ClientFrame{Req: &pb.ClientFrame_WalletBalance{WalletBalance: &pb.Empty{}}}).GetWalletBalance().GetBalance()
}

func reason(c *wsclient.Conn, f *pb.ClientFrame) string {
	_, err := c.Call(context.Background(), f)
	if we, ok := err.(*wsclient.Error); ok {
		if we.Reason != "" {
			return we.Reason
		}
		return we.Code
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

// syncState reads a device's change log from 0 and returns the last
// balance, and the last state of each transfer and red packet it names.
func syncState(t *testing.T, c *wsclient.Conn) (bal int64, transfers map[int64]*pb.Transfer, packets map[int64]*pb.RedPacket, cards []*pb.MoneyCard) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	transfers, packets = map[int64]*pb.Transfer{}, map[int64]*pb.RedPacket{}
	after := int64(0)
	for {
		r, err := c.Sync(ctx, after, 500)
		if err != nil {
			t.Fatalf("sync: %v", err)
		}
		for _, ch := range r.Changes {
			after = ch.Seq
			switch {
			case ch.GetWalletBalance() != nil:
				bal = ch.GetWalletBalance().Balance
			case ch.GetTransfer() != nil:
				transfers[ch.GetTransfer().Id] = ch.GetTransfer()
			case ch.GetRedPacket() != nil:
				packets[ch.GetRedPacket().Id] = ch.GetRedPacket()
			case ch.GetMessage().GetMoney() != nil:
				cards = append(cards, ch.GetMessage().GetMoney())
			}
		}
		if !r.More {
			return
		}
	}
}

func TestWalletThroughTheGateway(t *testing.T) {
	forEachEngine(t, func(t *testing.T, srv *httptest.Server) {
		a, b, stranger := registerUser(t, srv, "wallet_a"), registerUser(t, srv, "wallet_b"), registerUser(t, srv, "wallet_x")
		befriend(t, srv, a, b)
		ca, cb, cx := session(t, srv, a), session(t, srv, b), session(t, srv, stranger)
		transfer := func(to int64, fen int64, key string) *pb.ClientFrame {
			return &pb.ClientFrame{Req: &pb.ClientFrame_Transfer{Transfer: &pb.TransferRequest{To: to, Amount: fen, Pin: "135790", Key: key, Note: "饭钱"}}}
		}
		if got := reason(ca, transfer(b.id, 100, "t0")); got != "pin_not_set" {
			t.Errorf("transfer before a PIN: got %q, want pin_not_set", got)
		}
		setPIN(t, ca, "135790")
		topUp(t, ca, 10_000, "top-1")
		topUp(t, ca, 10_000, "top-1") // a retry: once
		if got := balance(t, ca); got != 10_000 {
			t.Fatalf("balance after a top-up and its retry: got %d, want 10000", got)
		}
		if got := reason(ca, transfer(b.id, 20_000, "t1")); got != "insufficient_funds" {
			t.Errorf("transfer beyond the balance: got %q, want insufficient_funds", got)
		}
		if got := reason(ca, transfer(stranger.id, 100, "t2")); got != "not_friends" {
			t.Errorf("transfer to a stranger: got %q, want not_friends", got)
		}
		tr := call(t, ca, transfer(b.id, 2_500, "t3")).GetTransfer()
		again := call(t, ca, transfer(b.id, 2_500, "t3")).GetTransfer()
		if tr.Id == 0 || again.Id != tr.Id || tr.State != pb.TransferState_TRANSFER_STATE_PENDING {
			t.Fatalf("transfer and its retry: got %v and %v; want one pending transfer", tr, again)
		}
		if got := reason(ca, transfer(b.id, 2_600, "t3")); got != "idempotency_key_reused" {
			t.Errorf("the key of another transfer: got %q, want idempotency_key_reused", got)
		}
		ref := &pb.TransferRef{Transfer: tr.Id}
		for _, c := range []*wsclient.Conn{cx, ca} {
			if got := reason(c, &pb.ClientFrame{Req: &pb.ClientFrame_TransferAccept{TransferAccept: ref}}); got != "not_found" {
				t.Errorf("accept by someone else than the receiver: got %q, want not_found", got)
			}
		}
		if got := reason(cx, &pb.ClientFrame{Req: &pb.ClientFrame_TransferShow{TransferShow: ref}}); got != "not_found" {
			t.Errorf("a stranger looks at a transfer: got %q, want not_found", got)
		}
		acc := call(t, cb, &pb.ClientFrame{Req: &pb.ClientFrame_TransferAccept{TransferAccept: ref}}).GetTransfer()
		if acc.State != pb.TransferState_TRANSFER_STATE_ACCEPTED {
			t.Errorf("accepted: got %v", acc.State)
		}
		if got := reason(cb, &pb.ClientFrame{Req: &pb.ClientFrame_TransferReturn{TransferReturn: ref}}); got != "not_pending" {
			t.Errorf("return after accepting: got %q, want not_pending", got)
		}
		// A 1:1 red packet.
		p := call(t, ca, &pb.ClientFrame{Req: &pb.ClientFrame_RedPacketSend{RedPacketSend: &pb.RedPacketRequest{
			Peer: b.id, Amount: 888, Count: 1, Greeting: "恭喜发财", Pin: "135790", Key: "p1"}}}).GetRedPacket()
		grab := &pb.ClientFrame{Req: &pb.ClientFrame_RedPacketGrab{RedPacketGrab: &pb.RedPacketRef{Packet: p.Id}}}
		for _, c := range []*wsclient.Conn{ca, cx} {
			if got := reason(c, grab); got != "not_found" {
				t.Errorf("grab of a 1:1 packet by its sender or a stranger: got %q, want not_found", got)
			}
		}
		if got := call(t, cb, grab).GetRedPacketGrabbed().Amount; got != 888 {
			t.Errorf("grab: got %d, want 888", got)
		}
		if got := call(t, cb, grab).GetRedPacketGrabbed().Amount; got != 888 {
			t.Errorf("grab again: got %d, want the same 888", got)
		}
		// Blocked: no money either way.
		call(t, cb, &pb.ClientFrame{Req: &pb.ClientFrame_Block{Block: &pb.BlockRequest{User: a.id, Blocked: true}}})
		if got := reason(ca, transfer(b.id, 100, "t4")); got != "blocked" {
			t.Errorf("transfer to a user who blocked you: got %q, want blocked", got)
		}
		// Every device of both ends in the same state by syncing from 0.
		wantA, wantB := int64(10_000-2_500-888), int64(2_500+888)
		if got := balance(t, ca); got != wantA {
			t.Errorf("a's balance: got %d, want %d", got, wantA)
		}
		bal, trs, pks, _ := syncState(t, session(t, srv, secondDevice(t, srv, a)))
		if bal != wantA || trs[tr.Id].GetState() != pb.TransferState_TRANSFER_STATE_ACCEPTED || pks[p.Id].GetState() != pb.RedPacketState_RED_PACKET_STATE_FINISHED {
			t.Errorf("a's second device after sync: balance %d, transfer %v, packet %v", bal, trs[tr.Id], pks[p.Id])
		}
		bal, trs, _, cards := syncState(t, session(t, srv, secondDevice(t, srv, b)))
		if bal != wantB || trs[tr.Id].GetState() != pb.TransferState_TRANSFER_STATE_ACCEPTED {
			t.Errorf("b's second device after sync: balance %d, transfer %v", bal, trs[tr.Id])
		}
		// The cards came as chat messages: one for the transfer (and its
		// retry posted nothing more), one for the red packet.
		want := []string{fmt.Sprintf("transfer %d 2500", tr.Id), fmt.Sprintf("packet %d", p.Id)}
		var got []string
		for _, c := range cards {
			if c.Transfer != 0 {
				got = append(got, fmt.Sprintf("transfer %d %d", c.Transfer, c.Amount))
			} else {
				got = append(got, fmt.Sprintf("packet %d", c.Packet))
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("money cards in b's chat: got %v, want %v", got, want)
		}
		if got := reason(ca, &pb.ClientFrame{Req: &pb.ClientFrame_Send{Send: &pb.SendRequest{Peer: b.id, ClientId: "fake", Kind: pb.MessageKind_MESSAGE_KIND_TRANSFER, Text: "¥999"}}}); got != "invalid_argument" {
			t.Errorf("a device sends a transfer card itself: got %q, want invalid_argument", got)
		}
		hist := call(t, ca, &pb.ClientFrame{Req: &pb.ClientFrame_WalletHistory{WalletHistory: &pb.WalletHistoryRequest{OnlyOut: true}}}).GetWalletHistory()
		if len(hist.Movements) != 2 || hist.Movements[0].Kind != pb.WalletEntryKind_WALLET_ENTRY_KIND_RED_PACKET_SEND || hist.Movements[0].Amount != -888 {
			t.Errorf("a's outgoing history: got %v", hist.Movements)
		}
	})
}

// TestRedPacketRush has 500 members of a group grab one 100-share lucky
// red packet at once, each on their own connection: exactly 100 get a
// share, the others hear all_taken, the shares add up to the total and
// the ledger check passes.
func TestRedPacketRush(t *testing.T) {
	if testing.Short() {
		t.Skip("500 accounts and connections; runs without -short")
	}
	run := func(t *testing.T, cfg config.Config) {
		cfg.Groups.AcceptAbove = 1000
		cfg.Gateway.MaxConnsPerAddress = 0 // every client here is 127.0.0.1
		srv, n := startNodeWith(t, cfg)
		const members = 500
		us := make([]user, members)
		var wg sync.WaitGroup
		sem := make(chan struct{}, 8)
		for i := range us {
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				us[i] = registerUser(t, srv, fmt.Sprintf("rush%03d", i))
			})
		}
		wg.Wait()
		owner := session(t, srv, us[0])
		for _, u := range us[1:] {
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				befriend(t, srv, us[0], u)
			})
		}
		wg.Wait()
		g := createGroup(t, owner, "抢红包", ids(us[1:]))
		if g.MemberCount != members {
			t.Fatalf("group: %d members, want %d", g.MemberCount, members)
		}
		setPIN(t, owner, "246801")
		topUp(t, owner, 20_000, "rush")
		p := call(t, owner, &pb.ClientFrame{Req: &pb.ClientFrame_RedPacketSend{RedPacketSend: &pb.RedPacketRequest{
			Group: g.Id, Amount: 20_000, Count: 100, Lucky: true, Greeting: "手慢无", Pin: "246801", Key: "rush-p"}}}).GetRedPacket()
		conns := make([]*wsclient.Conn, members)
		for i, u := range us {
			conns[i] = session(t, srv, u)
		}
		var got, taken atomic.Int64
		var sum atomic.Int64
		start := make(chan struct{})
		errs := make(chan error, members)
		for _, c := range conns {
			wg.Go(func() {
				<-start
				f, err := c.Call(context.Background(), &pb.ClientFrame{Req: &pb.ClientFrame_RedPacketGrab{RedPacketGrab: &pb.RedPacketRef{Packet: p.Id}}})
				switch {
				case err == nil:
					got.Add(1)
					sum.Add(f.GetRedPacketGrabbed().Amount)
				case wsclient.ErrorReason(err) == "all_taken":
					taken.Add(1)
				default:
					errs <- err
				}
			})
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("grab: %v", err)
		}
		if got.Load() != 100 || taken.Load() != members-100 || sum.Load() != 20_000 {
			t.Errorf("500 grabs of 100 shares: %d succeeded, %d all taken, %d fen; want 100, 400, 20000", got.Load(), taken.Load(), sum.Load())
		}
		v := call(t, owner, &pb.ClientFrame{Req: &pb.ClientFrame_RedPacketShow{RedPacketShow: &pb.RedPacketRef{Packet: p.Id}}}).GetRedPacket()
		if v.State != pb.RedPacketState_RED_PACKET_STATE_FINISHED || len(v.Grabs) != 100 || v.Luckiest == 0 {
			t.Errorf("the packet afterwards: state %v, %d grabs, luckiest %d", v.State, len(v.Grabs), v.Luckiest)
		}
		r, err := n.LedgerCheck(context.Background())
		if err != nil || !r.OK {
			t.Errorf("ledger check: %+v, %v", r, err)
		}
	}
	t.Run("sqlite", func(t *testing.T) {
		cfg := config.Default()
		cfg.Data = t.TempDir()
		run(t, cfg)
	})
	t.Run("postgres", func(t *testing.T) {
		cfg := config.Default()
		cfg.Storage.Driver = "postgres"
		cfg.Storage.Postgres = pgtest.DSN(t)
		cfg.Data = t.TempDir()
		run(t, cfg)
	})
}
