package node

import (
	"context"
	"time"

	"hongyan/internal/account"
	"hongyan/internal/chat"
	"hongyan/internal/config"
	"hongyan/internal/contact"
	"hongyan/internal/group"
	"hongyan/internal/hongyan"
	"hongyan/internal/media"
	"hongyan/internal/moments"
	"hongyan/internal/officialacct"
	"hongyan/internal/sqldb/stores"
)

// sharedLimits reports whether limits.shared puts the rate limits in the
// store: "store", or "auto" on PostgreSQL with a NATS bus (a cluster).
func sharedLimits(cfg config.Config) bool {
	switch cfg.Limits.Shared {
	case "store":
		return true
	case "auto", "":
		return cfg.Storage.Driver == "postgres" && cfg.Bus != "memory"
	}
	return false
}

// shareLimits moves the features' rate limits into the store
// (internal/sqldb/limitdb) when limits.shared says so, so that they hold
// across the nodes of a cluster. Typing notices stay in memory: they are
// cheap, dropped silently when over the limit, and a client that spreads
// them over N nodes gains nothing worth a database write per keystroke.
//
// Message sends are counted through leased quotas (chat.UseLimiters): a
// node takes a chunk of a user's sends from the store and spends it in
// memory, so the send path makes no store round trip per message.
func shareLimits(cfg config.Config, db *stores.DB, a *account.Service, c *contact.Service, g *group.Service, m *moments.Service, o *officialacct.Service, ch *chat.Service, md *media.Service) {
	if !sharedLimits(cfg) {
		return
	}
	mk := db.Limits().Limiters
	a.UseLimiters(mk)
	c.UseLimiters(mk)
	g.UseLimiters(mk)
	m.UseLimiters(mk)
	o.UseLimiters(mk)
	ch.UseLimiters(mk)
	md.UseLimiters(mk)
	o.SetForumRate(hongyan.Rate{N: cfg.Limits.OAForumPostsPerMinute, Per: time.Minute})
}

// pruneLimits deletes the shared limits' rows of keys whose allowance is
// whole again (which changes no decision).
func (n *Node) pruneLimits(ctx context.Context) {
	if !sharedLimits(n.cfg) {
		return
	}
	if k, err := n.db.Limits().Prune(ctx, time.Now()); err != nil {
		n.log.Warn("pruning rate limits", "err", err)
	} else if k > 0 {
		n.log.Info("pruned rate limits", "rows", k)
	}
}
