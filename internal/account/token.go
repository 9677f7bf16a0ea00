package account

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"math/big"

	"hongyan/internal/hongyan"
)

// Public user IDs of new accounts are random in [MinUserID, MaxUserID]:
// above every ID the former sequential numbering gave out (those keep
// working), and within the integers JavaScript numbers hold exactly.
const (
	MinUserID = 1 << 40
	MaxUserID = 1<<53 - 1
)

// NewUserID returns a random public user ID for a new account.
func NewUserID() hongyan.UserID {
	v, err := rand.Int(rand.Reader, big.NewInt(MaxUserID-MinUserID+1))
	if err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return hongyan.UserID(MinUserID + v.Int64())
}

// newToken returns a random 256-bit token, URL-safe, and its SHA-256 hash
// (the only form that is stored).
func newToken() (string, []byte) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error()) // never happens on Linux
	}
	tok := base64.RawURLEncoding.EncodeToString(b)
	return tok, hashToken(tok)
}

// newCode returns a random 128-bit code for QR login, in base32 without
// padding: URL-safe, and never starting with "-", so that a command line
// cannot mistake it for a flag.
func newCode() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)
}

// newDigits returns a random numeric code of n digits (recovery codes).
func newDigits(n int) string {
	max := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
	v, err := rand.Int(rand.Reader, max)
	if err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	s := v.String()
	for len(s) < n {
		s = "0" + s
	}
	return s
}

func hashToken(tok string) []byte {
	h := sha256.Sum256([]byte(tok))
	return h[:]
}
