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
type Error struct {
	Code    Code
	Message string
}

func (e *Error) Error() string { return string(e.Code) + ": " + e.Message }

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
