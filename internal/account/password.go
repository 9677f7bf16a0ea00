package account

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"

	"hongyan/internal/hongyan"
)

// Argon2id parameters beside the cost (hongyan.DefaultHashCost: 19 MiB of
// memory, 2 passes, the OWASP minimum for argon2id). Hashes record their
// parameters, so raising the cost later keeps old hashes verifiable.
const (
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// HashPassword returns the argon2id hash of password in the PHC string
// format, at the production cost (hongyan.DefaultHashCost).
func HashPassword(password string) (string, error) {
	return hashPasswordCost(password, hongyan.DefaultHashCost)
}

// hashPasswordCost is HashPassword at cost c.
func hashPasswordCost(password string, c hongyan.HashCost) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, c.Time, c.MemoryKiB, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, c.MemoryKiB, c.Time, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

var errBadHash = errors.New("malformed password hash")

// CheckPassword reports whether password matches hash (from HashPassword).
func CheckPassword(hash, password string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errBadHash
	}
	var mem, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &t, &p); err != nil || mem == 0 || t == 0 || p == 0 || mem > 1<<22 {
		return false, errBadHash
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, errBadHash
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false, errBadHash
	}
	got := argon2.IDKey([]byte(password), salt, t, mem, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// hashPassword is HashPassword with the hashes computed at once bounded
// (each takes 19 MiB): it waits for its turn, or for ctx to end.
func (s *Service) hashPassword(ctx context.Context, password string) (string, error) {
	if err := hongyan.HashTurn(ctx, s.hashing); err != nil {
		return "", err
	}
	defer func() { <-s.hashing }()
	return hashPasswordCost(password, s.cfg.PasswordCost)
}

// checkPassword is CheckPassword with the hashes computed at once bounded.
func (s *Service) checkPassword(ctx context.Context, hash, password string) (bool, error) {
	if err := hongyan.HashTurn(ctx, s.hashing); err != nil {
		return false, err
	}
	defer func() { <-s.hashing }()
	return s.check(hash, password)
}
