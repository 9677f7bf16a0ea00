// Package changelog reads each user's change log: the one ordered list of
// everything a user's devices must learn (messages, contacts, profile,
// settings, devices). Features append to it atomically with their own writes
// (see hongyan.Change); devices read it from their cursor.
package changelog

import (
	"context"

	"hongyan/internal/hongyan"
)

// Store reads users' change logs.
type Store interface {
	// After returns up to limit entries of user's log with Seq > after,
	// in order.
	After(ctx context.Context, user hongyan.UserID, after int64, limit int) ([]hongyan.Change, error)
	// Head returns the sequence of user's newest entry (0 when none).
	Head(ctx context.Context, user hongyan.UserID) (int64, error)
}
