package gateway

import (
	"context"

	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/hongyan"
	"hongyan/internal/moderation"
)

// moderationRoutes adds users' reports, their penalties and appeals. The
// rules are the moderation feature's: this file only converts.
func moderationRoutes(rs routes) {
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_Report) (*pb.ServerFrame, error) {
		q := r.Report
		rep, err := c.g.s.Moderation.Report(ctx, me, moderation.TargetKind(q.Kind), q.Target, q.Reason)
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_ReportFiled{ReportFiled: &pb.ReportFiled{Id: rep.ID}}}, nil
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_MyPenalties) (*pb.ServerFrame, error) {
		ps, err := c.g.s.Moderation.MyPenalties(ctx, me)
		if err != nil {
			return nil, err
		}
		list := &pb.PenaltyList{Penalties: make([]*pb.Penalty, 0, len(ps))}
		for _, p := range ps {
			list.Penalties = append(list.Penalties, penaltyPB(p))
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_Penalties{Penalties: list}}, nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_Appeal) (*pb.ServerFrame, error) {
		return done(), c.g.s.Moderation.Appeal(ctx, me, r.Appeal.Penalty, r.Appeal.Text)
	}, waits)
}

func penaltyPB(p moderation.Penalty) *pb.Penalty {
	return &pb.Penalty{Id: p.ID, Kind: string(p.Kind), Reason: p.Reason, Start: p.Start.UnixMilli(), End: p.End.UnixMilli(), Appeal: string(p.Appeal)}
}

// limitedKinds are the requests a limit-features penalty refuses: reaching
// strangers (friend requests, bottles, greetings), creating groups, and
// posting (Moments, official accounts' communities, broadcasts).
var limitedKinds = map[string]bool{
	"friendrequest": true, "creategroup": true, "momentpost": true, "momentcomment": true,
	"oaforumpost": true, "oaforumreply": true, "bottlethrow": true, "bottlereply": true, "bottlegreet": true,
	"broadcast": true,
}

// restricted asks moderation whether a penalty refuses the request.
func (c *conn) restricted(ctx context.Context, me hongyan.Caller, kind string) error {
	if c.g.s.Moderation == nil || !limitedKinds[kind] {
		return nil
	}
	return c.g.s.Moderation.Check(ctx, me.User, moderation.ActionFeatures)
}

// admitSignIn refuses a session made for a user whom a penalty keeps
// from signing in, signing that device out again.
func (c *conn) admitSignIn(ctx context.Context, me hongyan.Caller) error {
	if c.g.s.Moderation == nil {
		return nil
	}
	err := c.g.s.Moderation.Check(ctx, me.User, moderation.ActionSignIn)
	if err != nil && hongyan.ErrorReason(err) == moderation.ReasonPenalized {
		c.g.s.Accounts.RevokeDevice(context.WithoutCancel(ctx), me, me.Device)
	}
	return err
}
