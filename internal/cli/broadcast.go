package cli

import (
	"strings"

	pb "hongyan/internal/gen/hongyanv1"
)

// broadcast sends TEXT to each contact in --to as a separate one-to-one
// message and prints one line per recipient: the message sent, or the
// error for that recipient. It fails (exit 1) if any recipient failed.
func (e *env) broadcast(args []string) error {
	const use = "broadcast TEXT --to ID[,ID...] [--client-id ID]"
	pos, fl, err := e.parse(args, 1, use, "to", "client-id")
	if err != nil {
		return err
	}
	if fl["to"] == "" {
		return usageErr("broadcast needs --to: %s", use)
	}
	clientID := clientIDFlag(fl)
	c, _, h, err := e.signIn()
	if err != nil {
		return err
	}
	defer c.Close()
	names := strings.Split(fl["to"], ",")
	req := &pb.BroadcastRequest{ClientId: clientID, Kind: pb.MessageKind_MESSAGE_KIND_TEXT, Text: pos[0]}
	for _, n := range names {
		id, err := e.resolvePeer(c, h, strings.TrimSpace(n))
		if err != nil {
			return err
		}
		req.Peers = append(req.Peers, id)
	}
	f, err := e.call(c, &pb.ClientFrame{Req: &pb.ClientFrame_Broadcast{Broadcast: req}})
	if err != nil {
		return err
	}
	return e.printBroadcast(f.GetBroadcast().GetResults(), names)
}

// printBroadcast prints one line per recipient (with the name given for
// it, if any) and fails when some could not be sent to.
func (e *env) printBroadcast(rs []*pb.BroadcastResult, names []string) error {
	failed := 0
	for i, r := range rs {
		line := object{{"peer", r.Peer}}
		if i < len(names) {
			line = append(line, field{"to", strings.TrimSpace(names[i])})
		}
		if r.Error != nil {
			failed++
			line = append(line, field{"error", object{{"code", r.Error.Code}, {"message", r.Error.Message}}})
		} else {
			line = append(line, field{"id", r.Sent.Id}, field{"conversation", r.Sent.Conversation}, field{"seq", r.Sent.Seq})
		}
		if err := e.print(line); err != nil {
			return err
		}
	}
	if failed > 0 {
		return failErr("partial_failure", "%d of %d recipients could not be sent to", failed, len(rs))
	}
	return nil
}
