package wallet

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"

	"hongyan/internal/hongyan"
)

// PINCost is the argon2id cost of payment-password hashes.
type PINCost = hongyan.HashCost

// DefaultPINCost is the OWASP minimum for argon2id: 19 MiB, 2 passes.
var DefaultPINCost = hongyan.DefaultHashCost

// keyFunc derives an argon2id key: argon2.IDKey (tests watch the
// computations through it).
type keyFunc func(password, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte

// hashSecret returns the argon2id hash of s, derived with idKey, in the
// PHC string format.
func hashSecret(idKey keyFunc, s string, c PINCost) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := idKey([]byte(s), salt, c.Time, c.MemoryKiB, 1, 32)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=1$%s$%s", argon2.Version, c.MemoryKiB, c.Time,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// checkSecret reports whether s matches hash (from hashSecret), derived
// with idKey. A malformed hash never matches.
func checkSecret(idKey keyFunc, hash, s string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var mem, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &t, &p); err != nil || mem == 0 || t == 0 || p == 0 || mem > 1<<22 {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := idKey([]byte(s), salt, t, mem, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// validPIN reports whether pin is six digits.
func validPIN(pin string) bool {
	if len(pin) != 6 {
		return false
	}
	for _, r := range pin {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// hashBounded is hashSecret in its turn.
func (s *Service) hashBounded(ctx context.Context, secret string) (string, error) {
	if err := hongyan.HashTurn(ctx, s.hashing); err != nil {
		return "", err
	}
	defer func() { <-s.hashing }()
	return hashSecret(s.idKey, secret, s.cfg.PINCost)
}

// checkBounded is checkSecret in its turn.
func (s *Service) checkBounded(ctx context.Context, hash, secret string) (bool, error) {
	if err := hongyan.HashTurn(ctx, s.hashing); err != nil {
		return false, err
	}
	defer func() { <-s.hashing }()
	return checkSecret(s.idKey, hash, secret), nil
}

// pinCache remembers, in this process's memory, that a user's payment
// password matched its current hash: an HMAC, under a key made at start,
// of the user, the stored hash and the password. A later payment with the
// same password skips the argon2id computation; tries are still counted
// first, and a new password (a new hash, with a new salt) never matches
// an old entry. Losing it (a restart, another node) costs one argon2id.
type pinCache struct {
	mu  sync.Mutex
	key [32]byte
	m   map[hongyan.UserID][32]byte
}

const maxPINCache = 1 << 17

func newPINCache() *pinCache {
	c := &pinCache{m: map[hongyan.UserID][32]byte{}}
	rand.Read(c.key[:])
	return c
}

func (c *pinCache) mac(u hongyan.UserID, hash, pin string) [32]byte {
	h := hmac.New(sha256.New, c.key[:])
	h.Write([]byte(strconv.FormatInt(int64(u), 10) + "\x00" + hash + "\x00" + pin))
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// known reports whether pin was checked against hash for u before.
func (c *pinCache) known(u hongyan.UserID, hash, pin string) bool {
	want := c.mac(u, hash, pin)
	c.mu.Lock()
	got, ok := c.m[u]
	c.mu.Unlock()
	return ok && subtle.ConstantTimeCompare(got[:], want[:]) == 1
}

// remember records that pin matched hash for u.
func (c *pinCache) remember(u hongyan.UserID, hash, pin string) {
	v := c.mac(u, hash, pin)
	c.mu.Lock()
	if len(c.m) >= maxPINCache {
		clear(c.m)
	}
	c.m[u] = v
	c.mu.Unlock()
}
