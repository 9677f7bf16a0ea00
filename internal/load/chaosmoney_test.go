package load

import (
	"testing"

	pb "hongyan/internal/gen/hongyanv1"
)

// moneyFixture is one top-up of 10,000 fen and one transfer of 100 fen from
// user 0 (ID 10) to user 1 (ID 11), accepted, as the clients were told and
// as the server holds them.
func moneyFixture() ([]*moneyOp, *moneyView) {
	ops := []*moneyOp{
		{user: 0, kind: "topup", key: "cm-0", amount: 10_000, outcome: "ok", result: 1},
		{user: 0, kind: "transfer", key: "cm-1", amount: 100, outcome: "ok", result: 7},
		{user: 1, kind: "accept", ref: 7, outcome: "ok", result: 7},
		{user: 0, kind: "topup", key: "cm-0", amount: 10_000, outcome: "repeat", result: 1},
	}
	v := &moneyView{
		balance: map[int]int64{0: 9_900, 1: 100},
		history: map[int][]*pb.WalletMovement{
			0: {
				{Entry: 2, Kind: pb.WalletEntryKind_WALLET_ENTRY_KIND_TRANSFER_SEND, Amount: -100, Ref: 7},
				{Entry: 1, Kind: pb.WalletEntryKind_WALLET_ENTRY_KIND_TOP_UP, Amount: 10_000},
			},
			1: {{Entry: 3, Kind: pb.WalletEntryKind_WALLET_ENTRY_KIND_TRANSFER_ACCEPT, Amount: 100, Ref: 7}},
		},
		transfers: map[int64]*pb.Transfer{7: {Id: 7, From: 10, To: 11, Amount: 100, State: pb.TransferState_TRANSFER_STATE_ACCEPTED}},
		packets:   map[int64]*pb.RedPacket{},
		ids:       map[int64]int{10: 0, 11: 1},
	}
	return ops, v
}

func TestCheckMoney(t *testing.T) {
	ops, v := moneyFixture()
	r := &MoneyChaosResult{LedgerCheck: true, ProviderCharged: 10_000}
	checkMoney(r, ops, v)
	if !r.OK {
		t.Fatalf("a faithful run: got problems %q, want none", r.Problems)
	}

	// The transfer carried out twice (a retry the wallet did not know).
	ops, v = moneyFixture()
	v.history[0] = append(v.history[0], &pb.WalletMovement{Entry: 4, Kind: pb.WalletEntryKind_WALLET_ENTRY_KIND_TRANSFER_SEND, Amount: -100, Ref: 8})
	v.transfers[8] = &pb.Transfer{Id: 8, From: 10, To: 11, Amount: 100}
	v.balance[0] -= 100
	r = &MoneyChaosResult{LedgerCheck: true, ProviderCharged: 10_000}
	checkMoney(r, ops, v)
	if r.OK || r.Duplicates == 0 {
		t.Errorf("a doubled transfer: got ok %v, duplicates %d; want a duplicate found", r.OK, r.Duplicates)
	}

	// An acknowledged top-up the ledger lost.
	ops, v = moneyFixture()
	v.history[0] = v.history[0][:1]
	v.balance[0] = -100
	r = &MoneyChaosResult{LedgerCheck: true, ProviderCharged: 10_000}
	checkMoney(r, ops, v)
	if r.OK || r.Lost == 0 {
		t.Errorf("a lost top-up: got ok %v, lost %d; want a loss found", r.OK, r.Lost)
	}

	// A charge the ledger never credited.
	ops, v = moneyFixture()
	r = &MoneyChaosResult{LedgerCheck: true, ProviderCharged: 20_000}
	checkMoney(r, ops, v)
	if r.OK || r.NotConserved == 0 {
		t.Errorf("a charge never credited: got ok %v, not conserved %d; want it found", r.OK, r.NotConserved)
	}

	// A red packet grabbed beyond its shares.
	ops, v = moneyFixture()
	v.packets[5] = &pb.RedPacket{Id: 5, Sender: 10, Total: 10, Count: 1, Left: 0, LeftCount: 0,
		Grabs: []*pb.RedPacketGrab{{User: 10, Amount: 5}, {User: 11, Amount: 5}}}
	r = &MoneyChaosResult{LedgerCheck: true, ProviderCharged: 10_000}
	checkMoney(r, ops, v)
	if r.OK || r.OverGrabbed == 0 {
		t.Errorf("an over-grabbed packet: got ok %v, over-grabbed %d; want it found", r.OK, r.OverGrabbed)
	}
}
