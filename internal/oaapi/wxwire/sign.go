// Package wxwire is the wire format of WeChat's official-account developer
// protocol: the SHA-1 signatures of pushes, the AES envelope of safe and
// compatible modes (PKCS#7 padded to 32 bytes), the XML of pushed messages
// and events, and the parsing of the developer server's passive replies.
// It holds no product rules and does no I/O.
package wxwire

import (
	"crypto/sha1"
	"crypto/subtle"
	"encoding/hex"
	"slices"
	"strings"
)

// Signature is lowercase hex SHA-1 of the parts sorted and concatenated:
// (token, timestamp, nonce) for `signature`, plus the Encrypt text for
// `msg_signature`.
func Signature(parts ...string) string {
	s := slices.Clone(parts)
	slices.Sort(s)
	h := sha1.Sum([]byte(strings.Join(s, "")))
	return hex.EncodeToString(h[:])
}

// VerifySignature reports whether sig is the Signature of parts, in
// constant time.
func VerifySignature(sig string, parts ...string) bool {
	want := Signature(parts...)
	return subtle.ConstantTimeCompare([]byte(strings.ToLower(sig)), []byte(want)) == 1
}
