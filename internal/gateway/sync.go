package gateway

import (
	"context"
	"hongyan/internal/bot"
	"reflect"

	"hongyan/internal/account"
	"hongyan/internal/addressbook"
	"hongyan/internal/call"
	"hongyan/internal/chat"
	"hongyan/internal/contact"
	"hongyan/internal/discovery"
	"hongyan/internal/favorite"
	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/group"
	"hongyan/internal/groupapp"
	"hongyan/internal/hongyan"
	"hongyan/internal/moderation"
	"hongyan/internal/moments"
	"hongyan/internal/officialacct"
	"hongyan/internal/wallet"
)

// syncRoutes adds the session's requests: hello, the heartbeat and
// catch-up.
func syncRoutes(rs routes) {
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_Hello) (*pb.ServerFrame, error) {
		return c.hello(ctx, r.Hello)
	}, public)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_Ping) (*pb.ServerFrame, error) {
		if me.User == 0 {
			return &pb.ServerFrame{Body: &pb.ServerFrame_Pong{Pong: &pb.Pong{}}}, nil
		}
		head, err := c.g.s.Changes.Head(ctx, me.User)
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_Pong{Pong: &pb.Pong{Head: head}}}, nil
	}, public)
	rs[reflect.TypeFor[*pb.ClientFrame_Sync]()] = route{kind: "sync",
		serve: func(c *conn, ctx context.Context, me hongyan.Caller, f *pb.ClientFrame) (*pb.ServerFrame, error) {
			// The sync answers itself, so that no push overtakes it.
			return nil, c.handleSync(ctx, me, f.Id, f.GetSync())
		}}
}

// handleSync answers one page of catch-up (request id). The page that
// reaches the head (more=false) turns live pushes on from its last entry;
// a reset (the cursor is older than the log kept) leaves them off until
// the device syncs from the head. It queues the response itself, so that
// no push can overtake it.
func (c *conn) handleSync(ctx context.Context, me hongyan.Caller, id uint32, r *pb.SyncRequest) error {
	c.pushMu.Lock()
	defer c.pushMu.Unlock()
	page, err := c.g.s.Changes.Page(ctx, me.User, r.After, int(r.Limit))
	if err != nil {
		return err
	}
	if page.Reset {
		c.feed.Set(false, r.After)
		c.send(&pb.ServerFrame{Id: id, Body: &pb.ServerFrame_Sync{Sync: &pb.SyncResponse{Head: page.Head, Reset_: true}}})
		return nil
	}
	items, err := c.fill(ctx, me, page.Changes)
	if err != nil {
		return err
	}
	last := r.After
	if n := len(page.Changes); n > 0 {
		last = page.Changes[n-1].Seq
	}
	c.send(&pb.ServerFrame{Id: id, Body: &pb.ServerFrame_Sync{Sync: &pb.SyncResponse{Changes: items, More: page.More, Head: max(page.Head, last)}}})
	c.feed.Set(!page.More, last)
	if !page.More {
		// Entries committed after the read are pending (the subscription
		// began at hello); the writer delivers them after this response.
		select {
		case c.wake <- struct{}{}:
		default:
		}
	}
	return nil
}

// fill turns change-log entries into protocol changes carrying the current
// state of what changed, as the feed resolves it (messages from the push
// data when present, otherwise from the store in one query). An entry
// whose object no longer exists still moves the cursor: it is sent with
// its sequence only (or as the removal it amounts to).
func (c *conn) fill(ctx context.Context, me hongyan.Caller, changes []hongyan.Change) ([]*pb.Change, error) {
	values, err := c.g.s.Changes.Resolve(ctx, me, changes)
	if err != nil {
		return nil, err
	}
	out := make([]*pb.Change, 0, len(changes))
	for i, ch := range changes {
		item := &pb.Change{Seq: ch.Seq}
		if err := c.changePB(ctx, me, ch, values[i], item); err != nil {
			return nil, err
		}
		out = append(out, item)
	}
	return out, nil
}

// changePB sets what entry it says, resolved to value, on item.
func (c *conn) changePB(ctx context.Context, me hongyan.Caller, it hongyan.Change, value any, item *pb.Change) error {
	switch v := value.(type) {
	case chat.Message:
		peer, err := c.peer(ctx, me, v.Conversation)
		if err != nil {
			return err
		}
		if v.SenderDevice == me.Device && v.Kind != chat.KindRecalled && c.takeMine(v.ClientID) {
			// This connection sent it: it knows the rest.
			item.Item = &pb.Change_Message{Message: &pb.Message{
				Id: int64(v.ID), Conversation: int64(v.Conversation), Seq: v.Seq, ClientId: v.ClientID}}
		} else {
			item.Item = &pb.Change_Message{Message: messagePB(v, me.User, peer)}
		}
	case chat.Summary:
		item.Item = &pb.Change_Conversation{Conversation: summaryPB(v, me.User)}
	case contact.Contact:
		a, err := c.g.s.Accounts.Account(ctx, v.User)
		if err != nil {
			return err
		}
		item.Item = &pb.Change_Contact{Contact: contactPB(v, publicProfile(a))}
	case contact.Request:
		fr, err := c.requestPB(ctx, me, v)
		if err != nil {
			return err
		}
		item.Item = &pb.Change_FriendRequest{FriendRequest: fr}
	case account.Account:
		item.Item = &pb.Change_Profile{Profile: ownProfile(v)}
	case account.Deletion:
		item.Item = &pb.Change_AccountDeletion{AccountDeletion: deletionFrame(v, !v.Due.IsZero()).GetAccountDeletion()}
	case []account.Device:
		item.Item = &pb.Change_Devices{Devices: devicesPB(v, me.Device)}
	case bool:
		item.Item = &pb.Change_Block{Block: &pb.BlockChange{User: it.Ref, Blocked: v}}
	case group.View:
		if !v.Me.Active {
			// Changes made while a member arrive after they left: the
			// group is gone for them.
			item.Item = &pb.Change_GroupRemoved{GroupRemoved: int64(it.Conversation)}
		} else {
			item.Item = &pb.Change_Group{Group: c.g.groupPB(v)}
		}
	case group.Invitation:
		item.Item = &pb.Change_GroupInvitation{GroupInvitation: c.invitationPB(ctx, v)}
	case favorite.Favorite:
		item.Item = &pb.Change_Favorite{Favorite: favoritePB(v, me.User)}
	case officialacct.Message:
		item.Item = &pb.Change_OaMessage{OaMessage: oaMessagePB(v)}
	case officialacct.Post:
		item.Item = &pb.Change_OaForumReply{OaForumReply: c.named(ctx, oaPostPB(v))[0]}
	case officialacct.FollowState:
		item.Item = &pb.Change_OaFollow{OaFollow: &pb.OaFollow{Account: oaAccountPB(v.Account), Following: v.Following}}
	case moments.NotificationView:
		item.Item = &pb.Change_MomentNotification{MomentNotification: momentNotificationPB(v)}
	case moments.ReadMark:
		item.Item = &pb.Change_MomentUnread{MomentUnread: &pb.MomentUnread{Unread: uint32(v.Unread), ReadUpto: v.Upto}}
	case moments.Settings:
		item.Item = &pb.Change_MomentSettings{MomentSettings: momentSettingsPB(v)}
	case *discovery.Match:
		item.Item = &pb.Change_Shake{Shake: ShakeResultPB(v, c.g.s.Discovery.ShakeWindow().Milliseconds())}
	case discovery.View:
		item.Item = &pb.Change_Bottle{Bottle: BottlePB(v)}
	case wallet.Balance:
		item.Item = &pb.Change_WalletBalance{WalletBalance: &pb.WalletBalance{Balance: v.Fen}}
	case wallet.Transfer:
		item.Item = &pb.Change_Transfer{Transfer: transferPB(v)}
	case wallet.PacketView:
		item.Item = &pb.Change_RedPacket{RedPacket: packetPB(v)}
	case call.Call:
		item.Item = &pb.Change_Call{Call: CallPB(v, me)}
	case []addressbook.Version:
		item.Item = &pb.Change_AbVersions{AbVersions: versionsPB(v)}
	case bot.Bot:
		item.Item = &pb.Change_Bot{Bot: botPB(v)}
	case addressbook.Entry:
		item.Item = &pb.Change_GroupBookEntry{GroupBookEntry: bookEntryPB(v)}
	case moderation.Penalty:
		item.Item = &pb.Change_Penalty{Penalty: penaltyPB(v)}
	case groupapp.PollView:
		item.Item = &pb.Change_AppPoll{AppPoll: PollPB(v)}
	case groupapp.Board:
		item.Item = &pb.Change_AppCheckinBoard{AppCheckinBoard: BoardPB(v)}
	case groupapp.HomeworkView:
		item.Item = &pb.Change_AppHomework{AppHomework: HomeworkPB(v)}
	case groupapp.Announcement:
		item.Item = &pb.Change_AppAnnouncement{AppAnnouncement: AnnouncementPB(v)}
	case groupapp.EventView:
		item.Item = &pb.Change_AppEvent{AppEvent: EventPB(v)}
	case groupapp.File:
		item.Item = &pb.Change_AppFile{AppFile: FilePB(v)}
	case groupapp.Album:
		item.Item = &pb.Change_AppAlbum{AppAlbum: AlbumPB(v)}
	case nil:
		// Gone, or an entry that says all there is.
		switch it.Kind {
		case hongyan.ChangeContact:
			item.Item = &pb.Change_ContactRemoved{ContactRemoved: it.Ref}
		case hongyan.ChangeMessageHidden:
			item.Item = &pb.Change_MessageRemoved{MessageRemoved: &pb.MessageRef{Conversation: int64(it.Conversation), Seq: it.Ref}}
		case hongyan.ChangeGroupRemoved:
			item.Item = &pb.Change_GroupRemoved{GroupRemoved: int64(it.Conversation)}
		case hongyan.ChangeFavorite:
			item.Item = &pb.Change_FavoriteRemoved{FavoriteRemoved: it.Ref}
		case hongyan.ChangeGroupBook:
			item.Item = &pb.Change_GroupBookEntryRemoved{GroupBookEntryRemoved: &pb.GroupBookEntryRemoved{Group: int64(it.Conversation), Entry: it.Ref}}
		}
	}
	return nil
}

// peer returns the other member of a one-to-one conversation as seen by me,
// remembering it for the life of the connection.
func (c *conn) peer(ctx context.Context, me hongyan.Caller, id hongyan.ConversationID) (hongyan.UserID, error) {
	c.mu.Lock()
	p, ok := c.peers[id]
	c.mu.Unlock()
	if ok {
		return p, nil
	}
	conv, err := c.g.s.Chat.Members(ctx, me, id)
	if err != nil {
		return 0, err
	}
	p = conv.Peer(me.User)
	c.mu.Lock()
	if c.peers == nil {
		c.peers = make(map[hongyan.ConversationID]hongyan.UserID)
	}
	c.peers[id] = p
	c.mu.Unlock()
	return p, nil
}

func (c *conn) contact(ctx context.Context, me hongyan.Caller, user hongyan.UserID) (*pb.Contact, error) {
	ct, err := c.g.s.Contacts.Contact(ctx, me, user)
	if err != nil {
		return nil, err
	}
	a, err := c.g.s.Accounts.Account(ctx, user)
	if err != nil {
		return nil, err
	}
	return contactPB(ct, publicProfile(a)), nil
}

func (c *conn) friendRequest(ctx context.Context, me hongyan.Caller, id int64) (*pb.FriendRequest, error) {
	r, err := c.g.s.Contacts.Request(ctx, me, id)
	if err != nil {
		return nil, err
	}
	return c.requestPB(ctx, me, r)
}

// requestPB is a friend request as me sees it, with the other side's
// public profile.
func (c *conn) requestPB(ctx context.Context, me hongyan.Caller, r contact.Request) (*pb.FriendRequest, error) {
	other := r.From
	if other == me.User {
		other = r.To
	}
	a, err := c.g.s.Accounts.Account(ctx, other)
	if err != nil {
		return nil, err
	}
	return requestPB(r, publicProfile(a)), nil
}
