package node

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"hongyan/internal/changelog"
	"hongyan/internal/chat"
	"hongyan/internal/config"
	"hongyan/internal/group"
	"hongyan/internal/groupapp"
	"hongyan/internal/hongyan"
	"hongyan/internal/media"
	"hongyan/internal/sqldb/stores"
)

// newGroupApps builds the group apps on the node's store, asking the group
// feature about membership and posting their cards through the chat.
func newGroupApps(cfg config.Config, db *stores.DB, groups *group.Service, chats *chat.Service, pub hongyan.Publisher, log *slog.Logger) *groupapp.Service {
	c := groupapp.DefaultConfig()
	if loc, err := time.LoadLocation(cfg.GroupApps.DayZone); err == nil {
		c.Day = loc // Validate has checked it
	}
	c.RemindEvery, c.Log = cfg.GroupApps.RemindEvery.Duration, log
	c.FileQuota = cfg.GroupApps.FileQuota
	return groupapp.New(db.GroupApps(), appGroups{groups}, appCards{chats}, pub, c)
}

// groupMedia shares uploads with a group for its files: the media
// feature then lets the members the group apps say read them.
type groupMedia struct{ media *media.Service }

func (m groupMedia) Share(ctx context.Context, user hongyan.UserID, id string, group hongyan.ConversationID) (groupapp.FileInfo, error) {
	i, err := m.media.Attach(ctx, user, id, group)
	if err != nil {
		return groupapp.FileInfo{}, err
	}
	return groupapp.FileInfo{Media: i.ID, Name: i.Name, Type: i.Type, Size: i.Size}, nil
}

// remindEvents posts the events' automatic reminders that are due, every
// groupapps.reminder_interval until ctx ends. One node of a cluster at a
// time runs it; each reminder is posted once however many do.
func (n *Node) remindEvents(ctx context.Context) {
	t := time.NewTicker(n.cfg.GroupApps.ReminderInterval.Duration)
	defer t.Stop()
	for {
		n.job(ctx, "event-reminders", func(ctx context.Context) error {
			_, err := n.SendEventReminders(ctx)
			return err
		})
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// SendEventReminders posts the events' automatic reminders that are due
// now: one run of the job remindEvents runs every
// groupapps.reminder_interval. Each reminder is posted once however often
// it runs.
func (n *Node) SendEventReminders(ctx context.Context) (int, error) {
	k, err := n.apps.SendDueReminders(ctx)
	if k > 0 {
		n.log.Info("posted event reminders", "count", k)
	}
	return k, err
}

// appGroups tells the group apps who is a member of a group, in which
// role, and who may post.
type appGroups struct{ groups *group.Service }

func (g appGroups) Member(ctx context.Context, id hongyan.ConversationID, user hongyan.UserID) (groupapp.Member, error) {
	v, err := g.groups.Get(ctx, hongyan.Caller{User: user}, id)
	if err != nil {
		return groupapp.Member{}, err
	}
	if !v.Me.Active || v.Group.Dissolved {
		return groupapp.Member{}, hongyan.Errorf(hongyan.CodeNotFound, "you are not a member of this group")
	}
	return groupapp.Member{User: user, Role: groupapp.Role(v.Me.Role),
		Muted: (v.Me.Muted || v.Group.MutedAll) && !v.Me.Admin()}, nil
}

func (g appGroups) Members(ctx context.Context, id hongyan.ConversationID, user hongyan.UserID) ([]hongyan.UserID, error) {
	ms, err := g.groups.Members(ctx, hongyan.Caller{User: user}, id)
	if err != nil {
		return nil, err
	}
	out := make([]hongyan.UserID, 0, len(ms))
	for _, m := range ms {
		if m.Active {
			out = append(out, m.User)
		}
	}
	return out, nil
}

// appCards posts the group apps' cards into group chats.
type appCards struct{ chats *chat.Service }

func (c appCards) Post(ctx context.Context, id hongyan.ConversationID, from hongyan.UserID, card groupapp.Card) error {
	key := fmt.Sprintf("%d:%d:%d", card.App, card.Kind, card.Item)
	if !card.At.IsZero() {
		key += fmt.Sprintf(":%d", card.At.UnixMilli())
	}
	_, err := c.chats.PostAppCard(ctx, from, id, chat.AppCard{App: int8(card.App), Kind: int8(card.Kind), Item: card.Item, Count: int32(min(card.Count, 1<<20))}, card.Title, key, card.Mentions)
	return err
}

// groupAppResolvers adds the group apps' entries to rs: a poll with its
// results, the group's check-in board, a homework, an announcement, an
// event — each as the caller
// sees it now, nil once they are no longer a member (the item then only
// moves the cursor).
func groupAppResolvers(rs changelog.Resolvers, apps *groupapp.Service) {
	gone := func(v any, err error) (any, error) {
		if c := hongyan.ErrorCode(err); c == hongyan.CodeNotFound || c == hongyan.CodePrecondition {
			return nil, nil
		}
		return v, err
	}
	rs[groupapp.ChangePoll] = oncePerObject(func(ctx context.Context, me hongyan.Caller, e hongyan.Change) (any, error) {
		return gone(apps.Poll(ctx, me, e.Conversation, e.Ref))
	})
	rs[groupapp.ChangeCheckin] = oncePerObject(func(ctx context.Context, me hongyan.Caller, e hongyan.Change) (any, error) {
		return gone(apps.Board(ctx, me, e.Conversation))
	})
	rs[groupapp.ChangeHomework] = oncePerObject(func(ctx context.Context, me hongyan.Caller, e hongyan.Change) (any, error) {
		return gone(apps.Homework(ctx, me, e.Conversation, e.Ref))
	})
	rs[groupapp.ChangeAnnouncement] = oncePerObject(func(ctx context.Context, me hongyan.Caller, e hongyan.Change) (any, error) {
		return gone(apps.Announcement(ctx, me, e.Conversation, e.Ref))
	})
	rs[groupapp.ChangeFile] = oncePerObject(func(ctx context.Context, me hongyan.Caller, e hongyan.Change) (any, error) {
		return gone(apps.FileOf(ctx, me, e.Conversation, e.Ref))
	})
	rs[groupapp.ChangeAlbum] = oncePerObject(func(ctx context.Context, me hongyan.Caller, e hongyan.Change) (any, error) {
		return gone(apps.AlbumOf(ctx, me, e.Conversation, e.Ref))
	})
	rs[groupapp.ChangeEvent] = oncePerObject(func(ctx context.Context, me hongyan.Caller, e hongyan.Change) (any, error) {
		return gone(apps.EventOf(ctx, me, e.Conversation, e.Ref))
	})
}

// oncePerObject is each for entries that name an object's state now: a
// page with many entries about one poll (a class voting) reads it once.
// Check-in entries name the board, whatever user Ref checked in.
func oncePerObject(one func(ctx context.Context, me hongyan.Caller, e hongyan.Change) (any, error)) changelog.Resolver {
	type object struct {
		group hongyan.ConversationID
		ref   int64
	}
	return func(ctx context.Context, me hongyan.Caller, entries []hongyan.Change, out []any) error {
		seen := make(map[object]any, len(entries))
		for i, e := range entries {
			k := object{e.Conversation, e.Ref}
			if e.Kind == groupapp.ChangeCheckin {
				k.ref = 0
			}
			if v, ok := seen[k]; ok {
				out[i] = v
				continue
			}
			v, err := one(ctx, me, e)
			if err != nil {
				return err
			}
			seen[k], out[i] = v, v
		}
		return nil
	}
}
