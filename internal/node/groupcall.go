package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"hongyan/internal/chat"
	"hongyan/internal/config"
	"hongyan/internal/group"
	"hongyan/internal/groupcall"
	"hongyan/internal/hongyan"
	"hongyan/internal/sfu"
	"hongyan/internal/sqldb/stores"
)

// newGroupCalls builds group calls and walkie-talkie rooms on the node's
// media rooms (nil when sfu.enabled is off: joins are unavailable), asking
// the group feature about membership, handing out the calls' ICE servers
// and posting the call cards through the chat. The rooms' state is in the
// store, so that a group's room is one room across the cluster; requests
// for a room another node hosts are relayed to it over the bus.
func newGroupCalls(cfg config.Config, db *stores.DB, rooms MediaRooms, groups *group.Service, chats *chat.Service, ice callICE, pub hongyan.Publisher, log *slog.Logger) *groupcall.Service {
	var r groupcall.Rooms
	if rooms != nil {
		r = groupRooms{rooms}
	}
	return groupcall.New(callGroups{groups}, r, groupCallICE{ice}, groupCallCards{chats, groups}, db.GroupCalls(), pub,
		groupcall.Config{MaxHold: cfg.SFU.MaxHold.Duration, Log: log})
}

// callGroups tells group calls who is an active member of a group.
type callGroups struct{ groups *group.Service }

func (g callGroups) Member(ctx context.Context, id hongyan.ConversationID, user hongyan.UserID) error {
	v, err := g.groups.Get(ctx, hongyan.Caller{User: user}, id)
	if err != nil {
		return err
	}
	if !v.Me.Active || v.Group.Dissolved {
		return hongyan.Errorf(hongyan.CodeNotFound, "you are not a member of this group")
	}
	return nil
}

func (g callGroups) Members(ctx context.Context, id hongyan.ConversationID, user hongyan.UserID) ([]hongyan.UserID, error) {
	return appGroups(g).Members(ctx, id, user)
}

// groupRooms puts group calls' rooms on the node's media rooms.
type groupRooms struct{ MediaRooms }

func (r groupRooms) Join(ctx context.Context, room string, kind groupcall.Kind, participant string) (string, bool, error) {
	k := sfu.Group
	if kind == groupcall.Talkie {
		k = sfu.Talkie
	}
	offer, speaker, err := r.MediaRooms.Join(ctx, room, k, participant)
	if errors.Is(err, sfu.ErrFull) {
		return "", false, hongyan.Wrap(err, hongyan.CodeUnavailable, "the group call is full")
	}
	return offer, speaker, err
}

// groupCallICE hands group calls the same ICE servers as calls.
type groupCallICE struct{ ice callICE }

func (s groupCallICE) ICEServers(ctx context.Context, user hongyan.UserID) ([]groupcall.ICEServer, error) {
	v, err := s.ice.ICEServers(ctx, user)
	out := make([]groupcall.ICEServer, len(v))
	for i, x := range v {
		out[i] = groupcall.ICEServer(x)
	}
	return out, err
}

// groupCallCards posts "Group call started" and "Group call ended" into
// the group chat as call records (no end: started; hung up with a
// duration: ended), as the starter's messages, or the owner's when the
// starter may not post (muted in the group, or gone from it).
type groupCallCards struct {
	chats  *chat.Service
	groups *group.Service
}

func (c groupCallCards) post(ctx context.Context, r groupcall.Room, rec chat.CallRecord, what string) error {
	k := fmt.Sprintf("%d:%d:%s", r.Group, r.Started.UnixMilli(), what)
	_, err := c.chats.PostGroupCall(ctx, r.Starter, r.Group, rec, k)
	if code := hongyan.ErrorCode(err); code == hongyan.CodeDenied || code == hongyan.CodePrecondition || code == hongyan.CodeNotFound {
		owner, oerr := c.groups.Owner(ctx, r.Group)
		if oerr != nil || owner == r.Starter {
			return err
		}
		_, err = c.chats.PostGroupCall(ctx, owner, r.Group, rec, k)
	}
	return err
}

func (c groupCallCards) Started(ctx context.Context, r groupcall.Room) error {
	return c.post(ctx, r, chat.CallRecord{Call: r.Started.UnixMilli()}, "start")
}

func (c groupCallCards) Ended(ctx context.Context, r groupcall.Room) error {
	return c.post(ctx, r, chat.CallRecord{Call: r.Started.UnixMilli(), End: 5, // call.EndHungUp
		DurationMS: r.Duration().Milliseconds()}, "end")
}

// GroupCalls returns the node's group-call service (tests).
func (n *Node) GroupCalls() *groupcall.Service { return n.groupCalls }
