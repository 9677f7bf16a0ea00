package gateway

import (
	"context"
	"time"

	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/hongyan"
	"hongyan/internal/wallet"
)

// walletRoutes adds the wallet's requests: balance, history, payment
// password, top-up and withdrawal, transfers and red packets. Requests
// that move money wait for their commit.
func walletRoutes(rs routes) {
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_WalletBalance) (*pb.ServerFrame, error) {
		b, err := c.g.s.Wallet.Balance(ctx, me)
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_WalletBalance{WalletBalance: &pb.WalletBalance{Balance: b}}}, nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_WalletHistory) (*pb.ServerFrame, error) {
		q := r.WalletHistory
		limit := int(q.Limit)
		if limit <= 0 || limit > wallet.MaxPage {
			limit = wallet.MaxPage
		}
		f := wallet.HistoryFilter{In: q.OnlyIn, Out: q.OnlyOut, Before: q.Before, Limit: limit + 1}
		for _, k := range q.Kinds {
			f.Kinds = append(f.Kinds, wallet.EntryKind(k))
		}
		if q.From != 0 {
			f.From = time.UnixMilli(q.From)
		}
		if q.Until != 0 {
			f.Until = time.UnixMilli(q.Until)
		}
		ms, err := c.g.s.Wallet.History(ctx, me, f)
		if err != nil {
			return nil, err
		}
		out := &pb.WalletHistory{More: len(ms) > limit}
		for _, m := range ms[:min(len(ms), limit)] {
			out.Movements = append(out.Movements, movementPB(m))
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_WalletHistory{WalletHistory: out}}, nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_WalletSummary) (*pb.ServerFrame, error) {
		q := r.WalletSummary
		if len(q.TimeZone) > 64 {
			return nil, hongyan.Errorf(hongyan.CodeInvalid, "unknown time zone")
		}
		loc, err := time.LoadLocation(q.TimeZone)
		if err != nil {
			return nil, hongyan.Errorf(hongyan.CodeInvalid, "unknown time zone %q", q.TimeZone)
		}
		months, err := c.g.s.Wallet.Summary(ctx, me, int(min(q.Months, 1000)), loc)
		if err != nil {
			return nil, err
		}
		out := &pb.WalletSummary{}
		for _, m := range months {
			out.Months = append(out.Months, &pb.WalletMonth{Start: m.Start.UnixMilli(), MoneyIn: m.In, MoneyOut: m.Out})
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_WalletSummary{WalletSummary: out}}, nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_WalletTopup) (*pb.ServerFrame, error) {
		return movementFrame(c.g.s.Wallet.TopUp(ctx, me, r.WalletTopup.Amount, r.WalletTopup.Key))
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_WalletWithdraw) (*pb.ServerFrame, error) {
		return movementFrame(c.g.s.Wallet.Withdraw(ctx, me, r.WalletWithdraw.Amount, r.WalletWithdraw.Key))
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_WalletSetPin) (*pb.ServerFrame, error) {
		code, err := c.g.s.Wallet.SetPIN(ctx, me, r.WalletSetPin.Pin, r.WalletSetPin.Old)
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_WalletPinSet{WalletPinSet: &pb.WalletPinSet{RecoveryCode: code}}}, nil
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_WalletResetPin) (*pb.ServerFrame, error) {
		code, err := c.g.s.Wallet.ResetPIN(ctx, me, r.WalletResetPin.Password, r.WalletResetPin.RecoveryCode, r.WalletResetPin.Pin)
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_WalletPinSet{WalletPinSet: &pb.WalletPinSet{RecoveryCode: code}}}, nil
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_Transfer) (*pb.ServerFrame, error) {
		q := r.Transfer
		return transferFrame(c.g.s.Wallet.Transfer(ctx, me, wallet.TransferRequest{
			To: hongyan.UserID(q.To), Amount: q.Amount, Note: q.Note, PIN: q.Pin, Key: q.Key}))
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_TransferAccept) (*pb.ServerFrame, error) {
		return transferFrame(c.g.s.Wallet.Accept(ctx, me, r.TransferAccept.Transfer))
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_TransferReturn) (*pb.ServerFrame, error) {
		return transferFrame(c.g.s.Wallet.Return(ctx, me, r.TransferReturn.Transfer))
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_TransferShow) (*pb.ServerFrame, error) {
		return transferFrame(c.g.s.Wallet.GetTransfer(ctx, me, r.TransferShow.Transfer))
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_RedPacketSend) (*pb.ServerFrame, error) {
		q := r.RedPacketSend
		p, err := c.g.s.Wallet.SendPacket(ctx, me, wallet.PacketRequest{
			To:     wallet.Target{User: hongyan.UserID(q.Peer), Group: hongyan.ConversationID(q.Group)},
			Amount: q.Amount, Count: int64(q.Count), Lucky: q.Lucky, Greeting: q.Greeting, PIN: q.Pin, Key: q.Key})
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_RedPacket{RedPacket: packetPB(wallet.PacketView{Packet: p})}}, nil
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_RedPacketGrab) (*pb.ServerFrame, error) {
		g, err := c.g.s.Wallet.Grab(ctx, me, r.RedPacketGrab.Packet)
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_RedPacketGrabbed{RedPacketGrabbed: &pb.RedPacketGrabbed{Packet: g.Packet, Amount: g.Amount}}}, nil
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_RedPacketShow) (*pb.ServerFrame, error) {
		v, err := c.g.s.Wallet.GetPacket(ctx, me, r.RedPacketShow.Packet)
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_RedPacket{RedPacket: packetPB(v)}}, nil
	})
}

func movementPB(m wallet.Movement) *pb.WalletMovement {
	return &pb.WalletMovement{Entry: m.Entry, Kind: pb.WalletEntryKind(m.Kind), Amount: m.Amount, Peer: int64(m.Peer), Ref: m.Ref, Time: m.At.UnixMilli()}
}

func movementFrame(m wallet.Movement, err error) (*pb.ServerFrame, error) {
	if err != nil {
		return nil, err
	}
	return &pb.ServerFrame{Body: &pb.ServerFrame_WalletMovement{WalletMovement: movementPB(m)}}, nil
}

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func transferPB(t wallet.Transfer) *pb.Transfer {
	return &pb.Transfer{Id: t.ID, From: int64(t.From), To: int64(t.To), Amount: t.Amount, Note: t.Note,
		State: pb.TransferState(t.State), Created: ms(t.Created), Expires: ms(t.Expires), Settled: ms(t.Settled)}
}

func transferFrame(t wallet.Transfer, err error) (*pb.ServerFrame, error) {
	if err != nil {
		return nil, err
	}
	return &pb.ServerFrame{Body: &pb.ServerFrame_Transfer{Transfer: transferPB(t)}}, nil
}

func packetPB(v wallet.PacketView) *pb.RedPacket {
	p := v.Packet
	out := &pb.RedPacket{Id: p.ID, Sender: int64(p.Sender), Peer: int64(p.To.User), Group: int64(p.To.Group),
		Lucky: p.Kind == wallet.PacketLucky, Total: p.Total, Count: uint32(p.Count), Greeting: p.Greeting,
		Left: p.Left, LeftCount: uint32(p.LeftCount), State: pb.RedPacketState(p.State),
		Created: ms(p.Created), Expires: ms(p.Expires), Refunded: p.Refunded, Luckiest: int64(v.Luckiest)}
	for _, g := range v.Grabs {
		out.Grabs = append(out.Grabs, &pb.RedPacketGrab{User: int64(g.User), Amount: g.Amount, Time: ms(g.At)})
	}
	return out
}
