package bot_test

import (
	"context"
	"sync"
	"testing"

	"hongyan/internal/bot"
	"hongyan/internal/hongyan"
	"hongyan/internal/sqldb/stores"
)

// lookupWorld is a world whose accounts can be found by account ID, and
// whose account IDs are unique.
type lookupWorld struct {
	*world
	mu  sync.Mutex
	ids map[string]hongyan.UserID
}

func (w *lookupWorld) CreateBotAccount(ctx context.Context, accountID, nickname string) (hongyan.UserID, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, ok := w.ids[accountID]; ok {
		return 0, hongyan.Errorf(hongyan.CodeExists, "taken")
	}
	u, _ := w.world.CreateBotAccount(ctx, accountID, nickname)
	w.ids[accountID] = u
	return u, nil
}

func (w *lookupWorld) LookupAccountID(_ context.Context, accountID string) (hongyan.UserID, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	u, ok := w.ids[accountID]
	if !ok {
		return 0, hongyan.Errorf(hongyan.CodeNotFound, "no such user")
	}
	return u, nil
}

func TestBuiltinOncePerCluster(t *testing.T) {
	engines(t, func(t *testing.T, db *stores.DB) {
		w := &lookupWorld{world: newWorld(), ids: map[string]hongyan.UserID{}}
		// Two nodes, one database and one account feature.
		a := bot.New(db.Bots(), w, w, w, bot.DefaultConfig())
		b := bot.New(db.Bots(), w, w, w, bot.DefaultConfig())
		var wg sync.WaitGroup
		got := make([]bot.Bot, 4)
		errs := make([]error, 4)
		for i := range got {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s := a
				if i%2 == 1 {
					s = b
				}
				got[i], errs[i] = s.Builtin(t.Context(), "bot_guard", "Group Guard")
			}()
		}
		wg.Wait()
		for i := range got {
			if errs[i] != nil {
				t.Fatalf("Builtin %d: %v", i, errs[i])
			}
			if got[i].ID != got[0].ID || got[i].Account != got[0].Account {
				t.Errorf("Builtin %d: got bot %d account %d, want %d account %d", i, got[i].ID, got[i].Account, got[0].ID, got[0].Account)
			}
		}
		if got[0].Owner != got[0].Account {
			t.Errorf("owner %d, want the bot's own account %d (no user owns it)", got[0].Owner, got[0].Account)
		}
		p := bot.BuiltinPrincipal(got[0])
		if err := a.Allow(t.Context(), p, bot.ScopeMembers, 77); hongyan.ErrorCode(err) != hongyan.CodeDenied {
			t.Errorf("the built-in bot in a group that did not add it: got %v, want denied", err)
		}
	})
}
