package node

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"hongyan/internal/bot"
	"hongyan/internal/botapi"
	"hongyan/internal/chat"
	"hongyan/internal/group"
	"hongyan/internal/guard"
	"hongyan/internal/hongyan"
	"hongyan/internal/media"
	"hongyan/internal/qrscan"
	"hongyan/internal/sqldb/stores"
)

// GuardAccountID is the Group Guard bot's account ID, the same on every
// node of a cluster.
const GuardAccountID = "bot_guard"

// guardRuntime runs the Group Guard: its bot, made once per cluster at
// start, acts only through the bot API's operations with its own
// principal (botapi.Actor); its events are read from the bot's event log,
// after a cursor in the store, by one node of the cluster at a time.
type guardRuntime struct {
	svc   *guard.Service
	bot   bot.Bot
	actor botapi.Actor
	bus   hongyan.Bus
	db    *stores.DB
	log   *slog.Logger
	wake  chan struct{}

	cancel context.CancelFunc
	wg     sync.WaitGroup
	sub    hongyan.Subscription
}

func newGuard(ctx context.Context, db *stores.DB, bots *botRuntime, chats *chat.Service, groups *group.Service, files *media.Service,
	b hongyan.Bus, log *slog.Logger) (*guardRuntime, error) {
	gb, err := bots.svc.Builtin(ctx, GuardAccountID, "群守卫 Group Guard")
	if err != nil {
		return nil, err
	}
	actor := bots.api.As(bot.BuiltinPrincipal(gb))
	images := guardImages{qr: qrImages{media: files, scanner: qrscan.New(qrscan.Limits{})}, account: gb.Account}
	svc := guard.New(db.Guard(), guardBot{actor}, images, groups)
	svc.SetIdentity(guard.Identity{Bot: gb.ID, Account: gb.Account})
	return &guardRuntime{
		svc: svc, bot: gb, actor: actor, bus: b, db: db, log: log,
		wake: make(chan struct{}, 1),
	}, nil
}

func (g *guardRuntime) start() {
	ctx, cancel := context.WithCancel(context.Background())
	g.cancel = cancel
	id := strconv.FormatInt(g.bot.ID, 10)
	if s, err := g.bus.Subscribe(botsEventsSubject, func(data []byte) {
		if string(data) == id {
			kick(g.wake)
		}
	}); err == nil {
		g.sub = s
	}
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		t := time.NewTicker(2 * time.Second) // what the bus may have lost
		defer t.Stop()
		for {
			ran, err := g.db.Exclusive(ctx, "guard-events", func(ctx context.Context) error {
				_, err := g.svc.CatchUp(ctx, g.bot.ID, g.bot.Account, guardEvents{g.actor})
				return err
			})
			if err != nil && ctx.Err() == nil {
				g.log.Warn("group guard", "err", err)
			}
			_ = ran
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			case <-g.wake:
			}
		}
	}()
}

func (g *guardRuntime) stop() {
	if g.cancel != nil {
		g.cancel()
	}
	g.wg.Wait()
	if g.sub != nil {
		g.sub.Unsubscribe()
	}
}

// guardBot is the Guard's bot acting through the bot API's operations.
type guardBot struct{ x botapi.Actor }

func (b guardBot) Members(ctx context.Context, g hongyan.ConversationID) ([]guard.Member, error) {
	ms, err := b.x.Members(ctx, g)
	if err != nil {
		return nil, err
	}
	out := make([]guard.Member, len(ms))
	for i, m := range ms {
		out[i] = guard.Member{User: hongyan.UserID(m.User), Role: m.Role}
	}
	return out, nil
}

func (b guardBot) Send(ctx context.Context, g hongyan.ConversationID, text string, _ hongyan.UserID) error {
	_, err := b.x.SendGroup(ctx, g, text)
	return err
}

func (b guardBot) RemoveMessage(ctx context.Context, g hongyan.ConversationID, m hongyan.MessageID) error {
	return b.x.RemoveMessage(ctx, g, m)
}

func (b guardBot) RemoveMember(ctx context.Context, g hongyan.ConversationID, u hongyan.UserID) error {
	return b.x.RemoveMember(ctx, g, u)
}

func (b guardBot) Invite(ctx context.Context, g hongyan.ConversationID, u hongyan.UserID) error {
	return b.x.AddMembers(ctx, g, []hongyan.UserID{u})
}

// guardEvents reads the Guard bot's event log.
type guardEvents struct{ x botapi.Actor }

func (e guardEvents) Events(ctx context.Context, after int64, limit int) ([]guard.Event, error) {
	es, err := e.x.Events(ctx, after, limit)
	if err != nil {
		return nil, err
	}
	out := make([]guard.Event, len(es))
	for i, ev := range es {
		out[i] = guard.Event{Seq: ev.Seq, Type: ev.Type, Time: ev.Time, Data: ev.Data}
	}
	return out, nil
}

// guardImages searches images the Guard's bot account can read.
type guardImages struct {
	qr      qrImages
	account hongyan.UserID
}

func (i guardImages) HasQR(ctx context.Context, id string) (bool, error) {
	return i.qr.ImageHasQR(ctx, i.account, id)
}

// RemoveMessage removes a group message on behalf of the group's owner
// (who granted the bot members:manage).
func (o botOps) RemoveMessage(ctx context.Context, id hongyan.ConversationID, msg hongyan.MessageID) error {
	owner, err := o.groups.Owner(ctx, id)
	if err != nil {
		return err
	}
	_, err = o.chats.RemoveInGroup(ctx, hongyan.Caller{User: owner}, id, msg)
	return err
}
