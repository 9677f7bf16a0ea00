package gateway

import (
	"context"

	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/group"
	"hongyan/internal/hongyan"
)

// groupRoutes adds the group requests.
func groupRoutes(rs routes) {
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_CreateGroup) (*pb.ServerFrame, error) {
		return c.groupView(c.g.s.Groups.Create(ctx, me, r.CreateGroup.Name, userIDs(r.CreateGroup.Members)))
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_GetGroup) (*pb.ServerFrame, error) {
		return c.groupGet(ctx, me, r.GetGroup.Group)
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_ListGroups) (*pb.ServerFrame, error) {
		vs, err := c.g.s.Groups.List(ctx, me)
		if err != nil {
			return nil, err
		}
		list := &pb.GroupList{Groups: make([]*pb.Group, len(vs))}
		for i, v := range vs {
			list.Groups[i] = c.g.groupPB(v)
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_Groups{Groups: list}}, nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_InviteGroup) (*pb.ServerFrame, error) {
		q := r.InviteGroup
		if _, err := c.g.s.Groups.Invite(ctx, me, hongyan.ConversationID(q.Group), userIDs(q.Users)); err != nil {
			return nil, err
		}
		return c.groupGet(ctx, me, q.Group)
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_RemoveMembers) (*pb.ServerFrame, error) {
		q := r.RemoveMembers
		if err := c.g.s.Groups.Remove(ctx, me, hongyan.ConversationID(q.Group), userIDs(q.Users)); err != nil {
			return nil, err
		}
		return c.groupGet(ctx, me, q.Group)
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_LeaveGroup) (*pb.ServerFrame, error) {
		return done(), c.g.s.Groups.Leave(ctx, me, hongyan.ConversationID(r.LeaveGroup.Group))
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_DissolveGroup) (*pb.ServerFrame, error) {
		return done(), c.g.s.Groups.Dissolve(ctx, me, hongyan.ConversationID(r.DissolveGroup.Group))
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_UpdateGroup) (*pb.ServerFrame, error) {
		q := r.UpdateGroup
		return c.groupView(c.g.s.Groups.Update(ctx, me, hongyan.ConversationID(q.Group), group.Update{
			Name: q.Name, Announcement: q.Announcement, Approval: q.Approval, MutedAll: q.MutedAll}))
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_SetGroupAvatar) (*pb.ServerFrame, error) {
		q := r.SetGroupAvatar
		return c.groupView(c.g.s.Groups.SetAvatar(ctx, me, hongyan.ConversationID(q.Group), q.Image))
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_UpdateMember) (*pb.ServerFrame, error) {
		q := r.UpdateMember
		if err := c.g.s.Groups.UpdateMember(ctx, me, hongyan.ConversationID(q.Group), hongyan.UserID(q.User),
			group.MemberUpdate{Admin: q.Admin, Muted: q.Muted}); err != nil {
			return nil, err
		}
		return c.groupGet(ctx, me, q.Group)
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_TransferGroup) (*pb.ServerFrame, error) {
		q := r.TransferGroup
		if err := c.g.s.Groups.Transfer(ctx, me, hongyan.ConversationID(q.Group), hongyan.UserID(q.User)); err != nil {
			return nil, err
		}
		return c.groupGet(ctx, me, q.Group)
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_MyGroupSettings) (*pb.ServerFrame, error) {
		q := r.MyGroupSettings
		return c.groupView(c.g.s.Groups.SetMine(ctx, me, hongyan.ConversationID(q.Group), group.Settings{
			Nickname: q.Nickname, Saved: q.Saved, ShowNickname: q.ShowNicknames}))
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_GroupMembers) (*pb.ServerFrame, error) {
		ms, err := c.g.s.Groups.Members(ctx, me, hongyan.ConversationID(r.GroupMembers.Group))
		if err != nil {
			return nil, err
		}
		list := &pb.GroupMemberList{Members: make([]*pb.GroupMember, 0, len(ms))}
		for _, m := range ms {
			gm := &pb.GroupMember{User: int64(m.User), Role: pb.GroupRole(m.Role), Nickname: m.Nickname,
				Muted: m.Muted, Joined: m.Joined.UnixMilli()}
			if a, err := c.g.s.Accounts.Account(ctx, m.User); err == nil {
				gm.Profile = publicProfile(a)
			} else if hongyan.ErrorCode(err) != hongyan.CodeNotFound {
				return nil, err
			}
			list.Members = append(list.Members, gm)
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_GroupMembers{GroupMembers: list}}, nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_GroupQr) (*pb.ServerFrame, error) {
		q := r.GroupQr
		gr, err := c.g.s.Groups.QR(ctx, me, hongyan.ConversationID(q.Group), q.Reset_)
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_GroupQr{GroupQr: &pb.GroupQr{
			Code: gr.QRCode, Url: c.g.JoinURL(gr.QRCode), Expires: gr.QRExpires.UnixMilli()}}}, nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_JoinGroup) (*pb.ServerFrame, error) {
		v, inv, err := c.g.s.Groups.Join(ctx, me, r.JoinGroup.Code)
		if err != nil {
			return nil, err
		}
		if inv != nil {
			return &pb.ServerFrame{Body: &pb.ServerFrame_GroupInvitation{GroupInvitation: c.invitationPB(ctx, *inv)}}, nil
		}
		return c.groupView(v, nil)
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_GroupInvitations) (*pb.ServerFrame, error) {
		invs, err := c.g.s.Groups.Invitations(ctx, me)
		if err != nil {
			return nil, err
		}
		list := &pb.GroupInvitationList{Invitations: make([]*pb.GroupInvitation, len(invs))}
		for i, inv := range invs {
			list.Invitations[i] = c.invitationPB(ctx, inv)
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_GroupInvitations{GroupInvitations: list}}, nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_AnswerInvitation) (*pb.ServerFrame, error) {
		q := r.AnswerInvitation
		inv, err := c.g.s.Groups.Answer(ctx, me, q.Invitation, q.Accept)
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_GroupInvitation{GroupInvitation: c.invitationPB(ctx, inv)}}, nil
	})
}

// groupView answers with a group as its caller sees it.
func (c *conn) groupView(v group.View, err error) (*pb.ServerFrame, error) {
	if err != nil {
		return nil, err
	}
	return &pb.ServerFrame{Body: &pb.ServerFrame_Group{Group: c.g.groupPB(v)}}, nil
}

// groupGet answers with group id as me sees it.
func (c *conn) groupGet(ctx context.Context, me hongyan.Caller, id int64) (*pb.ServerFrame, error) {
	return c.groupView(c.g.s.Groups.Get(ctx, me, hongyan.ConversationID(id)))
}

// groupPB is a group as v.Me sees it.
func (g *Gateway) groupPB(v group.View) *pb.Group {
	out := &pb.Group{
		Id: int64(v.ID), Name: v.Name, Announcement: v.Announcement, Owner: int64(v.Owner),
		Approval: v.Approval, MutedAll: v.MutedAll, MemberCount: uint32(v.Members), MaxMembers: uint32(g.opt.MaxGroupMembers),
		Created: v.Created.UnixMilli(), Role: pb.GroupRole(v.Me.Role), Nickname: v.Me.Nickname, Saved: v.Me.Saved,
		ShowNicknames: v.Me.ShowNicknames, Muted: v.Me.Muted, Dissolved: v.Dissolved, Suspended: v.Suspended,
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
