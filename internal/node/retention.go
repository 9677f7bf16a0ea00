package node

import (
	"context"
	"time"

	"hongyan/internal/chat"
	"hongyan/internal/media"
)

// pruneEvery is how often a serving node deletes history past retention.
const pruneEvery = time.Hour

// abandonedUpload is how long an unfinished upload is kept for resuming.
const abandonedUpload = 24 * time.Hour

// prune deletes chat history older than the configured retention and
// uploads abandoned for a day, now and then every pruneEvery, until ctx
// ends. Several nodes pruning at once only repeat each other's work.
func (n *Node) prune(ctx context.Context, chats *chat.Service, files *media.Service, retention time.Duration) {
	t := time.NewTicker(pruneEvery)
	defer t.Stop()
	for {
		if k, err := chats.Prune(ctx, retention); err != nil {
			n.log.Warn("pruning history", "err", err)
		} else if k > 0 {
			n.log.Info("pruned history", "messages", k, "retention", retention)
		}
		if k, err := files.CleanUploads(ctx, abandonedUpload); err != nil {
			n.log.Warn("cleaning abandoned uploads", "err", err)
		} else if k > 0 {
			n.log.Info("cleaned abandoned uploads", "uploads", k)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
