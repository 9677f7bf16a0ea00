package wsclient

import (
	"context"
	"errors"
	"fmt"
	"time"

	"hongyan/internal/gen/hongyanv1"
)

// DefaultHeartbeat is how long a caught-up Syncer first waits without
// pushes before it pings the server to check that it missed nothing.
const DefaultHeartbeat = 30 * time.Second

// DefaultMaxHeartbeat caps the adaptive heartbeat: each quiet heartbeat
// doubles the wait, up to this (below the 5-minute idle timeouts common in
// mobile carriers' NATs); any push brings it back to Heartbeat. An idle
// device thus pings about 15 times an hour instead of 120.
const DefaultMaxHeartbeat = 4 * time.Minute

// ErrKicked is the cause returned by Syncer.Next when the server signed this
// device out (a kicked push).
var ErrKicked = errors.New("wsclient: device signed out")

// ErrReset is the cause returned by Syncer.Next when the server no longer
// keeps the changes after the cursor (they were older than its window)
// and the Syncer has no OnReset to rebuild the device's state.
var ErrReset = errors.New("wsclient: the server no longer keeps the changes after the cursor; load the state afresh")

// Syncer implements the device side of the sync model on an authenticated
// Conn. Starting from a cursor (the sequence of the last change the device
// processed), it pages through sync until the server says there is no more,
// then follows live pushes. A push that does not continue exactly from the
// cursor is a gap: the Syncer syncs again instead of trusting it. Changes
// come out of Next in sequence order, each exactly once; the caller
// persists Cursor after handling them.
//
// A Syncer consumes the Conn's Pushes channel: nothing else may read it
// while the Syncer is in use. Pushes other than changes go to OnPush. A
// Syncer is not safe for concurrent use.
type Syncer struct {
	// Limit is the page size asked of sync (0: the server's default).
	Limit uint32
	// Heartbeat is how long Next waits for a push while caught up before
	// it first pings the server (0: DefaultHeartbeat; negative: never).
	Heartbeat time.Duration
	// MaxHeartbeat caps the adaptive heartbeat (0: DefaultMaxHeartbeat).
	MaxHeartbeat time.Duration
	// OnPush, if set, receives pushes other than changes and kicked
	// (typing indicators), on the goroutine calling Next.
	OnPush func(*hongyanv1.ServerFrame)
	// OnReset, if set, is called when the server no longer keeps the
	// changes after the cursor: it loads the device's state afresh (the
	// list requests: conversations, contacts, friend requests, groups,
	// invitations, profile, devices, favorites). When it returns nil the
	// Syncer continues from head, the server's head when it said so.
	// Without it, Next returns an error wrapping ErrReset.
	OnReset func(ctx context.Context, head int64) error

	conn   *Conn
	cursor int64
	live   bool          // caught up: the last sync page had More false and no gap was seen since
	quiet  time.Duration // the current adaptive heartbeat (0: start from Heartbeat)
	timer  *time.Timer   // the heartbeat's, made by the first wait
}

// nextHeartbeat returns how long to wait for a push before pinging.
func (s *Syncer) nextHeartbeat() time.Duration {
	if s.quiet == 0 {
		s.quiet = s.Heartbeat
		if s.quiet == 0 {
			s.quiet = DefaultHeartbeat
		}
	}
	return s.quiet
}

// quietHeartbeat doubles the heartbeat after a ping that found nothing new.
func (s *Syncer) quietHeartbeat() {
	limit := s.MaxHeartbeat
	if limit == 0 {
		limit = DefaultMaxHeartbeat
	}
	s.quiet = min(2*s.quiet, max(limit, s.quiet))
}

// NewSyncer returns a Syncer on c that continues after cursor.
func NewSyncer(c *Conn, cursor int64) *Syncer {
	return &Syncer{conn: c, cursor: cursor}
}

// Cursor returns the sequence of the last change Next returned (or the
// starting cursor).
func (s *Syncer) Cursor() int64 { return s.cursor }

// Live reports whether the Syncer has caught up with the server: the last
// sync page said there was no more, and no gap has been seen since. Until
// then, each call of Next fetches one page.
func (s *Syncer) Live() bool { return s.live }

// Next returns the next changes after the cursor, in sequence order, and
// moves the cursor past them. While not caught up it fetches one sync page
// and returns its changes, possibly none. Once caught up it waits for live
// pushes (pinging the server every Heartbeat of silence) and returns the
// changes that continue from the cursor; on a gap it syncs again.
//
// Next returns ctx's error when ctx ends, an error wrapping ErrKicked when
// the device was signed out, and an error wrapping ErrClosed when the
// connection ends.
func (s *Syncer) Next(ctx context.Context) ([]*hongyanv1.Change, error) {
	for {
		if !s.live {
			r, err := s.conn.Sync(ctx, s.cursor, s.Limit)
			if err != nil {
				return nil, fmt.Errorf("sync after %d: %w", s.cursor, err)
			}
			if r.GetReset_() {
				if s.OnReset == nil {
					return nil, fmt.Errorf("sync after %d: %w (head %d)", s.cursor, ErrReset, r.GetHead())
				}
				if err := s.OnReset(ctx, r.GetHead()); err != nil {
					return nil, fmt.Errorf("reset to %d: %w", r.GetHead(), err)
				}
				s.cursor = r.GetHead()
				return nil, nil // the next call syncs from the head
			}
			out := s.acceptPage(r.Changes)
			s.live = !r.More
			return out, nil
		}
		out, err := s.waitPush(ctx)
		if err != nil || len(out) > 0 {
			return out, err
		}
	}
}

// waitPush waits for one push or heartbeat while caught up. It returns the
// new changes the push carried, or none (after a gap, a heartbeat or another
// kind of push), in which case s.live tells whether to sync.
func (s *Syncer) waitPush(ctx context.Context) ([]*hongyanv1.Change, error) {
	var tick <-chan time.Time
	if s.Heartbeat >= 0 {
		// One timer for every wait: a push is the common case, and a
		// timer made per push was an allocation per message.
		if s.timer == nil {
			s.timer = time.NewTimer(s.nextHeartbeat())
		} else {
			s.timer.Reset(s.nextHeartbeat())
		}
		defer s.timer.Stop()
		tick = s.timer.C
	}
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case f, ok := <-s.conn.Pushes():
		if !ok {
			return nil, s.conn.closedErr(s.conn.Err())
		}
		switch b := f.Body.(type) {
		case *hongyanv1.ServerFrame_Changes:
			s.quiet = 0 // activity: back to the short heartbeat
			return s.acceptPush(b.Changes.GetChanges()), nil
		case *hongyanv1.ServerFrame_Kicked:
			return nil, fmt.Errorf("%w: %s", ErrKicked, b.Kicked.GetReason())
		default:
			if s.OnPush != nil {
				s.OnPush(f)
			}
			return nil, nil
		}
	case <-tick:
		head, err := s.conn.Ping(ctx, s.cursor)
		if err != nil {
			return nil, fmt.Errorf("ping: %w", err)
		}
		if head > s.cursor {
			s.live = false
			s.quiet = 0
		} else {
			s.quietHeartbeat()
		}
		return nil, nil
	}
}

// acceptPage takes the changes of a sync page, which the server answers
// authoritatively: every change after the cursor, in increasing order.
// Anything at or before the cursor is a duplicate and skipped.
func (s *Syncer) acceptPage(cs []*hongyanv1.Change) []*hongyanv1.Change {
	out := cs[:0:0]
	for _, c := range cs {
		if c.GetSeq() > s.cursor {
			out = append(out, c)
			s.cursor = c.GetSeq()
		}
	}
	return out
}

// acceptPush takes the changes of a live push. Changes at or before the
// cursor were already seen (through a sync that overlapped the push) and
// are skipped; the rest must continue from the cursor without a hole. At the
// first hole the Syncer stops trusting pushes and syncs again.
func (s *Syncer) acceptPush(cs []*hongyanv1.Change) []*hongyanv1.Change {
	out := cs[:0:0]
	for _, c := range cs {
		switch seq := c.GetSeq(); {
		case seq <= s.cursor:
		case seq == s.cursor+1:
			out = append(out, c)
			s.cursor = seq
		default:
			s.live = false
			return out
		}
	}
	return out
}
