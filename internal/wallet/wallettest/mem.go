package wallettest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"hongyan/internal/hongyan"
	"hongyan/internal/wallet"
)

// Mem is a wallet.Store in memory: a fake for the simulation and the
// service's tests, held to the same conformance suite as the SQL stores.
// Atomically runs one function at a time and undoes its writes when it
// fails.
type Mem struct {
	mu        sync.Mutex
	entries   []wallet.Entry // by ID-1
	balances  map[wallet.Account]int64
	once      map[string]bool
	keys      map[memKey]wallet.Idem
	packets   []wallet.Packet // by ID-1
	grabs     map[int64][]wallet.Grab
	transfers []wallet.Transfer // by ID-1
	pins      map[hongyan.UserID]wallet.PIN
	seqs      map[hongyan.UserID]int64
	ops       map[string]wallet.ProviderOp

	// Fault, when set, is asked before each commit: fail true makes the
	// transaction roll back with an error; lost true commits it and still
	// returns an error, as a crash after the commit and before the reply
	// would (the caller cannot tell the two apart).
	Fault func() (fail, lost bool)
}

type memKey struct {
	u   hongyan.UserID
	key string
}

// ErrFault is the error of a fault injected by Mem.Fault.
var ErrFault = errors.New("wallettest: injected fault")

var _ wallet.Store = (*Mem)(nil)

// NewMem returns an empty store.
func NewMem() *Mem {
	return &Mem{
		balances: map[wallet.Account]int64{},
		once:     map[string]bool{},
		keys:     map[memKey]wallet.Idem{},
		grabs:    map[int64][]wallet.Grab{},
		pins:     map[hongyan.UserID]wallet.PIN{},
		seqs:     map[hongyan.UserID]int64{},
		ops:      map[string]wallet.ProviderOp{},
	}
}

// memTx is a transaction: writes go straight to the store and leave an
// undo behind.
type memTx struct {
	m    *Mem
	undo []func()
}

// Atomically runs fn with the store locked.
func (m *Mem) Atomically(ctx context.Context, fn func(tx wallet.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	tx := &memTx{m: m}
	err := fn(tx)
	lost := false
	if err == nil && m.Fault != nil {
		var fail bool
		fail, lost = m.Fault()
		if fail {
			err = ErrFault
		}
	}
	if err != nil {
		for i := len(tx.undo) - 1; i >= 0; i-- {
			tx.undo[i]()
		}
		return err
	}
	if lost {
		return ErrFault
	}
	return nil
}

func (t *memTx) Balance(a wallet.Account) (int64, error) { return t.m.balances[a], nil }

func (t *memTx) Post(e wallet.Entry) (wallet.Entry, error) {
	if err := e.Validate(); err != nil {
		return wallet.Entry{}, err
	}
	m := t.m
	if e.Once != "" && m.once[e.Once] {
		return wallet.Entry{}, hongyan.Errorf(hongyan.CodeExists, "ledger: %s happened already", e.Once)
	}
	for _, p := range e.Postings {
		if !p.Account.MayBeNegative() && m.balances[p.Account]+p.Amount < 0 {
			return wallet.Entry{}, hongyan.Errorf(hongyan.CodePrecondition, "ledger: %s would go below zero", p.Account).WithReason(hongyan.ReasonInsufficientFunds)
		}
	}
	e.ID = int64(len(m.entries) + 1)
	e.At = e.At.Truncate(time.Millisecond)
	e.Postings = slices.Clone(e.Postings)
	m.entries = append(m.entries, e)
	for _, p := range e.Postings {
		m.balances[p.Account] += p.Amount
	}
	if e.Once != "" {
		m.once[e.Once] = true
	}
	t.undo = append(t.undo, func() {
		m.entries = m.entries[:len(m.entries)-1]
		for _, p := range e.Postings {
			m.balances[p.Account] -= p.Amount
		}
		delete(m.once, e.Once)
	})
	return e, nil
}

func (t *memTx) Happened(once string) (bool, error) { return t.m.once[once], nil }

func (t *memTx) Key(u hongyan.UserID, key string) (wallet.Idem, bool, error) {
	i, ok := t.m.keys[memKey{u, key}]
	return i, ok, nil
}

func (t *memTx) Remember(i wallet.Idem) error {
	k := memKey{i.User, i.Key}
	if _, ok := t.m.keys[k]; ok {
		return hongyan.Errorf(hongyan.CodeExists, "idempotency key in use")
	}
	i.At = i.At.Truncate(time.Millisecond)
	t.m.keys[k] = i
	t.undo = append(t.undo, func() { delete(t.m.keys, k) })
	return nil
}

func (t *memTx) Packet(id int64) (wallet.Packet, bool, error) {
	if id <= 0 || id > int64(len(t.m.packets)) {
		return wallet.Packet{}, false, nil
	}
	return t.m.packets[id-1], true, nil
}

func (t *memTx) CreatePacket(p wallet.Packet) (wallet.Packet, error) {
	p.ID = int64(len(t.m.packets) + 1)
	p.Created, p.Expires = p.Created.Truncate(time.Millisecond), p.Expires.Truncate(time.Millisecond)
	t.m.packets = append(t.m.packets, p)
	t.undo = append(t.undo, func() { t.m.packets = t.m.packets[:len(t.m.packets)-1] })
	return p, nil
}

func (t *memTx) UpdatePacket(p wallet.Packet) error {
	old, ok, _ := t.Packet(p.ID)
	if !ok {
		return hongyan.Errorf(hongyan.CodeNotFound, "no such red packet")
	}
	n := old
	n.Left, n.LeftCount, n.State, n.Refunded = p.Left, p.LeftCount, p.State, p.Refunded
	t.m.packets[p.ID-1] = n
	t.undo = append(t.undo, func() { t.m.packets[p.ID-1] = old })
	return nil
}

func (t *memTx) Grab(packet int64, u hongyan.UserID) (wallet.Grab, bool, error) {
	for _, g := range t.m.grabs[packet] {
		if g.User == u {
			return g, true, nil
		}
	}
	return wallet.Grab{}, false, nil
}

func (t *memTx) AddGrab(g wallet.Grab) error {
	if _, ok, _ := t.Grab(g.Packet, g.User); ok {
		return hongyan.Errorf(hongyan.CodeExists, "grabbed already")
	}
	g.At = g.At.Truncate(time.Millisecond)
	t.m.grabs[g.Packet] = append(t.m.grabs[g.Packet], g)
	t.undo = append(t.undo, func() { gs := t.m.grabs[g.Packet]; t.m.grabs[g.Packet] = gs[:len(gs)-1] })
	return nil
}

func (t *memTx) Transfer(id int64) (wallet.Transfer, bool, error) {
	if id <= 0 || id > int64(len(t.m.transfers)) {
		return wallet.Transfer{}, false, nil
	}
	return t.m.transfers[id-1], true, nil
}

func (t *memTx) CreateTransfer(x wallet.Transfer) (wallet.Transfer, error) {
	x.ID = int64(len(t.m.transfers) + 1)
	x.Created, x.Expires, x.Settled = x.Created.Truncate(time.Millisecond), x.Expires.Truncate(time.Millisecond), x.Settled.Truncate(time.Millisecond)
	t.m.transfers = append(t.m.transfers, x)
	t.undo = append(t.undo, func() { t.m.transfers = t.m.transfers[:len(t.m.transfers)-1] })
	return x, nil
}

func (t *memTx) UpdateTransfer(x wallet.Transfer) error {
	old, ok, _ := t.Transfer(x.ID)
	if !ok {
		return hongyan.Errorf(hongyan.CodeNotFound, "no such transfer")
	}
	n := old
	n.State, n.Settled = x.State, x.Settled.Truncate(time.Millisecond)
	t.m.transfers[x.ID-1] = n
	t.undo = append(t.undo, func() { t.m.transfers[x.ID-1] = old })
	return nil
}

func (t *memTx) PIN(u hongyan.UserID) (wallet.PIN, bool, error) {
	p, ok := t.m.pins[u]
	return p, ok, nil
}

func (t *memTx) SavePIN(p wallet.PIN) error {
	old, had := t.m.pins[p.User]
	p.Locked = p.Locked.Truncate(time.Millisecond)
	t.m.pins[p.User] = p
	t.undo = append(t.undo, func() {
		if had {
			t.m.pins[p.User] = old
		} else {
			delete(t.m.pins, p.User)
		}
	})
	return nil
}

func (t *memTx) AppendChanges(in []hongyan.Change) ([]hongyan.Change, error) {
	out := make([]hongyan.Change, len(in))
	for i, c := range in {
		u := c.User
		t.m.seqs[u]++
		c.Seq = t.m.seqs[u]
		out[i] = c
		t.undo = append(t.undo, func() { t.m.seqs[u]-- })
	}
	return out, nil
}

// ---- reads ----

func (m *Mem) Balance(ctx context.Context, u hongyan.UserID) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.balances[wallet.UserAccount(u)], nil
}

func (m *Mem) movements(u hongyan.UserID, keep func(e wallet.Entry, amount int64) bool, limit int) []wallet.Movement {
	var out []wallet.Movement
	a := wallet.UserAccount(u)
	for i := len(m.entries) - 1; i >= 0 && (limit <= 0 || len(out) < limit); i-- {
		e := m.entries[i]
		for _, p := range e.Postings {
			if p.Account == a && keep(e, p.Amount) {
				out = append(out, wallet.Movement{Entry: e.ID, Kind: e.Kind, Amount: p.Amount, Peer: e.Peer, Ref: e.Ref, At: e.At})
			}
		}
	}
	return out
}

func (m *Mem) History(ctx context.Context, u hongyan.UserID, f wallet.HistoryFilter) ([]wallet.Movement, error) {
	if f.Limit <= 0 {
		return nil, hongyan.Errorf(hongyan.CodeInvalid, "limit must be positive")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.movements(u, func(e wallet.Entry, amount int64) bool {
		return (f.Before <= 0 || e.ID < f.Before) &&
			(len(f.Kinds) == 0 || slices.Contains(f.Kinds, e.Kind)) &&
			(!f.In || amount > 0) && (!f.Out || amount < 0) &&
			(f.From.IsZero() || !e.At.Before(f.From)) && (f.Until.IsZero() || e.At.Before(f.Until))
	}, f.Limit), nil
}

func (m *Mem) Sum(ctx context.Context, u hongyan.UserID, from, until time.Time) (in, out int64, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, mv := range m.movements(u, func(e wallet.Entry, _ int64) bool { return !e.At.Before(from) && e.At.Before(until) }, 0) {
		if mv.Amount > 0 {
			in += mv.Amount
		} else {
			out -= mv.Amount
		}
	}
	return in, out, nil
}

func (m *Mem) Packet(ctx context.Context, id int64) (wallet.Packet, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, ok, _ := (&memTx{m: m}).Packet(id)
	if !ok {
		return wallet.Packet{}, hongyan.Errorf(hongyan.CodeNotFound, "no such red packet")
	}
	return p, nil
}

func (m *Mem) Grabs(ctx context.Context, packet int64) ([]wallet.Grab, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.grabs[packet]), nil
}

func (m *Mem) Transfer(ctx context.Context, id int64) (wallet.Transfer, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	x, ok, _ := (&memTx{m: m}).Transfer(id)
	if !ok {
		return wallet.Transfer{}, hongyan.Errorf(hongyan.CodeNotFound, "no such transfer")
	}
	return x, nil
}

func (m *Mem) PIN(ctx context.Context, u hongyan.UserID) (wallet.PIN, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, ok := m.pins[u]
	return p, ok, nil
}

func (m *Mem) Due(ctx context.Context, now time.Time, limit int) (packets, transfers []int64, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, p := range m.packets {
		if p.State == wallet.PacketOpen && !now.Before(p.Expires) && len(packets) < limit {
			packets = append(packets, p.ID)
		}
	}
	for _, x := range m.transfers {
		if x.State == wallet.TransferPending && !now.Before(x.Expires) && len(transfers) < limit {
			transfers = append(transfers, x.ID)
		}
	}
	return packets, transfers, nil
}

func (m *Mem) ForgetKeys(ctx context.Context, before time.Time) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var n int64
	for k, i := range m.keys {
		if i.At.Before(before) {
			delete(m.keys, k)
			n++
		}
	}
	return n, nil
}

// Check verifies the invariants from the entries up: every balance is
// derived again from the postings and compared with the kept one.
func (m *Mem) Check(ctx context.Context) (wallet.Report, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var r wallet.Report
	derived := make(map[wallet.Account]int64, len(m.balances))
	once := make(map[string]int, len(m.once))
	settled := make(map[int64]int, len(m.transfers))
	refunded := make(map[int64]int, len(m.packets))
	grabbed := make(map[[2]int64]int, len(m.entries))
	for _, e := range m.entries {
		r.Entries++
		var sum int64
		for _, p := range e.Postings {
			r.Postings++
			sum += p.Amount
			derived[p.Account] += p.Amount
			r.Total += p.Amount
		}
		if sum != 0 || len(e.Postings) < 2 {
			r.Unbalanced++
			r.Note("entry %d sums to %d", e.ID, sum)
		}
		switch e.Kind {
		case wallet.EntryTransferAccept, wallet.EntryTransferReturn, wallet.EntryTransferRefund:
			settled[e.Ref]++
		case wallet.EntryPacketRefund:
			refunded[e.Ref]++
		case wallet.EntryPacketGrab:
			grabbed[[2]int64{e.Ref, int64(e.User)}]++
		}
		if e.Once != "" {
			once[e.Once]++
		}
	}
	for _, n := range []map[int64]int{settled, refunded} {
		for ref, c := range n {
			if c > 1 {
				r.Twice++
				r.Note("%d settlements or refunds of %d", c, ref)
			}
		}
	}
	for k, c := range grabbed {
		if c > 1 {
			r.Twice++
			r.Note("user %d paid %d times from packet %d", k[1], c, k[0])
		}
	}
	for k, c := range once {
		if c > 1 {
			r.Twice++
			r.Note("%s %d times", k, c)
		}
	}
	for a := range m.balances {
		if _, ok := derived[a]; !ok {
			derived[a] = 0
		}
	}
	for a := range derived {
		r.Accounts++
		if derived[a] != m.balances[a] {
			r.CacheMismatch++
			r.Note("%s kept %d, postings %d", a, m.balances[a], derived[a])
		}
		if derived[a] < 0 && !a.MayBeNegative() {
			r.Negative++
			r.Note("%s at %d", a, derived[a])
		}
	}
	for _, p := range m.packets {
		r.Packets++
		var sum int64
		for _, g := range m.grabs[p.ID] {
			sum += g.Amount
		}
		escrow := derived[wallet.Account{Kind: wallet.AccountPacket, Ref: p.ID}]
		want := p.Left
		if p.State != wallet.PacketOpen {
			want = 0
		}
		if escrow != want || p.Left+sum+p.Refunded != p.Total || p.LeftCount+int64(len(m.grabs[p.ID])) != p.Count ||
			(p.State == wallet.PacketOpen) != (p.LeftCount > 0 && p.Refunded == 0) {
			r.PacketEscrow++
			r.Note("packet %d: escrow %d, left %d, grabbed %d, refunded %d of %d", p.ID, escrow, p.Left, sum, p.Refunded, p.Total)
		}
	}
	for _, x := range m.transfers {
		r.Transfers++
		escrow := derived[wallet.Account{Kind: wallet.AccountTransfer, Ref: x.ID}]
		want := int64(0)
		if x.State == wallet.TransferPending {
			want = x.Amount
		}
		if escrow != want {
			r.TransferEscrow++
			r.Note("transfer %d: escrow %d, want %d", x.ID, escrow, want)
		}
	}
	if r.Total != 0 {
		r.Note("postings sum to %d", r.Total)
	}
	r.Finish()
	return r, nil
}

func (t *memTx) ProviderOp(key string) (wallet.ProviderOp, bool, error) {
	o, ok := t.m.ops[key]
	return o, ok, nil
}

func (t *memTx) SaveProviderOp(o wallet.ProviderOp) error {
	old, had := t.m.ops[o.Key]
	o.Created = o.Created.Truncate(time.Millisecond)
	t.m.ops[o.Key] = o
	t.undo = append(t.undo, func() {
		if had {
			t.m.ops[o.Key] = old
		} else {
			delete(t.m.ops, o.Key)
		}
	})
	return nil
}

// PendingProviderOps lists pending provider operations created before
// before, oldest first.
func (m *Mem) PendingProviderOps(ctx context.Context, before time.Time, limit int) ([]wallet.ProviderOp, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []wallet.ProviderOp
	for _, o := range m.ops {
		if o.State == wallet.ProviderOpPending && o.Created.Before(before) {
			out = append(out, o)
		}
	}
	slices.SortFunc(out, func(a, b wallet.ProviderOp) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return strings.Compare(a.Key, b.Key)
	})
	return out[:min(len(out), limit)], nil
}
