package hongyan

import "testing"

func TestValidName(t *testing.T) {
	for _, tt := range []struct {
		name string
		ok   bool
	}{
		{"Alice", true},
		{"小红 🌸", true},
		{"שלום Bob", true},        // right-to-left letters are fine
		{"👨\u200d👩\u200d👧", true}, // a family: joiners between emoji
		{"🏳\ufe0f\u200d🌈", true},  // joiner after a variation selector
		{"👍🏽", true},              // a skin tone
		{"🏴\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F", true}, // Scotland
		{"evil\u202egpj.exe", false},                 // right-to-left override
		{"a\u2066b\u2069", false},                    // isolates
		{"\u200fname", false},                        // right-to-left mark
		{"ad\u200bmin", false},                       // zero-width space
		{"ad\u200cmin", false},                       // zero-width non-joiner
		{"ad\u200dmin", false},                       // a joiner between letters
		{"admin\u200d", false},                       // a joiner at the end
		{"👍\u200d", false},                           // a joiner after an emoji, before nothing
		{"\ufeffadmin", false},                       // byte-order mark
		{"ad\u2060min", false},                       // word joiner
		{"ad\u00admin", false},                       // soft hyphen
		{"\u3164", false},                            // Hangul filler: a blank name
		{"a\U000E0041", false},                       // a tag character outside a flag
		{"a\x00b", false},                            // control character
		{"\xff", false},                              // not UTF-8
		{"123456789012345678901234567890123", false}, // 33 characters
	} {
		err := ValidName("nickname", tt.name, 32)
		if got := err == nil; got != tt.ok {
			t.Errorf("ValidName(%+q) = %v, want ok %v", tt.name, err, tt.ok)
		}
		if err != nil && ErrorCode(err) != CodeInvalid {
			t.Errorf("ValidName(%+q) code = %q, want %q", tt.name, ErrorCode(err), CodeInvalid)
		}
	}
}
