package gateway

import (
	"context"

	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/groupcall"
	"hongyan/internal/hongyan"
)

// groupCallRoutes adds group calls and walkie-talkie rooms. The rules
// (who may join, speakers, the floor) are the feature's: this file only
// converts.
func groupCallRoutes(rs routes) {
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_GroupCallJoin) (*pb.ServerFrame, error) {
		v, err := c.g.s.GroupCalls.Join(ctx, me, hongyan.ConversationID(r.GroupCallJoin.Group), groupcall.Kind(r.GroupCallJoin.Kind))
		if err != nil {
			return nil, err
		}
		out := &pb.GroupCallSession{Call: GroupCallPB(v.Room), OfferSdp: v.Offer, Speaker: v.Speaker}
		for _, s := range v.ICE {
			out.IceServers = append(out.IceServers, &pb.IceServer{Urls: s.URLs, Username: s.Username, Credential: s.Credential})
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_GroupCallSession{GroupCallSession: out}}, nil
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_GroupCallAnswer) (*pb.ServerFrame, error) {
		a := r.GroupCallAnswer
		return done(), c.g.s.GroupCalls.Answer(ctx, me, hongyan.ConversationID(a.Group), groupcall.Kind(a.Kind), a.Sdp)
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_GroupCallLeave) (*pb.ServerFrame, error) {
		return groupCallFrame(c.g.s.GroupCalls.Leave(ctx, me, hongyan.ConversationID(r.GroupCallLeave.Group), groupcall.Kind(r.GroupCallLeave.Kind)))
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_GroupCallCurrent) (*pb.ServerFrame, error) {
		return groupCallFrame(c.g.s.GroupCalls.Current(ctx, me, hongyan.ConversationID(r.GroupCallCurrent.Group), groupcall.Kind(r.GroupCallCurrent.Kind)))
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_GroupCallFloor) (*pb.ServerFrame, error) {
		f, err := c.g.s.GroupCalls.Floor(ctx, me, hongyan.ConversationID(r.GroupCallFloor.Group), r.GroupCallFloor.Take)
		if err != nil {
			return nil, err
		}
		out := &pb.GroupCallFloor{Granted: f.Granted, Holder: int64(f.Holder)}
		if !f.Until.IsZero() {
			out.Until = f.Until.UnixMilli()
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_GroupCallFloor{GroupCallFloor: out}}, nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_GroupCallStatus) (*pb.ServerFrame, error) {
		s := r.GroupCallStatus
		return done(), c.g.s.GroupCalls.Status(ctx, me, hongyan.ConversationID(s.Group), groupcall.Kind(s.Kind), s.Muted, s.Speaking)
	})
}

func groupCallFrame(v groupcall.Room, err error) (*pb.ServerFrame, error) {
	if err != nil {
		return nil, err
	}
	return &pb.ServerFrame{Body: &pb.ServerFrame_GroupCall{GroupCall: GroupCallPB(v)}}, nil
}

// GroupCallPB converts a group's room.
func GroupCallPB(v groupcall.Room) *pb.GroupCall {
	out := &pb.GroupCall{Group: int64(v.Group), Kind: pb.GroupCallKind(v.Kind), FloorHolder: int64(v.FloorHolder)}
	if !v.Started.IsZero() {
		out.Started = v.Started.UnixMilli()
	}
	if !v.Ended.IsZero() {
		out.Ended = v.Ended.UnixMilli()
	}
	if !v.FloorUntil.IsZero() {
		out.FloorUntil = v.FloorUntil.UnixMilli()
	}
	for _, p := range v.Participants {
		out.Participants = append(out.Participants, &pb.GroupCallParticipant{User: int64(p.User), Speaker: p.Speaker,
			Muted: p.Muted, Speaking: p.Speaking, Joined: p.Joined.UnixMilli()})
	}
	return out
}

// groupCallPush is the push of a room of one of my groups that changed.
func groupCallPush(data []byte) *pb.ServerFrame {
	v, err := groupcall.DecodeRoom(data)
	if err != nil {
		return nil
	}
	return &pb.ServerFrame{Body: &pb.ServerFrame_GroupCall{GroupCall: GroupCallPB(v)}}
}
