package gateway

import (
	"context"

	"hongyan/internal/chat"
	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/hongyan"
)

// handleSync answers one page of catch-up (request id). The page that
// reaches the head (more=false) turns live pushes on from its last entry.
// It queues the response itself, so that no push can overtake it.
func (c *conn) handleSync(ctx context.Context, me hongyan.Caller, id uint32, r *pb.SyncRequest) error {
	if r.After < 0 {
		return hongyan.Errorf(hongyan.CodeInvalid, "cursor must not be negative")
	}
	limit := int(r.Limit)
	if limit <= 0 {
		limit = syncPageDef
	}
	limit = min(limit, syncPageMax)
	c.pushMu.Lock()
	defer c.pushMu.Unlock()
	page, err := c.g.s.Changes.After(ctx, me.User, r.After, limit+1)
	if err != nil {
		return err
	}
	more := len(page) > limit
	if more {
		page = page[:limit]
	}
	items, err := c.fill(ctx, me, page)
	if err != nil {
		return err
	}
	last := r.After
	if len(page) > 0 {
		last = page[len(page)-1].Seq
	}
	head, err := c.g.s.Changes.Head(ctx, me.User)
	if err != nil {
		return err
	}
	c.send(&pb.ServerFrame{Id: id, Body: &pb.ServerFrame_Sync{Sync: &pb.SyncResponse{Changes: items, More: more, Head: head}}})
	c.mu.Lock()
	c.live = !more
	c.sent = last
	c.mu.Unlock()
	if !more {
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
// state of what changed. Messages come from the push data when present,
// otherwise from the store in one query.
func (c *conn) fill(ctx context.Context, me hongyan.Caller, changes []hongyan.Change) ([]*pb.Change, error) {
	s := c.g.s
	msgs := make(map[chat.Ref]chat.Message)
	var refs []chat.Ref
	for _, ch := range changes {
		if ch.Kind != hongyan.ChangeMessage {
			continue
		}
		ref := chat.Ref{Conversation: ch.Conversation, Seq: ch.Ref}
		if len(ch.Data) > 0 {
			// A new message travels with its push. A recalled one is read
			// again (through the caller's view), since the caller may have
			// deleted it for themselves.
			if m, err := chat.DecodeMessage(ch.Data); err == nil && m.Conversation == ref.Conversation && m.Seq == ref.Seq && m.Kind != chat.KindRecalled {
				msgs[ref] = m
				continue
			}
		}
		refs = append(refs, ref)
	}
	if len(refs) > 0 {
		found, err := s.Chat.MessagesAt(ctx, me, refs)
		if err != nil {
			return nil, err
		}
		for _, m := range found {
			msgs[chat.Ref{Conversation: m.Conversation, Seq: m.Seq}] = m
		}
	}
	out := make([]*pb.Change, 0, len(changes))
	for _, ch := range changes {
		item := &pb.Change{Seq: ch.Seq}
		switch ch.Kind {
		case hongyan.ChangeMessage:
			m, ok := msgs[chat.Ref{Conversation: ch.Conversation, Seq: ch.Ref}]
			if ok {
				peer, err := c.peer(ctx, me, m.Conversation)
				if err != nil {
					return nil, err
				}
				if m.SenderDevice == me.Device && m.Kind != chat.KindRecalled && c.takeMine(m.ClientID) {
					// This connection sent it: it knows the rest.
					item.Item = &pb.Change_Message{Message: &pb.Message{
						Id: int64(m.ID), Conversation: int64(m.Conversation), Seq: m.Seq, ClientId: m.ClientID}}
				} else {
					item.Item = &pb.Change_Message{Message: messagePB(m, me.User, peer)}
				}
			}
		case hongyan.ChangeConversation:
			sum, err := s.Chat.Conversation(ctx, me, ch.Conversation)
			if err != nil && hongyan.ErrorCode(err) != hongyan.CodeNotFound {
				return nil, err
			}
			if err == nil {
				item.Item = &pb.Change_Conversation{Conversation: summaryPB(sum, me.User)}
			}
		case hongyan.ChangeContact:
			ct, err := c.contact(ctx, me, hongyan.UserID(ch.Ref))
			if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
				item.Item = &pb.Change_ContactRemoved{ContactRemoved: ch.Ref}
			} else if err != nil {
				return nil, err
			} else {
				item.Item = &pb.Change_Contact{Contact: ct}
			}
		case hongyan.ChangeFriendRequest:
			fr, err := c.friendRequest(ctx, me, ch.Ref)
			if err != nil && hongyan.ErrorCode(err) != hongyan.CodeNotFound {
				return nil, err
			}
			if err == nil {
				item.Item = &pb.Change_FriendRequest{FriendRequest: fr}
			}
		case hongyan.ChangeProfile, hongyan.ChangeSettings:
			a, err := s.Accounts.Account(ctx, me.User)
			if err != nil {
				return nil, err
			}
			item.Item = &pb.Change_Profile{Profile: ownProfile(a)}
		case hongyan.ChangeDevices:
			ds, err := s.Accounts.Devices(ctx, me)
			if err != nil {
				return nil, err
			}
			item.Item = &pb.Change_Devices{Devices: devicesPB(ds, me.Device)}
		case hongyan.ChangeMessageHidden:
			item.Item = &pb.Change_MessageRemoved{MessageRemoved: &pb.MessageRef{Conversation: int64(ch.Conversation), Seq: ch.Ref}}
		case hongyan.ChangeBlock:
			blocked, err := s.Contacts.Blocked(ctx, me, hongyan.UserID(ch.Ref))
			if err != nil {
				return nil, err
			}
			item.Item = &pb.Change_Block{Block: &pb.BlockChange{User: ch.Ref, Blocked: blocked}}
		case hongyan.ChangeGroup, hongyan.ChangeGroupRemoved, hongyan.ChangeGroupInvitation:
			if err := c.fillGroup(ctx, me, ch, item); err != nil {
				return nil, err
			}
		case hongyan.ChangeFavorite:
			if err := c.fillFavorite(ctx, me, ch, item); err != nil {
				return nil, err
			}
		}
		// An entry whose object is gone still moves the cursor: it is
		// sent with its sequence only.
		out = append(out, item)
	}
	return out, nil
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
