package account

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"hongyan/internal/hongyan"
)

// Limits on what users type.
const (
	MaxNickname   = 32  // characters
	MaxSignature  = 30  // characters (PRODUCT.md §1)
	MaxRegion     = 64  // characters
	MaxDeviceName = 64  // characters
	MinPassword   = 8   // characters
	MaxPassword   = 128 // bytes: the hash cost must not be abusable
	MaxAvatar     = 1 << 20
	maxEmail      = 254 // bytes of an e-mail address
)

// ValidAccountID checks the account ID rules: 6–20 characters of ASCII
// letters, digits, '_' and '-', starting with a letter.
func ValidAccountID(id string) error {
	if len(id) < 6 || len(id) > 20 {
		return hongyan.Errorf(hongyan.CodeInvalid, "account ID must be 6 to 20 characters").WithReason(hongyan.ReasonAccountIDFormat)
	}
	for i, r := range id {
		letter := r < 128 && unicode.IsLetter(r)
		switch {
		case i == 0 && !letter:
			return hongyan.Errorf(hongyan.CodeInvalid, "account ID must start with a letter").WithReason(hongyan.ReasonAccountIDFormat)
		case letter || r >= '0' && r <= '9' || r == '_' || r == '-':
		default:
			return hongyan.Errorf(hongyan.CodeInvalid, "account ID may hold only letters, digits, _ and -").WithReason(hongyan.ReasonAccountIDFormat)
		}
	}
	return nil
}

func validPassword(p string) error {
	if utf8.RuneCountInString(p) < MinPassword || len(p) > MaxPassword {
		return hongyan.Errorf(hongyan.CodeInvalid, "password must be %d to %d characters", MinPassword, MaxPassword).WithReason(hongyan.ReasonPasswordLength)
	}
	return nil
}

// validPhone accepts an optional '+' and 5–15 digits (E.164 length).
func validPhone(p string) error {
	d := strings.TrimPrefix(p, "+")
	if len(d) < 5 || len(d) > 15 {
		return hongyan.Errorf(hongyan.CodeInvalid, "phone number must have 5 to 15 digits").WithReason(hongyan.ReasonPhoneFormat)
	}
	for _, r := range d {
		if r < '0' || r > '9' {
			return hongyan.Errorf(hongyan.CodeInvalid, "phone number may hold only digits and a leading +").WithReason(hongyan.ReasonPhoneFormat)
		}
	}
	return nil
}

func validEmail(e string) error {
	if len(e) > 254 {
		return hongyan.Errorf(hongyan.CodeInvalid, "not a valid e-mail address").WithReason(hongyan.ReasonEmailFormat)
	}
	a, err := mail.ParseAddress(e)
	if err != nil || a.Address != e || len(e) > maxEmail {
		return hongyan.Errorf(hongyan.CodeInvalid, "not a valid e-mail address").WithReason(hongyan.ReasonEmailFormat)
	}
	return nil
}
