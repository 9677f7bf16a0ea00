package gateway

import (
	"context"

	"hongyan/internal/call"
	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/hongyan"
)

// callRoutes adds one-to-one calls. The rules (who may call whom, the
// state machine, which device a signal reaches) are the feature's: this
// file only converts.
func callRoutes(rs routes) {
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_CallPlace) (*pb.ServerFrame, error) {
		v, err := c.g.s.Calls.Place(ctx, me, hongyan.UserID(r.CallPlace.Peer), r.CallPlace.Video)
		if err != nil {
			return nil, err
		}
		return c.callSession(ctx, me, v)
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_CallAccept) (*pb.ServerFrame, error) {
		v, err := c.g.s.Calls.Accept(ctx, me, r.CallAccept.Call)
		if err != nil {
			return nil, err
		}
		return c.callSession(ctx, me, v)
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_CallDecline) (*pb.ServerFrame, error) {
		return callFrame(c.g.s.Calls.Decline(ctx, me, r.CallDecline.Call))(me)
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_CallHangup) (*pb.ServerFrame, error) {
		return callFrame(c.g.s.Calls.Hangup(ctx, me, r.CallHangup.Call, r.CallHangup.Failed))(me)
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_CallVideo) (*pb.ServerFrame, error) {
		return callFrame(c.g.s.Calls.SetVideo(ctx, me, r.CallVideo.Call, r.CallVideo.Video))(me)
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_CallKeepalive) (*pb.ServerFrame, error) {
		return callFrame(c.g.s.Calls.KeepAlive(ctx, me, r.CallKeepalive.Call))(me)
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_CallGet) (*pb.ServerFrame, error) {
		return callFrame(c.g.s.Calls.Get(ctx, me, r.CallGet.Call))(me)
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_CallCurrent) (*pb.ServerFrame, error) {
		v, err := c.g.s.Calls.Current(ctx, me)
		if err != nil {
			return nil, err
		}
		out := &pb.CallCurrent{}
		if v != nil {
			out.Call = CallPB(*v, me)
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_CallCurrent{CallCurrent: out}}, nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_CallSignal) (*pb.ServerFrame, error) {
		s := r.CallSignal
		return done(), c.g.s.Calls.Signal(ctx, me, call.Signal{Call: s.Call, Kind: call.SignalKind(s.Kind), SDP: s.Sdp,
			Candidate: s.Candidate, Mid: s.Mid, MLine: uint16(min(s.Mline, 0xffff))})
	}, waits)
}

func callFrame(v call.Call, err error) func(me hongyan.Caller) (*pb.ServerFrame, error) {
	return func(me hongyan.Caller) (*pb.ServerFrame, error) {
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_Call{Call: CallPB(v, me)}}, nil
	}
}

// callSession answers a place or an accept: the call and this device's
// ICE servers.
func (c *conn) callSession(ctx context.Context, me hongyan.Caller, v call.Call) (*pb.ServerFrame, error) {
	out := &pb.CallSession{Call: CallPB(v, me)}
	if v.State != call.StateEnded {
		ice, err := c.g.s.Calls.ICEServers(ctx, me.User)
		if err != nil {
			return nil, err
		}
		for _, s := range ice {
			out.IceServers = append(out.IceServers, &pb.IceServer{Urls: s.URLs, Username: s.Username, Credential: s.Credential})
		}
	}
	return &pb.ServerFrame{Body: &pb.ServerFrame_CallSession{CallSession: out}}, nil
}

// CallPB converts a call as device me sees it; the change-log resolver
// uses it too.
func CallPB(v call.Call, me hongyan.Caller) *pb.Call {
	out := &pb.Call{Id: v.ID, Caller: int64(v.Caller), Callee: int64(v.Callee), Video: v.Video, State: pb.CallState(v.State),
		End: pb.CallEnd(v.End), Created: v.Created.UnixMilli(),
		ThisDevice: me.Device != 0 && ((me.User == v.Caller && me.Device == v.CallerDevice) || (me.User == v.Callee && me.Device == v.CalleeDevice))}
	if !v.Answered.IsZero() {
		out.Answered = v.Answered.UnixMilli()
	}
	if !v.Ended.IsZero() {
		out.Ended = v.Ended.UnixMilli()
	}
	if v.State == call.StateRinging {
		out.RingDeadline = v.Deadline.UnixMilli()
	}
	return out
}

// callSignalPush is the push of a signal relayed to this device.
func callSignalPush(data []byte) *pb.ServerFrame {
	g, err := call.DecodeSignal(data)
	if err != nil {
		return nil
	}
	return &pb.ServerFrame{Body: &pb.ServerFrame_CallSignal{CallSignal: &pb.CallSignal{Call: g.Call, Kind: pb.CallSignalKind(g.Kind),
		Sdp: g.SDP, Candidate: g.Candidate, Mid: g.Mid, Mline: uint32(g.MLine), From: int64(g.From)}}}
}
