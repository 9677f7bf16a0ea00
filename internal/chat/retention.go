package chat

import (
	"context"
	"time"
)

// pruneBatch is how many messages one deletion removes, so that pruning a
// long history never holds the writer for long.
const pruneBatch = 1000

// Prune deletes the messages older than retention (the operator's setting)
// from the server and returns how many it deleted. A device that loads its
// history afterwards gets what is left.
func (s *Service) Prune(ctx context.Context, retention time.Duration) (int, error) {
	if retention <= 0 {
		return 0, nil
	}
	before := s.now().Add(-retention)
	total := 0
	for {
		n, err := s.store.DeleteBefore(ctx, before, pruneBatch)
		total += n
		if err != nil || n < pruneBatch {
			return total, err
		}
	}
}
