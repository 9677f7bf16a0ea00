package chat

import (
	"context"
	"time"
)

// Counts are the figures of the chats a server's dashboard shows. A port
// of its own (not part of Store): only the dashboard asks it.
type Counts interface {
	// MessagesPerDay counts the messages stored on each of the days
	// starting at the given times (ascending; the last day ends at until).
	// Counts may be approximate (messages since pruned or identifiers
	// skipped by failed sends count), never a scan of every message.
	MessagesPerDay(ctx context.Context, days []time.Time, until time.Time) ([]int64, error)
}
