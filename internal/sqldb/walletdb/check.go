package walletdb

import (
	"context"

	"hongyan/internal/sqldb"
	"hongyan/internal/wallet"
)

// Check verifies the ledger's invariants over all of it, from the postings
// up (see wallet.Report). It reads committed data; on a busy node the
// reads are several statements, so a movement committed between two of
// them can show as a transient violation: run it again, or on a quiet
// node, before acting on one.
func (s Store) Check(ctx context.Context) (wallet.Report, error) {
	var r wallet.Report
	one := func(dest *int64, q string, args ...any) error {
		_, err := s.db.QueryRow(ctx, q, args, dest)
		return err
	}
	for _, c := range []struct {
		dest *int64
		q    string
	}{
		{&r.Entries, `SELECT count(*) FROM wallet_entries`},
		{&r.Postings, `SELECT count(*) FROM wallet_postings`},
		{&r.Packets, `SELECT count(*) FROM wallet_packets`},
		{&r.Transfers, `SELECT count(*) FROM wallet_transfers`},
		{&r.Total, `SELECT COALESCE(SUM(amount), 0) FROM wallet_postings`},
		// Each entry's postings sum to zero, and there are two or more.
		{&r.Unbalanced, `SELECT count(*) FROM (SELECT e.id FROM wallet_entries e LEFT JOIN wallet_postings p ON p.entry = e.id
			GROUP BY e.id HAVING count(p.entry) < 2 OR COALESCE(SUM(p.amount), 0) <> 0) x`},
	} {
		if err := one(c.dest, c.q); err != nil {
			return wallet.Report{}, err
		}
	}
	if r.Unbalanced > 0 {
		r.Note("%d entries do not balance", r.Unbalanced)
	}
	if r.Total != 0 {
		r.Note("postings sum to %d", r.Total)
	}
	// Nothing paid twice: settlements per transfer, refunds per packet,
	// grabs per member and packet.
	var twice [3]int64
	for i, c := range []struct {
		q    string
		args []any
	}{
		{`SELECT count(*) FROM (SELECT ref FROM wallet_entries WHERE kind IN ($1, $2, $3) GROUP BY ref HAVING count(*) > 1) x`,
			[]any{int64(wallet.EntryTransferAccept), int64(wallet.EntryTransferReturn), int64(wallet.EntryTransferRefund)}},
		{`SELECT count(*) FROM (SELECT ref FROM wallet_entries WHERE kind = $1 GROUP BY ref HAVING count(*) > 1) x`,
			[]any{int64(wallet.EntryPacketRefund)}},
		{`SELECT count(*) FROM (SELECT ref FROM wallet_entries WHERE kind = $1 GROUP BY ref, user_id HAVING count(*) > 1) x`,
			[]any{int64(wallet.EntryPacketGrab)}},
	} {
		if err := one(&twice[i], c.q, c.args...); err != nil {
			return wallet.Report{}, err
		}
		r.Twice += twice[i]
	}
	if r.Twice > 0 {
		r.Note("%d transfers settled twice, %d packets refunded twice, %d grabs paid twice", twice[0], twice[1], twice[2])
	}
	// Each kept balance equals its postings; none but the provider's is
	// below zero.
	type acct struct {
		kind, ref, kept, derived int64
	}
	accts, err := sqldb.QueryAll(ctx, s.db, func(scan func(...any) error) (acct, error) {
		var a acct
		return a, scan(&a.kind, &a.ref, &a.kept, &a.derived)
	}, `SELECT COALESCE(b.account_kind, d.account_kind), COALESCE(b.account_ref, d.account_ref), COALESCE(b.balance, 0), COALESCE(d.sum, 0)
		FROM wallet_balances b FULL OUTER JOIN
		(SELECT account_kind, account_ref, SUM(amount) AS sum FROM wallet_postings GROUP BY account_kind, account_ref) d
		ON d.account_kind = b.account_kind AND d.account_ref = b.account_ref`)
	if err != nil {
		return wallet.Report{}, err
	}
	for _, a := range accts {
		r.Accounts++
		account := wallet.Account{Kind: wallet.AccountKind(a.kind), Ref: a.ref}
		if a.kept != a.derived {
			r.CacheMismatch++
			r.Note("%s kept %d, postings %d", account, a.kept, a.derived)
		}
		if a.derived < 0 && !account.MayBeNegative() {
			r.Negative++
			r.Note("%s at %d", account, a.derived)
		}
	}
	// Each packet's escrow holds its unclaimed shares while open and
	// nothing after; grabs, what is left and the refund add up to the
	// total; grabs and shares left add up to the count.
	type pk struct {
		id, total, count, left, leftCount, state, refunded, grabbed, grabs, escrow int64
	}
	pks, err := sqldb.QueryAll(ctx, s.db, func(scan func(...any) error) (pk, error) {
		var p pk
		return p, scan(&p.id, &p.total, &p.count, &p.left, &p.leftCount, &p.state, &p.refunded, &p.grabbed, &p.grabs, &p.escrow)
	}, `SELECT p.id, p.total, p.count, p.left_amount, p.left_count, p.state, p.refunded,
		COALESCE(g.sum, 0), COALESCE(g.n, 0), COALESCE(e.sum, 0)
		FROM wallet_packets p
		LEFT JOIN (SELECT packet, SUM(amount) AS sum, count(*) AS n FROM wallet_grabs GROUP BY packet) g ON g.packet = p.id
		LEFT JOIN (SELECT account_ref, SUM(amount) AS sum FROM wallet_postings WHERE account_kind = $1 GROUP BY account_ref) e ON e.account_ref = p.id`,
		int64(wallet.AccountPacket))
	if err != nil {
		return wallet.Report{}, err
	}
	for _, p := range pks {
		open := wallet.PacketState(p.state) == wallet.PacketOpen
		want := p.left
		if !open {
			want = 0
		}
		if p.escrow != want || p.left+p.grabbed+p.refunded != p.total || p.leftCount+p.grabs != p.count ||
			open != (p.leftCount > 0 && p.refunded == 0) {
			r.PacketEscrow++
			r.Note("packet %d: escrow %d, left %d, grabbed %d, refunded %d of %d", p.id, p.escrow, p.left, p.grabbed, p.refunded, p.total)
		}
	}
	// Each transfer's escrow holds its amount while pending and nothing
	// after.
	type tr struct{ id, amount, state, escrow int64 }
	trs, err := sqldb.QueryAll(ctx, s.db, func(scan func(...any) error) (tr, error) {
		var t tr
		return t, scan(&t.id, &t.amount, &t.state, &t.escrow)
	}, `SELECT t.id, t.amount, t.state, COALESCE(e.sum, 0) FROM wallet_transfers t
		LEFT JOIN (SELECT account_ref, SUM(amount) AS sum FROM wallet_postings WHERE account_kind = $1 GROUP BY account_ref) e ON e.account_ref = t.id`,
		int64(wallet.AccountTransfer))
	if err != nil {
		return wallet.Report{}, err
	}
	for _, t := range trs {
		want := int64(0)
		if wallet.TransferState(t.state) == wallet.TransferPending {
			want = t.amount
		}
		if t.escrow != want {
			r.TransferEscrow++
			r.Note("transfer %d: escrow %d, want %d", t.id, t.escrow, want)
		}
	}
	r.Finish()
	return r, nil
}
