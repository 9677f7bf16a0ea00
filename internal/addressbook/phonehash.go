package addressbook

import (
	"crypto/hmac"
	"crypto/sha256"
	"strings"
)

// HashLen is the length of a phone hash.
const HashLen = sha256.Size

// PhoneForms returns the ways the number p (as written in an address
// book) may be bound to an account: normalized (NormalizePhone), and with
// or without countryCode ("86"; "" for none) — a number written without a
// country code may have been bound with the server's, and one written with
// it may have been bound without. It returns nil for what is not a number.
// Clients apply the same rules before hashing (web/src/lib/phonehash.ts).
func PhoneForms(p, countryCode string) []string {
	n := NormalizePhone(p)
	if n == "" {
		return nil
	}
	out := []string{n}
	cc := "+" + countryCode
	switch {
	case countryCode == "":
	case strings.HasPrefix(n, cc) && len(n)-len(cc) >= 5:
		out = append(out, n[len(cc):])
	case !strings.HasPrefix(n, "+"):
		out = append(out, cc+n)
	}
	return out
}

// HashPhone returns HMAC-SHA256(salt, form) of one form of a number.
func HashPhone(salt []byte, form string) []byte {
	m := hmac.New(sha256.New, salt)
	m.Write([]byte(form))
	return m.Sum(nil)
}

// HashPhones returns the hashes of every form of p (PhoneForms) under
// salt: what a client sends to match p.
func HashPhones(salt []byte, p, countryCode string) [][]byte {
	fs := PhoneForms(p, countryCode)
	out := make([][]byte, len(fs))
	for i, f := range fs {
		out[i] = HashPhone(salt, f)
	}
	return out
}
