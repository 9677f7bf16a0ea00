package bot

import (
	"context"
	"slices"
	"strings"

	"hongyan/internal/hongyan"
)

// CreateSystem makes a built-in bot that no user owns: its own account
// (which cannot sign in) is its owner, so no user manages its tokens or
// webhook. Its first token holds scopes. A built-in bot (the Group
// Assistant) is otherwise a bot like any other: a group's owner adds it
// with the grants it may use, and it acts through the bot API with its
// token, under the same scopes, grants and rate limits.
func (s *Service) CreateSystem(ctx context.Context, name string, scopes []string) (Created, error) {
	if strings.TrimSpace(name) == "" {
		return Created{}, hongyan.Errorf(hongyan.CodeInvalid, "a bot needs a name")
	}
	if err := hongyan.ValidName("bot name", name, MaxName); err != nil {
		return Created{}, err
	}
	if len(scopes) == 0 || len(scopes) > MaxScopes {
		return Created{}, hongyan.Errorf(hongyan.CodeInvalid, "name 1 to %d scopes", MaxScopes)
	}
	for _, sc := range scopes {
		if !slices.Contains(AllScopes, sc) {
			return Created{}, hongyan.Errorf(hongyan.CodeInvalid, "unknown scope %q", sc)
		}
	}
	accountID := "bot_" + strings.ToLower(randomText(9))
	acct, err := s.accts.CreateBotAccount(ctx, accountID, name)
	if err != nil {
		return Created{}, err
	}
	b, _, err := s.store.CreateBot(ctx, Bot{Owner: acct, Account: acct, AccountID: accountID, Name: name, Created: s.now()}, nil)
	if err != nil {
		return Created{}, err
	}
	tok, err := s.issue(ctx, b.ID, scopes, 0)
	if err != nil {
		return Created{}, err
	}
	if s.onNew != nil {
		s.onNew(b)
	}
	return Created{Bot: b, Token: tok}, nil
}
