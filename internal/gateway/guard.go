package gateway

import (
	"context"

	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/guard"
	"hongyan/internal/hongyan"
)

// guardRoutes adds the Group Guard's rules, log and undo. Who may do what
// is the guard feature's rule: this file only converts.
func guardRoutes(rs routes) {
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_GuardGet) (*pb.ServerFrame, error) {
		got, err := c.g.s.Guard.GetRules(ctx, me, hongyan.ConversationID(r.GuardGet.Group))
		if err != nil {
			return nil, err
		}
		return guardRulesFrame(c.g.s.Guard, got), nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_GuardSet) (*pb.ServerFrame, error) {
		in := r.GuardSet
		if in == nil {
			return nil, hongyan.Errorf(hongyan.CodeInvalid, "name the group and its rules")
		}
		got, err := c.g.s.Guard.SetRules(ctx, me, guard.Rules{
			Group: hongyan.ConversationID(in.Group), Enabled: in.Enabled, Keywords: in.Keywords, Links: in.Links, QRImages: in.QrImages,
			NewMemberLinks: in.NewMemberLinks, NewMemberHours: int(min(in.NewMemberHours, guard.MaxNewHours+1)),
			RemoveMessage: in.RemoveMessage, RemoveMember: in.RemoveMember, Warnings: int(min(in.Warnings, guard.MaxWarnings+1)),
		})
		if err != nil {
			return nil, err
		}
		return guardRulesFrame(c.g.s.Guard, got), nil
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_GuardLog) (*pb.ServerFrame, error) {
		as, err := c.g.s.Guard.Log(ctx, me, hongyan.ConversationID(r.GuardLog.Group), r.GuardLog.Before, int(min(r.GuardLog.Limit, guard.MaxLogPage)))
		if err != nil {
			return nil, err
		}
		out := &pb.GuardLog{Actions: make([]*pb.GuardAction, 0, len(as))}
		for _, a := range as {
			out.Actions = append(out.Actions, guardActionPB(a))
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_GuardLog{GuardLog: out}}, nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_GuardUndo) (*pb.ServerFrame, error) {
		a, err := c.g.s.Guard.Undo(ctx, me, r.GuardUndo.Action)
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_GuardAction{GuardAction: guardActionPB(a)}}, nil
	}, waits)
}

func guardRulesFrame(s *guard.Service, r guard.Rules) *pb.ServerFrame {
	id := s.Identity()
	return &pb.ServerFrame{Body: &pb.ServerFrame_GuardRules{GuardRules: &pb.GuardRules{
		Group: int64(r.Group), Enabled: r.Enabled, Keywords: r.Keywords, Links: r.Links, QrImages: r.QRImages,
		NewMemberLinks: r.NewMemberLinks, NewMemberHours: uint32(r.NewMemberHours), RemoveMessage: r.RemoveMessage,
		RemoveMember: r.RemoveMember, Warnings: uint32(r.Warnings), UpdatedBy: int64(r.UpdatedBy), Updated: ms(r.Updated),
		Bot: id.Bot, BotAccount: int64(id.Account),
	}}}
}

func guardActionPB(a guard.Action) *pb.GuardAction {
	return &pb.GuardAction{Id: a.ID, Group: int64(a.Group), User: int64(a.User), Message: int64(a.Message), Rule: a.Rule, Did: a.Did,
		Detail: a.Detail, Error: a.Error, At: ms(a.At), Undone: ms(a.Undone), UndoneBy: int64(a.UndoneBy)}
}
