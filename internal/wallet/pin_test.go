package wallet_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"golang.org/x/crypto/argon2"

	"hongyan/internal/hongyan"
	"hongyan/internal/wallet"
)

// TestPINHashesBounded: every argon2id computation of the wallet — the
// hashes SetPIN and ResetPIN make as well as the checks of a payment
// password or a recovery code — runs holding one of the service's hashing
// slots, so no more run at once than there are slots (each takes 19 MiB);
// one waiting for a slot gives up when its caller does.
func TestPINHashesBounded(t *testing.T) {
	ctx := t.Context()
	svc, _, _ := newService(t)
	const slots = 2
	var running, most, outside, total atomic.Int64
	wallet.SetHashing(svc, slots, func(password, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte {
		total.Add(1)
		// The computation's own slot is taken while it runs: none taken
		// means it holds none.
		if len(wallet.Hashing(svc)) == 0 {
			outside.Add(1)
		}
		n := running.Add(1)
		defer running.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		return argon2.IDKey(password, salt, time, memory, threads, keyLen)
	})

	// One user after another: each computation is alone, so it holds a
	// slot exactly when one is taken.
	c := caller(1)
	recovery, err := svc.SetPIN(ctx, c, "123456", "") // two hashes: the PIN and the recovery code
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetPIN(ctx, c, "234567", "123456"); err != nil { // a check and a hash
		t.Fatal(err)
	}
	if _, err := svc.ResetPIN(ctx, c, "account-password", recovery, "345678"); err != nil { // a check and two hashes
		t.Fatal(err)
	}
	if got, want := total.Load(), int64(7); got != want {
		t.Errorf("argon2id computations of SetPIN, SetPIN and ResetPIN: got %d, want %d", got, want)
	}
	if got := outside.Load(); got != 0 {
		t.Errorf("argon2id computations without a hashing slot: got %d of %d, want 0", got, total.Load())
	}

	// Many users at once.
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for u := hongyan.UserID(10); u < 26; u++ {
		wg.Go(func() {
			c := caller(u)
			recovery, err := svc.SetPIN(ctx, c, "123456", "")
			if err == nil {
				_, err = svc.ResetPIN(ctx, c, "account-password", recovery, "654321")
			}
			if err != nil {
				errs <- fmt.Errorf("user %d: %w", u, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := most.Load(); got > slots {
		t.Errorf("argon2id computations at once: got %d, want at most %d", got, slots)
	}
	if got := outside.Load(); got != 0 {
		t.Errorf("argon2id computations without a hashing slot: got %d of %d, want 0", got, total.Load())
	}
	if n := len(wallet.Hashing(svc)); n != 0 {
		t.Errorf("%d hashing slots still taken after the calls; want 0", n)
	}

	// Every slot taken: a new PIN waits, and its caller gives up.
	for range slots {
		wallet.Hashing(svc) <- struct{}{}
	}
	before := total.Load()
	gone, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := svc.SetPIN(gone, caller(2), "123456", ""); hongyan.ErrorCode(err) != hongyan.CodeUnavailable {
		t.Errorf("SetPIN with every hashing slot taken: got %v, want unavailable", err)
	}
	if got := total.Load() - before; got != 0 {
		t.Errorf("SetPIN with every hashing slot taken computed %d hashes; want 0", got)
	}
	for range slots {
		<-wallet.Hashing(svc)
	}
}
