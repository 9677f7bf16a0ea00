package gateway

import (
	"context"
	"strings"

	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/hongyan"
	"hongyan/internal/livecode"
)

// liveCodeRoutes adds live codes. The rules (who may make one, where a
// scan leads) are the feature's: this file only converts.
func liveCodeRoutes(rs routes) {
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_LivecodeCreate) (*pb.ServerFrame, error) {
		q := r.LivecodeCreate
		code, err := c.g.s.LiveCodes.Create(ctx, me, q.Name, hongyan.ConversationID(q.Template), int(min(q.MaxMembers, 1<<20)))
		if err != nil {
			return nil, err
		}
		v, err := c.g.s.LiveCodes.Get(ctx, me, code.ID)
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_LiveCode{LiveCode: c.liveCodePB(v)}}, nil
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_LivecodeList) (*pb.ServerFrame, error) {
		codes, err := c.g.s.LiveCodes.List(ctx, me)
		if err != nil {
			return nil, err
		}
		list := &pb.LiveCodeList{Codes: make([]*pb.LiveCode, len(codes))}
		for i, code := range codes {
			list.Codes[i] = c.liveCodePB(livecode.View{Code: code})
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_LiveCodes{LiveCodes: list}}, nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_LivecodeGet) (*pb.ServerFrame, error) {
		v, err := c.g.s.LiveCodes.Get(ctx, me, r.LivecodeGet.Id)
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_LiveCode{LiveCode: c.liveCodePB(v)}}, nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_LivecodeScan) (*pb.ServerFrame, error) {
		g, err := c.g.s.LiveCodes.Scan(ctx, me, LiveCodeToken(r.LivecodeScan.Token))
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_LiveCodeScanned{LiveCodeScanned: &pb.LiveCodeScanned{Group: int64(g)}}}, nil
	}, waits)
}

// LiveCodeToken returns the token of a live code's URL (…/l/TOKEN), or s
// itself when it is not such a URL.
func LiveCodeToken(s string) string {
	if i := strings.LastIndex(s, "/l/"); i >= 0 {
		s = s[i+len("/l/"):]
	}
	return strings.TrimRight(s, "/")
}

func (c *conn) liveCodePB(v livecode.View) *pb.LiveCode {
	out := &pb.LiveCode{Id: v.ID, Name: v.Name, Url: c.g.LiveCodeURL(v.Token), Template: int64(v.Template),
		MaxMembers: uint32(v.MaxMembers), CreatedMs: v.Created.UnixMilli(), Scans: uint64(v.Stats.Scans)}
	for _, sl := range v.Slots {
		out.Groups = append(out.Groups, &pb.LiveCodeGroup{Group: int64(sl.Group), Full: sl.Full, Scans: uint64(v.Stats.PerGroup[sl.Group])})
	}
	for _, d := range v.Stats.PerDay {
		out.Days = append(out.Days, &pb.LiveCodeDay{Day: d.Day, Scans: uint64(d.Scans)})
	}
	return out
}
