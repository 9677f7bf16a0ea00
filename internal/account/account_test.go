package account

import (
	"context"
	"strings"
	"testing"

	"hongyan/internal/hongyan"
)

func TestValidAccountID(t *testing.T) {
	tests := []struct {
		id string
		ok bool
	}{
		{"alice1", true},
		{"Zhang_San-99", true},
		{"abcdefghijklmnopqrst", true},
		{"abcde", false},                 // too short
		{"abcdefghijklmnopqrstu", false}, // too long
		{"1alice", false},                // starts with a digit
		{"_alice", false},
		{"alice!x", false},
		{"张三abcdef", false}, // letters must be ASCII
		{"alice x1", false},
	}
	for _, tt := range tests {
		err := ValidAccountID(tt.id)
		if got := err == nil; got != tt.ok {
			t.Errorf("ValidAccountID(%q): got ok=%v (%v), want ok=%v", tt.id, got, err, tt.ok)
		}
	}
}

func TestPasswordHash(t *testing.T) {
	h, err := HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q: want argon2id with m=19456,t=2,p=1", h)
	}
	for pw, want := range map[string]bool{"correct horse": true, "correct hors": false, "": false} {
		got, err := CheckPassword(h, pw)
		if err != nil || got != want {
			t.Errorf("CheckPassword(%q): got %v, %v; want %v", pw, got, err, want)
		}
	}
	h2, _ := HashPassword("correct horse")
	if h2 == h {
		t.Errorf("two hashes of one password are equal; want distinct salts")
	}
	for _, bad := range []string{"", "$argon2id$v=19$m=0,t=2,p=1$AAAA$AAAA", "$bcrypt$x", "$argon2id$v=19$m=19456,t=2,p=1$!!$AAAA"} {
		if _, err := CheckPassword(bad, "x"); err == nil {
			t.Errorf("CheckPassword(%q): got nil error, want error", bad)
		}
	}
}

func TestSniffImage(t *testing.T) {
	tests := map[string]string{
		"\x89PNG\r\n\x1a\nrest":       "image/png",
		"\xff\xd8\xff\xe0":            "image/jpeg",
		"GIF89a...":                   "image/gif",
		"RIFF\x00\x00\x00\x00WEBPVP8": "image/webp",
		"<html><script>":              "",
		"<svg xmlns=":                 "",
		"":                            "",
	}
	for in, want := range tests {
		if got := sniffImage([]byte(in)); got != want {
			t.Errorf("sniffImage(%q): got %q, want %q", in, got, want)
		}
	}
}

func TestRecoveryDigits(t *testing.T) {
	for range 50 {
		c := newDigits(6)
		if len(c) != 6 || strings.Trim(c, "0123456789") != "" {
			t.Fatalf("newDigits(6) = %q, want 6 digits", c)
		}
	}
	if a, b := newCode(), newCode(); a == b || len(a) < 22 {
		t.Fatalf("newCode: got %q and %q; want distinct codes of ≥128 bits", a, b)
	}
}

// A QR login code is typed or pasted as a command-line argument, so it must
// never look like a flag; with base64url one in 64 codes began with "-".
func TestQRLoginCodeNeverLooksLikeAFlag(t *testing.T) {
	for range 2000 {
		code := newCode()
		if strings.HasPrefix(code, "-") || len(code) != 26 {
			t.Fatalf("newCode() = %q, want 26 characters not starting with -", code)
		}
	}
}

// TestPasswordHashesBounded: a password hash waits for a free slot of
// Config.PasswordHashes (each takes 19 MiB), and gives up when its caller
// does.
func TestPasswordHashesBounded(t *testing.T) {
	cfg := DefaultConfig()
	cfg.PasswordHashes = 1
	s := New(nil, nil, hongyan.Publisher{}, cfg)
	s.hashing <- struct{}{} // the one slot is taken
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.hashPassword(ctx, "correct horse"); hongyan.ErrorCode(err) != hongyan.CodeUnavailable {
		t.Errorf("hash with no free slot: got %v, want unavailable", err)
	}
	if _, err := s.checkPassword(ctx, "$argon2id$", "x"); hongyan.ErrorCode(err) != hongyan.CodeUnavailable {
		t.Errorf("check with no free slot: got %v, want unavailable", err)
	}
	<-s.hashing
	h, err := s.hashPassword(context.Background(), "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := s.checkPassword(context.Background(), h, "correct horse"); !ok || err != nil {
		t.Errorf("check with a free slot: got %v, %v; want true", ok, err)
	}
	if len(s.hashing) != 0 {
		t.Errorf("%d slots still taken after the hashes; want 0", len(s.hashing))
	}
}

// The service hashes at the production cost (19 MiB, 2 passes) unless
// Config.PasswordCost says otherwise (test harnesses lower it), and checks
// each hash at the cost the hash records, so hashes made at either cost
// verify under a service of the other.
func TestPasswordCost(t *testing.T) {
	if got, want := DefaultConfig().PasswordCost, (hongyan.HashCost{MemoryKiB: 19 * 1024, Time: 2}); got != want {
		t.Errorf("DefaultConfig().PasswordCost: got %+v, want %+v", got, want)
	}
	if got, want := hongyan.DefaultHashCost, (hongyan.HashCost{MemoryKiB: 19 * 1024, Time: 2}); got != want {
		t.Errorf("hongyan.DefaultHashCost: got %+v, want %+v", got, want)
	}
	ctx := context.Background()
	prod := New(nil, nil, hongyan.Publisher{}, Config{}) // zero cost: the production one
	cheap := New(nil, nil, hongyan.Publisher{}, Config{PasswordCost: hongyan.HashCost{MemoryKiB: 64, Time: 1}})
	hp, err := prod.hashPassword(ctx, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hp, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash with Config{}: %q, want m=19456,t=2,p=1", hp)
	}
	if d := prod.dummyHash(); !strings.HasPrefix(d, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("dummy hash with Config{}: %q, want m=19456,t=2,p=1", d)
	}
	hc, err := cheap.hashPassword(ctx, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hc, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Errorf("hash with cost 64 KiB × 1: %q, want m=64,t=1,p=1", hc)
	}
	if d := cheap.dummyHash(); !strings.HasPrefix(d, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Errorf("dummy hash with cost 64 KiB × 1: %q, want m=64,t=1,p=1", d)
	}
	for _, c := range []struct {
		name string
		s    *Service
		hash string
	}{{"production hash, cheap service", cheap, hp}, {"cheap hash, production service", prod, hc}} {
		for pw, want := range map[string]bool{"correct horse": true, "correct horsf": false} {
			if got, err := c.s.checkPassword(ctx, c.hash, pw); got != want || err != nil {
				t.Errorf("%s, %q: got %v, %v; want %v", c.name, pw, got, err, want)
			}
		}
	}
}
