package node

import (
	"context"

	"hongyan/internal/config"
	"hongyan/internal/group"
	"hongyan/internal/hongyan"
	"hongyan/internal/livecode"
	"hongyan/internal/sqldb/stores"
)

// newLiveCodes builds live codes on the group feature.
func newLiveCodes(cfg config.Config, db *stores.DB, groups *group.Service) *livecode.Service {
	lcfg := livecode.DefaultConfig()
	lcfg.GroupLimit = cfg.Groups.MaxMembers
	s := livecode.New(db.LiveCodes(), liveCodeGroups{groups}, lcfg)
	if sharedLimits(cfg) {
		s.UseLimiters(db.Limits().Limiters)
	}
	return s
}

// liveCodeGroups lets live codes ask the group feature.
type liveCodeGroups struct{ groups *group.Service }

func (g liveCodeGroups) Owner(ctx context.Context, id hongyan.ConversationID, user hongyan.UserID) (hongyan.UserID, error) {
	v, err := g.groups.Get(ctx, hongyan.Caller{User: user}, id)
	if err == nil && (!v.Me.Active || v.Dissolved) {
		err = hongyan.Errorf(hongyan.CodeNotFound, "no such group")
	}
	if err != nil {
		return 0, err
	}
	return v.Owner, nil
}

func (g liveCodeGroups) Spawn(ctx context.Context, owner hongyan.UserID, template hongyan.ConversationID, name string) (hongyan.ConversationID, error) {
	made, err := g.groups.Spawn(ctx, owner, template, name)
	return made.ID, err
}

func (g liveCodeGroups) JoinUpTo(ctx context.Context, id hongyan.ConversationID, user hongyan.UserID, limit int) error {
	return g.groups.JoinUpTo(ctx, id, user, limit)
}
