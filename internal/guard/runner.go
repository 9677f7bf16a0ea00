package guard

import (
	"context"

	"hongyan/internal/hongyan"
)

// EventLog reads the Guard bot's events after a seq, oldest first (the
// bot API's event read with the Guard's principal).
type EventLog interface {
	Events(ctx context.Context, after int64, limit int) ([]Event, error)
}

// catchPage is how many events one step reads.
const catchPage = 100

// CatchUp handles the events of bot (acting as account self) after the
// stored cursor, page by page, moving the cursor after each page; it
// returns how many events it handled. Run by one node at a time (the node
// holds a cluster-wide job lock); should two run at once, the cursor moves
// only from where it was read and each action is logged, and done, once.
func (s *Service) CatchUp(ctx context.Context, bot int64, self hongyan.UserID, log EventLog) (int, error) {
	n := 0
	for ctx.Err() == nil {
		cur, err := s.store.Cursor(ctx, bot)
		if err != nil {
			return n, err
		}
		evs, err := log.Events(ctx, cur, catchPage)
		if err != nil || len(evs) == 0 {
			return n, err
		}
		next := cur
		for _, e := range evs {
			if err := s.Handle(ctx, self, e); err != nil {
				if next > cur {
					if merr := s.store.MoveCursor(ctx, bot, cur, next); merr != nil {
						return n, merr
					}
				}
				return n, err
			}
			next = e.Seq
			n++
		}
		if err := s.store.MoveCursor(ctx, bot, cur, next); err != nil {
			return n, err
		}
		if len(evs) < catchPage {
			return n, nil
		}
	}
	return n, ctx.Err()
}
