package gateway

import (
	"context"

	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/hongyan"
	"hongyan/internal/outreach"
)

// outreachRoutes adds the outreach tools: common members of my groups and
// broadcasts by tag. The rules are the outreach feature's.
func outreachRoutes(rs routes) {
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_CommonMembers) (*pb.ServerFrame, error) {
		ps, err := c.g.s.Outreach.Common(ctx, me, int(min(r.CommonMembers.MinShared, outreach.MaxGroupsScanned+1)), int(min(r.CommonMembers.Limit, outreach.MaxCommonPage)))
		if err != nil {
			return nil, err
		}
		out := &pb.CommonMembers{People: make([]*pb.CommonMember, 0, len(ps))}
		for _, p := range ps {
			m := &pb.CommonMember{User: int64(p.User), Groups: make([]int64, len(p.Groups))}
			for i, g := range p.Groups {
				m.Groups[i] = int64(g)
			}
			out.People = append(out.People, m)
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_CommonMembers{CommonMembers: out}}, nil
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_TagBroadcast) (*pb.ServerFrame, error) {
		q := r.TagBroadcast
		res, err := c.g.s.Outreach.BroadcastTag(ctx, me, q.Tag, q.ClientId, q.Text)
		if err != nil {
			return nil, err
		}
		out := &pb.BroadcastResponse{Results: make([]*pb.BroadcastResult, 0, len(res))}
		for _, r := range res {
			out.Results = append(out.Results, broadcastResultPB(r.Peer, r.Err, func() *pb.SendResponse {
				return &pb.SendResponse{Id: int64(r.Message), Conversation: int64(r.Conversation), Seq: r.Seq, Time: r.Time.UnixMilli()}
			}))
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_Broadcast{Broadcast: out}}, nil
	}, waits)
}

// groupToolRoutes adds forwarding to several groups and batch invitations
// through the Group Guard's bot.
func groupToolRoutes(rs routes) {
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_GroupForward) (*pb.ServerFrame, error) {
		q := r.GroupForward
		if len(q.ToGroups) > outreach.MaxForwardTargets {
			return nil, hongyan.Errorf(hongyan.CodeInvalid, "forward to 1 to %d groups", outreach.MaxForwardTargets)
		}
		to := make([]hongyan.ConversationID, len(q.ToGroups))
		for i, g := range q.ToGroups {
			to[i] = hongyan.ConversationID(g)
		}
		res, err := c.g.s.GroupTools.Forward(ctx, me, hongyan.ConversationID(q.FromGroup), q.Seq, to)
		if err != nil {
			return nil, err
		}
		return groupToolResults(res), nil
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_GroupInviteBatch) (*pb.ServerFrame, error) {
		q := r.GroupInviteBatch
		if len(q.Users) > outreach.MaxInviteBatch {
			return nil, hongyan.Errorf(hongyan.CodeInvalid, "invite 1 to %d users", outreach.MaxInviteBatch)
		}
		users := make([]hongyan.UserID, len(q.Users))
		for i, u := range q.Users {
			users[i] = hongyan.UserID(u)
		}
		res, err := c.g.s.GroupTools.Invite(ctx, me, hongyan.ConversationID(q.Group), users)
		if err != nil {
			return nil, err
		}
		return groupToolResults(res), nil
	}, waits)
}

func groupToolResults(res []outreach.GroupResult) *pb.ServerFrame {
	out := &pb.GroupToolResults{Results: make([]*pb.GroupToolResult, len(res))}
	for i, r := range res {
		out.Results[i] = &pb.GroupToolResult{Group: int64(r.Group), User: int64(r.User)}
		if r.Err != nil {
			out.Results[i].ErrorCode, out.Results[i].ErrorMessage = string(hongyan.ErrorCode(r.Err)), hongyan.ErrorMessage(r.Err)
		}
	}
	return &pb.ServerFrame{Body: &pb.ServerFrame_GroupToolResults{GroupToolResults: out}}
}
