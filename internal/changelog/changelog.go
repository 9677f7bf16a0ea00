// Package changelog is each user's change log as devices read it: the one
// ordered list of everything a user's devices must learn (messages,
// contacts, profile, settings, devices, groups, favorites). Features
// append to it atomically with their own writes (see hongyan.Change);
// devices read it from their cursor through a Feed — in pages until they
// have caught up, then live, through a Live fed by the bus — and a log is
// compacted: entries older than a window are pruned, and a device whose
// cursor is older gets a reset and rebuilds its state from snapshots.
//
// It knows no transport: the gateway (and any later transport) turns what
// it returns into frames.
package changelog

import (
	"context"
	"time"

	"hongyan/internal/hongyan"
)

// Store reads and compacts users' change logs.
type Store interface {
	// After returns up to limit entries of user's log with Seq > after,
	// in order.
	After(ctx context.Context, user hongyan.UserID, after int64, limit int) ([]hongyan.Change, error)
	// Head returns the sequence of user's newest entry (0 when none),
	// pruned or not.
	Head(ctx context.Context, user hongyan.UserID) (int64, error)
	// PruneBefore deletes the entries created before t from the logs of
	// up to users users; more reports whether users remain with such
	// entries.
	PruneBefore(ctx context.Context, t time.Time, users int) (deleted int, more bool, err error)
}
