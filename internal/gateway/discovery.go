package gateway

import (
	"context"

	"hongyan/internal/discovery"
	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/hongyan"
)

// discoveryRoutes adds people nearby, shake and drift bottles. The rules
// (who is seen, as which distance band; who may read a bottle) are the
// feature's: this file only converts.
func discoveryRoutes(rs routes) {
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_NearbySet) (*pb.ServerFrame, error) {
		return done(), c.g.s.Discovery.SetLocation(ctx, me, discovery.Point{Lat: r.NearbySet.Lat, Lon: r.NearbySet.Lon})
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_NearbyList) (*pb.ServerFrame, error) {
		ps, err := c.g.s.Discovery.Nearby(ctx, me, discovery.Gender(r.NearbyList.Gender))
		if err != nil {
			return nil, err
		}
		list := &pb.NearbyList{People: make([]*pb.NearbyPerson, 0, len(ps))}
		for _, p := range ps {
			list.People = append(list.People, &pb.NearbyPerson{Card: discoveryCardPB(p.User, p.Card), Band: uint32(p.Band)})
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_Nearby{Nearby: list}}, nil
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_NearbyClear) (*pb.ServerFrame, error) {
		return done(), c.g.s.Discovery.ClearLocation(ctx, me)
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_Shake) (*pb.ServerFrame, error) {
		var p *discovery.Point
		if r.Shake.Located {
			p = &discovery.Point{Lat: r.Shake.Lat, Lon: r.Shake.Lon}
		}
		m, err := c.g.s.Discovery.Shake(ctx, me, p)
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_Shake{Shake: ShakeResultPB(m, c.g.s.Discovery.ShakeWindow().Milliseconds())}}, nil
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_ShakeResult) (*pb.ServerFrame, error) {
		m, err := c.g.s.Discovery.ShakeResult(ctx, me)
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_Shake{Shake: ShakeResultPB(m, c.g.s.Discovery.ShakeWindow().Milliseconds())}}, nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_BottleThrow) (*pb.ServerFrame, error) {
		v, err := c.g.s.Discovery.ThrowVoice(ctx, me, r.BottleThrow.Text, r.BottleThrow.Voice)
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_Bottle{Bottle: BottlePB(v)}}, nil
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_BottlePick) (*pb.ServerFrame, error) {
		v, err := c.g.s.Discovery.Pick(ctx, me)
		if err != nil {
			return nil, err
		}
		out := &pb.BottlePick{}
		if v != nil {
			out.Bottle = BottlePB(*v)
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_BottlePick{BottlePick: out}}, nil
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_BottleReply) (*pb.ServerFrame, error) {
		m, err := c.g.s.Discovery.Reply(ctx, me, r.BottleReply.Bottle, r.BottleReply.Text)
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_BottleMessage{BottleMessage: bottleMessagePB(m)}}, nil
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_BottleReturn) (*pb.ServerFrame, error) {
		return done(), c.g.s.Discovery.Return(ctx, me, r.BottleReturn.Bottle)
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_BottleGreet) (*pb.ServerFrame, error) {
		return done(), c.g.s.Discovery.Greet(ctx, me, r.BottleGreet.Bottle, r.BottleGreet.Greeting)
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_Bottles) (*pb.ServerFrame, error) {
		vs, err := c.g.s.Discovery.Bottles(ctx, me)
		if err != nil {
			return nil, err
		}
		list := &pb.BottleList{Bottles: make([]*pb.Bottle, 0, len(vs))}
		for _, v := range vs {
			list.Bottles = append(list.Bottles, BottlePB(v))
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_Bottles{Bottles: list}}, nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_BottleGet) (*pb.ServerFrame, error) {
		v, err := c.g.s.Discovery.Get(ctx, me, r.BottleGet.Bottle)
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_Bottle{Bottle: BottlePB(v)}}, nil
	})
}

func discoveryCardPB(u hongyan.UserID, c discovery.Card) *pb.DiscoveryCard {
	return &pb.DiscoveryCard{User: int64(u), Nickname: c.Nickname, Avatar: c.Avatar, Gender: pb.DiscoveryGender(c.Gender),
		Region: c.Region, Signature: c.Signature}
}

// ShakeResultPB converts a shake's match (nil: none yet); the change-log
// resolver uses it too.
func ShakeResultPB(m *discovery.Match, windowMS int64) *pb.ShakeResult {
	out := &pb.ShakeResult{WindowMs: uint32(windowMS)}
	if m != nil {
		out.Match = &pb.ShakeMatch{Card: discoveryCardPB(m.User, m.Card), Band: uint32(m.Band), At: m.At.UnixMilli()}
	}
	return out
}

func bottleMessagePB(m discovery.MessageView) *pb.BottleMessage {
	return &pb.BottleMessage{Id: m.ID, Mine: m.Mine, Text: m.Text, Created: m.Created.UnixMilli()}
}

// BottlePB converts a bottle as its viewer sees it; the change-log
// resolver uses it too.
func BottlePB(v discovery.View) *pb.Bottle {
	out := &pb.Bottle{Id: v.ID, Mine: v.Mine, Text: v.Text, Created: v.Created.UnixMilli(), Expires: v.Expires.UnixMilli(), Replied: v.Replied,
		Voice: v.Voice, VoiceMs: uint32(v.VoiceMS)}
	for _, m := range v.Messages {
		out.Messages = append(out.Messages, bottleMessagePB(m))
	}
	return out
}
