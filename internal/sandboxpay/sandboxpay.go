// Package sandboxpay is the payment provider inside the binary
// (wallet.Provider): top-ups and withdrawals succeed at once, unless it is
// told to refuse a share of them or to take its time (for tests). It moves
// no real money. Like a real provider it is idempotent by key: a second
// call with a key answers what the first did, without charging or paying
// again. It keeps what it did in memory, so each node has its own
// sandbox; a real provider keeps this on its side.
package sandboxpay

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"

	"hongyan/internal/hongyan"
)

// Config tunes the sandbox. The zero value always succeeds at once.
type Config struct {
	// FailRate is the share of requests refused (0 to 1), decided on a
	// key's first call and kept for its retries.
	FailRate float64
	// Delay is how long each request takes.
	Delay time.Duration
	// Rand, when set, replaces the source of FailRate's decisions: a
	// uniform number in [0, 1).
	Rand func() float64
}

// Provider is the sandbox provider. It is safe for concurrent use.
type Provider struct {
	cfg     Config
	mu      sync.Mutex
	done    map[string]bool // key → succeeded
	charged int64
	paid    int64
}

// New returns a sandbox provider.
func New(cfg Config) *Provider {
	if cfg.Rand == nil {
		cfg.Rand = rand.Float64
	}
	return &Provider{cfg: cfg, done: map[string]bool{}}
}

var errRefused = hongyan.Errorf(hongyan.CodePrecondition, "the sandbox payment provider refused this request").WithReason(hongyan.ReasonProviderFailed)

func (p *Provider) do(ctx context.Context, key string, amount int64, total *int64) error {
	if p.cfg.Delay > 0 {
		t := time.NewTimer(p.cfg.Delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return hongyan.Errorf(hongyan.CodeUnavailable, "the payment provider did not answer")
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	ok, seen := p.done[key]
	if !seen {
		ok = p.cfg.FailRate <= 0 || p.cfg.Rand() >= p.cfg.FailRate
		p.done[key] = ok
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
	return p.do(ctx, "charge:"+key, amount, &p.charged)
}

// Payout sends amount fen to the user's (pretend) payment method.
func (p *Provider) Payout(ctx context.Context, u hongyan.UserID, amount int64, key string) error {
	return p.do(ctx, "payout:"+key, amount, &p.paid)
}

// Totals returns what the sandbox charged and paid out so far.
func (p *Provider) Totals() (charged, paid int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.charged, p.paid
}
