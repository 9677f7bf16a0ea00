package gateway

import (
	"hongyan/internal/account"
	"hongyan/internal/chat"
	"hongyan/internal/contact"
	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/hongyan"
)

func errorFrame(id uint32, err error) *pb.ServerFrame {
	return &pb.ServerFrame{Id: id, Error: &pb.Error{Code: string(hongyan.ErrorCode(err)), Message: hongyan.ErrorMessage(err), Reason: string(hongyan.ErrorReason(err))}}
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
	} else {
		out.SpamWarning = m.Spam
	}
	if peer == 0 {
		out.Group = int64(m.Conversation)
	}
	contentPB(out, m, viewer)
	return out
}

// contentPB sets what m carries besides its text on out.
func contentPB(out *pb.Message, m chat.Message, viewer hongyan.UserID) {
	if len(m.Mentions) > 0 {
		out.Mentions = make([]int64, len(m.Mentions))
		for i, u := range m.Mentions {
			out.Mentions[i] = int64(u)
		}
	}
	out.MentionAll = m.MentionAll
	out.Card = int64(m.Card)
	if x := m.Money; x != nil {
		out.Money = &pb.MoneyCard{Transfer: x.Transfer, Packet: x.Packet, Amount: x.Amount}
	}
	if x := m.App; x != nil {
		out.AppCard = &pb.AppCard{App: pb.GroupApp(x.App), Kind: pb.AppCardKind(x.Kind), Item: x.Item, Title: m.Text, Count: uint32(max(x.Count, 0)),
			Description: x.Description, Url: x.URL, Image: x.Image, AppName: x.AppName}
	}
	if x := m.Call; x != nil {
		out.Call = &pb.CallRecord{Call: x.Call, End: pb.CallEnd(x.End), Video: x.Video, DurationMs: uint32(x.DurationMS)}
	}
	if md := m.Media; md != nil {
		out.Media = &pb.Media{Id: md.ID, Type: md.Type, Size: md.Size, Width: uint32(md.Width), Height: uint32(md.Height),
			DurationMs: uint32(md.DurationMS), Name: md.Name, Thumbnail: md.Thumbnail, Poster: md.Poster}
	}
	if l := m.Location; l != nil {
		out.Location = &pb.Location{Latitude: l.Latitude, Longitude: l.Longitude, Name: l.Name, Address: l.Address}
	}
	if l := m.Link; l != nil {
		out.Link = &pb.LinkCard{Url: l.URL, Title: l.Title, Description: l.Description, Image: l.Image}
	}
	if q := m.Quote; q != nil {
		out.Quote = &pb.Quote{Message: int64(q.Message), Sender: int64(q.Sender), Kind: pb.MessageKind(q.Kind), Text: q.Text}
	}
	if n := m.Notice; n != nil {
		out.Notice = &pb.Notice{Kind: pb.NoticeKind(n.Kind), Actor: int64(n.Actor), Users: userIDsPB(n.Users), Text: n.Text}
	}
	if h := m.History; h != nil {
		out.History = &pb.ChatHistory{Title: h.Title, Messages: make([]*pb.Message, len(h.Messages))}
		for i, hm := range h.Messages {
			out.History.Messages[i] = copyPB(hm, viewer)
		}
	}
}

// copyPB converts a copy of a message (in a chat history card or a
// favorite): it keeps who sent what when, not where or from which device.
func copyPB(m chat.Message, viewer hongyan.UserID) *pb.Message {
	x := &pb.Message{Id: int64(m.ID), Sender: int64(m.Sender), Time: m.Time.UnixMilli(), Kind: pb.MessageKind(m.Kind), Text: m.Text}
	contentPB(x, m, viewer)
	return x
}

func userIDsPB(us []hongyan.UserID) []int64 {
	if len(us) == 0 {
		return nil
	}
	out := make([]int64, len(us))
	for i, u := range us {
		out[i] = int64(u)
	}
	return out
}

func userIDs(us []int64) []hongyan.UserID {
	if len(us) == 0 {
		return nil
	}
	out := make([]hongyan.UserID, len(us))
	for i, u := range us {
		out[i] = hongyan.UserID(u)
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
		ClearedSeq: s.State.ClearedSeq, UnreadMentions: uint32(s.UnreadMentions),
	}
	if s.Conversation.Group {
		out.Group = int64(s.Conversation.ID)
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
