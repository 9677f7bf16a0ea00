package cli

import (
	"strconv"

	pb "hongyan/internal/gen/hongyanv1"
)

// recall withdraws one of this user's messages (within 2 minutes) and
// prints it as every device now sees it.
func (e *env) recall(args []string) error {
	pos, _, err := e.parse(args, 1, "recall MESSAGE_ID")
	if err != nil {
		return err
	}
	id, err := messageID(pos[0])
	if err != nil {
		return err
	}
	c, _, _, err := e.signIn()
	if err != nil {
		return err
	}
	defer c.Close()
	f, err := e.call(c, &pb.ClientFrame{Req: &pb.ClientFrame_Recall{Recall: &pb.RecallRequest{Message: id}}})
	if err != nil {
		return err
	}
	return e.printMessages(f)
}

// search prints the messages of this user's chats that contain TEXT,
// newest first, one per line.
func (e *env) search(args []string) error {
	const use = "search TEXT [--peer ID] [--limit N]"
	pos, fl, err := e.parse(args, 1, use, "peer", "limit")
	if err != nil {
		return err
	}
	limit := 0
	if s := fl["limit"]; s != "" {
		if limit, err = strconv.Atoi(s); err != nil || limit <= 0 {
			return usageErr("--limit must be a positive number")
		}
	}
	c, _, h, err := e.signIn()
	if err != nil {
		return err
	}
	defer c.Close()
	req := &pb.SearchRequest{Query: pos[0], Limit: uint32(limit)}
	if fl["peer"] != "" {
		// Search one chat: find its conversation in the chat list.
		peer, err := e.resolvePeer(c, h, fl["peer"])
		if err != nil {
			return err
		}
		f, err := e.call(c, &pb.ClientFrame{Req: &pb.ClientFrame_Conversations{Conversations: &pb.Empty{}}})
		if err != nil {
			return err
		}
		for _, cv := range f.GetConversations().GetConversations() {
			if cv.Peer == peer {
				req.Conversation = cv.Conversation
			}
		}
		if req.Conversation == 0 {
			return nil // no chat with them yet: nothing to find
		}
	}
	f, err := e.call(c, &pb.ClientFrame{Req: &pb.ClientFrame_Search{Search: req}})
	if err != nil {
		return err
	}
	return e.printMessages(f)
}

func (e *env) printMessages(f *pb.ServerFrame) error {
	for _, m := range f.GetMessages().GetMessages() {
		if err := e.print(m); err != nil {
			return err
		}
	}
	return nil
}

// deleteMessage deletes a message for this user only.
func (e *env) deleteMessage(args []string) error {
	pos, _, err := e.parse(args, 1, "delete MESSAGE_ID")
	if err != nil {
		return err
	}
	id, err := messageID(pos[0])
	if err != nil {
		return err
	}
	c, _, _, err := e.signIn()
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := e.call(c, &pb.ClientFrame{Req: &pb.ClientFrame_DeleteMessage{DeleteMessage: &pb.DeleteMessageRequest{Message: id}}}); err != nil {
		return err
	}
	return e.print(object{{"deleted", id}})
}

// clearChat clears this user's chat with PEER on all their devices.
func (e *env) clearChat(args []string) error {
	pos, _, err := e.parse(args, 1, "clear PEER")
	if err != nil {
		return err
	}
	c, _, h, err := e.signIn()
	if err != nil {
		return err
	}
	defer c.Close()
	peer, err := e.resolvePeer(c, h, pos[0])
	if err != nil {
		return err
	}
	f, err := e.call(c, &pb.ClientFrame{Req: &pb.ClientFrame_Conversations{Conversations: &pb.Empty{}}})
	if err != nil {
		return err
	}
	for _, cv := range f.GetConversations().GetConversations() {
		if cv.Peer == peer {
			f, err := e.call(c, &pb.ClientFrame{Req: &pb.ClientFrame_SetConversation{SetConversation: &pb.ConversationStateRequest{Conversation: cv.Conversation, Clear: true}}})
			if err != nil {
				return err
			}
			return e.print(f.GetConversation())
		}
	}
	return failErr("not_found", "no chat with %s", pos[0])
}

// forward sends a copy of a message to PEER as this user's own message.
func (e *env) forward(args []string) error {
	pos, fl, err := e.parse(args, 2, "forward MESSAGE_ID PEER [--client-id ID]", "client-id")
	if err != nil {
		return err
	}
	id, err := messageID(pos[0])
	if err != nil {
		return err
	}
	clientID := clientIDFlag(fl)
	c, _, h, err := e.signIn()
	if err != nil {
		return err
	}
	defer c.Close()
	peer, err := e.resolvePeer(c, h, pos[1])
	if err != nil {
		return err
	}
	f, err := e.call(c, &pb.ClientFrame{Req: &pb.ClientFrame_Forward{Forward: &pb.ForwardRequest{Message: id, Peer: peer, ClientId: clientID}}})
	if err != nil {
		return err
	}
	sent := f.GetSent()
	return e.print(object{{"id", sent.Id}, {"conversation", sent.Conversation}, {"seq", sent.Seq}})
}

// messageID parses a MESSAGE_ID argument.
func messageID(arg string) (int64, error) {
	id, err := strconv.ParseInt(arg, 10, 64)
	if err != nil || id <= 0 {
		return 0, usageErr("MESSAGE_ID must be a positive number, not %q", arg)
	}
	return id, nil
}

// clientIDFlag returns --client-id, or a new random client ID. It is fixed
// before the first attempt, so a retry never duplicates the message.
func clientIDFlag(fl map[string]string) string {
	if id := fl["client-id"]; id != "" {
		return id
	}
	return newClientID()
}
