package changelog

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"hongyan/internal/hongyan"
)

// MaxPending is how many pushed entries a Live holds before it stops
// keeping them and reads the store instead.
const MaxPending = 1024

// HoleWait is how long a hole in the pushed entries may stay before the
// missing ones are read from the store: their event is most likely a
// moment behind (another commit's publisher).
const HoleWait = 10 * time.Millisecond

// ErrBehind is returned by Deliver when the entries after a device's
// position were pruned: the device must sync again (and be reset).
var ErrBehind = errors.New("changelog: entries after the device's position were pruned")

// Live is one device's live feed once it has caught up: the entries its
// user's events bring, delivered in order, each once. Events of
// concurrent commits may arrive in either order, or not at all (a lost or
// overflowed event): the entries that continue the device's position are
// delivered at once; a hole waits HoleWait for its event, then is filled
// from the store, and so is an overflow. Entries filled from the store
// keep the data their events carried, so that only the missing ones are
// read again. The zero Live is off; it is safe for concurrent use.
type Live struct {
	mu      sync.Mutex
	on      bool
	gap     bool             // pending overflowed: read from the store
	sent    int64            // the last sequence delivered
	hole    int64            // since when (monotonic ns) pending entries do not continue from sent; 0: they do
	pending []hongyan.Change // entries from events, not yet delivered
}

// Set turns live delivery on (the device has everything up to sent) or
// off (it is paging; sent is where the last page ended).
func (l *Live) Set(on bool, sent int64) {
	l.mu.Lock()
	l.on, l.sent = on, sent
	l.mu.Unlock()
}

// Add records entries an event brought. It reports false when it has no
// room for them, and will read the store instead.
func (l *Live) Add(changes []hongyan.Change) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.pending)+len(changes) > MaxPending {
		l.pending, l.gap = nil, true
		return false
	}
	l.pending = append(l.pending, changes...)
	return true
}

// A Device receives the entries of its user's log, in order.
type Device interface {
	PushChanges(ctx context.Context, changes []hongyan.Change) error
}

// Deliver hands the pending entries that continue the device's position
// to d, in order, a page at a time, filling a gap from f's store. When a
// hole may yet be filled by an event on its way, it returns how long to
// wait before calling it again. It returns d's error, the store's, or
// ErrBehind. Calls must not overlap.
func (l *Live) Deliver(ctx context.Context, f *Feed, user hongyan.UserID, d Device) (retry time.Duration, err error) {
	l.mu.Lock()
	if !l.on {
		l.mu.Unlock()
		return 0, nil
	}
	pending, gap, sent := l.pending, l.gap, l.sent
	l.pending, l.gap = nil, false
	l.mu.Unlock()

	// Filter in place: pending is this call's alone now (Add makes a new
	// array once l.pending is nil).
	fresh := pending[:0]
	for _, ch := range pending {
		if ch.Seq > sent {
			fresh = append(fresh, ch)
		}
	}
	if len(fresh) == 0 && !gap {
		return 0, nil
	}
	slices.SortFunc(fresh, func(a, b hongyan.Change) int { return cmp.Compare(a.Seq, b.Seq) })
	fresh = slices.CompactFunc(fresh, func(a, b hongyan.Change) bool { return a.Seq == b.Seq })
	n := 0 // the entries that continue from sent
	for n < len(fresh) && fresh[n].Seq == sent+int64(n)+1 {
		n++
	}
	if !gap && n < len(fresh) {
		// A hole: deliver what continues, keep the rest, and look again
		// shortly; only a hole that stays is filled from the store.
		if n > 0 {
			if err := l.send(ctx, d, fresh[:n]); err != nil {
				return 0, err
			}
			sent = fresh[n-1].Seq
		}
		l.mu.Lock()
		if l.hole == 0 {
			l.hole = mono()
		}
		wait := HoleWait - time.Duration(mono()-l.hole)
		if wait > 0 {
			l.pending = append(fresh[n:len(fresh):len(fresh)], l.pending...)
			l.mu.Unlock()
			return wait, nil
		}
		l.hole = 0
		l.mu.Unlock()
		gap = true
	} else {
		l.mu.Lock()
		l.hole = 0
		l.mu.Unlock()
	}
	if !gap {
		return 0, l.send(ctx, d, fresh)
	}
	// Read everything after sent from the store, page by page.
	known := make(map[int64][]byte, len(fresh))
	for _, ch := range fresh {
		if len(ch.Data) > 0 {
			known[ch.Seq] = ch.Data
		}
	}
	for {
		page, err := f.store.After(ctx, user, sent, PageMax)
		if err != nil {
			return 0, err
		}
		if len(page) == 0 {
			return 0, nil
		}
		if page[0].Seq != sent+1 {
			return 0, ErrBehind
		}
		for i := range page {
			if d, ok := known[page[i].Seq]; ok && len(page[i].Data) == 0 {
				page[i].Data = d
			}
		}
		if err := l.send(ctx, d, page); err != nil {
			return 0, err
		}
		sent = page[len(page)-1].Seq
		if len(page) < PageMax {
			return 0, nil
		}
	}
}

// send delivers changes and moves the position past them.
func (l *Live) send(ctx context.Context, d Device, changes []hongyan.Change) error {
	if err := d.PushChanges(ctx, changes); err != nil {
		return err
	}
	l.mu.Lock()
	if seq := changes[len(changes)-1].Seq; seq > l.sent {
		l.sent = seq
	}
	l.mu.Unlock()
	return nil
}

// epoch starts the clock of mono.
var epoch = time.Now()

// mono is a monotonic clock reading in nanoseconds, never 0.
func mono() int64 { return int64(time.Since(epoch)) + 1 }
