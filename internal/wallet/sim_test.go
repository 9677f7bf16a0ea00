package wallet_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"hongyan/internal/hongyan"
	"hongyan/internal/membus"
	"hongyan/internal/sandboxpay"
	"hongyan/internal/wallet"
	"hongyan/internal/wallet/wallettest"
)

// The deterministic simulation. A seed drives everything: which user does
// what, amounts, the clock, the lucky split, the provider's refusals and
// crashes at commit — a transaction that rolls back with an error, or one
// that commits and still answers with an error, as a crash between the
// commit and the reply would. A client whose request failed that way
// retries it with the same idempotency key until it hears an answer, as
// the protocol asks.
//
// Beside the store, the simulation keeps a model of what must be true:
// every user's balance, each red packet's shares left, each transfer's
// state, the outcome every request must have (success, all taken,
// expired, not enough money, …). After every step it compares the store
// with the model and runs the ledger check (wallet.Store.Check) over the
// whole ledger. The world restarts every simEpoch steps (a fresh store) so
// that checking the whole ledger after each step stays cheap.
//
// HONGYAN_SIM_SEED=N replays a run; HONGYAN_SIM_OPS=N sets its length
// (default 10⁶, 10⁵ with -short).

const (
	simUsers = 8
	simGroup = hongyan.ConversationID(100) // members: users 1–6
	simEpoch = 150
)

type simPeers struct{}

func (simPeers) CanPay(ctx context.Context, from, to hongyan.UserID) error {
	if (from == 1 && to == 8) || (from == 8 && to == 1) {
		return hongyan.Errorf(hongyan.CodePrecondition, "blocked").WithReason(hongyan.ReasonBlocked)
	}
	return nil
}

// ConfirmPassword accepts "account-password" as every user's password.
func (simPeers) ConfirmPassword(ctx context.Context, u hongyan.UserID, password string) error {
	if password != "account-password" {
		return hongyan.Errorf(hongyan.CodeUnauth, "wrong password").WithReason(hongyan.ReasonWrongPassword)
	}
	return nil
}

func (simPeers) Group(ctx context.Context, g hongyan.ConversationID, u hongyan.UserID) (int, bool, error) {
	if g != simGroup {
		return 0, false, hongyan.Errorf(hongyan.CodeNotFound, "no such group")
	}
	return 6, u >= 1 && u <= 6, nil
}

type simPacket struct {
	id        int64
	sender    hongyan.UserID
	to        wallet.Target
	left      int64
	leftCount int64
	expires   time.Time
	refunded  bool
	grabbed   map[hongyan.UserID]int64
}

type simTransfer struct {
	id       int64
	from, to hongyan.UserID
	amount   int64
	expires  time.Time
	state    wallet.TransferState
}

// simDone is an answered request to retry later with its key (while the
// key is kept).
type simDone struct {
	at    time.Time
	again func() error
}

type sim struct {
	t       *testing.T
	seed    uint64
	epoch   int
	step    int
	r       *rand.Rand
	store   *wallettest.Mem
	prov    *sandboxpay.Provider
	svc     *wallet.Service
	now     time.Time
	balance map[hongyan.UserID]int64
	packets []*simPacket
	trans   []*simTransfer
	keys    int
	// done remembers answered requests by key, for retries later.
	done    []simDone
	faults  int
	retries int
}

func (s *sim) fatalf(format string, args ...any) {
	s.t.Helper()
	s.t.Fatalf("seed %d, epoch %d, step %d: %s", s.seed, s.epoch, s.step, fmt.Sprintf(format, args...))
}

func caller(u hongyan.UserID) hongyan.Caller { return hongyan.Caller{User: u, Device: 1} }

// call runs a request until it gets an answer that is not a crash: the
// client's retry with the same key.
func (s *sim) call(f func() error) error {
	for try := 0; ; try++ {
		err := f()
		if !errors.Is(err, wallettest.ErrFault) && hongyan.ErrorCode(err) != hongyan.CodeUnavailable {
			return err
		}
		s.retries++
		if try == 100 {
			s.fatalf("no answer after 100 tries: %v", err)
		}
	}
}

func (s *sim) key() string {
	s.keys++
	return "k" + strconv.Itoa(s.keys)
}

func (s *sim) user() hongyan.UserID { return hongyan.UserID(1 + s.r.IntN(simUsers)) }

// expect compares an answer with the model's.
func (s *sim) expect(what string, err error, want hongyan.Reason, wantCode hongyan.Code) {
	s.t.Helper()
	if want == "" && wantCode == "" {
		if err != nil {
			s.fatalf("%s: got %v, want success", what, err)
		}
		return
	}
	if err == nil || (want != "" && hongyan.ErrorReason(err) != want) || (wantCode != "" && hongyan.ErrorCode(err) != wantCode) {
		s.fatalf("%s: got %v, want %s %s", what, err, wantCode, want)
	}
}

func (s *sim) newEpoch() {
	s.store = wallettest.NewMem()
	s.prov = sandboxpay.New(sandboxpay.Config{FailRate: 0.05, Rand: s.r.Float64})
	cfg := wallet.DefaultConfig()
	cfg.PINCost = wallet.PINCost{MemoryKiB: 8, Time: 1}
	cfg.MaxShares = 6
	s.svc = wallet.New(s.store, s.prov, simPeers{}, hongyan.Publisher{Bus: membus.New()}, cfg)
	s.svc.SetClock(func() time.Time { return s.now })
	s.svc.SetRand(s.r.Int64N)
	s.now = time.UnixMilli(1_760_000_000_000).UTC()
	s.balance = map[hongyan.UserID]int64{}
	s.packets, s.trans, s.done = nil, nil, nil
	for u := hongyan.UserID(1); u <= simUsers; u++ {
		if _, err := s.svc.SetPIN(s.t.Context(), caller(u), "123456", ""); err != nil {
			s.fatalf("SetPIN: %v", err)
		}
	}
	// Crashes from here on.
	s.store.Fault = func() (fail, lost bool) {
		x := s.r.IntN(100)
		if x < 3 || x >= 97 {
			s.faults++
		}
		return x < 3, x >= 97
	}
}

func (s *sim) pin() string {
	if s.r.IntN(50) == 0 {
		return "000000" // wrong
	}
	return "123456"
}

func (s *sim) run(steps int) {
	ctx := s.t.Context()
	for s.step = 0; s.step < steps; s.step++ {
		if s.step%simEpoch == 0 {
			s.epoch++
			s.newEpoch()
		}
		switch x := s.r.IntN(100); {
		case x < 12:
			s.topUp(ctx)
		case x < 17:
			s.withdraw(ctx)
		case x < 32:
			s.transfer(ctx)
		case x < 42:
			s.settle(ctx)
		case x < 55:
			s.sendPacket(ctx)
		case x < 85:
			s.grab(ctx)
		case x < 92:
			s.replay(ctx)
		default:
			s.expire(ctx)
		}
		s.check(ctx)
	}
}

func (s *sim) topUp(ctx context.Context) {
	u, amount, key := s.user(), 1+s.r.Int64N(50_000), s.key()
	var m wallet.Movement
	err := s.call(func() (err error) { m, err = s.svc.TopUp(ctx, caller(u), amount, key); return err })
	if err != nil && hongyan.ErrorReason(err) == hongyan.ReasonProviderFailed {
		return
	}
	s.expect("top-up", err, "", "")
	s.balance[u] += amount
	first := m.Entry
	s.done = append(s.done, simDone{s.now, func() error {
		again, err := s.svc.TopUp(ctx, caller(u), amount, key)
		if err == nil && again.Entry != first {
			return fmt.Errorf("retried top-up %s: entry %d, first %d", key, again.Entry, first)
		}
		if err == nil {
			_, err = s.svc.TopUp(ctx, caller(u), amount+1, key)
			if hongyan.ErrorReason(err) != hongyan.ReasonKeyReused {
				return fmt.Errorf("top-up key %s with another amount: got %v, want %s", key, err, hongyan.ReasonKeyReused)
			}
			return nil
		}
		return err
	}})
}

func (s *sim) withdraw(ctx context.Context) {
	u, key := s.user(), s.key()
	amount := 1 + s.r.Int64N(max(1, s.balance[u]+100))
	err := s.call(func() error { _, err := s.svc.Withdraw(ctx, caller(u), amount, key); return err })
	switch {
	case amount > s.balance[u]:
		s.expect("withdrawal beyond the balance", err, hongyan.ReasonInsufficientFunds, "")
	case err != nil && hongyan.ErrorReason(err) == hongyan.ReasonProviderFailed:
		// Refused by the provider: the money is back.
	default:
		s.expect("withdrawal", err, "", "")
		s.balance[u] -= amount
	}
}

func (s *sim) transfer(ctx context.Context) {
	from, to := s.user(), s.user()
	amount, key, pin := 1+s.r.Int64N(max(1, s.balance[from]+50)), s.key(), s.pin()
	var t wallet.Transfer
	err := s.call(func() (err error) {
		t, err = s.svc.Transfer(ctx, caller(from), wallet.TransferRequest{To: to, Amount: amount, Note: "转账", PIN: pin, Key: key})
		return err
	})
	switch {
	case from == to:
		s.expect("transfer to oneself", err, "", hongyan.CodeInvalid)
	case (from == 1 && to == 8) || (from == 8 && to == 1):
		s.expect("transfer to a blocker", err, hongyan.ReasonBlocked, "")
	case hongyan.ErrorReason(err) == hongyan.ReasonPINLocked:
	case pin != "123456":
		s.expect("transfer with a wrong PIN", err, hongyan.ReasonWrongPIN, "")
	case amount > s.balance[from]:
		s.expect("transfer beyond the balance", err, hongyan.ReasonInsufficientFunds, "")
	default:
		s.expect("transfer", err, "", "")
		s.balance[from] -= amount
		s.trans = append(s.trans, &simTransfer{id: t.ID, from: from, to: to, amount: amount, expires: s.now.Add(24 * time.Hour)})
		id := t.ID
		s.done = append(s.done, simDone{s.now, func() error {
			again, err := s.svc.Transfer(ctx, caller(from), wallet.TransferRequest{To: to, Amount: amount, Note: "转账", PIN: "123456", Key: key})
			if err == nil && again.ID != id {
				return fmt.Errorf("retried transfer %s: ID %d, first %d", key, again.ID, id)
			}
			if hongyan.ErrorReason(err) == hongyan.ReasonPINLocked {
				return nil
			}
			return err
		}})
	}
}

func (s *sim) settle(ctx context.Context) {
	if len(s.trans) == 0 {
		return
	}
	tr := s.trans[s.r.IntN(len(s.trans))]
	who := tr.to
	if s.r.IntN(10) == 0 {
		who = s.user() // perhaps a stranger
	}
	accept := s.r.IntN(3) > 0
	want := wallet.TransferAccepted
	if !accept {
		want = wallet.TransferReturned
	}
	err := s.call(func() (err error) {
		if accept {
			_, err = s.svc.Accept(ctx, caller(who), tr.id)
		} else {
			_, err = s.svc.Return(ctx, caller(who), tr.id)
		}
		return err
	})
	switch {
	case who != tr.to:
		s.expect("settling someone else's transfer", err, "", hongyan.CodeNotFound)
	case tr.state == wallet.TransferRefunded || (tr.state == wallet.TransferPending && !s.now.Before(tr.expires)):
		s.expect("settling an expired transfer", err, hongyan.ReasonExpired, "")
	case tr.state == want:
		s.expect("settling again the same way", err, "", "")
	case tr.state != wallet.TransferPending:
		s.expect("settling a settled transfer", err, hongyan.ReasonNotPending, "")
	default:
		s.expect("settling", err, "", "")
		tr.state = want
		if accept {
			s.balance[tr.to] += tr.amount
		} else {
			s.balance[tr.from] += tr.amount
		}
	}
}

func (s *sim) sendPacket(ctx context.Context) {
	from := s.user()
	req := wallet.PacketRequest{Lucky: s.r.IntN(2) == 0, Greeting: "恭喜发财", PIN: s.pin(), Key: s.key()}
	if s.r.IntN(3) == 0 {
		req.To.User, req.Count = s.user(), 1
	} else {
		req.To.Group, req.Count = simGroup, 1+s.r.Int64N(6)
	}
	req.Amount = req.Count * (1 + s.r.Int64N(max(1, min(20_000, s.balance[from]+100)/req.Count)))
	if req.Lucky && s.r.IntN(2) == 0 {
		req.Amount += s.r.Int64N(req.Count)
	}
	var p wallet.Packet
	err := s.call(func() (err error) { p, err = s.svc.SendPacket(ctx, caller(from), req); return err })
	switch {
	// The amount is checked before anything is looked up.
	case req.Amount > 20_000:
		s.expect("red packet above 200 yuan", err, hongyan.ReasonAmountLimit, "")
	case req.To.User == from:
		s.expect("red packet to oneself", err, "", hongyan.CodeInvalid)
	case req.To.User != 0 && ((from == 1 && req.To.User == 8) || (from == 8 && req.To.User == 1)):
		s.expect("red packet to a blocker", err, hongyan.ReasonBlocked, "")
	case req.To.Group != 0 && from > 6:
		s.expect("red packet to a group one is not in", err, "", hongyan.CodeNotFound)
	case hongyan.ErrorReason(err) == hongyan.ReasonPINLocked:
	case req.PIN != "123456":
		s.expect("red packet with a wrong PIN", err, hongyan.ReasonWrongPIN, "")
	case req.Amount > s.balance[from]:
		s.expect("red packet beyond the balance", err, hongyan.ReasonInsufficientFunds, "")
	default:
		s.expect("red packet", err, "", "")
		s.balance[from] -= req.Amount
		s.packets = append(s.packets, &simPacket{id: p.ID, sender: from, to: req.To, left: req.Amount, leftCount: req.Count,
			expires: s.now.Add(24 * time.Hour), grabbed: map[hongyan.UserID]int64{}})
	}
}

func (s *sim) grab(ctx context.Context) {
	if len(s.packets) == 0 {
		return
	}
	p := s.packets[s.r.IntN(len(s.packets))]
	u := s.user()
	var g wallet.Grab
	err := s.call(func() (err error) { g, err = s.svc.Grab(ctx, caller(u), p.id); return err })
	may := (p.to.User != 0 && u == p.to.User) || (p.to.Group != 0 && u <= 6)
	prior, again := p.grabbed[u]
	switch {
	case !may:
		s.expect("grab by a stranger", err, "", hongyan.CodeNotFound)
	case again:
		s.expect("grab again", err, "", "")
		if g.Amount != prior {
			s.fatalf("grab again of packet %d by %d: got %d fen, first %d", p.id, u, g.Amount, prior)
		}
	case p.refunded || !s.now.Before(p.expires):
		s.expect("grab of an expired packet", err, hongyan.ReasonExpired, "")
	case p.leftCount == 0:
		s.expect("grab of an empty packet", err, hongyan.ReasonAllTaken, "")
	default:
		s.expect("grab", err, "", "")
		if g.Amount < 1 || g.Amount > p.left-(p.leftCount-1) || (p.leftCount == 1 && g.Amount != p.left) {
			s.fatalf("grab of packet %d: %d fen with %d left for %d shares", p.id, g.Amount, p.left, p.leftCount)
		}
		p.left -= g.Amount
		p.leftCount--
		p.grabbed[u] = g.Amount
		s.balance[u] += g.Amount
	}
}

func (s *sim) replay(ctx context.Context) {
	if len(s.done) == 0 {
		return
	}
	d := s.done[s.r.IntN(len(s.done))]
	if s.now.Sub(d.at) >= 24*time.Hour {
		return // the key may be forgotten (kept 7 days, promised 24 h)
	}
	if err := s.call(d.again); err != nil {
		s.fatalf("%v", err)
	}
}

func (s *sim) expire(ctx context.Context) {
	s.now = s.now.Add(time.Duration(s.r.Int64N(int64(30 * time.Hour))))
	if err := s.call(func() error { _, err := s.svc.Expire(ctx); return err }); err != nil {
		s.fatalf("Expire: %v", err)
	}
	for _, p := range s.packets {
		if !p.refunded && p.leftCount > 0 && !s.now.Before(p.expires) {
			p.refunded = true
			s.balance[p.sender] += p.left
		}
	}
	for _, t := range s.trans {
		if t.state == wallet.TransferPending && !s.now.Before(t.expires) {
			t.state = wallet.TransferRefunded
			s.balance[t.from] += t.amount
		}
	}
}

func (s *sim) check(ctx context.Context) {
	s.t.Helper()
	for u := hongyan.UserID(1); u <= simUsers; u++ {
		got, err := s.store.Balance(ctx, u)
		if err != nil || got != s.balance[u] {
			s.fatalf("user %d's balance: got %d (%v), model %d", u, got, err, s.balance[u])
		}
	}
	r, err := s.store.Check(ctx)
	if err != nil || !r.OK {
		s.fatalf("ledger check: %+v, %v", r, err)
	}
	// Conservation with the outside world: what the users and escrows
	// hold is what the provider took in less what it paid out.
	charged, paid := s.prov.Totals()
	var held int64
	for u := hongyan.UserID(1); u <= simUsers; u++ {
		held += s.balance[u]
	}
	for _, p := range s.packets {
		if !p.refunded {
			held += p.left
		}
	}
	for _, t := range s.trans {
		if t.state == wallet.TransferPending {
			held += t.amount
		}
	}
	if held != charged-paid {
		s.fatalf("users and escrows hold %d fen; the provider took in %d and paid out %d", held, charged, paid)
	}
}

func TestSimulation(t *testing.T) {
	seed := rand.Uint64()
	if v := os.Getenv("HONGYAN_SIM_SEED"); v != "" {
		var err error
		if seed, err = strconv.ParseUint(v, 10, 64); err != nil {
			t.Fatalf("HONGYAN_SIM_SEED: %v", err)
		}
	}
	steps := 1_000_000
	if testing.Short() {
		steps = 100_000
	}
	if v := os.Getenv("HONGYAN_SIM_OPS"); v != "" {
		steps, _ = strconv.Atoi(v)
	}
	t.Logf("seed %d (HONGYAN_SIM_SEED=%d replays this run), %d steps", seed, seed, steps)
	s := &sim{t: t, seed: seed, r: rand.New(rand.NewPCG(seed, 0x5eed))}
	s.run(steps)
	t.Logf("%d steps in %d epochs, %d crashes injected, %d retries", steps, s.epoch, s.faults, s.retries)
}
