package hongyan

import (
	"unicode"
	"unicode/utf8"
)

// ValidText checks a free-text field users type (a signature, a greeting,
// an announcement): valid UTF-8, no control characters, at most max
// characters. field names the field in the error.
func ValidText(field, s string, max int) error {
	if !utf8.ValidString(s) {
		return Errorf(CodeInvalid, "%s is not valid UTF-8", field)
	}
	if utf8.RuneCountInString(s) > max {
		return Errorf(CodeInvalid, "%s must be at most %d characters", field, max)
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return Errorf(CodeInvalid, "%s may not hold control characters", field)
		}
	}
	return nil
}

// ValidName checks a name other users are shown and may take for someone
// (a nickname, a group name, a remark, a tag, a device name): what
// ValidText checks, and no invisible or direction-changing characters,
// which let "admin" pose as "ad\u200bmin" or "evil\u202egpj.exe" read as
// "evilexe.jpg". Refused are the bidirectional controls (U+200E, U+200F,
// U+061C, U+202A–U+202E, U+2066–U+2069), every other format character
// (zero-width space and non-joiner, word joiner, BOM, soft hyphen…) and
// the blank letters (Hangul fillers, U+034F, U+115F, U+1160, U+3164,
// U+FFA0). Emoji sequences still pass: a zero-width joiner between two
// symbols (👨‍👩‍👧), and the tag characters of a subdivision flag after
// U+1F3F4 (🏴󠁧󠁢󠁳󠁣󠁴󠁿).
func ValidName(field, s string, max int) error {
	if err := ValidText(field, s, max); err != nil {
		return err
	}
	var prev rune   // the last rune that is not a variation selector or skin tone
	inFlag := false // after U+1F3F4, inside its tag characters
	for i, r := range s {
		switch {
		case r == 0x200D: // zero-width joiner: only inside an emoji sequence
			next, n := utf8.DecodeRuneInString(s[i+utf8.RuneLen(r):])
			if !isEmoji(prev) || n == 0 || !isEmoji(next) {
				return invisible(field)
			}
		case r >= 0xE0020 && r <= 0xE007F: // tag characters: only in a flag
			if !inFlag {
				return invisible(field)
			}
			if r == 0xE007F {
				inFlag = false
			}
			continue
		case unicode.Is(unicode.Bidi_Control, r) || unicode.Is(unicode.Cf, r) || blank(r):
			return invisible(field)
		}
		inFlag = r == 0x1F3F4
		if !unicode.Is(unicode.Variation_Selector, r) && !(r >= 0x1F3FB && r <= 0x1F3FF) {
			prev = r
		}
	}
	return nil
}

func invisible(field string) error {
	return Errorf(CodeInvalid, "%s may not hold invisible or direction-changing characters", field).WithReason(ReasonInvisibleChars)
}

// isEmoji reports whether r can be joined into an emoji sequence: a
// symbol (☀, ♀, ⚕, the emoji planes).
func isEmoji(r rune) bool {
	return r != utf8.RuneError && (r >= 0x1F000 && r <= 0x1FAFF || unicode.Is(unicode.So, r))
}

// blank reports whether r is a letter or mark that shows as nothing.
func blank(r rune) bool {
	switch r {
	case 0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x3164, 0xFFA0:
		return true
	}
	return false
}
