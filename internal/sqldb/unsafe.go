package sqldb

import (
	"log"
	"os"
	"sync"
)

// EnvUnsafeAckBeforeCommit names the environment variable that turns on
// Options.UnsafeAckBeforeCommit on either engine: a TEST-ONLY NEGATIVE
// CONTROL that acknowledges writes before they commit, so that the chaos
// workloads of hongyan-load can show that their checker detects lost
// acknowledged messages. It is deliberately not part of the configuration
// (no TOML key, no flag). Never set it on a real node.
const EnvUnsafeAckBeforeCommit = "HONGYAN_UNSAFE_ACK_BEFORE_COMMIT"

var warnUnsafeOnce sync.Once

// UnsafeAckFromEnv reports whether EnvUnsafeAckBeforeCommit is "1",
// warning once in the log when it is.
func UnsafeAckFromEnv() bool {
	if os.Getenv(EnvUnsafeAckBeforeCommit) != "1" {
		return false
	}
	warnUnsafeOnce.Do(func() {
		log.Printf("WARNING: %s=1: writes are acknowledged BEFORE they commit; acknowledged messages WILL be lost on a crash. Test-only negative control; never use on a real node.", EnvUnsafeAckBeforeCommit)
	})
	return true
}
