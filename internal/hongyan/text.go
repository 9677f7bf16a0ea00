package hongyan

import (
	"unicode"
	"unicode/utf8"
)

// ValidText checks a free-text field users type (a nickname, a remark, a
// greeting): valid UTF-8, no control characters, at most max characters.
// field names the field in the error.
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
