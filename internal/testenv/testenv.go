// Package testenv decides what a test does when something it needs from
// the machine (a tool, an address, a browser) is missing: on a developer's
// machine it skips with the reason; in CI (CI=true) it fails, so that a CI
// run can never pass by skipping what it was meant to check.
package testenv

import (
	"os"
	"testing"
)

// CI reports whether the tests run in CI (the environment sets CI=true).
func CI() bool { return os.Getenv("CI") == "true" }

// Missing skips t with the reason, or fails it in CI.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if CI() {
		t.Fatalf("CI=true, and this test cannot run: "+format, args...)
		return
	}
	t.Skipf(format, args...)
}
