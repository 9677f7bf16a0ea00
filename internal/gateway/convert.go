package gateway

import (
	"hongyan/internal/account"
	"hongyan/internal/chat"
	"hongyan/internal/contact"
	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/hongyan"
)

func errorFrame(id uint32, err error) *pb.ServerFrame {
	return &pb.ServerFrame{Id: id, Error: &pb.Error{Code: string(hongyan.ErrorCode(err)), Message: hongyan.ErrorMessage(err)}}
}

// publicProfile is what anyone may see of an account.
func publicProfile(a account.Account) *pb.Profile {
	p := &pb.Profile{
		Id:        int64(a.ID),
		AccountId: a.AccountID,
		Nickname:  a.Profile.Nickname,
		Gender:    pb.Gender(a.Profile.Gender),
		Region:    a.Profile.Region,
		Signature: a.Profile.Signature,
	}
	if a.Profile.Avatar != "" {
		p.Avatar = "/avatar/" + a.Profile.Avatar
	}
	return p
}

// ownProfile adds what only the owner sees.
func ownProfile(a account.Account) *pb.Profile {
	p := publicProfile(a)
	p.Phone = a.Phone
	p.Email = a.Email
	p.AccountIdChanged = a.AccountIDChanged
	p.Settings = &pb.Settings{
		FindByAccountId:      a.Settings.FindByAccountID,
		FindByPhone:          a.Settings.FindByPhone,
		AddNeedsVerification: a.Settings.AddNeedsVerification,
	}
	return p
}

func sessionPB(s account.Session) *pb.Session {
	return &pb.Session{Token: s.Token, User: int64(s.User), Device: int64(s.Device)}
}

func devicesPB(ds []account.Device, current hongyan.DeviceID) *pb.DeviceList {
	out := &pb.DeviceList{Devices: make([]*pb.Device, 0, len(ds))}
	for _, d := range ds {
		out.Devices = append(out.Devices, &pb.Device{
			Id: int64(d.ID), Name: d.Name, Address: d.Address,
			Created: d.Created.UnixMilli(), LastSeen: d.LastSeen.UnixMilli(), Current: d.ID == current,
		})
	}
	return out
}

// messagePB converts m as seen by viewer, whose peer in the conversation is
// peer. The client ID is shown only to the sender's own devices.
func messagePB(m chat.Message, viewer, peer hongyan.UserID) *pb.Message {
	out := &pb.Message{
		Id: int64(m.ID), Conversation: int64(m.Conversation), Seq: m.Seq, Sender: int64(m.Sender),
		Time: m.Time.UnixMilli(), Kind: pb.MessageKind(m.Kind), Text: m.Text, Peer: int64(peer),
	}
	if m.Sender == viewer {
		out.ClientId = m.ClientID
	}
	return out
}

func sentPB(m chat.Message) *pb.SendResponse {
	return &pb.SendResponse{Id: int64(m.ID), Conversation: int64(m.Conversation), Seq: m.Seq, Time: m.Time.UnixMilli()}
}

func summaryPB(s chat.Summary, viewer hongyan.UserID) *pb.ConversationState {
	peer := s.Conversation.Peer(viewer)
	out := &pb.ConversationState{
		Conversation: int64(s.Conversation.ID), Peer: int64(peer),
		Muted: s.State.Muted, Pinned: s.State.Pinned, Draft: s.State.Draft,
		ReadSeq: s.State.ReadSeq, LastSeq: s.Conversation.LastSeq, Unread: uint32(s.Unread),
		ClearedSeq: s.State.ClearedSeq,
	}
	if s.Last.ID != 0 {
		out.Last = messagePB(s.Last, viewer, peer)
	}
	return out
}

func requestPB(r contact.Request, other *pb.Profile) *pb.FriendRequest {
	return &pb.FriendRequest{
		Id: r.ID, From: int64(r.From), To: int64(r.To), Greeting: r.Greeting,
		State: pb.RequestState(r.State), Time: r.Created.UnixMilli(), Other: other,
	}
}

func contactPB(c contact.Contact, p *pb.Profile) *pb.Contact {
	return &pb.Contact{
		User: int64(c.User), Profile: p, Remark: c.Remark, Description: c.Description,
		Tags: c.Tags, Starred: c.Starred, Since: c.Since.UnixMilli(),
	}
}
