package wallet

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"runtime"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"

	"hongyan/internal/hongyan"
)

// Config holds the wallet's limits. DefaultConfig is the product's.
type Config struct {
	MaxPacket   int64         // fen in one red packet (20,000: 200 yuan)
	MaxShares   int64         // shares of one red packet (100; never more than the group's members)
	MaxTransfer int64         // fen in one transfer
	MaxTopUp    int64         // fen in one top-up or withdrawal
	Expiry      time.Duration // until an unaccepted transfer or unclaimed red packet is refunded (24 h)
	KeyTTL      time.Duration // how long idempotency keys are kept (at least 24 h)
	PINTries    int64         // wrong payment passwords in a row before the lock (5)
	PINLock     time.Duration // how long the lock lasts (3 h)
	PINCost     PINCost       // of payment passwords (zero: DefaultPINCost)
	// ProviderTimeout bounds each call to the payment provider; it must
	// stay below ReconcileAfter (New makes it at most half of it).
	ProviderTimeout time.Duration
	// ReconcileAfter is how long a provider operation stays pending
	// before Reconcile settles it by asking the provider.
	ReconcileAfter time.Duration
}

// DefaultConfig returns the product's limits.
func DefaultConfig() Config {
	return Config{
		MaxPacket:   20_000,
		MaxShares:   100,
		MaxTransfer: 5_000_000,
		MaxTopUp:    5_000_000,
		Expiry:      24 * time.Hour,
		KeyTTL:      7 * 24 * time.Hour,
		PINTries:    5,
		PINLock:     3 * time.Hour,
		PINCost:     DefaultPINCost,

		ProviderTimeout: 30 * time.Second,
		ReconcileAfter:  2 * time.Minute,
	}
}

// Limits of input sizes.
const (
	MaxText   = 100 // characters of a greeting or a note
	MaxKey    = 64  // bytes of an idempotency key
	MaxPage   = 200
	MaxMonths = 24
	MaxKinds  = 16 // entry kinds in one history filter
)

// Service implements the wallet's rules. It is safe for concurrent use.
type Service struct {
	store Store
	prov  Provider
	peers Peers
	cards Cards
	pub   hongyan.Publisher
	cfg   Config
	now   func() time.Time
	intn  func(n int64) int64
	pins  *pinCache
	// hashing holds a slot for each argon2id computation running (see
	// hongyan.HashTurn); idKey is argon2.IDKey.
	hashing chan struct{}
	idKey   keyFunc
	// crashAt, when set (tests), stops a top-up or withdrawal at a crash
	// point as a crash of the node would.
	crashAt func(CrashPoint) bool
}

// New returns a Service.
func New(store Store, prov Provider, peers Peers, pub hongyan.Publisher, cfg Config) *Service {
	if cfg.KeyTTL < 24*time.Hour {
		cfg.KeyTTL = 24 * time.Hour
	}
	if cfg.ReconcileAfter <= 0 {
		cfg.ReconcileAfter = DefaultConfig().ReconcileAfter
	}
	if cfg.PINCost.IsZero() {
		cfg.PINCost = DefaultPINCost
	}
	if cfg.ProviderTimeout <= 0 || cfg.ProviderTimeout > cfg.ReconcileAfter/2 {
		cfg.ProviderTimeout = cfg.ReconcileAfter / 2
	}
	return &Service{store: store, prov: prov, peers: peers, pub: pub, cfg: cfg, now: time.Now, intn: mrand.Int64N, pins: newPINCache(),
		hashing: make(chan struct{}, runtime.NumCPU()), idKey: argon2.IDKey}
}

// SetClock replaces the clock (tests, and the test-clock setting).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// SetRand replaces the source of the lucky split: intn(n) returns a
// uniform integer in [0, n).
func (s *Service) SetRand(intn func(n int64) int64) { s.intn = intn }

// SetCards makes transfers and red packets post their cards into chats.
func (s *Service) SetCards(c Cards) { s.cards = c }

// Config returns the service's limits.
func (s *Service) Config() Config { return s.cfg }

func errf(code hongyan.Code, r hongyan.Reason, format string, args ...any) error {
	return hongyan.Errorf(code, format, args...).WithReason(r)
}

var (
	errInsufficient = errf(hongyan.CodePrecondition, hongyan.ReasonInsufficientFunds, "not enough money in the wallet")
	errAllTaken     = errf(hongyan.CodePrecondition, hongyan.ReasonAllTaken, "every share of this red packet has been taken")
	errExpired      = errf(hongyan.CodePrecondition, hongyan.ReasonExpired, "this has expired; the money went back to the sender")
	errKeyReused    = errf(hongyan.CodePrecondition, hongyan.ReasonKeyReused, "this idempotency key was used for a different request")
	errNoPacket     = hongyan.Errorf(hongyan.CodeNotFound, "no such red packet")
	errNoTransfer   = hongyan.Errorf(hongyan.CodeNotFound, "no such transfer")
)

// checkKey validates an idempotency key: 1–64 printable ASCII characters.
func checkKey(key string) error {
	if key == "" || len(key) > MaxKey {
		return hongyan.Errorf(hongyan.CodeInvalid, "a money request needs an idempotency key of 1 to %d characters", MaxKey)
	}
	for i := 0; i < len(key); i++ {
		if key[i] < 0x21 || key[i] > 0x7e {
			return hongyan.Errorf(hongyan.CodeInvalid, "an idempotency key is printable ASCII without spaces")
		}
	}
	return nil
}

func checkAmount(what string, amount, max int64) error {
	if amount < 1 || amount > max {
		return errf(hongyan.CodeInvalid, hongyan.ReasonAmountLimit, "%s must be between 0.01 and %s yuan", what, Yuan(max))
	}
	return nil
}

// Yuan formats fen as yuan with two decimals ("12.34").
func Yuan(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return fmt.Sprintf("%s%d.%02d", sign, fen/100, fen%100)
}

// requestHash identifies a request's content, to tell a retry from a
// different request under the same key.
func requestHash(parts ...any) string {
	h := sha256.Sum256([]byte(fmt.Sprint(parts...)))
	return hex.EncodeToString(h[:16])
}

// replay looks key up in tx: the ref of the first request's result when
// the same request was made before, an error when another request used it.
func replay(tx Tx, u hongyan.UserID, key, hash string) (ref int64, ok bool, err error) {
	i, found, err := tx.Key(u, key)
	if err != nil || !found {
		return 0, false, err
	}
	if i.Hash != hash {
		return 0, false, errKeyReused
	}
	return i.Ref, true, nil
}

// publish sends committed changes to the devices (errors only matter for
// logs: devices re-sync).
func (s *Service) publish(ctx context.Context, changes []hongyan.Change) {
	if len(changes) > 0 {
		s.pub.PublishChanges(context.WithoutCancel(ctx), changes)
	}
}

func (s *Service) balanceAtLeast(tx Tx, u hongyan.UserID, amount int64) error {
	bal, err := tx.Balance(UserAccount(u))
	if err != nil {
		return err
	}
	if bal < amount {
		return errInsufficient
	}
	return nil
}

// ---- balance and history ----

// Balance returns the caller's wallet balance in fen.
func (s *Service) Balance(ctx context.Context, c hongyan.Caller) (int64, error) {
	return s.store.Balance(ctx, c.User)
}

// History returns the caller's movements, newest first.
func (s *Service) History(ctx context.Context, c hongyan.Caller, f HistoryFilter) ([]Movement, error) {
	if f.Before < 0 || (f.In && f.Out) || len(f.Kinds) > MaxKinds {
		return nil, hongyan.Errorf(hongyan.CodeInvalid, "bad history filter")
	}
	for _, k := range f.Kinds {
		if k < EntryTopUp || k > EntryPacketRefund {
			return nil, hongyan.Errorf(hongyan.CodeInvalid, "unknown entry kind %d", k)
		}
	}
	// One more than a page is allowed: a caller asks for it to learn
	// whether another page follows.
	if f.Limit <= 0 || f.Limit > MaxPage+1 {
		f.Limit = MaxPage
	}
	return s.store.History(ctx, c.User, f)
}

// Month is one month of a user's movements.
type Month struct {
	Start time.Time // the first instant of the month, in the location asked for
	In    int64
	Out   int64
}

// Summary returns the caller's money in and out for each of the last
// months (the current one first), with months in loc.
func (s *Service) Summary(ctx context.Context, c hongyan.Caller, months int, loc *time.Location) ([]Month, error) {
	if months <= 0 || months > MaxMonths {
		return nil, hongyan.Errorf(hongyan.CodeInvalid, "months must be 1 to %d", MaxMonths)
	}
	if loc == nil {
		loc = time.UTC
	}
	now := s.now().In(loc)
	start := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, loc)
	out := make([]Month, 0, months)
	for i := 0; i < months; i++ {
		from := start.AddDate(0, -i, 0)
		in, outSum, err := s.store.Sum(ctx, c.User, from, from.AddDate(0, 1, 0))
		if err != nil {
			return nil, err
		}
		out = append(out, Month{Start: from, In: in, Out: outSum})
	}
	return out, nil
}

// ---- payment password ----

// SetPIN sets the caller's payment password: the first time with old
// empty, later with the current one as old. The first time it returns a
// recovery code, shown once, that ResetPIN asks for.
func (s *Service) SetPIN(ctx context.Context, c hongyan.Caller, pin, old string) (recovery string, err error) {
	if !validPIN(pin) {
		return "", errf(hongyan.CodeInvalid, hongyan.ReasonWrongPIN, "a payment password is 6 digits")
	}
	cur, set, err := s.store.PIN(ctx, c.User)
	if err != nil {
		return "", err
	}
	if set {
		if err := s.tryPIN(ctx, c.User, old); err != nil {
			return "", err
		}
	}
	h, err := s.hashBounded(ctx, pin)
	if err != nil {
		return "", err
	}
	p := PIN{User: c.User, Hash: h, Recovery: cur.Recovery}
	if !set {
		recovery = newRecoveryCode()
		if p.Recovery, err = s.hashBounded(ctx, recovery); err != nil {
			return "", err
		}
	}
	if err := s.store.Atomically(ctx, func(tx Tx) error { return tx.SavePIN(p) }); err != nil {
		return "", err
	}
	return recovery, nil
}

// ResetPIN sets a new payment password with the caller's account password
// and the recovery code that SetPIN gave; it also lifts a lock. Wrong codes
// count as wrong tries; a wrong account password counts against signing in.
func (s *Service) ResetPIN(ctx context.Context, c hongyan.Caller, password, code, pin string) (recovery string, err error) {
	if !validPIN(pin) {
		return "", errf(hongyan.CodeInvalid, hongyan.ReasonWrongPIN, "a payment password is 6 digits")
	}
	if len(code) > 64 {
		return "", hongyan.Errorf(hongyan.CodeInvalid, "a recovery code is at most 64 characters")
	}
	cur, set, err := s.store.PIN(ctx, c.User)
	if err != nil {
		return "", err
	}
	if !set {
		return "", errf(hongyan.CodePrecondition, hongyan.ReasonPINNotSet, "no payment password is set")
	}
	if s.peers == nil {
		return "", hongyan.Errorf(hongyan.CodeUnavailable, "the account password cannot be checked here")
	}
	if err := s.peers.ConfirmPassword(ctx, c.User, password); err != nil {
		return "", err
	}
	if err := s.countTry(ctx, c.User); err != nil {
		return "", err
	}
	right, err := s.checkBounded(ctx, cur.Recovery, strings.ToUpper(strings.TrimSpace(code)))
	if err != nil {
		return "", err
	}
	if !right {
		return "", hongyan.Errorf(hongyan.CodeUnauth, "wrong recovery code").WithReason(hongyan.ReasonWrongCode)
	}
	recovery = newRecoveryCode()
	h, err := s.hashBounded(ctx, pin)
	if err != nil {
		return "", err
	}
	rh, err := s.hashBounded(ctx, recovery)
	if err != nil {
		return "", err
	}
	err = s.store.Atomically(ctx, func(tx Tx) error { return tx.SavePIN(PIN{User: c.User, Hash: h, Recovery: rh}) })
	return recovery, err
}

func newRecoveryCode() string {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 16)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// countTry records one try of the user's payment password before it is
// checked, so that concurrent guesses cannot outrun the lock: after
// PINTries tries without a success the password locks for PINLock.
func (s *Service) countTry(ctx context.Context, u hongyan.UserID) error {
	now := s.now()
	return s.store.Atomically(ctx, func(tx Tx) error {
		p, ok, err := tx.PIN(u)
		if err != nil {
			return err
		}
		if !ok {
			return errf(hongyan.CodePrecondition, hongyan.ReasonPINNotSet, "set a payment password first")
		}
		if now.Before(p.Locked) {
			return errf(hongyan.CodeRateLimited, hongyan.ReasonPINLocked, "too many wrong payment passwords; try again after %s", p.Locked.Format(time.RFC3339))
		}
		p.Failures++
		if p.Failures >= s.cfg.PINTries {
			p.Failures, p.Locked = 0, now.Add(s.cfg.PINLock)
		}
		return tx.SavePIN(p)
	})
}

// tryPIN checks the user's payment password; a wrong one counts, a right
// one clears the count. The verdict is decided in one transaction after
// the (slow) hash check: a try is counted only when it is known to be
// wrong, so a crash or a lost connection in the middle of checking a right
// password never counts against the user, and concurrent guesses still
// cannot outrun the lock — once it holds, every guess hears "locked",
// right or wrong. A right password with nothing to clear writes nothing.
func (s *Service) tryPIN(ctx context.Context, u hongyan.UserID, pin string) error {
	if !validPIN(pin) {
		return errf(hongyan.CodeInvalid, hongyan.ReasonWrongPIN, "a payment password is 6 digits")
	}
	now := s.now()
	p, ok, err := s.store.PIN(ctx, u)
	if err != nil {
		return err
	}
	if !ok {
		return errPINNotSet
	}
	if now.Before(p.Locked) {
		return pinLocked(p.Locked)
	}
	right := s.pins.known(u, p.Hash, pin)
	if !right {
		if right, err = s.checkBounded(ctx, p.Hash, pin); err != nil {
			return err
		}
	}
	if right && p.Failures == 0 && p.Locked.IsZero() {
		s.pins.remember(u, p.Hash, pin)
		return nil
	}
	var verdict error
	err = s.store.Atomically(context.WithoutCancel(ctx), func(tx Tx) error {
		verdict = nil
		q, ok, err := tx.PIN(u)
		switch {
		case err != nil:
			return err
		case !ok:
			verdict = errPINNotSet
			return nil
		case q.Hash != p.Hash:
			verdict = hongyan.Errorf(hongyan.CodeUnavailable, "the payment password was changed meanwhile; try again")
			return nil
		case now.Before(q.Locked):
			verdict = pinLocked(q.Locked)
			return nil
		case right:
			return clearTries(tx, u)
		}
		q.Failures++
		if q.Failures >= s.cfg.PINTries {
			q.Failures, q.Locked = 0, now.Add(s.cfg.PINLock)
		}
		verdict = errf(hongyan.CodeUnauth, hongyan.ReasonWrongPIN, "wrong payment password")
		return tx.SavePIN(q)
	})
	if err != nil {
		return err
	}
	if verdict == nil {
		s.pins.remember(u, p.Hash, pin)
	}
	return verdict
}

var errPINNotSet = errf(hongyan.CodePrecondition, hongyan.ReasonPINNotSet, "set a payment password first")

func pinLocked(until time.Time) error {
	return errf(hongyan.CodeRateLimited, hongyan.ReasonPINLocked, "too many wrong payment passwords; try again after %s", until.Format(time.RFC3339))
}

// clearTries forgets the wrong tries before a right payment password.
func clearTries(tx Tx, u hongyan.UserID) error {
	p, ok, err := tx.PIN(u)
	if err != nil || !ok || (p.Failures == 0 && p.Locked.IsZero()) {
		return err
	}
	p.Failures, p.Locked = 0, time.Time{}
	return tx.SavePIN(p)
}

// ---- top-up and withdrawal ----

// TopUp charges amount fen through the provider and credits the caller's
// wallet. A retry with the same key returns the first result. The request
// is recorded (a pending ProviderOp) before the provider is charged, so
// that a crash after the charge and before the credit is settled by
// Reconcile even if the client never retries.
func (s *Service) TopUp(ctx context.Context, c hongyan.Caller, amount int64, key string) (Movement, error) {
	if err := checkAmount("a top-up", amount, s.cfg.MaxTopUp); err != nil {
		return Movement{}, err
	}
	if err := checkKey(key); err != nil {
		return Movement{}, err
	}
	hash := requestHash("topup", amount)
	if m, ok, err := s.replayed(ctx, c.User, key, hash, EntryTopUp, amount); ok || err != nil {
		return m, err
	}
	op := ProviderOp{Key: fmt.Sprintf("topup:%d:%s", c.User, key), User: c.User, Kind: EntryTopUp, Amount: amount, UserKey: key, Hash: hash}
	if err := s.openOp(ctx, op); err != nil {
		return Movement{}, err
	}
	if s.crash(CrashBeforeProvider) {
		return Movement{}, errCrash
	}
	pctx, cancel := s.providerContext(ctx)
	err := s.prov.Charge(pctx, c.User, amount, op.Key)
	cancel()
	if err != nil {
		if refused(err) {
			if err := s.closeOp(ctx, op.Key, ProviderOpCancelled); err != nil {
				return Movement{}, err
			}
		}
		return Movement{}, providerError(err)
	}
	if s.crash(CrashAfterProvider) {
		return Movement{}, errCrash
	}
	m, err := s.creditTopUp(ctx, op)
	if err == nil && s.crash(CrashAfterCommit) {
		return Movement{}, errCrash
	}
	return m, err
}

// creditTopUp credits a top-up the provider charged, once: the entry's
// Once key is the provider's key, and the caller's idempotency key is
// remembered with it.
func (s *Service) creditTopUp(ctx context.Context, op ProviderOp) (Movement, error) {
	now := s.now()
	var m Movement
	var changes []hongyan.Change
	err := s.store.Atomically(ctx, func(tx Tx) error {
		changes = nil
		o, found, err := tx.ProviderOp(op.Key)
		if err != nil {
			return err
		}
		if ref, ok, err := replay(tx, op.User, op.UserKey, op.Hash); ok || err != nil {
			m = Movement{Entry: ref, Kind: EntryTopUp, Amount: op.Amount}
			if err == nil && found && o.State != ProviderOpDone {
				o.State, o.Entry = ProviderOpDone, ref
				err = tx.SaveProviderOp(o)
			}
			return err
		}
		e := move(EntryTopUp, Account{AccountProvider, 0}, UserAccount(op.User), op.Amount)
		e.User, e.Once, e.At = op.User, op.Key, now
		e, err = tx.Post(e)
		if err != nil {
			return err
		}
		if err := tx.Remember(Idem{User: op.User, Key: op.UserKey, Hash: op.Hash, Ref: e.ID, At: now}); err != nil {
			return err
		}
		if found {
			o.State, o.Entry = ProviderOpDone, e.ID
			if err := tx.SaveProviderOp(o); err != nil {
				return err
			}
		}
		m = Movement{Entry: e.ID, Kind: EntryTopUp, Amount: op.Amount, At: now}
		changes, err = tx.AppendChanges([]hongyan.Change{{User: op.User, Kind: hongyan.ChangeWallet, Ref: e.ID}})
		return err
	})
	if err != nil {
		return Movement{}, err
	}
	s.publish(ctx, changes)
	return m, nil
}

// openOp records a top-up before the provider is asked: a new pending
// operation, or a cancelled one opened again by a retry with its key.
func (s *Service) openOp(ctx context.Context, op ProviderOp) error {
	op.State, op.Created = ProviderOpPending, s.now()
	return s.store.Atomically(ctx, func(tx Tx) error {
		o, found, err := tx.ProviderOp(op.Key)
		if err != nil {
			return err
		}
		if found && o.Hash != op.Hash {
			return errKeyReused
		}
		if found && o.State != ProviderOpCancelled {
			return nil
		}
		return tx.SaveProviderOp(op)
	})
}

// closeOp moves a pending provider operation to state.
func (s *Service) closeOp(ctx context.Context, key string, state ProviderOpState) error {
	return s.store.Atomically(ctx, func(tx Tx) error {
		o, found, err := tx.ProviderOp(key)
		if err != nil || !found || o.State != ProviderOpPending {
			return err
		}
		o.State = state
		return tx.SaveProviderOp(o)
	})
}

// providerContext bounds a call to the provider by Config.ProviderTimeout,
// so that no call is still under way when Reconcile takes its operation
// for abandoned.
func (s *Service) providerContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), s.cfg.ProviderTimeout)
}

// refused reports whether a provider's error is a refusal (no money moved)
// rather than an unknown outcome.
func refused(err error) bool {
	var he *hongyan.Error
	if !errors.As(err, &he) {
		return false
	}
	return he.Code != hongyan.CodeUnavailable && he.Code != hongyan.CodeInternal
}

// replayed answers a top-up or withdrawal retried with its key.
func (s *Service) replayed(ctx context.Context, u hongyan.UserID, key, hash string, kind EntryKind, amount int64) (Movement, bool, error) {
	var m Movement
	var found bool
	err := s.store.Atomically(ctx, func(tx Tx) error {
		ref, ok, err := replay(tx, u, key, hash)
		found = ok
		if kind != EntryTopUp {
			amount = -amount
		}
		m = Movement{Entry: ref, Kind: kind, Amount: amount}
		if ok && kind == EntryWithdraw {
			// The provider refused the first attempt and the money went
			// back: the retry hears the same.
			reverted, err := tx.Happened(fmt.Sprintf("withdraw-revert:%d", ref))
			if err != nil {
				return err
			}
			if reverted {
				return errf(hongyan.CodePrecondition, hongyan.ReasonProviderFailed, "the payment provider refused this withdrawal; the money is back in the wallet")
			}
		}
		return err
	})
	return m, found, err
}

// providerError is what a caller hears when the provider failed: a
// refusal (a *hongyan.Error the provider chose) as it is, anything else as
// "unavailable, try again with the same key".
func providerError(err error) error {
	if hongyan.ErrorCode(err) != hongyan.CodeInternal {
		return err
	}
	return &hongyan.Error{Code: hongyan.CodeUnavailable, Message: "the payment provider failed; try again with the same key", Reason: hongyan.ReasonProviderFailed, Cause: err}
}

// Withdraw takes amount fen from the caller's wallet and pays it out
// through the provider; if the provider refuses, the money goes back into
// the wallet (a new entry, once). The debit and a pending ProviderOp are
// committed together before the provider is asked. A retry with the same
// key returns the first result: it asks the provider again (payouts are
// idempotent by key), so a payout that a crash left unknown is settled
// either way, and Reconcile settles it when no retry comes.
func (s *Service) Withdraw(ctx context.Context, c hongyan.Caller, amount int64, key string) (Movement, error) {
	if err := checkAmount("a withdrawal", amount, s.cfg.MaxTopUp); err != nil {
		return Movement{}, err
	}
	if err := checkKey(key); err != nil {
		return Movement{}, err
	}
	hash := requestHash("withdraw", amount)
	op := ProviderOp{Key: fmt.Sprintf("withdraw:%d:%s", c.User, key), User: c.User, Kind: EntryWithdraw, Amount: amount, UserKey: key, Hash: hash}
	m, ok, err := s.replayed(ctx, c.User, key, hash, EntryWithdraw, amount)
	if err != nil {
		return Movement{}, err
	}
	if !ok {
		now := s.now()
		var changes []hongyan.Change
		err := s.store.Atomically(ctx, func(tx Tx) error {
			changes = nil
			if ref, ok, err := replay(tx, c.User, key, hash); ok || err != nil {
				m = Movement{Entry: ref, Kind: EntryWithdraw, Amount: -amount}
				return err
			}
			if err := s.balanceAtLeast(tx, c.User, amount); err != nil {
				return err
			}
			e := move(EntryWithdraw, UserAccount(c.User), Account{AccountProvider, 0}, amount)
			e.User, e.Once, e.At = c.User, op.Key, now
			e, err := tx.Post(e)
			if err != nil {
				return err
			}
			if err := tx.Remember(Idem{User: c.User, Key: key, Hash: hash, Ref: e.ID, At: now}); err != nil {
				return err
			}
			o := op
			o.Entry, o.State, o.Created = e.ID, ProviderOpPending, now
			if err := tx.SaveProviderOp(o); err != nil {
				return err
			}
			m = Movement{Entry: e.ID, Kind: EntryWithdraw, Amount: -amount, At: now}
			changes, err = tx.AppendChanges([]hongyan.Change{{User: c.User, Kind: hongyan.ChangeWallet, Ref: e.ID}})
			return err
		})
		if err != nil {
			return Movement{}, err
		}
		s.publish(ctx, changes)
	}
	op.Entry = m.Entry
	if s.crash(CrashBeforeProvider) {
		return Movement{}, errCrash
	}
	pctx, cancel := s.providerContext(ctx)
	perr := s.prov.Payout(pctx, c.User, amount, op.Key)
	cancel()
	if perr != nil && !refused(perr) {
		// Unknown whether it paid: the retry, or Reconcile, asks again.
		return Movement{}, providerError(perr)
	}
	if s.crash(CrashAfterProvider) {
		return Movement{}, errCrash
	}
	if err := s.settleWithdraw(ctx, op, perr == nil); err != nil {
		return Movement{}, err
	}
	if s.crash(CrashAfterCommit) {
		return Movement{}, errCrash
	}
	if perr != nil {
		return Movement{}, errf(hongyan.CodePrecondition, hongyan.ReasonProviderFailed, "the payment provider refused this withdrawal; the money is back in the wallet")
	}
	return m, nil
}

// settleWithdraw records the provider's answer to a withdrawal: paid
// (the operation is done), or refused (the money goes back, once, and the
// operation is cancelled).
func (s *Service) settleWithdraw(ctx context.Context, op ProviderOp, paid bool) error {
	var changes []hongyan.Change
	err := s.store.Atomically(ctx, func(tx Tx) error {
		changes = nil
		o, found, err := tx.ProviderOp(op.Key)
		if err != nil {
			return err
		}
		if paid {
			if found && o.State == ProviderOpPending {
				o.State = ProviderOpDone
				return tx.SaveProviderOp(o)
			}
			return nil
		}
		if found && o.State == ProviderOpPending {
			o.State = ProviderOpCancelled
			if err := tx.SaveProviderOp(o); err != nil {
				return err
			}
		}
		e := move(EntryWithdrawRevert, Account{AccountProvider, 0}, UserAccount(op.User), op.Amount)
		e.User, e.Ref, e.Once, e.At = op.User, op.Entry, fmt.Sprintf("withdraw-revert:%d", op.Entry), s.now()
		e, err = tx.Post(e)
		if hongyan.ErrorCode(err) == hongyan.CodeExists {
			return nil
		}
		if err != nil {
			return err
		}
		changes, err = tx.AppendChanges([]hongyan.Change{{User: op.User, Kind: hongyan.ChangeWallet, Ref: e.ID}})
		return err
	})
	if err != nil {
		return err
	}
	s.publish(ctx, changes)
	return nil
}

// ---- transfers ----

// TransferRequest is a transfer to make.
type TransferRequest struct {
	To     hongyan.UserID
	Amount int64
	Note   string
	PIN    string
	Key    string
}

// Transfer sends money to a friend: it leaves the caller's wallet at once
// and waits in escrow until the receiver accepts or returns it, or
// Config.Expiry passes (then it is refunded). A retry with the same key
// returns the first transfer.
func (s *Service) Transfer(ctx context.Context, c hongyan.Caller, r TransferRequest) (Transfer, error) {
	if err := checkAmount("a transfer", r.Amount, s.cfg.MaxTransfer); err != nil {
		return Transfer{}, err
	}
	if err := checkKey(r.Key); err != nil {
		return Transfer{}, err
	}
	if err := hongyan.ValidText("note", r.Note, MaxText); err != nil {
		return Transfer{}, err
	}
	if r.To == c.User || r.To <= 0 {
		return Transfer{}, hongyan.Errorf(hongyan.CodeInvalid, "transfer to another user")
	}
	if err := s.peers.CanPay(ctx, c.User, r.To); err != nil {
		return Transfer{}, err
	}
	if err := s.tryPIN(ctx, c.User, r.PIN); err != nil {
		return Transfer{}, err
	}
	hash := requestHash("transfer", r.To, r.Amount, r.Note)
	now := s.now()
	var t Transfer
	var changes []hongyan.Change
	fresh := false
	err := s.store.Atomically(ctx, func(tx Tx) error {
		fresh = false
		if ref, ok, err := replay(tx, c.User, r.Key, hash); ok || err != nil {
			if err == nil {
				t, _, err = tx.Transfer(ref)
			}
			return err
		}
		if err := s.balanceAtLeast(tx, c.User, r.Amount); err != nil {
			return err
		}
		var err error
		t, err = tx.CreateTransfer(Transfer{From: c.User, To: r.To, Amount: r.Amount, Note: r.Note, Created: now, Expires: now.Add(s.cfg.Expiry)})
		if err != nil {
			return err
		}
		e := move(EntryTransferSend, UserAccount(c.User), Account{AccountTransfer, t.ID}, r.Amount)
		e.User, e.Peer, e.Ref, e.At = c.User, r.To, t.ID, now
		if e, err = tx.Post(e); err != nil {
			return err
		}
		if err := tx.Remember(Idem{User: c.User, Key: r.Key, Hash: hash, Ref: t.ID, At: now}); err != nil {
			return err
		}
		fresh = true
		changes, err = tx.AppendChanges([]hongyan.Change{
			{User: c.User, Kind: hongyan.ChangeWallet, Ref: e.ID},
			{User: c.User, Kind: hongyan.ChangeTransfer, Ref: t.ID},
			{User: r.To, Kind: hongyan.ChangeTransfer, Ref: t.ID},
		})
		return err
	})
	if err != nil {
		return Transfer{}, err
	}
	s.publish(ctx, changes)
	if fresh && s.cards != nil {
		s.cards.PostCard(context.WithoutCancel(ctx), Card{From: c.User, To: Target{User: r.To}, Transfer: t.ID, Amount: t.Amount, Text: t.Note})
	}
	return t, nil
}

// GetTransfer returns a transfer its sender or receiver asks for.
func (s *Service) GetTransfer(ctx context.Context, c hongyan.Caller, id int64) (Transfer, error) {
	t, err := s.store.Transfer(ctx, id)
	if err != nil {
		return Transfer{}, err
	}
	if t.From != c.User && t.To != c.User {
		return Transfer{}, errNoTransfer
	}
	return t, nil
}

// Accept moves a pending transfer into the receiver's wallet. Accepting an
// accepted transfer again returns it unchanged.
func (s *Service) Accept(ctx context.Context, c hongyan.Caller, id int64) (Transfer, error) {
	return s.settle(ctx, c, id, TransferAccepted, s.now())
}

// Return sends a pending transfer back to its sender (the receiver's
// choice).
func (s *Service) Return(ctx context.Context, c hongyan.Caller, id int64) (Transfer, error) {
	return s.settle(ctx, c, id, TransferReturned, s.now())
}

// settle ends a transfer in state to at time now: accepted or returned by
// the receiver, or refunded by the expiry (c is then the zero Caller; now
// is the time the expiry runs as, which ExpireAt may set ahead). The
// ledger's Once key "transfer:ID" makes it happen once, whichever comes
// first.
func (s *Service) settle(ctx context.Context, c hongyan.Caller, id int64, to TransferState, now time.Time) (Transfer, error) {
	if id <= 0 {
		return Transfer{}, errNoTransfer
	}
	var t Transfer
	var changes []hongyan.Change
	err := s.store.Atomically(ctx, func(tx Tx) error {
		var found bool
		var err error
		t, found, err = tx.Transfer(id)
		if err != nil {
			return err
		}
		if !found || (to != TransferRefunded && t.To != c.User) {
			return errNoTransfer
		}
		if t.State != TransferPending {
			if t.State == to {
				return nil
			}
			if t.State == TransferRefunded {
				return errExpired
			}
			return errf(hongyan.CodePrecondition, hongyan.ReasonNotPending, "this transfer was already accepted or returned")
		}
		if to == TransferRefunded && now.Before(t.Expires) {
			return nil // not due (yet): nothing to do
		}
		if to != TransferRefunded && !now.Before(t.Expires) {
			return errExpired
		}
		kind, dest := EntryTransferAccept, t.To
		switch to {
		case TransferReturned:
			kind, dest = EntryTransferReturn, t.From
		case TransferRefunded:
			kind, dest = EntryTransferRefund, t.From
		}
		e := move(kind, Account{AccountTransfer, t.ID}, UserAccount(dest), t.Amount)
		e.User, e.Peer, e.Ref, e.Once, e.At = t.To, t.From, t.ID, fmt.Sprintf("transfer:%d", t.ID), now
		if dest == t.From {
			e.User, e.Peer = t.From, t.To
		}
		if e, err = tx.Post(e); err != nil {
			return err
		}
		t.State, t.Settled = to, now
		if err := tx.UpdateTransfer(t); err != nil {
			return err
		}
		changes, err = tx.AppendChanges([]hongyan.Change{
			{User: dest, Kind: hongyan.ChangeWallet, Ref: e.ID},
			{User: t.From, Kind: hongyan.ChangeTransfer, Ref: t.ID},
			{User: t.To, Kind: hongyan.ChangeTransfer, Ref: t.ID},
		})
		return err
	})
	if err != nil {
		return Transfer{}, err
	}
	s.publish(ctx, changes)
	return t, nil
}

// ---- red packets ----

// PacketRequest is a red packet to send.
type PacketRequest struct {
	To       Target
	Amount   int64 // the total, fen
	Count    int64 // shares (1 in a 1:1 chat)
	Lucky    bool
	Greeting string
	PIN      string
	Key      string
}

// SendPacket sends a red packet into a 1:1 chat or a group. The money
// leaves the caller's wallet into the packet's escrow at once. A normal
// packet's total must split evenly over its shares. A retry with the same
// key returns the first packet.
func (s *Service) SendPacket(ctx context.Context, c hongyan.Caller, r PacketRequest) (Packet, error) {
	if (r.To.User != 0) == (r.To.Group != 0) || r.To.User < 0 || r.To.Group < 0 {
		return Packet{}, hongyan.Errorf(hongyan.CodeInvalid, "send a red packet to one user or one group")
	}
	if err := checkAmount("a red packet", r.Amount, s.cfg.MaxPacket); err != nil {
		return Packet{}, err
	}
	if err := checkKey(r.Key); err != nil {
		return Packet{}, err
	}
	if err := hongyan.ValidText("greeting", r.Greeting, MaxText); err != nil {
		return Packet{}, err
	}
	if r.Count < 1 || r.Count > s.cfg.MaxShares {
		return Packet{}, errf(hongyan.CodeInvalid, hongyan.ReasonAmountLimit, "a red packet has 1 to %d shares", s.cfg.MaxShares)
	}
	if r.Amount < r.Count {
		return Packet{}, errf(hongyan.CodeInvalid, hongyan.ReasonAmountLimit, "every share needs at least 0.01 yuan")
	}
	if !r.Lucky && r.Amount%r.Count != 0 {
		return Packet{}, errf(hongyan.CodeInvalid, hongyan.ReasonAmountLimit, "a normal red packet's total must split evenly over its shares")
	}
	if r.To.User != 0 {
		if r.To.User == c.User {
			return Packet{}, hongyan.Errorf(hongyan.CodeInvalid, "send a red packet to another user")
		}
		if r.Count != 1 {
			return Packet{}, errf(hongyan.CodeInvalid, hongyan.ReasonAmountLimit, "a red packet in a 1:1 chat has one share")
		}
		if err := s.peers.CanPay(ctx, c.User, r.To.User); err != nil {
			return Packet{}, err
		}
	} else {
		members, member, err := s.peers.Group(ctx, r.To.Group, c.User)
		if err != nil {
			return Packet{}, err
		}
		if !member {
			return Packet{}, hongyan.Errorf(hongyan.CodeNotFound, "no such group")
		}
		if r.Count > int64(members) {
			return Packet{}, errf(hongyan.CodeInvalid, hongyan.ReasonAmountLimit, "a red packet has at most as many shares as the group has members (%d)", members)
		}
	}
	if err := s.tryPIN(ctx, c.User, r.PIN); err != nil {
		return Packet{}, err
	}
	kind := PacketNormal
	if r.Lucky {
		kind = PacketLucky
	}
	hash := requestHash("packet", r.To.User, r.To.Group, r.Amount, r.Count, kind, r.Greeting)
	now := s.now()
	var p Packet
	var changes []hongyan.Change
	fresh := false
	err := s.store.Atomically(ctx, func(tx Tx) error {
		fresh = false
		if ref, ok, err := replay(tx, c.User, r.Key, hash); ok || err != nil {
			if err == nil {
				p, _, err = tx.Packet(ref)
			}
			return err
		}
		if err := s.balanceAtLeast(tx, c.User, r.Amount); err != nil {
			return err
		}
		var err error
		p, err = tx.CreatePacket(Packet{Sender: c.User, To: r.To, Kind: kind, Total: r.Amount, Count: r.Count, Greeting: r.Greeting,
			Left: r.Amount, LeftCount: r.Count, Created: now, Expires: now.Add(s.cfg.Expiry)})
		if err != nil {
			return err
		}
		e := move(EntryPacketSend, UserAccount(c.User), Account{AccountPacket, p.ID}, r.Amount)
		e.User, e.Peer, e.Ref, e.At = c.User, r.To.User, p.ID, now
		if e, err = tx.Post(e); err != nil {
			return err
		}
		if err := tx.Remember(Idem{User: c.User, Key: r.Key, Hash: hash, Ref: p.ID, At: now}); err != nil {
			return err
		}
		fresh = true
		ch := []hongyan.Change{
			{User: c.User, Kind: hongyan.ChangeWallet, Ref: e.ID},
			{User: c.User, Kind: hongyan.ChangePacket, Ref: p.ID},
		}
		if r.To.User != 0 {
			ch = append(ch, hongyan.Change{User: r.To.User, Kind: hongyan.ChangePacket, Ref: p.ID})
		}
		changes, err = tx.AppendChanges(ch)
		return err
	})
	if err != nil {
		return Packet{}, err
	}
	s.publish(ctx, changes)
	if fresh && s.cards != nil {
		s.cards.PostCard(context.WithoutCancel(ctx), Card{From: c.User, To: p.To, Packet: p.ID, Text: p.Greeting})
	}
	return p, nil
}

// mayOpen checks that the caller may see and grab packet p: the receiver
// of a 1:1 packet (and, to see it, its sender), or a member of its group.
func (s *Service) mayOpen(ctx context.Context, c hongyan.Caller, p Packet, grab bool) error {
	if p.To.User != 0 {
		if c.User == p.To.User || (!grab && c.User == p.Sender) {
			return nil
		}
		return errNoPacket
	}
	_, member, err := s.peers.Group(ctx, p.To.Group, c.User)
	if err != nil && hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		return err
	}
	if !member && !(c.User == p.Sender && !grab) {
		return errNoPacket
	}
	return nil
}

// Grab takes the caller's share of a red packet. A member who grabbed
// already gets their share again (nothing moves a second time).
func (s *Service) Grab(ctx context.Context, c hongyan.Caller, id int64) (Grab, error) {
	if id <= 0 {
		return Grab{}, errNoPacket
	}
	p, err := s.store.Packet(ctx, id)
	if err != nil {
		return Grab{}, err
	}
	if err := s.mayOpen(ctx, c, p, true); err != nil {
		return Grab{}, err
	}
	now := s.now()
	var g Grab
	var changes []hongyan.Change
	err = s.store.Atomically(ctx, func(tx Tx) error {
		p, _, err := tx.Packet(id)
		if err != nil {
			return err
		}
		var again bool
		if g, again, err = tx.Grab(id, c.User); again || err != nil {
			return err
		}
		if p.State == PacketRefunded || !now.Before(p.Expires) {
			return errExpired
		}
		if p.LeftCount == 0 {
			return errAllTaken
		}
		amount := p.Total / p.Count
		if p.Kind == PacketLucky {
			amount = LuckyShare(p.Left, p.LeftCount, s.intn)
		}
		p.Left -= amount
		p.LeftCount--
		if p.LeftCount == 0 {
			p.State = PacketFinished
		}
		g = Grab{Packet: id, User: c.User, Amount: amount, Seq: p.Count - p.LeftCount, At: now}
		e := move(EntryPacketGrab, Account{AccountPacket, id}, UserAccount(c.User), amount)
		e.User, e.Peer, e.Ref, e.Once, e.At = c.User, p.Sender, id, fmt.Sprintf("grab:%d:%d", id, c.User), now
		if e, err = tx.Post(e); err != nil {
			return err
		}
		if err := tx.AddGrab(g); err != nil {
			return err
		}
		if err := tx.UpdatePacket(p); err != nil {
			return err
		}
		ch := []hongyan.Change{
			{User: c.User, Kind: hongyan.ChangeWallet, Ref: e.ID},
			{User: c.User, Kind: hongyan.ChangePacket, Ref: id},
		}
		if p.Sender != c.User {
			ch = append(ch, hongyan.Change{User: p.Sender, Kind: hongyan.ChangePacket, Ref: id})
		}
		changes, err = tx.AppendChanges(ch)
		return err
	})
	if err != nil {
		return Grab{}, err
	}
	s.publish(ctx, changes)
	return g, nil
}

// PacketView is a red packet with who grabbed how much.
type PacketView struct {
	Packet
	Grabs []Grab
	// Luckiest is the user with the largest share of a finished lucky
	// packet (the earliest on a tie); 0 otherwise.
	Luckiest hongyan.UserID
}

// GetPacket returns a red packet to its sender, its receiver or a member
// of its group.
func (s *Service) GetPacket(ctx context.Context, c hongyan.Caller, id int64) (PacketView, error) {
	if id <= 0 {
		return PacketView{}, errNoPacket
	}
	p, err := s.store.Packet(ctx, id)
	if err != nil {
		return PacketView{}, err
	}
	if err := s.mayOpen(ctx, c, p, false); err != nil {
		return PacketView{}, err
	}
	gs, err := s.store.Grabs(ctx, id)
	if err != nil {
		return PacketView{}, err
	}
	v := PacketView{Packet: p, Grabs: gs}
	if p.State == PacketFinished && p.Kind == PacketLucky && p.Count > 1 {
		var best int64
		for _, g := range gs {
			if g.Amount > best {
				best, v.Luckiest = g.Amount, g.User
			}
		}
	}
	return v, nil
}

// refundPacket returns what is left of an expired red packet to its
// sender, once (Once key "packet-refund:ID").
func (s *Service) refundPacket(ctx context.Context, id int64, now time.Time) error {
	var changes []hongyan.Change
	err := s.store.Atomically(ctx, func(tx Tx) error {
		changes = nil
		p, found, err := tx.Packet(id)
		if err != nil || !found || p.State != PacketOpen || now.Before(p.Expires) {
			return err
		}
		e := move(EntryPacketRefund, Account{AccountPacket, id}, UserAccount(p.Sender), p.Left)
		e.User, e.Ref, e.Once, e.At = p.Sender, id, fmt.Sprintf("packet-refund:%d", id), now
		if e, err = tx.Post(e); err != nil {
			return err
		}
		p.State, p.Refunded, p.Left = PacketRefunded, p.Left, 0
		if err := tx.UpdatePacket(p); err != nil {
			return err
		}
		changes, err = tx.AppendChanges([]hongyan.Change{
			{User: p.Sender, Kind: hongyan.ChangeWallet, Ref: e.ID},
			{User: p.Sender, Kind: hongyan.ChangePacket, Ref: id},
		})
		return err
	})
	if err == nil {
		s.publish(ctx, changes)
	}
	return err
}

// Expire refunds every transfer and red packet that is due at the
// service's clock, and forgets idempotency keys older than KeyTTL. It
// returns how many it refunded. Several nodes may run it at once: each
// refund happens once.
func (s *Service) Expire(ctx context.Context) (int, error) {
	return s.ExpireAt(ctx, s.now())
}

// ExpireAt is Expire as if the clock showed now (the test-clock knob
// `hongyan admin expire-now` passes now + Expiry).
func (s *Service) ExpireAt(ctx context.Context, now time.Time) (int, error) {
	n := 0
	for {
		packets, transfers, err := s.store.Due(ctx, now, 100)
		if err != nil {
			return n, err
		}
		if len(packets)+len(transfers) == 0 {
			break
		}
		for _, id := range packets {
			if err := s.refundPacket(ctx, id, now); err != nil {
				return n, err
			}
			n++
		}
		for _, id := range transfers {
			if _, err := s.settle(ctx, hongyan.Caller{}, id, TransferRefunded, now); err != nil && hongyan.ErrorCode(err) != hongyan.CodePrecondition {
				return n, err
			}
			n++
		}
	}
	if _, err := s.store.ForgetKeys(ctx, now.Add(-s.cfg.KeyTTL)); err != nil {
		return n, err
	}
	return n, nil
}

// Check verifies the ledger's invariants (`hongyan admin ledger check`).
func (s *Service) Check(ctx context.Context) (Report, error) { return s.store.Check(ctx) }
