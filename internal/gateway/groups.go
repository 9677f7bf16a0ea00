package gateway

import (
	"context"

	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/group"
	"hongyan/internal/hongyan"
)

// dispatchGroup serves the group requests; ok is false for any other.
func (c *conn) dispatchGroup(ctx context.Context, me hongyan.Caller, f *pb.ClientFrame) (resp *pb.ServerFrame, ok bool, err error) {
	g := c.g.s.Groups
	if g == nil {
		return nil, false, nil
	}
	view := func(v group.View, err error) (*pb.ServerFrame, bool, error) {
		if err != nil {
			return nil, true, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_Group{Group: c.g.groupPB(v)}}, true, nil
	}
	get := func(id int64) (*pb.ServerFrame, bool, error) {
		return view(g.Get(ctx, me, hongyan.ConversationID(id)))
	}
	switch r := f.Req.(type) {
	case *pb.ClientFrame_CreateGroup:
		return view(g.Create(ctx, me, r.CreateGroup.Name, userIDs(r.CreateGroup.Members)))
	case *pb.ClientFrame_GetGroup:
		return get(r.GetGroup.Group)
	case *pb.ClientFrame_ListGroups:
		vs, err := g.List(ctx, me)
		if err != nil {
			return nil, true, err
		}
		list := &pb.GroupList{Groups: make([]*pb.Group, len(vs))}
		for i, v := range vs {
			list.Groups[i] = c.g.groupPB(v)
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_Groups{Groups: list}}, true, nil
	case *pb.ClientFrame_InviteGroup:
		q := r.InviteGroup
		if _, err := g.Invite(ctx, me, hongyan.ConversationID(q.Group), userIDs(q.Users)); err != nil {
			return nil, true, err
		}
		return get(q.Group)
	case *pb.ClientFrame_RemoveMembers:
		q := r.RemoveMembers
		if err := g.Remove(ctx, me, hongyan.ConversationID(q.Group), userIDs(q.Users)); err != nil {
			return nil, true, err
		}
		return get(q.Group)
	case *pb.ClientFrame_LeaveGroup:
		return done(), true, g.Leave(ctx, me, hongyan.ConversationID(r.LeaveGroup.Group))
	case *pb.ClientFrame_DissolveGroup:
		return done(), true, g.Dissolve(ctx, me, hongyan.ConversationID(r.DissolveGroup.Group))
	case *pb.ClientFrame_UpdateGroup:
		q := r.UpdateGroup
		return view(g.Update(ctx, me, hongyan.ConversationID(q.Group), group.Update{
			Name: q.Name, Announcement: q.Announcement, Approval: q.Approval, MutedAll: q.MutedAll}))
	case *pb.ClientFrame_SetGroupAvatar:
		q := r.SetGroupAvatar
		return view(g.SetAvatar(ctx, me, hongyan.ConversationID(q.Group), q.Image))
	case *pb.ClientFrame_UpdateMember:
		q := r.UpdateMember
		if err := g.UpdateMember(ctx, me, hongyan.ConversationID(q.Group), hongyan.UserID(q.User),
			group.MemberUpdate{Admin: q.Admin, Muted: q.Muted}); err != nil {
			return nil, true, err
		}
		return get(q.Group)
	case *pb.ClientFrame_TransferGroup:
		q := r.TransferGroup
		if err := g.Transfer(ctx, me, hongyan.ConversationID(q.Group), hongyan.UserID(q.User)); err != nil {
			return nil, true, err
		}
		return get(q.Group)
	case *pb.ClientFrame_MyGroupSettings:
		q := r.MyGroupSettings
		return view(g.SetMine(ctx, me, hongyan.ConversationID(q.Group), group.Settings{
			Nickname: q.Nickname, Saved: q.Saved, ShowNickname: q.ShowNicknames}))
	case *pb.ClientFrame_GroupMembers:
		ms, err := g.Members(ctx, me, hongyan.ConversationID(r.GroupMembers.Group))
		if err != nil {
			return nil, true, err
		}
		list := &pb.GroupMemberList{Members: make([]*pb.GroupMember, 0, len(ms))}
		for _, m := range ms {
			gm := &pb.GroupMember{User: int64(m.User), Role: pb.GroupRole(m.Role), Nickname: m.Nickname,
				Muted: m.Muted, Joined: m.Joined.UnixMilli()}
			if a, err := c.g.s.Accounts.Account(ctx, m.User); err == nil {
				gm.Profile = publicProfile(a)
			} else if hongyan.ErrorCode(err) != hongyan.CodeNotFound {
				return nil, true, err
			}
			list.Members = append(list.Members, gm)
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_GroupMembers{GroupMembers: list}}, true, nil
	case *pb.ClientFrame_GroupQr:
		q := r.GroupQr
		gr, err := g.QR(ctx, me, hongyan.ConversationID(q.Group), q.Reset_)
		if err != nil {
			return nil, true, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_GroupQr{GroupQr: &pb.GroupQr{
			Code: gr.QRCode, Url: c.g.JoinURL(gr.QRCode), Expires: gr.QRExpires.UnixMilli()}}}, true, nil
	case *pb.ClientFrame_JoinGroup:
		v, inv, err := g.Join(ctx, me, r.JoinGroup.Code)
		if err != nil {
			return nil, true, err
		}
		if inv != nil {
			return &pb.ServerFrame{Body: &pb.ServerFrame_GroupInvitation{GroupInvitation: c.invitationPB(ctx, *inv)}}, true, nil
		}
		return view(v, nil)
	case *pb.ClientFrame_GroupInvitations:
		invs, err := g.Invitations(ctx, me)
		if err != nil {
			return nil, true, err
		}
		list := &pb.GroupInvitationList{Invitations: make([]*pb.GroupInvitation, len(invs))}
		for i, inv := range invs {
			list.Invitations[i] = c.invitationPB(ctx, inv)
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_GroupInvitations{GroupInvitations: list}}, true, nil
	case *pb.ClientFrame_AnswerInvitation:
		q := r.AnswerInvitation
		inv, err := g.Answer(ctx, me, q.Invitation, q.Accept)
		if err != nil {
			return nil, true, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_GroupInvitation{GroupInvitation: c.invitationPB(ctx, inv)}}, true, nil
	}
	return nil, false, nil
}

// groupPB is a group as v.Me sees it.
func (g *Gateway) groupPB(v group.View) *pb.Group {
	out := &pb.Group{
		Id: int64(v.ID), Name: v.Name, Announcement: v.Announcement, Owner: int64(v.Owner),
		Approval: v.Approval, MutedAll: v.MutedAll, MemberCount: uint32(v.Members), MaxMembers: uint32(g.opt.MaxGroupMembers),
		Created: v.Created.UnixMilli(), Role: pb.GroupRole(v.Me.Role), Nickname: v.Me.Nickname, Saved: v.Me.Saved,
		ShowNicknames: v.Me.ShowNicknames, Muted: v.Me.Muted, Dissolved: v.Dissolved,
	}
	if v.Avatar != "" {
		out.Avatar = "/avatar/" + v.Avatar
	}
	if v.Announcement != "" {
		out.AnnouncementTime = v.AnnouncementTime.UnixMilli()
	}
	if !v.Me.Active {
		out.Role, out.Muted = pb.GroupRole_GROUP_ROLE_MEMBER, false
	}
	return out
}

func (c *conn) invitationPB(ctx context.Context, inv group.Invitation) *pb.GroupInvitation {
	out := &pb.GroupInvitation{
		Id: inv.ID, Group: int64(inv.Group), Inviter: int64(inv.Inviter), Invitee: int64(inv.Invitee),
		State: pb.InvitationState(inv.State), Time: inv.Updated.UnixMilli(), ByQr: inv.ByQR,
	}
	// The invitee is not a member yet: the group's name is all they see.
	if name, err := c.g.s.Groups.Name(ctx, inv.Group); err == nil {
		out.GroupName = name
	}
	return out
}

// fillGroup turns a group change-log entry into its protocol change.
func (c *conn) fillGroup(ctx context.Context, me hongyan.Caller, ch hongyan.Change, item *pb.Change) error {
	g := c.g.s.Groups
	if g == nil {
		return nil
	}
	switch ch.Kind {
	case hongyan.ChangeGroup:
		v, err := g.Get(ctx, me, ch.Conversation)
		if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
			return nil
		}
		if err != nil {
			return err
		}
		if !v.Me.Active {
			// Changes made while a member arrive after they left: the
			// group is gone for them.
			item.Item = &pb.Change_GroupRemoved{GroupRemoved: int64(ch.Conversation)}
			return nil
		}
		item.Item = &pb.Change_Group{Group: c.g.groupPB(v)}
	case hongyan.ChangeGroupRemoved:
		item.Item = &pb.Change_GroupRemoved{GroupRemoved: int64(ch.Conversation)}
	case hongyan.ChangeGroupInvitation:
		inv, err := g.Invitation(ctx, me, ch.Ref)
		if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
			return nil
		}
		if err != nil {
			return err
		}
		item.Item = &pb.Change_GroupInvitation{GroupInvitation: c.invitationPB(ctx, inv)}
	}
	return nil
}
