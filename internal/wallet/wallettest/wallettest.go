// Package wallettest is the conformance suite of wallet.Store, which every
// storage engine runs, and Mem, a store in memory that passes it.
package wallettest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"hongyan/internal/hongyan"
	"hongyan/internal/wallet"
)

// Run runs the suite; open returns a fresh, empty store for each test.
func Run(t *testing.T, open func(t *testing.T) wallet.Store) {
	t.Run("Ledger", func(t *testing.T) { testLedger(t, open(t)) })
	t.Run("Atomic", func(t *testing.T) { testAtomic(t, open(t)) })
	t.Run("History", func(t *testing.T) { testHistory(t, open(t)) })
	t.Run("Packets", func(t *testing.T) { testPackets(t, open(t)) })
	t.Run("Transfers", func(t *testing.T) { testTransfers(t, open(t)) })
	t.Run("KeysAndPINs", func(t *testing.T) { testKeysAndPINs(t, open(t)) })
	t.Run("ProviderOps", func(t *testing.T) { testProviderOps(t, open(t)) })
	t.Run("Reconcile", func(t *testing.T) { testReconcile(t, open) })
}

// T0 is a time with millisecond precision, as stores keep times.
var T0 = time.UnixMilli(1_760_000_000_123).UTC()

var provider = wallet.Account{Kind: wallet.AccountProvider}

func entry(kind wallet.EntryKind, from, to wallet.Account, amount int64, at time.Time) wallet.Entry {
	return wallet.Entry{Kind: kind, At: at, Postings: []wallet.Posting{{Account: from, Amount: -amount}, {Account: to, Amount: amount}}}
}

// do runs fn in a transaction and fails the test on an error.
func do(t *testing.T, s wallet.Store, fn func(tx wallet.Tx) error) {
	t.Helper()
	if err := s.Atomically(t.Context(), fn); err != nil {
		t.Fatalf("Atomically: %v", err)
	}
}

func post(t *testing.T, s wallet.Store, e wallet.Entry) wallet.Entry {
	t.Helper()
	var out wallet.Entry
	do(t, s, func(tx wallet.Tx) error {
		var err error
		out, err = tx.Post(e)
		return err
	})
	return out
}

func check(t *testing.T, s wallet.Store) wallet.Report {
	t.Helper()
	r, err := s.Check(t.Context())
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	if !r.OK {
		t.Fatalf("Check: got %+v, want ok", r)
	}
	return r
}

func testLedger(t *testing.T, s wallet.Store) {
	ctx := t.Context()
	u1, u2 := wallet.UserAccount(1), wallet.UserAccount(2)
	e := entry(wallet.EntryTopUp, provider, u1, 1000, T0)
	e.User, e.Once = 1, "topup:1:a"
	got := post(t, s, e)
	if got.ID <= 0 {
		t.Fatalf("Post: got ID %d, want a positive one", got.ID)
	}
	e2 := entry(wallet.EntryTransferSend, u1, u2, 300, T0)
	e2.User, e2.Peer = 1, 2
	if got2 := post(t, s, e2); got2.ID <= got.ID {
		t.Errorf("second entry: got ID %d, want above %d", got2.ID, got.ID)
	}
	for _, tc := range []struct {
		u    hongyan.UserID
		want int64
	}{{1, 700}, {2, 300}, {3, 0}} {
		if got, err := s.Balance(ctx, tc.u); err != nil || got != tc.want {
			t.Errorf("Balance(%d): got %d, %v; want %d", tc.u, got, err, tc.want)
		}
	}
	do(t, s, func(tx wallet.Tx) error {
		for a, want := range map[wallet.Account]int64{u1: 700, provider: -1000, {Kind: wallet.AccountFees}: 0} {
			if got, err := tx.Balance(a); err != nil || got != want {
				t.Errorf("tx.Balance(%s): got %d, %v; want %d", a, got, err, want)
			}
		}
		if ok, err := tx.Happened("topup:1:a"); err != nil || !ok {
			t.Errorf("Happened(topup:1:a): got %v, %v; want true", ok, err)
		}
		if ok, err := tx.Happened("topup:1:b"); err != nil || ok {
			t.Errorf("Happened(topup:1:b): got %v, %v; want false", ok, err)
		}
		return nil
	})
	// Refused: a used Once key, a balance below zero, entries that do not
	// balance. Nothing changes.
	for name, tc := range map[string]struct {
		e    wallet.Entry
		code hongyan.Code
	}{
		"once": {func() wallet.Entry {
			x := entry(wallet.EntryTopUp, provider, u1, 5, T0)
			x.Once = "topup:1:a"
			return x
		}(), hongyan.CodeExists},
		"negative":   {entry(wallet.EntryTransferSend, u2, u1, 301, T0), hongyan.CodePrecondition},
		"unbalanced": {wallet.Entry{Kind: wallet.EntryTopUp, Postings: []wallet.Posting{{Account: provider, Amount: -5}, {Account: u1, Amount: 6}}}, hongyan.CodeInternal},
		"zero":       {wallet.Entry{Kind: wallet.EntryTopUp, Postings: []wallet.Posting{{Account: provider, Amount: 0}, {Account: u1, Amount: 0}}}, hongyan.CodeInternal},
		"single":     {wallet.Entry{Kind: wallet.EntryTopUp, Postings: []wallet.Posting{{Account: u1, Amount: 5}}}, hongyan.CodeInternal},
	} {
		err := s.Atomically(ctx, func(tx wallet.Tx) error { _, err := tx.Post(tc.e); return err })
		if got := hongyan.ErrorCode(err); got != tc.code {
			t.Errorf("%s: got %v, want code %s", name, err, tc.code)
		}
	}
	if got, _ := s.Balance(ctx, 1); got != 700 {
		t.Errorf("after refused posts: balance %d, want 700", got)
	}
	r := check(t, s)
	if r.Entries != 2 || r.Postings != 4 {
		t.Errorf("Check: got %d entries, %d postings; want 2, 4", r.Entries, r.Postings)
	}
}

func testAtomic(t *testing.T, s wallet.Store) {
	ctx := t.Context()
	boom := errors.New("boom")
	var changes []hongyan.Change
	err := s.Atomically(ctx, func(tx wallet.Tx) error {
		if _, err := tx.Post(entry(wallet.EntryTopUp, provider, wallet.UserAccount(1), 50, T0)); err != nil {
			return err
		}
		if _, err := tx.CreatePacket(wallet.Packet{Sender: 1, To: wallet.Target{User: 2}, Total: 5, Count: 1, Left: 5, LeftCount: 1, Created: T0, Expires: T0}); err != nil {
			return err
		}
		if err := tx.Remember(wallet.Idem{User: 1, Key: "k", Hash: "h", Ref: 1, At: T0}); err != nil {
			return err
		}
		if got, err := tx.Balance(wallet.UserAccount(1)); err != nil || got != 50 {
			t.Errorf("inside the transaction: balance %d, %v; want 50", got, err)
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Atomically: got %v, want boom", err)
	}
	if got, _ := s.Balance(ctx, 1); got != 0 {
		t.Errorf("after a failed transaction: balance %d, want 0", got)
	}
	if _, err := s.Packet(ctx, 1); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Errorf("after a failed transaction: Packet(1) = %v, want not found", err)
	}
	do(t, s, func(tx wallet.Tx) error {
		if _, ok, err := tx.Key(1, "k"); err != nil || ok {
			t.Errorf("after a failed transaction: key kept (%v)", err)
		}
		var err error
		changes, err = tx.AppendChanges([]hongyan.Change{{User: 1, Kind: hongyan.ChangeWallet, Ref: 9}, {User: 1, Kind: hongyan.ChangePacket, Ref: 9}})
		return err
	})
	if len(changes) != 2 || changes[0].Seq <= 0 || changes[1].Seq != changes[0].Seq+1 || changes[1].Ref != 9 {
		t.Errorf("AppendChanges: got %+v, want two entries numbered in order", changes)
	}
	check(t, s)
}

func testHistory(t *testing.T, s wallet.Store) {
	ctx := t.Context()
	u1, u2 := wallet.UserAccount(1), wallet.UserAccount(2)
	march := time.Date(2026, 3, 31, 23, 0, 0, 0, time.UTC)
	april := time.Date(2026, 4, 2, 0, 0, 0, 0, time.UTC)
	a := post(t, s, entry(wallet.EntryTopUp, provider, u1, 1000, march))
	b := entry(wallet.EntryTransferSend, u1, wallet.Account{Kind: wallet.AccountTransfer, Ref: 1}, 200, april)
	b.Peer, b.Ref = 2, 1
	b = post(t, s, b)
	c := post(t, s, entry(wallet.EntryTopUp, provider, u2, 50, april))
	d := post(t, s, entry(wallet.EntryWithdraw, u1, provider, 100, april.Add(time.Hour)))
	_ = c
	ids := func(ms []wallet.Movement) []int64 {
		var out []int64
		for _, m := range ms {
			out = append(out, m.Entry)
		}
		return out
	}
	for name, tc := range map[string]struct {
		f    wallet.HistoryFilter
		want []int64
	}{
		"all":    {wallet.HistoryFilter{Limit: 10}, []int64{d.ID, b.ID, a.ID}},
		"limit":  {wallet.HistoryFilter{Limit: 1}, []int64{d.ID}},
		"before": {wallet.HistoryFilter{Limit: 10, Before: d.ID}, []int64{b.ID, a.ID}},
		"in":     {wallet.HistoryFilter{Limit: 10, In: true}, []int64{a.ID}},
		"out":    {wallet.HistoryFilter{Limit: 10, Out: true}, []int64{d.ID, b.ID}},
		"kinds":  {wallet.HistoryFilter{Limit: 10, Kinds: []wallet.EntryKind{wallet.EntryTopUp, wallet.EntryWithdraw}}, []int64{d.ID, a.ID}},
		"april":  {wallet.HistoryFilter{Limit: 10, From: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), Until: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)}, []int64{d.ID, b.ID}},
	} {
		got, err := s.History(ctx, 1, tc.f)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if diff := cmp.Diff(tc.want, ids(got)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", name, diff)
		}
	}
	got, _ := s.History(ctx, 1, wallet.HistoryFilter{Limit: 10, Before: d.ID, Out: true})
	want := []wallet.Movement{{Entry: b.ID, Kind: wallet.EntryTransferSend, Amount: -200, Peer: 2, Ref: 1, At: april}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("movement (-want +got):\n%s", diff)
	}
	in, out, err := s.Sum(ctx, 1, time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC))
	if err != nil || in != 0 || out != 300 {
		t.Errorf("Sum(April): got %d in, %d out, %v; want 0, 300", in, out, err)
	}
	in, out, _ = s.Sum(ctx, 1, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC))
	if in != 1000 || out != 0 {
		t.Errorf("Sum(March): got %d in, %d out; want 1000, 0", in, out)
	}
}

func testPackets(t *testing.T, s wallet.Store) {
	ctx := t.Context()
	post(t, s, entry(wallet.EntryTopUp, provider, wallet.UserAccount(1), 1000, T0))
	p := wallet.Packet{Sender: 1, To: wallet.Target{Group: 77}, Kind: wallet.PacketLucky, Total: 300, Count: 3, Greeting: "恭喜发财",
		Left: 300, LeftCount: 3, Created: T0, Expires: T0.Add(24 * time.Hour)}
	do(t, s, func(tx wallet.Tx) error {
		var err error
		if p, err = tx.CreatePacket(p); err != nil {
			return err
		}
		e := entry(wallet.EntryPacketSend, wallet.UserAccount(1), wallet.Account{Kind: wallet.AccountPacket, Ref: p.ID}, 300, T0)
		_, err = tx.Post(e)
		return err
	})
	got, err := s.Packet(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(p, got); diff != "" {
		t.Errorf("Packet (-want +got):\n%s", diff)
	}
	grab := func(u hongyan.UserID, amount int64) error {
		return s.Atomically(ctx, func(tx wallet.Tx) error {
			q, _, err := tx.Packet(p.ID)
			if err != nil {
				return err
			}
			if _, ok, err := tx.Grab(p.ID, u); ok || err != nil {
				return hongyan.Errorf(hongyan.CodeExists, "grabbed (%v)", err)
			}
			q.Left, q.LeftCount = q.Left-amount, q.LeftCount-1
			if err := tx.AddGrab(wallet.Grab{Packet: p.ID, User: u, Amount: amount, Seq: q.Count - q.LeftCount, At: T0}); err != nil {
				return err
			}
			e := entry(wallet.EntryPacketGrab, wallet.Account{Kind: wallet.AccountPacket, Ref: p.ID}, wallet.UserAccount(u), amount, T0)
			e.User, e.Ref = u, p.ID
			if _, err := tx.Post(e); err != nil {
				return err
			}
			return tx.UpdatePacket(q)
		})
	}
	if err := grab(2, 120); err != nil {
		t.Fatal(err)
	}
	if err := grab(3, 80); err != nil {
		t.Fatal(err)
	}
	err = s.Atomically(ctx, func(tx wallet.Tx) error {
		return tx.AddGrab(wallet.Grab{Packet: p.ID, User: 2, Amount: 1, Seq: 3, At: T0})
	})
	if hongyan.ErrorCode(err) != hongyan.CodeExists {
		t.Errorf("a second grab by one user: got %v, want already_exists", err)
	}
	gs, err := s.Grabs(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []wallet.Grab{{Packet: p.ID, User: 2, Amount: 120, Seq: 1, At: T0}, {Packet: p.ID, User: 3, Amount: 80, Seq: 2, At: T0}}
	if diff := cmp.Diff(want, gs); diff != "" {
		t.Errorf("Grabs (-want +got):\n%s", diff)
	}
	check(t, s)
	for _, tc := range []struct {
		now  time.Time
		want []int64
	}{{T0.Add(time.Hour), nil}, {T0.Add(24 * time.Hour), []int64{p.ID}}} {
		packets, transfers, err := s.Due(ctx, tc.now, 10)
		if err != nil || !cmp.Equal(packets, tc.want) || len(transfers) != 0 {
			t.Errorf("Due(%v): got %v, %v, %v; want %v", tc.now, packets, transfers, err, tc.want)
		}
	}
	do(t, s, func(tx wallet.Tx) error {
		q, _, _ := tx.Packet(p.ID)
		if _, err := tx.Post(entry(wallet.EntryPacketRefund, wallet.Account{Kind: wallet.AccountPacket, Ref: p.ID}, wallet.UserAccount(1), q.Left, T0)); err != nil {
			return err
		}
		q.State, q.Refunded, q.Left = wallet.PacketRefunded, q.Left, 0
		return tx.UpdatePacket(q)
	})
	got, _ = s.Packet(ctx, p.ID)
	if got.State != wallet.PacketRefunded || got.Refunded != 100 || got.Left != 0 || got.LeftCount != 1 {
		t.Errorf("refunded packet: got %+v", got)
	}
	if packets, _, _ := s.Due(ctx, T0.Add(48*time.Hour), 10); len(packets) != 0 {
		t.Errorf("Due after the refund: got %v, want none", packets)
	}
	if b, _ := s.Balance(ctx, 1); b != 800 {
		t.Errorf("sender's balance: got %d, want 800", b)
	}
	check(t, s)
}

func testTransfers(t *testing.T, s wallet.Store) {
	ctx := t.Context()
	post(t, s, entry(wallet.EntryTopUp, provider, wallet.UserAccount(1), 1000, T0))
	x := wallet.Transfer{From: 1, To: 2, Amount: 250, Note: "房租", Created: T0, Expires: T0.Add(24 * time.Hour)}
	do(t, s, func(tx wallet.Tx) error {
		var err error
		if x, err = tx.CreateTransfer(x); err != nil {
			return err
		}
		_, err = tx.Post(entry(wallet.EntryTransferSend, wallet.UserAccount(1), wallet.Account{Kind: wallet.AccountTransfer, Ref: x.ID}, 250, T0))
		return err
	})
	got, err := s.Transfer(ctx, x.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(x, got); diff != "" {
		t.Errorf("Transfer (-want +got):\n%s", diff)
	}
	if _, err := s.Transfer(ctx, x.ID+1); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Errorf("Transfer of a missing ID: got %v, want not found", err)
	}
	if _, transfers, _ := s.Due(ctx, T0.Add(24*time.Hour), 10); !cmp.Equal(transfers, []int64{x.ID}) {
		t.Errorf("Due: got %v, want [%d]", transfers, x.ID)
	}
	check(t, s)
	settled := T0.Add(time.Minute)
	accept := func() error {
		return s.Atomically(ctx, func(tx wallet.Tx) error {
			e := entry(wallet.EntryTransferAccept, wallet.Account{Kind: wallet.AccountTransfer, Ref: x.ID}, wallet.UserAccount(2), 250, settled)
			e.Once = "transfer:1"
			if _, err := tx.Post(e); err != nil {
				return err
			}
			y := x
			y.State, y.Settled = wallet.TransferAccepted, settled
			return tx.UpdateTransfer(y)
		})
	}
	if err := accept(); err != nil {
		t.Fatal(err)
	}
	if err := accept(); hongyan.ErrorCode(err) != hongyan.CodeExists && hongyan.ErrorCode(err) != hongyan.CodePrecondition {
		t.Errorf("settling twice: got %v, want already_exists", err)
	}
	got, _ = s.Transfer(ctx, x.ID)
	if got.State != wallet.TransferAccepted || !got.Settled.Equal(settled) {
		t.Errorf("accepted transfer: got %+v", got)
	}
	if b, _ := s.Balance(ctx, 2); b != 250 {
		t.Errorf("receiver's balance: got %d, want 250", b)
	}
	if _, transfers, _ := s.Due(ctx, T0.Add(48*time.Hour), 10); len(transfers) != 0 {
		t.Errorf("Due after accepting: got %v, want none", transfers)
	}
	check(t, s)
}

func testKeysAndPINs(t *testing.T, s wallet.Store) {
	ctx := t.Context()
	k := wallet.Idem{User: 1, Key: "key-1", Hash: "abc", Ref: 42, At: T0}
	do(t, s, func(tx wallet.Tx) error { return tx.Remember(k) })
	err := s.Atomically(ctx, func(tx wallet.Tx) error {
		return tx.Remember(wallet.Idem{User: 1, Key: "key-1", Hash: "other", At: T0})
	})
	if hongyan.ErrorCode(err) != hongyan.CodeExists {
		t.Errorf("Remember twice: got %v, want already_exists", err)
	}
	do(t, s, func(tx wallet.Tx) error {
		got, ok, err := tx.Key(1, "key-1")
		if err != nil || !ok {
			t.Fatalf("Key: got %v, %v", ok, err)
		}
		if diff := cmp.Diff(k, got); diff != "" {
			t.Errorf("Key (-want +got):\n%s", diff)
		}
		if _, ok, _ := tx.Key(2, "key-1"); ok {
			t.Errorf("Key of another user: found")
		}
		return tx.Remember(wallet.Idem{User: 2, Key: "key-1", Hash: "x", At: T0.Add(time.Hour)})
	})
	if n, err := s.ForgetKeys(ctx, T0.Add(time.Minute)); err != nil || n != 1 {
		t.Errorf("ForgetKeys: got %d, %v; want 1", n, err)
	}
	do(t, s, func(tx wallet.Tx) error {
		if _, ok, _ := tx.Key(1, "key-1"); ok {
			t.Errorf("forgotten key still there")
		}
		if _, ok, _ := tx.Key(2, "key-1"); !ok {
			t.Errorf("newer key forgotten")
		}
		return nil
	})
	if _, ok, err := s.PIN(ctx, 1); ok || err != nil {
		t.Errorf("PIN before set: got %v, %v", ok, err)
	}
	p := wallet.PIN{User: 1, Hash: "$argon2id$x", Recovery: "$argon2id$y", Failures: 2, Locked: T0}
	do(t, s, func(tx wallet.Tx) error { return tx.SavePIN(p) })
	p.Failures, p.Locked = 0, time.Time{}
	do(t, s, func(tx wallet.Tx) error { return tx.SavePIN(p) })
	got, ok, err := s.PIN(ctx, 1)
	if err != nil || !ok {
		t.Fatalf("PIN: %v, %v", ok, err)
	}
	if diff := cmp.Diff(p, got); diff != "" {
		t.Errorf("PIN (-want +got):\n%s", diff)
	}
}

func testProviderOps(t *testing.T, s wallet.Store) {
	ctx := t.Context()
	a := wallet.ProviderOp{Key: "topup:1:a", User: 1, Kind: wallet.EntryTopUp, Amount: 500, UserKey: "a", Hash: "h1", Created: T0}
	b := wallet.ProviderOp{Key: "withdraw:2:b", User: 2, Kind: wallet.EntryWithdraw, Amount: 70, UserKey: "b", Hash: "h2", Entry: 9, Created: T0.Add(time.Second)}
	do(t, s, func(tx wallet.Tx) error {
		if _, found, err := tx.ProviderOp(a.Key); err != nil || found {
			t.Errorf("ProviderOp of an unknown key: got found %v, %v; want false", found, err)
		}
		if err := tx.SaveProviderOp(b); err != nil {
			return err
		}
		return tx.SaveProviderOp(a)
	})
	ops, err := s.PendingProviderOps(ctx, T0.Add(time.Hour), 10)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]wallet.ProviderOp{a, b}, ops); diff != "" {
		t.Errorf("PendingProviderOps, oldest first (-want +got):\n%s", diff)
	}
	if ops, _ := s.PendingProviderOps(ctx, T0.Add(time.Second), 10); len(ops) != 1 || ops[0].Key != a.Key {
		t.Errorf("PendingProviderOps before T0+1s: got %+v, want only %s", ops, a.Key)
	}
	if ops, _ := s.PendingProviderOps(ctx, T0.Add(time.Hour), 1); len(ops) != 1 || ops[0].Key != a.Key {
		t.Errorf("PendingProviderOps limit 1: got %+v, want only %s", ops, a.Key)
	}
	// A failed transaction leaves nothing behind.
	err = s.Atomically(ctx, func(tx wallet.Tx) error {
		a2 := a
		a2.State = wallet.ProviderOpDone
		if err := tx.SaveProviderOp(a2); err != nil {
			return err
		}
		return errors.New("roll back")
	})
	if err == nil {
		t.Fatal("Atomically returned no error")
	}
	if ops, _ := s.PendingProviderOps(ctx, T0.Add(time.Hour), 10); len(ops) != 2 {
		t.Errorf("PendingProviderOps after a rolled-back change: got %+v, want both still pending", ops)
	}
	a.State, a.Entry = wallet.ProviderOpDone, 41
	do(t, s, func(tx wallet.Tx) error { return tx.SaveProviderOp(a) })
	do(t, s, func(tx wallet.Tx) error {
		got, found, err := tx.ProviderOp(a.Key)
		if err != nil || !found {
			return fmt.Errorf("ProviderOp: found %v, %v", found, err)
		}
		if diff := cmp.Diff(a, got); diff != "" {
			t.Errorf("ProviderOp after SaveProviderOp (-want +got):\n%s", diff)
		}
		return nil
	})
	if ops, _ := s.PendingProviderOps(ctx, T0.Add(time.Hour), 10); len(ops) != 1 || ops[0].Key != b.Key {
		t.Errorf("PendingProviderOps after one is done: got %+v, want only %s", ops, b.Key)
	}
}
