package gateway

import (
	"context"

	"hongyan/internal/chat"
	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/hongyan"
)

// chatRoutes adds the chat requests: sending, history, search,
// forwarding, recall, conversation state, typing, export.
func chatRoutes(rs routes) {
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_Send) (*pb.ServerFrame, error) {
		s := c.g.s
		q := r.Send
		kind, err := messageKind(q.Kind)
		if err != nil {
			return nil, err
		}
		c.sentHere(q.ClientId, true)
		o := chat.Outgoing{
			Peer: hongyan.UserID(q.Peer), Group: hongyan.ConversationID(q.Group), ClientID: q.ClientId,
			Kind: kind, Text: q.Text, Mentions: userIDs(q.Mentions), MentionAll: q.MentionAll,
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
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_History) (*pb.ServerFrame, error) {
		s := c.g.s
		ms, err := s.Chat.History(ctx, me, hongyan.ConversationID(r.History.Conversation), r.History.Before, int(r.History.Limit))
		if err != nil {
			return nil, err
		}
		return c.messagesFrame(ctx, me, ms)
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_Recall) (*pb.ServerFrame, error) {
		s := c.g.s
		m, err := s.Chat.Recall(ctx, me, hongyan.MessageID(r.Recall.Message))
		if err != nil {
			return nil, err
		}
		return c.messagesFrame(ctx, me, []chat.Message{m})
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_Search) (*pb.ServerFrame, error) {
		s := c.g.s
		q := r.Search
		ms, err := s.Chat.Search(ctx, me, q.Query, hongyan.ConversationID(q.Conversation), hongyan.MessageID(q.Before), int(q.Limit))
		if err != nil {
			return nil, err
		}
		return c.messagesFrame(ctx, me, ms)
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_Forward) (*pb.ServerFrame, error) {
		s := c.g.s
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
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_DeleteMessage) (*pb.ServerFrame, error) {
		s := c.g.s
		return done(), s.Chat.DeleteForMe(ctx, me, hongyan.MessageID(r.DeleteMessage.Message))
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_Broadcast) (*pb.ServerFrame, error) {
		s := c.g.s
		q := r.Broadcast
		peers := make([]hongyan.UserID, len(q.Peers))
		for i, p := range q.Peers {
			peers[i] = hongyan.UserID(p)
		}
		kind, err := messageKind(q.Kind)
		if err != nil {
			return nil, err
		}
		res, err := s.Chat.Broadcast(ctx, me, peers, chat.Outgoing{ClientID: q.ClientId, Kind: kind, Text: q.Text})
		if err != nil {
			return nil, err
		}
		out := &pb.BroadcastResponse{Results: make([]*pb.BroadcastResult, 0, len(res))}
		for _, r := range res {
			out.Results = append(out.Results, broadcastResultPB(r.Peer, r.Err, func() *pb.SendResponse { return sentPB(r.Message) }))
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_Broadcast{Broadcast: out}}, nil
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_Conversations) (*pb.ServerFrame, error) {
		s := c.g.s
		sums, err := s.Chat.Conversations(ctx, me, 0)
		if err != nil {
			return nil, err
		}
		list := &pb.ConversationList{Conversations: make([]*pb.ConversationState, 0, len(sums))}
		for _, sum := range sums {
			list.Conversations = append(list.Conversations, summaryPB(sum, me.User))
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_Conversations{Conversations: list}}, nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_SetConversation) (*pb.ServerFrame, error) {
		s := c.g.s
		q := r.SetConversation
		sum, err := s.Chat.SetState(ctx, me, hongyan.ConversationID(q.Conversation), chat.StateUpdate{
			Muted: q.Muted, Pinned: q.Pinned, Draft: q.Draft, ReadSeq: q.ReadSeq, Clear: q.Clear})
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_Conversation{Conversation: summaryPB(sum, me.User)}}, nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_Typing) (*pb.ServerFrame, error) {
		s := c.g.s
		return done(), s.Chat.Typing(ctx, me, hongyan.ConversationID(r.Typing.Conversation))
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_Export) (*pb.ServerFrame, error) {
		return c.dispatchExport(ctx, me, r.Export)
	})
}

// messageKind is the chat kind of a kind a client sent. A value the
// protocol does not define is refused here, before anything else: it must
// not become another kind by conversion (chat.Kind is narrower than the
// wire's int32, so 257 would be an image). Kinds the protocol defines but
// clients may not send (notices, recalls) are chat's to refuse.
func messageKind(k pb.MessageKind) (chat.Kind, error) {
	if err := defined("message kind", k, pb.MessageKind_name); err != nil {
		return 0, err
	}
	return chat.Kind(k), nil
}

// defined checks that v, an enumeration a client sent, is one of the
// values the protocol defines (names is the generated _name map), before
// a handler converts it to a feature's type: features keep such values in
// an int8, where 257 would become 1.
func defined[E ~int32](what string, v E, names map[int32]string) error {
	if _, ok := names[int32(v)]; !ok {
		return hongyan.Errorf(hongyan.CodeInvalid, "unknown %s %d", what, int32(v))
	}
	return nil
}

// broadcastResultPB is one recipient's result of a broadcast: the message
// sent (made by sent) or why not.
func broadcastResultPB(peer hongyan.UserID, err error, sent func() *pb.SendResponse) *pb.BroadcastResult {
	br := &pb.BroadcastResult{Peer: int64(peer)}
	if err != nil {
		br.Error = errorFrame(0, err).Error
	} else {
		br.Sent = sent()
	}
	return br
}
