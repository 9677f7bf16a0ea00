package cli

import (
	"slices"
	"strconv"

	pb "hongyan/internal/gen/hongyanv1"
)

const groupsUsage = "groups create NAME MEMBER... | groups invite GID ID... | groups remove GID ID... | " +
	"groups members GID | groups leave GID | groups list | groups invitations | groups accept INVITATION_ID"

// groups runs the group subcommands. Members are given as account IDs,
// user IDs or "me", like a send's PEER.
func (e *env) groups(args []string) error {
	if pos, _, err := parseArgs(withoutSwitches(args), groupAppFlags...); err == nil && len(pos) > 0 && pos[0] == "app" {
		i := slices.Index(args, "app")
		return e.groupApps(slices.Delete(slices.Clone(args), i, i+1))
	}
	if pos, _, err := parseArgs(args, groupBookFlags...); err == nil && len(pos) > 0 && pos[0] == "book" {
		i := slices.Index(args, "book")
		return e.groupBook(slices.Delete(slices.Clone(args), i, i+1))
	}
	if pos, _, err := parseArgs(args, "to"); err == nil && len(pos) > 0 && pos[0] == "forward" {
		return e.groupsForward(args)
	}
	if pos, _, err := parseArgs(args); err == nil && len(pos) > 0 && pos[0] == "invite-batch" {
		return e.groupsInviteBatch(args)
	}
	if pos, _, err := parseArgs(args, "min", "limit"); err == nil && len(pos) > 0 && pos[0] == "common" {
		return e.groupsCommon(args)
	}
	if pos, _, err := parseArgs(args, guardFlags...); err == nil && len(pos) > 0 && pos[0] == "guard" {
		return e.groupGuard(args)
	}
	if pos, _, err := parseArgs(withoutAssistantSwitches(args), assistantFlags...); err == nil && len(pos) > 0 && pos[0] == "assistant" {
		i := slices.Index(args, "assistant")
		return e.assistant(slices.Delete(slices.Clone(args), i, i+1))
	}
	if pos, _, err := parseArgs(args, "scopes"); err == nil && len(pos) > 0 && pos[0] == "add-bot" {
		return e.groupAddBot(args)
	}
	pos, _, err := e.parse(args, -1, groupsUsage)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usageErr("usage: %s", groupsUsage)
	}
	sub, rest := pos[0], pos[1:]
	need := map[string]int{"create": 2, "invite": 2, "remove": 2, "members": 1, "leave": 1, "list": 0, "invitations": 0, "accept": 1}
	n, ok := need[sub]
	if !ok || len(rest) < n || (n <= 1 && len(rest) != n) {
		return usageErr("usage: %s", groupsUsage)
	}
	c, _, h, err := e.signIn()
	if err != nil {
		return err
	}
	defer c.Close()
	users := func(names []string) ([]int64, error) {
		out := make([]int64, 0, len(names))
		for _, name := range names {
			id, err := e.resolvePeer(c, h, name)
			if err != nil {
				return nil, err
			}
			out = append(out, id)
		}
		return out, nil
	}
	gid := func() (int64, error) {
		id, err := strconv.ParseInt(rest[0], 10, 64)
		if err != nil || id <= 0 {
			return 0, usageErr("GID is the group's numeric ID, not %q", rest[0])
		}
		return id, nil
	}
	var req pb.ClientFrame
	switch sub {
	case "create":
		members, err := users(rest[1:])
		if err != nil {
			return err
		}
		req.Req = &pb.ClientFrame_CreateGroup{CreateGroup: &pb.CreateGroupRequest{Name: rest[0], Members: members}}
	case "invite", "remove":
		id, err := gid()
		if err != nil {
			return err
		}
		members, err := users(rest[1:])
		if err != nil {
			return err
		}
		r := &pb.GroupUsersRequest{Group: id, Users: members}
		if sub == "invite" {
			req.Req = &pb.ClientFrame_InviteGroup{InviteGroup: r}
		} else {
			req.Req = &pb.ClientFrame_RemoveMembers{RemoveMembers: r}
		}
	case "members", "leave":
		id, err := gid()
		if err != nil {
			return err
		}
		if sub == "members" {
			req.Req = &pb.ClientFrame_GroupMembers{GroupMembers: &pb.GroupRef{Group: id}}
		} else {
			req.Req = &pb.ClientFrame_LeaveGroup{LeaveGroup: &pb.GroupRef{Group: id}}
		}
	case "list":
		req.Req = &pb.ClientFrame_ListGroups{ListGroups: &pb.Empty{}}
	case "invitations":
		req.Req = &pb.ClientFrame_GroupInvitations{GroupInvitations: &pb.Empty{}}
	case "accept":
		id, err := strconv.ParseInt(rest[0], 10, 64)
		if err != nil || id <= 0 {
			return usageErr("INVITATION_ID is numeric, not %q", rest[0])
		}
		req.Req = &pb.ClientFrame_AnswerInvitation{AnswerInvitation: &pb.AnswerInvitationRequest{Invitation: id, Accept: true}}
	}
	f, err := e.call(c, &req)
	if err != nil {
		return err
	}
	switch {
	case f.GetGroup() != nil:
		return e.print(groupObject(f.GetGroup()))
	case f.GetGroups() != nil:
		for _, g := range f.GetGroups().GetGroups() {
			if err := e.print(groupObject(g)); err != nil {
				return err
			}
		}
	case f.GetGroupMembers() != nil:
		for _, m := range f.GetGroupMembers().GetMembers() {
			if err := e.print(object{{"user", m.User}, {"account_id", m.GetProfile().GetAccountId()},
				{"nickname", m.GetProfile().GetNickname()}, {"group_nickname", m.Nickname},
				{"role", roleName(m.Role)}, {"muted", m.Muted}}); err != nil {
				return err
			}
		}
	case f.GetGroupInvitations() != nil:
		for _, inv := range f.GetGroupInvitations().GetInvitations() {
			if err := e.print(invitationObject(inv)); err != nil {
				return err
			}
		}
	case f.GetGroupInvitation() != nil:
		return e.print(invitationObject(f.GetGroupInvitation()))
	default:
		return e.print(object{{"ok", true}})
	}
	return nil
}

func groupObject(g *pb.Group) object {
	return object{{"group", g.Id}, {"name", g.Name}, {"members", g.MemberCount}, {"owner", g.Owner},
		{"role", roleName(g.Role)}, {"announcement", g.Announcement}}
}

func invitationObject(inv *pb.GroupInvitation) object {
	state := map[pb.InvitationState]string{
		pb.InvitationState_INVITATION_STATE_APPROVAL: "awaiting_approval", pb.InvitationState_INVITATION_STATE_INVITED: "invited",
		pb.InvitationState_INVITATION_STATE_JOINED: "joined", pb.InvitationState_INVITATION_STATE_DECLINED: "declined",
	}[inv.State]
	return object{{"invitation", inv.Id}, {"group", inv.Group}, {"group_name", inv.GroupName},
		{"inviter", inv.Inviter}, {"invitee", inv.Invitee}, {"state", state}}
}

func roleName(r pb.GroupRole) string {
	switch r {
	case pb.GroupRole_GROUP_ROLE_OWNER:
		return "owner"
	case pb.GroupRole_GROUP_ROLE_ADMIN:
		return "admin"
	}
	return "member"
}
