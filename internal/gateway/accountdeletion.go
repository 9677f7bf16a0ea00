package gateway

import (
	"context"

	"hongyan/internal/account"
	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/hongyan"
)

// accountDeletionRoutes adds deleting one's account: request (password),
// cancel, and its state.
func accountDeletionRoutes(rs routes) {
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_AccountDelete) (*pb.ServerFrame, error) {
		d, err := c.g.s.Accounts.RequestDeletion(ctx, me, r.AccountDelete.Password)
		if err != nil {
			return nil, err
		}
		return deletionFrame(d, true), nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_AccountCancelDelete) (*pb.ServerFrame, error) {
		return done(), c.g.s.Accounts.CancelDeletion(ctx, me)
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_AccountDeletion) (*pb.ServerFrame, error) {
		d, err := c.g.s.Accounts.PendingDeletion(ctx, me)
		if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
			return deletionFrame(account.Deletion{}, false), nil
		}
		if err != nil {
			return nil, err
		}
		return deletionFrame(d, true), nil
	})
}

func deletionFrame(d account.Deletion, pending bool) *pb.ServerFrame {
	m := &pb.AccountDeletion{Pending: pending}
	if pending {
		m.Requested, m.Due = d.Requested.UnixMilli(), d.Due.UnixMilli()
	}
	return &pb.ServerFrame{Body: &pb.ServerFrame_AccountDeletion{AccountDeletion: m}}
}
