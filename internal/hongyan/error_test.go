package hongyan

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
)

// An Error keeps its cause for logs and errors.Is/As, and never shows it
// to a client.
func TestErrorCause(t *testing.T) {
	err := fmt.Errorf("reading: %w", Wrap(io.ErrUnexpectedEOF, CodeUnavailable, "connection closed"))
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("errors.Is(%v, io.ErrUnexpectedEOF): got false, want true", err)
	}
	if got, want := ErrorCode(err), CodeUnavailable; got != want {
		t.Errorf("ErrorCode: got %q, want %q", got, want)
	}
	if got, want := ErrorMessage(err), "connection closed"; got != want {
		t.Errorf("ErrorMessage: got %q, want %q (the cause stays out)", got, want)
	}
	if got, want := err.Error(), "reading: unavailable: connection closed: unexpected EOF"; got != want {
		t.Errorf("Error(): got %q, want %q", got, want)
	}
	if !errors.Is(Wrap(context.Canceled, CodeUnavailable, "gone"), context.Canceled) {
		t.Errorf("a wrapped context.Canceled is not context.Canceled")
	}
	if e := Errorf(CodeInvalid, "bad %d", 1); e.Unwrap() != nil || e.Error() != "invalid_argument: bad 1" {
		t.Errorf("Errorf: got %q with cause %v, want no cause", e.Error(), e.Unwrap())
	}
}
