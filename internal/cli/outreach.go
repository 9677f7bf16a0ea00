package cli

import (
	"strconv"
	"strings"

	pb "hongyan/internal/gen/hongyanv1"
)

const contactsUsage = "contacts tag ID TAG[,TAG...] | contacts broadcast --tag T TEXT [--client-id ID]"

// contacts runs the customer-tag commands: tag a contact, broadcast to the
// contacts carrying a tag.
func (e *env) contacts(args []string) error {
	pos, fl, err := e.parse(args, -1, contactsUsage, "tag", "client-id")
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usageErr("usage: %s", contactsUsage)
	}
	switch {
	case pos[0] == "tag" && len(pos) == 3:
	case pos[0] == "broadcast" && len(pos) == 2 && fl["tag"] != "":
	default:
		return usageErr("usage: %s", contactsUsage)
	}
	c, _, h, err := e.signIn()
	if err != nil {
		return err
	}
	defer c.Close()
	if pos[0] == "tag" {
		id, err := e.resolvePeer(c, h, pos[1])
		if err != nil {
			return err
		}
		var tags []string
		for _, t := range strings.Split(pos[2], ",") {
			if t = strings.TrimSpace(t); t != "" {
				tags = append(tags, t)
			}
		}
		if _, err := e.call(c, &pb.ClientFrame{Req: &pb.ClientFrame_UpdateContact{UpdateContact: &pb.UpdateContactRequest{User: id, Tags: tags, SetTags: true}}}); err != nil {
			return err
		}
		return e.print(object{{"user", id}, {"tags", tags}})
	}
	f, err := e.call(c, &pb.ClientFrame{Req: &pb.ClientFrame_TagBroadcast{TagBroadcast: &pb.TagBroadcastRequest{Tag: fl["tag"], Text: pos[1], ClientId: clientIDFlag(fl)}}})
	if err != nil {
		return err
	}
	return e.printBroadcast(f.GetBroadcast().GetResults(), nil)
}

const commonUsage = "groups common [--min N] [--limit N]"

// groupsCommon prints the people who share at least --min (2) of my groups.
func (e *env) groupsCommon(args []string) error {
	_, fl, err := e.parse(args, 1, commonUsage, "min", "limit")
	if err != nil {
		return err
	}
	req := &pb.CommonMembersRequest{MinShared: 2}
	for name, p := range map[string]*uint32{"min": &req.MinShared, "limit": &req.Limit} {
		if v := fl[name]; v != "" {
			n, err := strconv.ParseUint(v, 10, 32)
			if err != nil {
				return usageErr("--%s is a number, not %q", name, v)
			}
			*p = uint32(n)
		}
	}
	c, _, _, err := e.signIn()
	if err != nil {
		return err
	}
	defer c.Close()
	f, err := e.call(c, &pb.ClientFrame{Req: &pb.ClientFrame_CommonMembers{CommonMembers: req}})
	if err != nil {
		return err
	}
	for _, p := range f.GetCommonMembers().People {
		if err := e.print(object{{"user", p.User}, {"groups", p.Groups}}); err != nil {
			return err
		}
	}
	return nil
}

const forwardUsage = "groups forward GID SEQ --to GID[,GID...]"

// groupsForward forwards a text message of a group to other groups
// through the Group Guard.
func (e *env) groupsForward(args []string) error {
	pos, fl, err := e.parse(args, 3, forwardUsage, "to")
	if err != nil {
		return err
	}
	from, err := positiveID("GID", pos[1])
	if err != nil {
		return err
	}
	seq, err := positiveID("SEQ", pos[2])
	if err != nil {
		return err
	}
	if fl["to"] == "" {
		return usageErr("usage: %s", forwardUsage)
	}
	req := &pb.GroupForwardRequest{FromGroup: from, Seq: seq}
	for _, s := range strings.Split(fl["to"], ",") {
		g, err := positiveID("--to", strings.TrimSpace(s))
		if err != nil {
			return err
		}
		req.ToGroups = append(req.ToGroups, g)
	}
	c, _, _, err := e.signIn()
	if err != nil {
		return err
	}
	defer c.Close()
	f, err := e.call(c, &pb.ClientFrame{Req: &pb.ClientFrame_GroupForward{GroupForward: req}})
	if err != nil {
		return err
	}
	return e.printToolResults(f.GetGroupToolResults().GetResults())
}

const inviteBatchUsage = "groups invite-batch GID ID..."

// groupsInviteBatch invites users to a group through the Group Guard.
func (e *env) groupsInviteBatch(args []string) error {
	pos, _, err := e.parse(args, -1, inviteBatchUsage)
	if err != nil {
		return err
	}
	if len(pos) < 3 {
		return usageErr("usage: %s", inviteBatchUsage)
	}
	gid, err := positiveID("GID", pos[1])
	if err != nil {
		return err
	}
	c, _, h, err := e.signIn()
	if err != nil {
		return err
	}
	defer c.Close()
	req := &pb.GroupInviteBatchRequest{Group: gid}
	for _, name := range pos[2:] {
		id, err := e.resolvePeer(c, h, name)
		if err != nil {
			return err
		}
		req.Users = append(req.Users, id)
	}
	f, err := e.call(c, &pb.ClientFrame{Req: &pb.ClientFrame_GroupInviteBatch{GroupInviteBatch: req}})
	if err != nil {
		return err
	}
	return e.printToolResults(f.GetGroupToolResults().GetResults())
}

func (e *env) printToolResults(rs []*pb.GroupToolResult) error {
	failed := 0
	for _, r := range rs {
		line := object{{"group", r.Group}}
		if r.User != 0 {
			line = append(line, field{"user", r.User})
		}
		if r.ErrorCode != "" {
			failed++
			line = append(line, field{"error", object{{"code", r.ErrorCode}, {"message", r.ErrorMessage}}})
		} else {
			line = append(line, field{"ok", true})
		}
		if err := e.print(line); err != nil {
			return err
		}
	}
	if failed > 0 {
		return failErr("partial_failure", "%d of %d could not be done", failed, len(rs))
	}
	return nil
}
