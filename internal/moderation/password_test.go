package moderation

import (
	"context"
	"strings"
	"testing"

	"hongyan/internal/hongyan"
)

// Administrators' passwords are hashed at the production cost (19 MiB, 2
// passes) unless Config.PasswordCost says otherwise (test harnesses lower
// it), and checked at the cost each hash records.
func TestPasswordCost(t *testing.T) {
	if got, want := DefaultConfig().PasswordCost, (hongyan.HashCost{MemoryKiB: 19 * 1024, Time: 2}); got != want {
		t.Errorf("DefaultConfig().PasswordCost: got %+v, want %+v", got, want)
	}
	ctx := context.Background()
	prod := New(nil, nil, nil, nil, hongyan.Publisher{}, Config{})
	cheap := New(nil, nil, nil, nil, hongyan.Publisher{}, Config{PasswordCost: hongyan.HashCost{MemoryKiB: 64, Time: 1}})
	hp, err := prod.hash(ctx, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hp, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash with Config{}: %q, want m=19456,t=2,p=1", hp)
	}
	hc, err := cheap.hash(ctx, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hc, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Errorf("hash with cost 64 KiB × 1: %q, want m=64,t=1,p=1", hc)
	}
	for _, c := range []struct {
		name string
		s    *Service
		hash string
	}{{"production hash, cheap service", cheap, hp}, {"cheap hash, production service", prod, hc}} {
		for pw, want := range map[string]bool{"correct horse": true, "correct horsf": false} {
			if got, err := c.s.check(ctx, c.hash, pw); got != want || err != nil {
				t.Errorf("%s, %q: got %v, %v; want %v", c.name, pw, got, err, want)
			}
		}
	}
}
