package addressbook

import (
	"encoding/hex"
	"slices"
	"testing"
)

// phoneFormCases is shared, number for number, with the web client's test
// (web/test/phonehash.test.mjs): both must hash a number the same way.
var phoneFormCases = []struct {
	in, cc string
	want   []string
}{
	{"13800138000", "86", []string{"13800138000", "+8613800138000"}},
	{"138 0013 8000", "86", []string{"13800138000", "+8613800138000"}},
	{"+86 138-0013-8000", "86", []string{"+8613800138000", "13800138000"}},
	{"0086 (138) 0013.8000", "86", []string{"+8613800138000", "13800138000"}},
	{"+1 415 555 0100", "86", []string{"+14155550100"}},
	{"020 1234 5678", "86", []string{"02012345678", "+8602012345678"}},
	{"13800138000", "", []string{"13800138000"}},
	{"+8612345", "86", []string{"+8612345", "12345"}},
	{"+861234", "86", []string{"+861234"}},
	{"\u00a0139\u00a00013\u00a09000 ", "86", []string{"13900139000", "+8613900139000"}},
	{"1234", "86", nil},
	{"1234567890123456", "86", nil},
	{"138+0013", "86", nil},
	{"phone", "86", nil},
	{"", "86", nil},
}

func TestPhoneForms(t *testing.T) {
	for _, c := range phoneFormCases {
		if got := PhoneForms(c.in, c.cc); !slices.Equal(got, c.want) {
			t.Errorf("PhoneForms(%q, %q): got %q, want %q", c.in, c.cc, got, c.want)
		}
	}
}

// TestHashPhone pins HMAC-SHA256 vectors that the web client's test
// checks too.
func TestHashPhone(t *testing.T) {
	salt := []byte("0123456789abcdef0123456789abcdef")
	for form, want := range map[string]string{
		"13800138000":    "2aff2a1ede191cf2fd4af900d10f48d1e55f31e69dae59d7938c1ac349641534",
		"+8613800138000": "bdd1ee569ac57355604173d9ba4d36cd5e2496b74838f6f4a98bec0d61af8277",
	} {
		if got := hex.EncodeToString(HashPhone(salt, form)); got != want {
			t.Errorf("HashPhone(%q): got %s, want %s", form, got, want)
		}
	}
}
