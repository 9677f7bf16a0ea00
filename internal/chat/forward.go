package chat

import (
	"context"
	"strconv"

	"hongyan/internal/hongyan"
)

// MaxForward is the most messages one forward takes.
const MaxForward = 100

// Target is where a forwarded message goes: a user or a group chat.
type Target struct {
	Peer  hongyan.UserID
	Group hongyan.ConversationID
}

// Forward sends a copy of a message the caller can see to a chat, as a new
// message of the caller's (with clientID, so a retry forwards once). A
// recalled message, or one the caller deleted for themselves, cannot be
// forwarded.
func (s *Service) Forward(ctx context.Context, c hongyan.Caller, id hongyan.MessageID, to Target, clientID string) (Message, error) {
	msgs, err := s.forwardable(ctx, c, []hongyan.MessageID{id})
	if err != nil {
		return Message{}, err
	}
	return s.Send(ctx, c, Outgoing{Peer: to.Peer, Group: to.Group, ClientID: clientID, content: &msgs[0]})
}

// ForwardMany forwards several messages of one chat: merged, as one chat
// history card titled title; otherwise as one message each, in the given
// order, with client IDs clientID + "/" + index.
func (s *Service) ForwardMany(ctx context.Context, c hongyan.Caller, ids []hongyan.MessageID, to Target, clientID, title string, merged bool) ([]Message, error) {
	if len(ids) == 0 || len(ids) > MaxForward {
		return nil, hongyan.Errorf(hongyan.CodeInvalid, "forward 1 to %d messages", MaxForward)
	}
	if len(clientID) > MaxClientID-4 {
		return nil, hongyan.Errorf(hongyan.CodeInvalid, "client message ID of a forward must be at most %d bytes", MaxClientID-4)
	}
	msgs, err := s.forwardable(ctx, c, ids)
	if err != nil {
		return nil, err
	}
	if merged {
		for _, m := range msgs[1:] {
			if m.Conversation != msgs[0].Conversation {
				return nil, hongyan.Errorf(hongyan.CodeInvalid, "merged messages come from one chat")
			}
		}
		h := &History{Title: excerpt(title, 100), Messages: make([]Message, len(msgs))}
		for i, m := range msgs {
			// The card keeps what the originals showed, not who sent them
			// from which device or with which client ID.
			m.SenderDevice, m.ClientID, m.Mentions, m.MentionAll, m.Quote = 0, "", nil, false, nil
			h.Messages[i] = m
		}
		card := Message{Kind: KindHistory, Text: h.Title, History: h}
		m, err := s.Send(ctx, c, Outgoing{Peer: to.Peer, Group: to.Group, ClientID: clientID, content: &card})
		if err != nil {
			return nil, err
		}
		return []Message{m}, nil
	}
	out := make([]Message, 0, len(msgs))
	for i := range msgs {
		m, err := s.Send(ctx, c, Outgoing{Peer: to.Peer, Group: to.Group, ClientID: clientID + "/" + strconv.Itoa(i), content: &msgs[i]})
		if err != nil {
			return out, err
		}
		out = append(out, m)
	}
	return out, nil
}

// forwardable returns the messages ids, in that order, if the caller sees
// every one of them and none was recalled.
func (s *Service) forwardable(ctx context.Context, c hongyan.Caller, ids []hongyan.MessageID) ([]Message, error) {
	msgs := make([]Message, 0, len(ids))
	for _, id := range ids {
		m, _, err := s.message(ctx, c, id)
		if err != nil {
			return nil, err
		}
		msgs = append(msgs, m)
	}
	vis, err := s.visible(ctx, c, append([]Message(nil), msgs...))
	if err != nil {
		return nil, err
	}
	if len(vis) != len(msgs) {
		return nil, hongyan.Errorf(hongyan.CodeNotFound, "no such message")
	}
	for _, m := range msgs {
		switch m.Kind {
		case KindRecalled, KindNotice, KindTransfer, KindRedPacket, KindAppCard, KindCall:
			return nil, hongyan.Errorf(hongyan.CodeNotFound, "no such message")
		}
	}
	return msgs, nil
}

// Snapshot returns an encoded copy of a message the caller can see and the
// text that stands for it (a favorite keeps both).
func (s *Service) Snapshot(ctx context.Context, c hongyan.Caller, id hongyan.MessageID) ([]byte, string, error) {
	msgs, err := s.forwardable(ctx, c, []hongyan.MessageID{id})
	if err != nil {
		return nil, "", err
	}
	m := msgs[0]
	text := m.Text
	if text == "" && m.Media != nil {
		text = m.Media.Name
	}
	// The copy shows the message's media later too: after a recall, or
	// after the caller left the group.
	if ids := m.MediaIDs(); len(ids) > 0 && s.x.Media != nil {
		if err := s.x.Media.Keep(ctx, c.User, ids); err != nil {
			return nil, "", err
		}
	}
	return EncodeMessage(nil, m), text, nil
}

// SendSnapshot sends a copy of a message Snapshot encoded into a chat, as
// the caller's new message (sending a favorite).
func (s *Service) SendSnapshot(ctx context.Context, c hongyan.Caller, snapshot []byte, to Target, clientID string) (Message, error) {
	m, err := DecodeMessage(snapshot)
	if err != nil {
		return Message{}, hongyan.Errorf(hongyan.CodeInvalid, "the saved message cannot be read")
	}
	switch m.Kind {
	case KindRecalled, KindNotice, KindTransfer, KindRedPacket, KindAppCard, KindCall:
		return Message{}, hongyan.Errorf(hongyan.CodeInvalid, "a %s message cannot be sent", kindName(m.Kind))
	}
	return s.Send(ctx, c, Outgoing{Peer: to.Peer, Group: to.Group, ClientID: clientID, content: &m})
}

// PostCall posts a call's record into the one-to-one chat of from (the
// caller) and to, as from's message (the call feature, through node, when
// the call ended). Its client ID names the call, so posting it again
// posts it once.
func (s *Service) PostCall(ctx context.Context, from, to hongyan.UserID, rec CallRecord) (Message, error) {
	m := Message{Kind: KindCall, Call: &rec}
	return s.Send(ctx, hongyan.Caller{User: from}, Outgoing{Peer: to, ClientID: "call:" + strconv.FormatInt(rec.Call, 10), content: &m, posted: true})
}

// PostGroupCall posts a group call's card into group chat group as a
// message of user from (the group-call feature, through node, when a call
// started or ended). key names the card, so posting it again posts it
// once.
func (s *Service) PostGroupCall(ctx context.Context, from hongyan.UserID, group hongyan.ConversationID, rec CallRecord, key string) (Message, error) {
	m := Message{Kind: KindCall, Call: &rec}
	return s.Send(ctx, hongyan.Caller{User: from}, Outgoing{Group: group, ClientID: "groupcall:" + key, content: &m, posted: true})
}

// PostMoney posts a transfer or red-packet card into a chat as a message
// of user from (the wallet feature, through node, after the money moved).
// Its client ID names the wallet's object, so posting it again posts it
// once.
func (s *Service) PostMoney(ctx context.Context, from hongyan.UserID, to Target, money Money, text string) (Message, error) {
	m := Message{Kind: KindTransfer, Text: text, Money: &money}
	id := "wallet:transfer:" + strconv.FormatInt(money.Transfer, 10)
	if money.Packet != 0 {
		m.Kind, id = KindRedPacket, "wallet:packet:"+strconv.FormatInt(money.Packet, 10)
	}
	return s.Send(ctx, hongyan.Caller{User: from}, Outgoing{Peer: to.Peer, Group: to.Group, ClientID: id, content: &m, posted: true})
}

// PostAppCard posts a group app's card into group chat group as a message
// of user from (the group-app feature, through node, after its object was
// stored), mentioning mentions. key names the card (its app, kind and
// object, and for a reminder its time), so posting it again posts it once.
func (s *Service) PostAppCard(ctx context.Context, from hongyan.UserID, group hongyan.ConversationID, card AppCard, title, key string, mentions []hongyan.UserID) (Message, error) {
	m := Message{Kind: KindAppCard, Text: title, App: &card}
	return s.Send(ctx, hongyan.Caller{User: from}, Outgoing{Group: group, ClientID: "app:" + key, Mentions: mentions, content: &m, posted: true})
}
