// Package sandboxpay is the payment provider inside the binary
// (wallet.Provider): top-ups and withdrawals succeed at once, unless it is
// told to refuse a share of them or to take its time (for tests). It moves
// no real money. Like a real provider it is idempotent by key: a second
// call with a key answers what the first did, without charging or paying
// again, and it answers what became of a key (Status), which the wallet's
// reconciliation asks after a crash.
//
// A real provider keeps its records on its own side, out of reach of a
// crash of the node. The sandbox keeps them in memory and, when given a
// journal file (the node gives it one in its data directory), appends
// each decision to it and syncs it before answering, so that they outlive
// a crash of the node too. Each node has its own sandbox: in a cluster a
// node's reconciliation only knows the requests that node made.
package sandboxpay

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"sync"
	"time"

	"hongyan/internal/hongyan"
	"hongyan/internal/wallet"
)

// Config tunes the sandbox. The zero value always succeeds at once and
// keeps its records in memory only.
type Config struct {
	// FailRate is the share of requests refused (0 to 1), decided on a
	// key's first call and kept for its retries.
	FailRate float64
	// Delay is how long each request takes.
	Delay time.Duration
	// Rand, when set, replaces the source of FailRate's decisions: a
	// uniform number in [0, 1).
	Rand func() float64
	// Journal, when set, is the file the sandbox keeps its decisions in
	// (one JSON object a line: op, key, ok, amount), read back by Open.
	Journal string
}

// Provider is the sandbox provider. It is safe for concurrent use.
type Provider struct {
	cfg     Config
	mu      sync.Mutex
	done    map[string]bool // op:key → succeeded
	charged int64
	paid    int64
	journal *os.File
}

var _ wallet.Provider = (*Provider)(nil)

// New returns a sandbox provider that keeps its records in memory
// (cfg.Journal is not used; see Open).
func New(cfg Config) *Provider {
	if cfg.Rand == nil {
		cfg.Rand = rand.Float64
	}
	return &Provider{cfg: cfg, done: map[string]bool{}}
}

// record is one line of the journal.
type record struct {
	Op     string `json:"op"` // charge or payout
	Key    string `json:"key"`
	OK     bool   `json:"ok"`
	Amount int64  `json:"amount"`
}

// Open returns a sandbox provider that reads its earlier decisions from
// cfg.Journal and appends new ones to it (a torn last line, from a crash
// while writing, was never answered and is ignored).
func Open(cfg Config) (*Provider, error) {
	p := New(cfg)
	if cfg.Journal == "" {
		return p, nil
	}
	b, err := os.ReadFile(cfg.Journal)
	if err != nil && !os.IsNotExist(err) {
		return nil, fmt.Errorf("sandboxpay: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r record
		if json.Unmarshal(sc.Bytes(), &r) != nil || (r.Op != "charge" && r.Op != "payout") {
			continue
		}
		p.done[r.Op+":"+r.Key] = r.OK
		if r.OK && r.Op == "charge" {
			p.charged += r.Amount
		} else if r.OK {
			p.paid += r.Amount
		}
	}
	if n := bytes.LastIndexByte(b, '\n'); n+1 < len(b) {
		// Cut the torn last line off, so that the next record starts on
		// a line of its own.
		if err := os.Truncate(cfg.Journal, int64(n+1)); err != nil {
			return nil, fmt.Errorf("sandboxpay: %w", err)
		}
	}
	p.journal, err = os.OpenFile(cfg.Journal, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sandboxpay: %w", err)
	}
	return p, nil
}

// Close closes the journal.
func (p *Provider) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.journal == nil {
		return nil
	}
	err := p.journal.Close()
	p.journal = nil
	return err
}

var errRefused = hongyan.Errorf(hongyan.CodePrecondition, "the sandbox payment provider refused this request").WithReason(hongyan.ReasonProviderFailed)

func errUnavailable(format string, args ...any) error {
	return hongyan.Errorf(hongyan.CodeUnavailable, format, args...)
}

func (p *Provider) do(ctx context.Context, op, key string, amount int64, total *int64) error {
	if p.cfg.Delay > 0 {
		t := time.NewTimer(p.cfg.Delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return errUnavailable("the payment provider did not answer")
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	ok, seen := p.done[op+":"+key]
	if !seen {
		ok = p.cfg.FailRate <= 0 || p.cfg.Rand() >= p.cfg.FailRate
		if p.journal != nil {
			line, _ := json.Marshal(record{Op: op, Key: key, OK: ok, Amount: amount})
			if _, err := p.journal.Write(append(line, '\n')); err != nil {
				return errUnavailable("the sandbox payment provider could not keep its journal: %v", err)
			}
			if err := p.journal.Sync(); err != nil {
				return errUnavailable("the sandbox payment provider could not keep its journal: %v", err)
			}
		}
		p.done[op+":"+key] = ok
		if ok {
			*total += amount
		}
	}
	if !ok {
		return errRefused
	}
	return nil
}

// Charge takes amount fen from the user's (pretend) payment method.
func (p *Provider) Charge(ctx context.Context, u hongyan.UserID, amount int64, key string) error {
	return p.do(ctx, "charge", key, amount, &p.charged)
}

// Payout sends amount fen to the user's (pretend) payment method.
func (p *Provider) Payout(ctx context.Context, u hongyan.UserID, amount int64, key string) error {
	return p.do(ctx, "payout", key, amount, &p.paid)
}

// Status tells what became of the charge (wallet.EntryTopUp) or payout
// (wallet.EntryWithdraw) with key.
func (p *Provider) Status(ctx context.Context, kind wallet.EntryKind, key string) (wallet.ProviderStatus, error) {
	op := "charge"
	switch kind {
	case wallet.EntryTopUp:
	case wallet.EntryWithdraw:
		op = "payout"
	default:
		return 0, hongyan.Errorf(hongyan.CodeInvalid, "sandboxpay: no requests of kind %d", kind)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	ok, seen := p.done[op+":"+key]
	switch {
	case !seen:
		return wallet.ProviderNoRecord, nil
	case ok:
		return wallet.ProviderSucceeded, nil
	}
	return wallet.ProviderRefused, nil
}

// Totals returns what the sandbox charged and paid out so far.
func (p *Provider) Totals() (charged, paid int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.charged, p.paid
}
