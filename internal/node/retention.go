package node

import (
	"context"
	"time"
)

// pruneEvery is how often a serving node deletes history past retention.
const pruneEvery = time.Hour

// abandonedUpload is how long an unfinished upload is kept for resuming.
const abandonedUpload = 24 * time.Hour

// prune runs Prune now and then every pruneEvery, until ctx ends; in a
// cluster one node at a time prunes.
func (n *Node) prune(ctx context.Context) {
	t := time.NewTicker(pruneEvery)
	defer t.Stop()
	for {
		n.job(ctx, "prune", func(ctx context.Context) error { n.Prune(ctx); return nil })
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Prune deletes chat history older than history.retention, change-log
// entries older than history.changelog_window, uploads abandoned for a
// day, official accounts' temporary media after 3 days, and expired QR
// login codes, recovery codes and outbox messages, and discovery's expired
// locations, old shakes and expired unanswered bottles, shared rate
// limits' rows of keys whose allowance is whole again, and bots' old events
// and settled webhook deliveries. A serving node runs
// it every hour, unless another node of its cluster is pruning then.
func (n *Node) Prune(ctx context.Context) {
	retention := n.cfg.History.Retention.Duration
	if k, err := n.chats.Prune(ctx, retention); err != nil {
		n.log.Warn("pruning history", "err", err)
	} else if k > 0 {
		n.log.Info("pruned history", "messages", k, "retention", retention)
	}
	if k, err := n.media.CleanUploads(ctx, abandonedUpload); err != nil {
		n.log.Warn("cleaning abandoned uploads", "err", err)
	} else if k > 0 {
		n.log.Info("cleaned abandoned uploads", "uploads", k)
	}
	if k, err := n.bots.svc.Prune(ctx); err != nil {
		n.log.Warn("pruning bots' events", "err", err)
	} else if k > 0 {
		n.log.Info("pruned bots' events and deliveries", "rows", k)
	}
	if k, err := n.accounts.Prune(ctx); err != nil {
		n.log.Warn("pruning expired login and recovery codes", "err", err)
	} else if k > 0 {
		n.log.Info("pruned expired login and recovery codes", "rows", k)
	}
	if k, err := n.oas.Prune(ctx); err != nil {
		n.log.Warn("pruning official accounts' temporary media", "err", err)
	} else if k > 0 {
		n.log.Info("pruned official accounts' temporary media", "files", k)
	}
	if k, err := n.finds.Prune(ctx); err != nil {
		n.log.Warn("pruning expired locations, shakes and bottles", "err", err)
	} else if k > 0 {
		n.log.Info("pruned expired locations, shakes and bottles", "rows", k)
	}
	n.pruneLimits(ctx)
	window := n.cfg.History.ChangeLogWindow.Duration
	if k, err := n.feed.Prune(ctx, window); err != nil {
		n.log.Warn("pruning change logs", "err", err)
	} else if k > 0 {
		n.log.Info("pruned change logs", "entries", k, "window", window)
	}
}

// job runs fn as the periodic job called name unless another node of the
// cluster is running it now (sqldb.DB.Exclusive).
func (n *Node) job(ctx context.Context, name string, fn func(context.Context) error) {
	ran, err := n.db.Exclusive(ctx, name, fn)
	switch {
	case err != nil && ctx.Err() == nil:
		n.log.Warn("periodic job", "job", name, "err", err)
	case !ran:
		n.log.Debug("periodic job left to the node running it now", "job", name)
	}
}
