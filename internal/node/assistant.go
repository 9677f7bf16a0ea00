package node

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"hongyan/internal/assistant"
	"hongyan/internal/botapi"
	"hongyan/internal/group"
	"hongyan/internal/hongyan"
	"hongyan/internal/sqldb/stores"
)

// assistantName is the Group Assistant bot's name (its account's nickname).
const assistantName = "群助手"

// assistantWait is how long the runner's long poll of the bot API waits
// for events before it looks at the schedules again.
const assistantWait = 5 // seconds

// assistantRuntime runs the Group Assistant: a built-in bot made once per
// cluster, and its runner, which one node of the cluster runs at a time
// (an exclusive job) and which acts only through the bot API with the
// assistant's token.
type assistantRuntime struct {
	svc   *assistant.Service
	store assistant.Store
	bots  *botRuntime
	db    *stores.DB
	log   *slog.Logger

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func newAssistant(db *stores.DB, groups *group.Service, bots *botRuntime, log *slog.Logger) *assistantRuntime {
	a := &assistantRuntime{store: db.Assistant(), bots: bots, db: db, log: log}
	a.svc = assistant.New(a.store, assistantGroups{groups: groups, a: a}, assistant.DefaultConfig())
	return a
}

// identity returns the cluster's assistant bot, making it if none was made
// (by one node at a time).
func (a *assistantRuntime) identity(ctx context.Context) (assistant.Identity, error) {
	id, err := a.store.Identity(ctx)
	if hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		return id, err
	}
	ran, err := a.db.Exclusive(ctx, "assistant-identity", func(ctx context.Context) error {
		if _, err := a.store.Identity(ctx); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
			return err // made meanwhile
		}
		made, err := a.bots.svc.CreateSystem(ctx, assistantName, assistant.Scopes)
		if err != nil {
			return err
		}
		_, err = a.store.SetIdentity(ctx, assistant.Identity{Bot: made.Bot.ID, Account: made.Bot.Account, Token: made.Token})
		return err
	})
	if err != nil {
		return assistant.Identity{}, err
	}
	id, err = a.store.Identity(ctx)
	if !ran && hongyan.ErrorCode(err) == hongyan.CodeNotFound {
		return id, hongyan.Errorf(hongyan.CodeUnavailable, "the Group Assistant is being set up; try again in a moment")
	}
	return id, err
}

// start runs the runner until stop, as the cluster's exclusive job
// "assistant": a node whose runner is not the one running tries again now
// and then, and takes over when that node goes.
func (a *assistantRuntime) start() {
	ctx, cancel := context.WithCancel(context.Background())
	a.cancel = cancel
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		t := time.NewTicker(2 * time.Second)
		defer t.Stop()
		for {
			ran, err := a.db.Exclusive(ctx, "assistant", a.run)
			if err != nil && ctx.Err() == nil {
				a.log.Warn("group assistant", "err", err)
				if hongyan.ErrorCode(err) == hongyan.CodeRateLimited {
					select { // the bot API's limit is per minute
					case <-ctx.Done():
					case <-time.After(time.Minute):
					}
				}
			} else if !ran {
				a.log.Debug("group assistant left to the node running it now")
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

func (a *assistantRuntime) stop() {
	if a.cancel != nil {
		a.cancel()
	}
	a.wg.Wait()
}

// run steps the runner until ctx ends or a step fails.
func (a *assistantRuntime) run(ctx context.Context) error {
	id, err := a.identity(ctx)
	if err != nil {
		return err
	}
	r := a.svc.Runner(assistantAPI{local: a.bots.api.Local(id.Token), wait: assistantWait}, id.Account)
	for ctx.Err() == nil {
		if _, err := r.Step(ctx); err != nil {
			return err
		}
	}
	return nil
}

// assistantAPI is the bot API as the assistant's runner uses it: requests
// through the API's handler with the assistant's token.
type assistantAPI struct {
	local *botapi.Local
	wait  int
}

func (p assistantAPI) Events(ctx context.Context, after int64, limit int) ([]assistant.Event, error) {
	envs, err := p.local.Events(ctx, after, limit, p.wait)
	if err != nil {
		return nil, err
	}
	out := make([]assistant.Event, 0, len(envs))
	for _, e := range envs {
		t, _ := time.Parse(time.RFC3339Nano, e.Timestamp)
		out = append(out, assistant.Event{Seq: e.Seq, Type: e.Type, Time: t, Data: e.Data})
	}
	return out, nil
}

func (p assistantAPI) Send(ctx context.Context, c assistant.Chat, text, clientID string) error {
	var b botapi.SendBody
	if c.Group != 0 {
		b.Chat.Type, b.Chat.ID = "group", int64(c.Group)
	} else {
		b.Chat.Type, b.Chat.ID = "direct", int64(c.User)
	}
	b.Text, b.ClientID = text, clientID
	_, err := p.local.Send(ctx, b)
	return err
}

func (p assistantAPI) PostCard(ctx context.Context, g hongyan.ConversationID, c assistant.Card, clientID string) error {
	_, err := p.local.PostCard(ctx, int64(g), botapi.CardBody{Title: c.Title, Description: c.Description, ClientID: clientID})
	return err
}

func (p assistantAPI) MemberNames(ctx context.Context, g hongyan.ConversationID) (map[hongyan.UserID]string, error) {
	ms, err := p.local.Members(ctx, int64(g))
	if err != nil {
		return nil, err
	}
	out := make(map[hongyan.UserID]string, len(ms))
	for _, m := range ms {
		out[hongyan.UserID(m.User)] = m.Name
	}
	return out, nil
}

// assistantGroups answers the assistant about groups and, on a group
// owner's behalf, adds the assistant bot through the bot feature.
type assistantGroups struct {
	groups *group.Service
	a      *assistantRuntime
}

func (g assistantGroups) Role(ctx context.Context, c hongyan.Caller, id hongyan.ConversationID) (string, error) {
	v, err := g.groups.Get(ctx, c, id)
	if err == nil && (!v.Me.Active || v.Dissolved) {
		err = hongyan.Errorf(hongyan.CodeNotFound, "you are not a member of this group")
	}
	if err != nil {
		return "", err
	}
	return roleNames[v.Me.Role], nil
}

func (g assistantGroups) AddAssistant(ctx context.Context, c hongyan.Caller, id hongyan.ConversationID, scopes []string) error {
	who, err := g.a.identity(ctx)
	if err != nil {
		return err
	}
	_, err = g.a.bots.svc.AddToGroupByAccount(ctx, c, id, who.Account, scopes)
	return err
}

func (g assistantGroups) IsBot(ctx context.Context, u hongyan.UserID) (bool, error) {
	_, err := g.a.bots.svc.BotByAccount(ctx, u)
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
		return false, nil
	}
	return err == nil, err
}
