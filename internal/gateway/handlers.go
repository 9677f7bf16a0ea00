package gateway

import (
	"context"
	"fmt"
	"strings"
	"time"

	"hongyan/internal/account"
	"hongyan/internal/chat"
	"hongyan/internal/contact"
	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/hongyan"
)

// handle serves one request frame and queues its response.
func (c *conn) handle(f *pb.ClientFrame) {
	ctx, cancel := context.WithTimeout(c.ctx, 90*time.Second)
	defer cancel()
	c.begin()
	defer c.end()
	kind := requestKind(f)
	start := time.Now()
	resp, err := c.dispatch(ctx, f)
	c.g.m.requests.WithLabelValues(kind, string(hongyan.ErrorCode(err))).Inc()
	if kind == "send" && err == nil {
		c.g.m.sendTime.Observe(time.Since(start).Seconds())
	}
	if err != nil {
		if hongyan.ErrorCode(err) == hongyan.CodeInternal {
			c.g.log.Error("request failed", "kind", kind, "err", err)
		}
		c.send(errorFrame(f.Id, err))
		return
	}
	if resp == nil {
		return // already answered (sync)
	}
	resp.Id = f.Id
	c.send(resp)
}

// requestKind names a request for metrics and logs ("send", "sync", …).
func requestKind(f *pb.ClientFrame) string {
	if f.Req == nil {
		return "none"
	}
	name := fmt.Sprintf("%T", f.Req) // *hongyanv1.ClientFrame_Send
	name = name[strings.LastIndexByte(name, '_')+1:]
	return strings.ToLower(name)
}

// done is the response to a request whose answer is just "done".
func done() *pb.ServerFrame { return &pb.ServerFrame{} }

// public lists the requests allowed before hello.
func public(f *pb.ClientFrame) bool {
	switch f.Req.(type) {
	case *pb.ClientFrame_Hello, *pb.ClientFrame_Register, *pb.ClientFrame_Login,
		*pb.ClientFrame_RecoveryCode, *pb.ClientFrame_Recover,
		*pb.ClientFrame_QrLoginStart, *pb.ClientFrame_QrLoginClaim, *pb.ClientFrame_Ping:
		return true
	}
	return false
}

func (c *conn) dispatch(ctx context.Context, f *pb.ClientFrame) (*pb.ServerFrame, error) {
	if f.Req == nil {
		return nil, hongyan.Errorf(hongyan.CodeUnimplemented, "unknown or empty request")
	}
	me, authed := c.identity()
	if !authed && !public(f) {
		return nil, hongyan.Errorf(hongyan.CodeUnauth, "send hello with a session token first")
	}
	s := c.g.s
	switch r := f.Req.(type) {
	case *pb.ClientFrame_Hello:
		return c.hello(ctx, r.Hello)
	case *pb.ClientFrame_Ping:
		if !authed {
			return &pb.ServerFrame{Body: &pb.ServerFrame_Pong{Pong: &pb.Pong{}}}, nil
		}
		head, err := s.Changes.Head(ctx, me.User)
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_Pong{Pong: &pb.Pong{Head: head}}}, nil
	case *pb.ClientFrame_Sync:
		return nil, c.handleSync(ctx, me, f.Id, r.Sync)

	// ---- chat ----
	case *pb.ClientFrame_Send:
		q := r.Send
		c.sentHere(q.ClientId, true)
		o := chat.Outgoing{
			Peer: hongyan.UserID(q.Peer), Group: hongyan.ConversationID(q.Group), ClientID: q.ClientId,
			Kind: chat.Kind(q.Kind), Text: q.Text, Mentions: userIDs(q.Mentions), MentionAll: q.MentionAll,
			Media: q.Media, Card: hongyan.UserID(q.Card), URL: q.Url, Quote: hongyan.MessageID(q.Quote),
		}
		if l := q.Location; l != nil {
			o.Location = &chat.Location{Latitude: l.Latitude, Longitude: l.Longitude, Name: l.Name, Address: l.Address}
		}
		m, err := s.Chat.Send(ctx, me, o)
		if err != nil {
			c.sentHere(r.Send.ClientId, false)
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_Sent{Sent: sentPB(m)}}, nil
	case *pb.ClientFrame_History:
		ms, err := s.Chat.History(ctx, me, hongyan.ConversationID(r.History.Conversation), r.History.Before, int(r.History.Limit))
		if err != nil {
			return nil, err
		}
		return c.messagesFrame(ctx, me, ms)
	case *pb.ClientFrame_Recall:
		m, err := s.Chat.Recall(ctx, me, hongyan.MessageID(r.Recall.Message))
		if err != nil {
			return nil, err
		}
		return c.messagesFrame(ctx, me, []chat.Message{m})
	case *pb.ClientFrame_Search:
		q := r.Search
		ms, err := s.Chat.Search(ctx, me, q.Query, hongyan.ConversationID(q.Conversation), hongyan.MessageID(q.Before), int(q.Limit))
		if err != nil {
			return nil, err
		}
		return c.messagesFrame(ctx, me, ms)
	case *pb.ClientFrame_Forward:
		q := r.Forward
		to := chat.Target{Peer: hongyan.UserID(q.Peer), Group: hongyan.ConversationID(q.Group)}
		if len(q.Messages) == 0 {
			m, err := s.Chat.Forward(ctx, me, hongyan.MessageID(q.Message), to, q.ClientId)
			if err != nil {
				return nil, err
			}
			return &pb.ServerFrame{Body: &pb.ServerFrame_Sent{Sent: sentPB(m)}}, nil
		}
		ids := make([]hongyan.MessageID, len(q.Messages))
		for i, id := range q.Messages {
			ids[i] = hongyan.MessageID(id)
		}
		ms, err := s.Chat.ForwardMany(ctx, me, ids, to, q.ClientId, "", q.Merged)
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_Sent{Sent: sentPB(ms[len(ms)-1])}}, nil
	case *pb.ClientFrame_DeleteMessage:
		return done(), s.Chat.DeleteForMe(ctx, me, hongyan.MessageID(r.DeleteMessage.Message))
	case *pb.ClientFrame_Broadcast:
		q := r.Broadcast
		peers := make([]hongyan.UserID, len(q.Peers))
		for i, p := range q.Peers {
			peers[i] = hongyan.UserID(p)
		}
		res, err := s.Chat.Broadcast(ctx, me, peers, chat.Outgoing{ClientID: q.ClientId, Kind: chat.Kind(q.Kind), Text: q.Text})
		if err != nil {
			return nil, err
		}
		out := &pb.BroadcastResponse{Results: make([]*pb.BroadcastResult, 0, len(res))}
		for _, r := range res {
			br := &pb.BroadcastResult{Peer: int64(r.Peer)}
			if r.Err != nil {
				br.Error = errorFrame(0, r.Err).Error
			} else {
				br.Sent = sentPB(r.Message)
			}
			out.Results = append(out.Results, br)
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_Broadcast{Broadcast: out}}, nil
	case *pb.ClientFrame_Conversations:
		sums, err := s.Chat.Conversations(ctx, me, 0)
		if err != nil {
			return nil, err
		}
		list := &pb.ConversationList{Conversations: make([]*pb.ConversationState, 0, len(sums))}
		for _, sum := range sums {
			list.Conversations = append(list.Conversations, summaryPB(sum, me.User))
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_Conversations{Conversations: list}}, nil
	case *pb.ClientFrame_SetConversation:
		q := r.SetConversation
		sum, err := s.Chat.SetState(ctx, me, hongyan.ConversationID(q.Conversation), chat.StateUpdate{
			Muted: q.Muted, Pinned: q.Pinned, Draft: q.Draft, ReadSeq: q.ReadSeq, Clear: q.Clear})
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_Conversation{Conversation: summaryPB(sum, me.User)}}, nil
	case *pb.ClientFrame_Typing:
		return done(), s.Chat.Typing(ctx, me, hongyan.ConversationID(r.Typing.Conversation))
	case *pb.ClientFrame_Export:
		return c.dispatchExport(ctx, me, r.Export)

	// ---- accounts and devices ----
	case *pb.ClientFrame_Register:
		q := r.Register
		sess, err := s.Accounts.Register(ctx, account.Registration{
			AccountID: q.AccountId, Password: q.Password, Nickname: q.Nickname,
			Phone: q.Phone, Email: q.Email, DeviceName: q.DeviceName, Address: c.addr})
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_Session{Session: sessionPB(sess)}}, nil
	case *pb.ClientFrame_Login:
		sess, err := s.Accounts.Login(ctx, r.Login.Login, r.Login.Password, r.Login.DeviceName, c.addr)
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_Session{Session: sessionPB(sess)}}, nil
	case *pb.ClientFrame_Logout:
		return done(), s.Accounts.Logout(ctx, me)
	case *pb.ClientFrame_Me:
		a, err := s.Accounts.Account(ctx, me.User)
		return profileFrame(ownProfile, a, err)
	case *pb.ClientFrame_GetProfile:
		u := hongyan.UserID(r.GetProfile.User)
		if u != me.User {
			// Profiles of contacts and of people who sent or received a
			// request are visible; strangers are found by Search.
			if _, err := s.Contacts.Contact(ctx, me, u); err != nil {
				return nil, hongyan.Errorf(hongyan.CodeNotFound, "no such user among your contacts")
			}
		}
		a, err := s.Accounts.Account(ctx, u)
		if u == me.User {
			return profileFrame(ownProfile, a, err)
		}
		return profileFrame(publicProfile, a, err)
	case *pb.ClientFrame_Devices:
		ds, err := s.Accounts.Devices(ctx, me)
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_Devices{Devices: devicesPB(ds, me.Device)}}, nil
	case *pb.ClientFrame_RevokeDevice:
		return done(), s.Accounts.RevokeDevice(ctx, me, hongyan.DeviceID(r.RevokeDevice.Device))
	case *pb.ClientFrame_RevokeAll:
		return done(), s.Accounts.RevokeAll(ctx, me)
	case *pb.ClientFrame_ChangePassword:
		return done(), s.Accounts.ChangePassword(ctx, me, r.ChangePassword.OldPassword, r.ChangePassword.NewPassword)
	case *pb.ClientFrame_UpdateProfile:
		q := r.UpdateProfile
		u := account.ProfileUpdate{Nickname: q.Nickname, Region: q.Region, Signature: q.Signature, Phone: q.Phone, Email: q.Email}
		if q.Gender != nil {
			g := account.Gender(*q.Gender)
			u.Gender = &g
		}
		a, err := s.Accounts.UpdateProfile(ctx, me, u)
		return profileFrame(ownProfile, a, err)
	case *pb.ClientFrame_ChangeAccountId:
		a, err := s.Accounts.ChangeAccountID(ctx, me, r.ChangeAccountId.AccountId)
		return profileFrame(ownProfile, a, err)
	case *pb.ClientFrame_UpdateSettings:
		q := r.UpdateSettings
		a, err := s.Accounts.UpdateSettings(ctx, me, account.SettingsUpdate{
			FindByAccountID: q.FindByAccountId, FindByPhone: q.FindByPhone, AddNeedsVerification: q.AddNeedsVerification})
		return profileFrame(ownProfile, a, err)
	case *pb.ClientFrame_SetAvatar:
		a, err := s.Accounts.SetAvatar(ctx, me, r.SetAvatar.Image)
		return profileFrame(ownProfile, a, err)
	case *pb.ClientFrame_RecoveryCode:
		return done(), s.Accounts.RequestRecovery(ctx, r.RecoveryCode.AccountId, r.RecoveryCode.Via)
	case *pb.ClientFrame_Recover:
		q := r.Recover
		sess, err := s.Accounts.Recover(ctx, q.AccountId, q.Code, q.NewPassword, q.DeviceName, c.addr)
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_Session{Session: sessionPB(sess)}}, nil

	// ---- QR login ----
	case *pb.ClientFrame_QrLoginStart:
		st, err := s.Accounts.StartQRLogin(ctx, r.QrLoginStart.DeviceName, c.addr)
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_QrLogin{QrLogin: &pb.QrLogin{
			Code: st.Code, Secret: st.Secret, Expires: st.Expires.UnixMilli(), Url: c.g.qrLoginURL(st.Code),
			DeviceName: r.QrLoginStart.DeviceName, Address: c.addr}}}, nil
	case *pb.ClientFrame_QrLoginInspect:
		q, err := s.Accounts.InspectQRLogin(ctx, me, r.QrLoginInspect.Code)
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_QrLogin{QrLogin: qrPB(q, r.QrLoginInspect.Code)}}, nil
	case *pb.ClientFrame_QrLoginConfirm:
		if err := s.Accounts.ConfirmQRLogin(ctx, me, r.QrLoginConfirm.Code); err != nil {
			return nil, err
		}
		return done(), nil
	case *pb.ClientFrame_QrLoginClaim:
		return c.claimQR(ctx, r.QrLoginClaim)

	// ---- contacts ----
	case *pb.ClientFrame_SearchUser:
		id, err := s.Contacts.Search(ctx, me, r.SearchUser.Query)
		if err != nil {
			return nil, err
		}
		a, err := s.Accounts.Account(ctx, id)
		return profileFrame(publicProfile, a, err)
	case *pb.ClientFrame_FriendRequest:
		q := r.FriendRequest
		req, err := s.Contacts.SendRequest(ctx, me, hongyan.UserID(q.User), q.Greeting, q.Remark)
		if err != nil {
			return nil, err
		}
		fr, err := c.friendRequest(ctx, me, req.ID)
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_FriendRequest{FriendRequest: fr}}, nil
	case *pb.ClientFrame_AnswerRequest:
		q := r.AnswerRequest
		req, err := s.Contacts.Answer(ctx, me, q.Request, q.Accept, q.Remark)
		if err != nil {
			return nil, err
		}
		fr, err := c.friendRequest(ctx, me, req.ID)
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_FriendRequest{FriendRequest: fr}}, nil
	case *pb.ClientFrame_ListContacts:
		cs, err := s.Contacts.Contacts(ctx, me)
		if err != nil {
			return nil, err
		}
		list := &pb.ContactList{Contacts: make([]*pb.Contact, 0, len(cs))}
		for _, ct := range cs {
			a, err := s.Accounts.Account(ctx, ct.User)
			if err != nil {
				return nil, err
			}
			list.Contacts = append(list.Contacts, contactPB(ct, publicProfile(a)))
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_Contacts{Contacts: list}}, nil
	case *pb.ClientFrame_ListRequests:
		rs, err := s.Contacts.Requests(ctx, me)
		if err != nil {
			return nil, err
		}
		list := &pb.FriendRequestList{Requests: make([]*pb.FriendRequest, 0, len(rs))}
		for _, req := range rs {
			other := req.From
			if other == me.User {
				other = req.To
			}
			a, err := s.Accounts.Account(ctx, other)
			if err != nil {
				return nil, err
			}
			list.Requests = append(list.Requests, requestPB(req, publicProfile(a)))
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_Requests{Requests: list}}, nil
	case *pb.ClientFrame_UpdateContact:
		q := r.UpdateContact
		u := contact.Update{Remark: q.Remark, Description: q.Description, Starred: q.Starred}
		if q.SetTags {
			tags := q.Tags
			u.Tags = &tags
		}
		if _, err := s.Contacts.UpdateContact(ctx, me, hongyan.UserID(q.User), u); err != nil {
			return nil, err
		}
		ct, err := c.contact(ctx, me, hongyan.UserID(q.User))
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_Contact{Contact: ct}}, nil
	case *pb.ClientFrame_DeleteContact:
		return done(), s.Contacts.Delete(ctx, me, hongyan.UserID(r.DeleteContact.User))
	case *pb.ClientFrame_Block:
		return done(), s.Contacts.Block(ctx, me, hongyan.UserID(r.Block.User), r.Block.Blocked)
	}
	if resp, ok, err := c.dispatchGroup(ctx, me, f); ok {
		return resp, err
	}
	if resp, ok, err := c.dispatchFavorite(ctx, me, f); ok {
		return resp, err
	}
	return nil, hongyan.Errorf(hongyan.CodeUnimplemented, "unknown request")
}

// messagesFrame lists messages of any of my conversations, each with its
// peer as I see it.
func (c *conn) messagesFrame(ctx context.Context, me hongyan.Caller, ms []chat.Message) (*pb.ServerFrame, error) {
	list := &pb.MessageList{Messages: make([]*pb.Message, 0, len(ms))}
	for _, m := range ms {
		peer, err := c.peer(ctx, me, m.Conversation)
		if err != nil {
			return nil, err
		}
		list.Messages = append(list.Messages, messagePB(m, me.User, peer))
	}
	return &pb.ServerFrame{Body: &pb.ServerFrame_Messages{Messages: list}}, nil
}

func profileFrame(conv func(account.Account) *pb.Profile, a account.Account, err error) (*pb.ServerFrame, error) {
	if err != nil {
		return nil, err
	}
	return &pb.ServerFrame{Body: &pb.ServerFrame_Profile{Profile: conv(a)}}, nil
}

// hello authenticates the connection and subscribes it to its user's
// events. A connection says hello once.
func (c *conn) hello(ctx context.Context, h *pb.Hello) (*pb.ServerFrame, error) {
	if _, authed := c.identity(); authed {
		return nil, hongyan.Errorf(hongyan.CodePrecondition, "already authenticated")
	}
	me, err := c.g.s.Accounts.Authenticate(ctx, h.Token)
	if err != nil {
		return nil, err
	}
	sub, err := c.g.s.Bus.Subscribe(hongyan.UserSubject(me.User), c.onEvent)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.caller, c.sub = me, sub
	c.mu.Unlock()
	if err := c.g.s.Accounts.Touch(ctx, me, c.addr); err != nil {
		c.g.log.Warn("record device seen", "err", err)
	}
	head, err := c.g.s.Changes.Head(ctx, me.User)
	if err != nil {
		return nil, err
	}
	return &pb.ServerFrame{Body: &pb.ServerFrame_Hello{Hello: &pb.HelloResponse{
		User: int64(me.User), Device: int64(me.Device), Head: head}}}, nil
}

// claimQR lets the new device claim its QR login, waiting up to wait_ms for
// a signed-in device to confirm it. The confirmation arrives over the bus.
func (c *conn) claimQR(ctx context.Context, r *pb.QrLoginClaimRequest) (*pb.ServerFrame, error) {
	wait := min(time.Duration(r.WaitMs)*time.Millisecond, maxQRWait)
	signal := make(chan struct{}, 1)
	sub, err := c.g.s.Bus.Subscribe(account.QRSubject(r.Code), func([]byte) {
		select {
		case signal <- struct{}{}:
		default:
		}
	})
	if err != nil {
		return nil, err
	}
	defer sub.Unsubscribe()
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for {
		q, sess, err := c.g.s.Accounts.ClaimQRLogin(ctx, r.Code, r.Secret)
		if err != nil {
			return nil, err
		}
		if sess != nil || q.State == account.QRExpired {
			out := qrPB(q, r.Code)
			if sess != nil {
				out.Session = sessionPB(*sess)
			}
			return &pb.ServerFrame{Body: &pb.ServerFrame_QrLogin{QrLogin: out}}, nil
		}
		select {
		case <-signal:
		case <-deadline.C:
			return &pb.ServerFrame{Body: &pb.ServerFrame_QrLogin{QrLogin: qrPB(q, r.Code)}}, nil
		case <-ctx.Done():
			return nil, hongyan.Errorf(hongyan.CodeUnavailable, errFrameClosed)
		}
	}
}

func qrPB(q account.QRLogin, code string) *pb.QrLogin {
	return &pb.QrLogin{
		Code: code, Expires: q.Expires.UnixMilli(), DeviceName: q.DeviceName, Address: q.Address,
		State: pb.QrState(q.State),
	}
}
