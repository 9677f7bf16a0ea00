// Package walletdb is the wallet feature's storage (wallet.Store) on the
// shared SQL core: the ledger, red packets, transfers, idempotency keys and
// payment passwords. Every transaction goes through
// sqldb.DB.WriteSerializable: SQLite's single writer, or PostgreSQL at
// SERIALIZABLE with retries.
package walletdb

import (
	"context"
	"math"
	"time"

	"hongyan/internal/hongyan"
	"hongyan/internal/sqldb"
	"hongyan/internal/wallet"
)

// Store implements wallet.Store.
type Store struct{ db *sqldb.DB }

var _ wallet.Store = Store{}

// New returns the wallet store on db.
func New(db *sqldb.DB) Store { return Store{db} }

// Atomically runs fn in one serializable write transaction.
func (s Store) Atomically(ctx context.Context, fn func(tx wallet.Tx) error) error {
	return s.db.WriteSerializable(ctx, func(t *sqldb.Tx) error { return fn(tx{t}) })
}

type tx struct{ t *sqldb.Tx }

func (x tx) Balance(a wallet.Account) (int64, error) {
	var b int64
	_, err := x.t.Read(`SELECT balance FROM wallet_balances WHERE account_kind = $1 AND account_ref = $2`,
		[]any{int64(a.Kind), a.Ref}, &b)
	return b, sqldb.Internal(err)
}

func (x tx) Happened(once string) (bool, error) {
	var one int64
	found, err := x.t.Read(`SELECT 1 FROM wallet_entries WHERE once = $1`, []any{once}, &one)
	return found, sqldb.Internal(err)
}

func (x tx) Post(e wallet.Entry) (wallet.Entry, error) {
	if err := e.Validate(); err != nil {
		return wallet.Entry{}, err
	}
	if e.Once != "" {
		if done, err := x.Happened(e.Once); err != nil || done {
			if err == nil {
				err = hongyan.Errorf(hongyan.CodeExists, "ledger: %s happened already", e.Once)
			}
			return wallet.Entry{}, err
		}
	}
	for _, p := range e.Postings {
		if p.Amount > 0 || p.Account.MayBeNegative() {
			continue
		}
		b, err := x.Balance(p.Account)
		if err != nil {
			return wallet.Entry{}, err
		}
		if b+p.Amount < 0 {
			return wallet.Entry{}, hongyan.Errorf(hongyan.CodePrecondition, "ledger: %s would go below zero", p.Account).WithReason(hongyan.ReasonInsufficientFunds)
		}
	}
	e.At = sqldb.Tm(sqldb.Ms(e.At))
	if _, err := x.t.Write(`INSERT INTO wallet_entries (kind, user_id, peer, ref, once, at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		[]any{int64(e.Kind), int64(e.User), int64(e.Peer), e.Ref, sqldb.NullIfEmpty(e.Once), sqldb.Ms(e.At)}, &e.ID); err != nil {
		if x.t.Dialect().IsUnique(err) {
			return wallet.Entry{}, hongyan.Errorf(hongyan.CodeExists, "ledger: %s happened already", e.Once)
		}
		return wallet.Entry{}, sqldb.Internal(err)
	}
	for _, p := range e.Postings {
		if _, err := x.t.Exec(`INSERT INTO wallet_postings (entry, account_kind, account_ref, amount) VALUES ($1, $2, $3, $4)`,
			e.ID, int64(p.Account.Kind), p.Account.Ref, p.Amount); err != nil {
			return wallet.Entry{}, sqldb.Internal(err)
		}
		n, err := x.t.Exec(`UPDATE wallet_balances SET balance = balance + $3 WHERE account_kind = $1 AND account_ref = $2`,
			int64(p.Account.Kind), p.Account.Ref, p.Amount)
		if err == nil && n == 0 {
			_, err = x.t.Exec(`INSERT INTO wallet_balances (account_kind, account_ref, balance) VALUES ($1, $2, $3)`,
				int64(p.Account.Kind), p.Account.Ref, p.Amount)
		}
		if err != nil {
			return wallet.Entry{}, sqldb.Internal(err)
		}
	}
	return e, nil
}

func (x tx) Key(u hongyan.UserID, key string) (wallet.Idem, bool, error) {
	i := wallet.Idem{User: u, Key: key}
	var at int64
	found, err := x.t.Read(`SELECT hash, ref, at FROM wallet_keys WHERE user_id = $1 AND key = $2`, []any{int64(u), key}, &i.Hash, &i.Ref, &at)
	i.At = sqldb.Tm(at)
	return i, found, sqldb.Internal(err)
}

func (x tx) Remember(i wallet.Idem) error {
	n, err := x.t.Exec(`INSERT INTO wallet_keys (user_id, key, hash, ref, at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
		int64(i.User), i.Key, i.Hash, i.Ref, sqldb.Ms(i.At))
	if err != nil {
		return sqldb.Internal(err)
	}
	if n == 0 {
		return hongyan.Errorf(hongyan.CodeExists, "idempotency key in use")
	}
	return nil
}

const packetCols = `id, sender, to_user, to_group, kind, total, count, greeting, left_amount, left_count, state, created, expires, refunded`

func scanPacket(scan func(...any) error) (wallet.Packet, error) {
	var p wallet.Packet
	var sender, toUser, toGroup, kind, state, created, expires int64
	err := scan(&p.ID, &sender, &toUser, &toGroup, &kind, &p.Total, &p.Count, &p.Greeting, &p.Left, &p.LeftCount, &state, &created, &expires, &p.Refunded)
	p.Sender, p.To = hongyan.UserID(sender), wallet.Target{User: hongyan.UserID(toUser), Group: hongyan.ConversationID(toGroup)}
	p.Kind, p.State = wallet.PacketKind(kind), wallet.PacketState(state)
	p.Created, p.Expires = sqldb.Tm(created), sqldb.Tm(expires)
	return p, err
}

func (x tx) Packet(id int64) (wallet.Packet, bool, error) {
	var p wallet.Packet
	found, err := x.t.ReadScan(`SELECT `+packetCols+` FROM wallet_packets WHERE id = $1`, []any{id}, func(scan func(...any) error) error {
		var err error
		p, err = scanPacket(scan)
		return err
	})
	return p, found, sqldb.Internal(err)
}

func (x tx) CreatePacket(p wallet.Packet) (wallet.Packet, error) {
	p.Created, p.Expires = sqldb.Tm(sqldb.Ms(p.Created)), sqldb.Tm(sqldb.Ms(p.Expires))
	_, err := x.t.Write(`INSERT INTO wallet_packets (sender, to_user, to_group, kind, total, count, greeting, left_amount, left_count, state, created, expires, refunded)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
		[]any{int64(p.Sender), int64(p.To.User), int64(p.To.Group), int64(p.Kind), p.Total, p.Count, p.Greeting, p.Left, p.LeftCount,
			int64(p.State), sqldb.Ms(p.Created), sqldb.Ms(p.Expires), p.Refunded}, &p.ID)
	return p, sqldb.Internal(err)
}

func (x tx) UpdatePacket(p wallet.Packet) error {
	n, err := x.t.Exec(`UPDATE wallet_packets SET left_amount = $2, left_count = $3, state = $4, refunded = $5 WHERE id = $1`,
		p.ID, p.Left, p.LeftCount, int64(p.State), p.Refunded)
	if err != nil {
		return sqldb.Internal(err)
	}
	if n == 0 {
		return sqldb.NotFound("no such red packet")
	}
	return nil
}

func (x tx) Grab(packet int64, u hongyan.UserID) (wallet.Grab, bool, error) {
	g := wallet.Grab{Packet: packet, User: u}
	var at int64
	found, err := x.t.Read(`SELECT amount, seq, at FROM wallet_grabs WHERE packet = $1 AND user_id = $2`, []any{packet, int64(u)}, &g.Amount, &g.Seq, &at)
	g.At = sqldb.Tm(at)
	return g, found, sqldb.Internal(err)
}

func (x tx) AddGrab(g wallet.Grab) error {
	n, err := x.t.Exec(`INSERT INTO wallet_grabs (packet, user_id, amount, seq, at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
		g.Packet, int64(g.User), g.Amount, g.Seq, sqldb.Ms(g.At))
	if err != nil {
		return sqldb.Internal(err)
	}
	if n == 0 {
		return hongyan.Errorf(hongyan.CodeExists, "this member grabbed the red packet already")
	}
	return nil
}

const transferCols = `id, from_user, to_user, amount, note, state, created, expires, settled`

func scanTransfer(scan func(...any) error) (wallet.Transfer, error) {
	var t wallet.Transfer
	var from, to, state, created, expires, settled int64
	err := scan(&t.ID, &from, &to, &t.Amount, &t.Note, &state, &created, &expires, &settled)
	t.From, t.To, t.State = hongyan.UserID(from), hongyan.UserID(to), wallet.TransferState(state)
	t.Created, t.Expires = sqldb.Tm(created), sqldb.Tm(expires)
	if settled != 0 {
		t.Settled = sqldb.Tm(settled)
	}
	return t, err
}

func msOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return sqldb.Ms(t)
}

func (x tx) Transfer(id int64) (wallet.Transfer, bool, error) {
	var t wallet.Transfer
	found, err := x.t.ReadScan(`SELECT `+transferCols+` FROM wallet_transfers WHERE id = $1`, []any{id}, func(scan func(...any) error) error {
		var err error
		t, err = scanTransfer(scan)
		return err
	})
	return t, found, sqldb.Internal(err)
}

func (x tx) CreateTransfer(t wallet.Transfer) (wallet.Transfer, error) {
	t.Created, t.Expires = sqldb.Tm(sqldb.Ms(t.Created)), sqldb.Tm(sqldb.Ms(t.Expires))
	_, err := x.t.Write(`INSERT INTO wallet_transfers (from_user, to_user, amount, note, state, created, expires, settled)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		[]any{int64(t.From), int64(t.To), t.Amount, t.Note, int64(t.State), sqldb.Ms(t.Created), sqldb.Ms(t.Expires), msOrZero(t.Settled)}, &t.ID)
	return t, sqldb.Internal(err)
}

func (x tx) UpdateTransfer(t wallet.Transfer) error {
	n, err := x.t.Exec(`UPDATE wallet_transfers SET state = $2, settled = $3 WHERE id = $1`, t.ID, int64(t.State), msOrZero(t.Settled))
	if err != nil {
		return sqldb.Internal(err)
	}
	if n == 0 {
		return sqldb.NotFound("no such transfer")
	}
	return nil
}

func scanPIN(scan func(...any) error) (wallet.PIN, error) {
	var p wallet.PIN
	var u, locked int64
	err := scan(&u, &p.Hash, &p.Recovery, &p.Failures, &locked)
	p.User = hongyan.UserID(u)
	if locked != 0 {
		p.Locked = sqldb.Tm(locked)
	}
	return p, err
}

func (x tx) PIN(u hongyan.UserID) (wallet.PIN, bool, error) {
	var p wallet.PIN
	found, err := x.t.ReadScan(`SELECT user_id, hash, recovery, failures, locked FROM wallet_pins WHERE user_id = $1`, []any{int64(u)},
		func(scan func(...any) error) error {
			var err error
			p, err = scanPIN(scan)
			return err
		})
	return p, found, sqldb.Internal(err)
}

func (x tx) SavePIN(p wallet.PIN) error {
	_, err := x.t.Exec(`INSERT INTO wallet_pins (user_id, hash, recovery, failures, locked) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (user_id) DO UPDATE SET hash = excluded.hash, recovery = excluded.recovery, failures = excluded.failures, locked = excluded.locked`,
		int64(p.User), p.Hash, p.Recovery, p.Failures, msOrZero(p.Locked))
	if err != nil {
		return sqldb.Internal(err)
	}
	x.t.MarkDirty()
	return nil
}

func (x tx) AppendChanges(in []hongyan.Change) ([]hongyan.Change, error) {
	if err := sqldb.CheckChanges(in); err != nil {
		return nil, err
	}
	return x.t.AppendChanges(in)
}

// ---- reads ----

// Balance returns user u's wallet balance.
func (s Store) Balance(ctx context.Context, u hongyan.UserID) (int64, error) {
	var b int64
	_, err := s.db.QueryRow(ctx, `SELECT balance FROM wallet_balances WHERE account_kind = $1 AND account_ref = $2`,
		[]any{int64(wallet.AccountUser), int64(u)}, &b)
	return b, err
}

func scanMovement(scan func(...any) error) (wallet.Movement, error) {
	var m wallet.Movement
	var kind, peer, at int64
	err := scan(&m.Entry, &kind, &m.Amount, &peer, &m.Ref, &at)
	m.Kind, m.Peer, m.At = wallet.EntryKind(kind), hongyan.UserID(peer), sqldb.Tm(at)
	return m, err
}

func timeRange(from, until time.Time) (int64, int64) {
	lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
	if !from.IsZero() {
		lo = sqldb.Ms(from)
	}
	if !until.IsZero() {
		hi = sqldb.Ms(until)
	}
	return lo, hi
}

// History lists u's movements, newest first.
func (s Store) History(ctx context.Context, u hongyan.UserID, f wallet.HistoryFilter) ([]wallet.Movement, error) {
	if err := sqldb.CheckLimit(f.Limit); err != nil {
		return nil, err
	}
	before := f.Before
	if before <= 0 {
		before = math.MaxInt64
	}
	var mask int64
	for _, k := range f.Kinds {
		if k < 62 {
			mask |= 1 << k
		}
	}
	in, out := 0, 0
	if f.In {
		in = 1
	}
	if f.Out {
		out = 1
	}
	lo, hi := timeRange(f.From, f.Until)
	return sqldb.QueryAll(ctx, s.db, scanMovement, `SELECT e.id, e.kind, p.amount, e.peer, e.ref, e.at
		FROM wallet_postings p JOIN wallet_entries e ON e.id = p.entry
		WHERE p.account_kind = $1 AND p.account_ref = $2 AND p.entry < $3
		AND ($4 = 0 OR p.amount > 0) AND ($5 = 0 OR p.amount < 0)
		AND e.at >= $6 AND e.at < $7
		AND ($8 = 0 OR ($8 / (CAST(1 AS BIGINT) << CAST(e.kind AS INTEGER))) % 2 = 1)
		ORDER BY p.entry DESC LIMIT $9`,
		int64(wallet.AccountUser), int64(u), before, in, out, lo, hi, mask, f.Limit)
}

// Sum adds up u's money in and out in [from, until).
func (s Store) Sum(ctx context.Context, u hongyan.UserID, from, until time.Time) (in, out int64, err error) {
	lo, hi := timeRange(from, until)
	_, err = s.db.QueryRow(ctx, `SELECT COALESCE(SUM(CASE WHEN p.amount > 0 THEN p.amount ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN p.amount < 0 THEN -p.amount ELSE 0 END), 0)
		FROM wallet_postings p JOIN wallet_entries e ON e.id = p.entry
		WHERE p.account_kind = $1 AND p.account_ref = $2 AND e.at >= $3 AND e.at < $4`,
		[]any{int64(wallet.AccountUser), int64(u), lo, hi}, &in, &out)
	return in, out, err
}

// Packet returns red packet id.
func (s Store) Packet(ctx context.Context, id int64) (wallet.Packet, error) {
	ps, err := sqldb.QueryAll(ctx, s.db, scanPacket, `SELECT `+packetCols+` FROM wallet_packets WHERE id = $1`, id)
	if err != nil {
		return wallet.Packet{}, err
	}
	if len(ps) == 0 {
		return wallet.Packet{}, sqldb.NotFound("no such red packet")
	}
	return ps[0], nil
}

// Grabs returns a packet's grabs in order.
func (s Store) Grabs(ctx context.Context, packet int64) ([]wallet.Grab, error) {
	return sqldb.QueryAll(ctx, s.db, func(scan func(...any) error) (wallet.Grab, error) {
		var g wallet.Grab
		var u, at int64
		err := scan(&g.Packet, &u, &g.Amount, &g.Seq, &at)
		g.User, g.At = hongyan.UserID(u), sqldb.Tm(at)
		return g, err
	}, `SELECT packet, user_id, amount, seq, at FROM wallet_grabs WHERE packet = $1 ORDER BY seq`, packet)
}

// Transfer returns transfer id.
func (s Store) Transfer(ctx context.Context, id int64) (wallet.Transfer, error) {
	ts, err := sqldb.QueryAll(ctx, s.db, scanTransfer, `SELECT `+transferCols+` FROM wallet_transfers WHERE id = $1`, id)
	if err != nil {
		return wallet.Transfer{}, err
	}
	if len(ts) == 0 {
		return wallet.Transfer{}, sqldb.NotFound("no such transfer")
	}
	return ts[0], nil
}

// PIN returns u's payment password.
func (s Store) PIN(ctx context.Context, u hongyan.UserID) (wallet.PIN, bool, error) {
	ps, err := sqldb.QueryAll(ctx, s.db, scanPIN, `SELECT user_id, hash, recovery, failures, locked FROM wallet_pins WHERE user_id = $1`, int64(u))
	if err != nil || len(ps) == 0 {
		return wallet.PIN{}, false, err
	}
	return ps[0], true, nil
}

// Due lists open packets and pending transfers expired at now.
func (s Store) Due(ctx context.Context, now time.Time, limit int) (packets, transfers []int64, err error) {
	if err := sqldb.CheckLimit(limit); err != nil {
		return nil, nil, err
	}
	id := func(scan func(...any) error) (int64, error) {
		var v int64
		return v, scan(&v)
	}
	packets, err = sqldb.QueryAll(ctx, s.db, id, `SELECT id FROM wallet_packets WHERE state = $1 AND expires <= $2 ORDER BY expires LIMIT $3`,
		int64(wallet.PacketOpen), sqldb.Ms(now), limit)
	if err != nil {
		return nil, nil, err
	}
	transfers, err = sqldb.QueryAll(ctx, s.db, id, `SELECT id FROM wallet_transfers WHERE state = $1 AND expires <= $2 ORDER BY expires LIMIT $3`,
		int64(wallet.TransferPending), sqldb.Ms(now), limit)
	return packets, transfers, err
}

// ForgetKeys deletes idempotency keys remembered before t.
func (s Store) ForgetKeys(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		var err error
		n, err = t.Exec(`DELETE FROM wallet_keys WHERE at < $1`, sqldb.Ms(before))
		return sqldb.Internal(err)
	})
	return n, err
}

// ---- provider operations ----

const providerOpCols = `key, user_id, kind, amount, user_key, hash, entry, state, created`

func scanProviderOp(scan func(...any) error) (wallet.ProviderOp, error) {
	var o wallet.ProviderOp
	var u, kind, state, created int64
	err := scan(&o.Key, &u, &kind, &o.Amount, &o.UserKey, &o.Hash, &o.Entry, &state, &created)
	o.User, o.Kind, o.State, o.Created = hongyan.UserID(u), wallet.EntryKind(kind), wallet.ProviderOpState(state), sqldb.Tm(created)
	return o, err
}

func (x tx) ProviderOp(key string) (wallet.ProviderOp, bool, error) {
	var o wallet.ProviderOp
	found, err := x.t.ReadScan(`SELECT `+providerOpCols+` FROM wallet_provider_ops WHERE key = $1`, []any{key}, func(scan func(...any) error) error {
		var err error
		o, err = scanProviderOp(scan)
		return err
	})
	return o, found, sqldb.Internal(err)
}

func (x tx) SaveProviderOp(o wallet.ProviderOp) error {
	_, err := x.t.Exec(`INSERT INTO wallet_provider_ops (`+providerOpCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (key) DO UPDATE SET entry = excluded.entry, state = excluded.state, created = excluded.created`,
		o.Key, int64(o.User), int64(o.Kind), o.Amount, o.UserKey, o.Hash, o.Entry, int64(o.State), sqldb.Ms(o.Created))
	if err != nil {
		return sqldb.Internal(err)
	}
	x.t.MarkDirty()
	return nil
}

// PendingProviderOps lists pending provider operations created before
// before, oldest first.
func (s Store) PendingProviderOps(ctx context.Context, before time.Time, limit int) ([]wallet.ProviderOp, error) {
	if err := sqldb.CheckLimit(limit); err != nil {
		return nil, err
	}
	return sqldb.QueryAll(ctx, s.db, scanProviderOp, `SELECT `+providerOpCols+` FROM wallet_provider_ops
		WHERE state = $1 AND created < $2 ORDER BY created, key LIMIT $3`,
		int64(wallet.ProviderOpPending), sqldb.Ms(before), limit)
}
