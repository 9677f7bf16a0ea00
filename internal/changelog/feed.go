package changelog

import (
	"context"
	"time"

	"hongyan/internal/hongyan"
)

// Page sizes of a sync.
const (
	PageMax     = 1000
	PageDefault = 500
)

// Feed serves users' change logs to their devices.
type Feed struct {
	store     Store
	resolvers Resolvers
	now       func() time.Time
}

// NewFeed returns a feed over store that resolves entries with resolvers
// (see Resolve).
func NewFeed(store Store, resolvers Resolvers) *Feed {
	return &Feed{store: store, resolvers: resolvers, now: time.Now}
}

// Head returns the sequence of user's newest entry (0 when none).
func (f *Feed) Head(ctx context.Context, user hongyan.UserID) (int64, error) {
	return f.store.Head(ctx, user)
}

// Page is one page of a user's log after a device's cursor.
type Page struct {
	Changes []hongyan.Change
	// More entries follow the last one.
	More bool
	// Head is the user's newest sequence when the page was read.
	Head int64
	// Reset: entries after the cursor were pruned, so this page cannot
	// continue it. The device rebuilds its state from snapshots and
	// continues from Head; Changes is empty.
	Reset bool
}

// Page returns up to limit (PageDefault when 0, at most PageMax) entries of
// user's log after the cursor after.
func (f *Feed) Page(ctx context.Context, user hongyan.UserID, after int64, limit int) (Page, error) {
	if after < 0 {
		return Page{}, hongyan.Errorf(hongyan.CodeInvalid, "cursor must not be negative")
	}
	if limit <= 0 {
		limit = PageDefault
	}
	limit = min(limit, PageMax)
	// The head first: every entry up to it was committed before the page
	// is read, so a page that does not start right after the cursor
	// although the head is past it means pruned entries, never entries
	// still being committed.
	head, err := f.store.Head(ctx, user)
	if err != nil {
		return Page{}, err
	}
	changes, err := f.store.After(ctx, user, after, limit+1)
	if err != nil {
		return Page{}, err
	}
	if after < head && (len(changes) == 0 || changes[0].Seq > after+1) {
		return Page{Head: head, Reset: true}, nil
	}
	p := Page{Changes: changes, Head: head}
	if len(changes) > limit {
		p.Changes, p.More = changes[:limit], true
	}
	return p, nil
}

// pruneUsers is how many users' logs one step of Prune compacts.
const pruneUsers = 500

// Prune deletes the entries older than window from every user's log
// (nothing when window is 0) and returns how many it deleted. Several
// nodes pruning at once only repeat each other's work.
func (f *Feed) Prune(ctx context.Context, window time.Duration) (int, error) {
	if window <= 0 {
		return 0, nil
	}
	before := f.now().Add(-window)
	total := 0
	for {
		n, more, err := f.store.PruneBefore(ctx, before, pruneUsers)
		total += n
		if err != nil || !more {
			return total, err
		}
	}
}
