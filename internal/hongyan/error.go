package hongyan

import (
	"errors"
	"fmt"
)

// Code classifies an Error. Codes are part of the client protocol and the CLI
// output: clients branch on them, so they never change meaning.
type Code string

// The error codes. Every error a client sees carries one of these.
const (
	CodeInvalid       Code = "invalid_argument"    // malformed or out-of-range input
	CodeNotFound      Code = "not_found"           // no such object visible to the caller
	CodeExists        Code = "already_exists"      // unique name taken
	CodeUnauth        Code = "unauthenticated"     // no valid session or wrong credentials
	CodeDenied        Code = "permission_denied"   // caller may not touch the object
	CodePrecondition  Code = "failed_precondition" // state forbids it (used code, not friends, …)
	CodeRateLimited   Code = "rate_limited"        // too many attempts; try later
	CodeTooLarge      Code = "too_large"           // frame, text or image over its limit
	CodeUnimplemented Code = "unimplemented"       // unknown request or message kind
	CodeUnavailable   Code = "unavailable"         // shutting down or overloaded; retry
	CodeInternal      Code = "internal"            // a bug or storage failure; safe message only
)

// Error is an error with a Code and a message that is safe to show to users.
// Reason, when set, tells cases of one code apart for clients that show
// their own words (account ID taken or phone taken, both already_exists).
// Cause, when set, is the error behind it, for logs and errors.Is/As; its
// text never reaches a client.
type Error struct {
	Code    Code
	Message string
	Reason  Reason
	Cause   error
}

// Reason is a machine-readable detail of an Error: lower-case words joined
// by underscores, part of the client protocol (docs/protocol.md "Errors").
// Like codes, reasons never change meaning; new ones may be added.
type Reason string

// The reasons. A client that does not know a reason goes by the code.
const (
	ReasonWrongCredentials Reason = "wrong_credentials"    // login: no such account or a wrong password
	ReasonWrongPassword    Reason = "wrong_password"       // the current password given is wrong
	ReasonWrongCode        Reason = "wrong_code"           // a recovery code is wrong or expired
	ReasonAccountIDTaken   Reason = "account_id_taken"     // another account has this account ID
	ReasonPhoneTaken       Reason = "phone_taken"          // another account has this phone number
	ReasonEmailTaken       Reason = "email_taken"          // another account has this e-mail address
	ReasonAccountIDFormat  Reason = "account_id_format"    // not 6–20 letters, digits, _ or -, starting with a letter
	ReasonPasswordLength   Reason = "password_length"      // a password of the wrong length
	ReasonPhoneFormat      Reason = "phone_format"         // not a phone number
	ReasonEmailFormat      Reason = "email_format"         // not an e-mail address
	ReasonAccountIDOnce    Reason = "account_id_changed"   // the account ID was changed already
	ReasonUserNotFound     Reason = "user_not_found"       // search: nobody found (or nobody who may be found)
	ReasonAlreadyFriends   Reason = "already_friends"      // a friend request to a friend
	ReasonAddSelf          Reason = "add_self"             // a friend request to yourself
	ReasonNotFriends       Reason = "not_friends"          // a message to someone who is not a friend
	ReasonBlocked          Reason = "blocked"              // the other user blocked you
	ReasonTextTooLong      Reason = "text_too_long"        // a text over 4000 characters
	ReasonNotImage         Reason = "not_image"            // an image or sticker that is no JPEG, PNG, GIF or WebP
	ReasonNotAudio         Reason = "not_audio"            // a voice message that is not audio
	ReasonNotVideo         Reason = "not_video"            // a video that is not a video
	ReasonEmptyFile        Reason = "empty_file"           // an upload without content
	ReasonFileTooLarge     Reason = "file_too_large"       // an upload over its size limit
	ReasonImageTooLarge    Reason = "image_too_large"      // an image over the pixel limit
	ReasonVoiceTooLong     Reason = "voice_too_long"       // a voice message over 60 s
	ReasonRecallTooLate    Reason = "recall_too_late"      // a recall after 2 minutes
	ReasonMuted            Reason = "muted"                // you are muted in the group, or everyone is
	ReasonAdminOnly        Reason = "admin_only"           // only the owner and admins may do that
	ReasonOwnerOnly        Reason = "owner_only"           // only the owner may do that
	ReasonGroupFull        Reason = "group_full"           // the group is at its member limit
	ReasonGroupDissolved   Reason = "group_dissolved"      // the group was dissolved
	ReasonSuspended        Reason = "suspended"            // an administrator suspended the group or official account
	ReasonCodeExpired      Reason = "code_expired"         // a QR code was used or has expired
	ReasonCodeRequired     Reason = "code_required"        // binding a phone or e-mail needs the code verify_contact sent to it
	ReasonInvisibleChars   Reason = "invisible_characters" // a name with invisible or direction-changing characters
	ReasonQuotaFull        Reason = "quota_full"           // a group's files would exceed its size quota

	// Wallet.
	ReasonInsufficientFunds Reason = "insufficient_funds"     // the wallet holds less than the amount
	ReasonAllTaken          Reason = "all_taken"              // every share of the red packet was grabbed
	ReasonExpired           Reason = "expired"                // the red packet or transfer expired (refunded)
	ReasonWrongPIN          Reason = "wrong_pin"              // the payment password is wrong or not 6 digits
	ReasonPINLocked         Reason = "pin_locked"             // 5 wrong payment passwords: locked for 3 hours
	ReasonPINNotSet         Reason = "pin_not_set"            // set a payment password first
	ReasonKeyReused         Reason = "idempotency_key_reused" // the idempotency key came with another request
	ReasonNotPending        Reason = "not_pending"            // the transfer was accepted, returned or refunded already
	ReasonAmountLimit       Reason = "amount_limit"           // an amount or share count out of its limits
	ReasonProviderFailed    Reason = "provider_failed"        // the payment provider refused or failed

	ReasonWalletNotEmpty Reason = "wallet_not_empty" // deleting an account whose wallet still holds money
	ReasonHeldAsSpam     Reason = "held_as_spam"     // a message or friend request held for review as possible spam or scam
)

// WithReason returns a copy of e that carries r.
func (e *Error) WithReason(r Reason) *Error {
	c := *e
	c.Reason = r
	return &c
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return string(e.Code) + ": " + e.Message + ": " + e.Cause.Error()
	}
	return string(e.Code) + ": " + e.Message
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Cause }

// Wrap returns an *Error with the given code and message whose cause is
// err.
func Wrap(err error, code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Cause: err}
}

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the Code of err: the code of the first *Error in its
// chain, "" for nil, and CodeInternal for any other error.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// ErrorReason returns the Reason of the first *Error in err's chain, or "".
func ErrorReason(err error) Reason {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}

// ErrorMessage returns a message for err that is safe to show to a client:
// the message of an *Error, or a generic text for anything else, so that
// internal details (SQL, paths) never leak.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}
