package node

import (
	"context"

	"hongyan/internal/account"
	"hongyan/internal/hongyan"
)

// oaNames tells official accounts their followers' nicknames from the
// account feature, a page of users in one lookup.
type oaNames struct{ accounts *account.Service }

func (n oaNames) Nicknames(ctx context.Context, users []hongyan.UserID) (map[hongyan.UserID]string, error) {
	as, err := n.accounts.AccountsByID(ctx, users)
	if err != nil {
		return nil, err
	}
	out := make(map[hongyan.UserID]string, len(as))
	for id, a := range as {
		out[id] = a.Profile.Nickname
	}
	return out, nil
}
