package bot

import (
	"context"

	"hongyan/internal/hongyan"
)

// AccountLookup finds an account by its account ID; the Accounts port
// implements it where built-in bots are made (their account IDs are
// fixed, so a second node finds the first one's).
type AccountLookup interface {
	LookupAccountID(ctx context.Context, accountID string) (hongyan.UserID, error)
}

// Builtin returns the cluster's built-in bot acting as account accountID
// (e.g. bot_guard, the Group Guard), making its account and the bot the
// first time. No user owns a built-in bot: it owns itself, so that no
// one can take tokens of it or point its events elsewhere. Any number of
// nodes may call it at once; they all get the same bot.
func (s *Service) Builtin(ctx context.Context, accountID, name string) (Bot, error) {
	look, ok := s.accts.(AccountLookup)
	if !ok {
		return Bot{}, hongyan.Errorf(hongyan.CodeUnimplemented, "built-in bots need an account lookup")
	}
	for attempt := 0; ; attempt++ {
		acct, err := look.LookupAccountID(ctx, accountID)
		if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
			acct, err = s.accts.CreateBotAccount(ctx, accountID, name)
			if hongyan.ErrorCode(err) == hongyan.CodeExists && attempt < 3 {
				continue // another node made it first
			}
		}
		if err != nil {
			return Bot{}, err
		}
		b, err := s.store.BotByAccount(ctx, acct)
		if err == nil || hongyan.ErrorCode(err) != hongyan.CodeNotFound {
			return b, err
		}
		b, _, err = s.store.CreateBot(ctx, Bot{Owner: acct, Account: acct, AccountID: accountID, Name: name, Created: s.now()}, nil)
		if err != nil {
			if attempt < 3 {
				continue // made by another node meanwhile: read it
			}
			return Bot{}, err
		}
		if s.onNew != nil {
			s.onNew(b)
		}
		return b, nil
	}
}

// BuiltinPrincipal is built-in bot b acting with every scope, in no
// particular group: what it may do in a group is still only what the
// group's owner granted it (Allow).
func BuiltinPrincipal(b Bot) Principal {
	return Principal{Bot: b, Token: Token{Bot: b.ID, Scopes: AllScopes}}
}
