package wallet

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// PINCost is the argon2id cost of payment-password hashes.
type PINCost struct {
	MemoryKiB uint32
	Time      uint32
}

// DefaultPINCost is the OWASP minimum for argon2id: 19 MiB, 2 passes.
var DefaultPINCost = PINCost{MemoryKiB: 19 * 1024, Time: 2}

// hashSecret returns the argon2id hash of s in the PHC string format.
func hashSecret(s string, c PINCost) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(s), salt, c.Time, c.MemoryKiB, 1, 32)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=1$%s$%s", argon2.Version, c.MemoryKiB, c.Time,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// checkSecret reports whether s matches hash (from hashSecret). A malformed
// hash never matches.
func checkSecret(hash, s string) bool {
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
	got := argon2.IDKey([]byte(s), salt, t, mem, p, uint32(len(want)))
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
