package gateway

import (
	"context"
	"time"

	"hongyan/internal/assistant"
	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/hongyan"
)

// assistantRoutes adds the Group Assistant's configuration. The rules (who
// may, what a keyword or schedule may hold) are the feature's: this file
// only converts.
func assistantRoutes(rs routes) {
	view := func(c *conn, ctx context.Context, me hongyan.Caller, g int64) (*pb.ServerFrame, error) {
		v, err := c.g.s.Assistant.Get(ctx, me, hongyan.ConversationID(g))
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_Assistant{Assistant: assistantPB(v)}}, nil
	}
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_AssistantGet) (*pb.ServerFrame, error) {
		return view(c, ctx, me, r.AssistantGet.Group)
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_AssistantEnable) (*pb.ServerFrame, error) {
		q := r.AssistantEnable
		if _, err := c.g.s.Assistant.Enable(ctx, me, hongyan.ConversationID(q.Group), q.Timezone); err != nil {
			return nil, err
		}
		return view(c, ctx, me, q.Group)
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_AssistantSetWelcome) (*pb.ServerFrame, error) {
		q := r.AssistantSetWelcome
		if _, err := c.g.s.Assistant.SetWelcome(ctx, me, hongyan.ConversationID(q.Group), q.Text); err != nil {
			return nil, err
		}
		return view(c, ctx, me, q.Group)
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_AssistantAddKeyword) (*pb.ServerFrame, error) {
		q := r.AssistantAddKeyword
		if _, err := c.g.s.Assistant.AddKeyword(ctx, me, hongyan.ConversationID(q.Group), q.Keyword, q.Reply, q.Exact); err != nil {
			return nil, err
		}
		return view(c, ctx, me, q.Group)
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_AssistantRemoveKeyword) (*pb.ServerFrame, error) {
		q := r.AssistantRemoveKeyword
		if err := c.g.s.Assistant.RemoveKeyword(ctx, me, hongyan.ConversationID(q.Group), q.Id); err != nil {
			return nil, err
		}
		return view(c, ctx, me, q.Group)
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_AssistantPutSchedule) (*pb.ServerFrame, error) {
		q := r.AssistantPutSchedule
		at, err := time.Parse(assistant.WallClock, q.At)
		if err != nil {
			return nil, hongyan.Errorf(hongyan.CodeInvalid, `at is a wall-clock time "YYYY-MM-DD HH:MM"`)
		}
		if _, err := c.g.s.Assistant.PutSchedule(ctx, me, hongyan.ConversationID(q.Group), q.Id, q.Text, at, assistant.Repeat(q.Repeat)); err != nil {
			return nil, err
		}
		return view(c, ctx, me, q.Group)
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_AssistantCancelSchedule) (*pb.ServerFrame, error) {
		q := r.AssistantCancelSchedule
		if err := c.g.s.Assistant.CancelSchedule(ctx, me, hongyan.ConversationID(q.Group), q.Id); err != nil {
			return nil, err
		}
		return view(c, ctx, me, q.Group)
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_AssistantStats) (*pb.ServerFrame, error) {
		q := r.AssistantStats
		days, err := c.g.s.Assistant.Stats(ctx, me, hongyan.ConversationID(q.Group), int(min(q.Days, assistant.MaxStatsDays+1)))
		if err != nil {
			return nil, err
		}
		out := &pb.AssistantStats{Group: q.Group, Days: make([]*pb.AssistantDay, len(days))}
		for i, d := range days {
			out.Days[i] = &pb.AssistantDay{Day: d.Day, Messages: uint32(d.Messages), Active: uint32(d.Active), Joins: uint32(d.Joins), Leaves: uint32(d.Leaves)}
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_AssistantStats{AssistantStats: out}}, nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_AssistantLotteryCreate) (*pb.ServerFrame, error) {
		q := r.AssistantLotteryCreate
		if _, err := c.g.s.Assistant.CreateLottery(ctx, me, hongyan.ConversationID(q.Group), q.Title, q.Keyword, int(min(q.Winners, assistant.MaxWinners+1)),
			time.UnixMilli(q.DeadlineMs)); err != nil {
			return nil, err
		}
		return c.assistantLotteries(ctx, me, q.Group)
	}, waits)
	birthday := func(b assistant.Birthday, err error) (*pb.ServerFrame, error) {
		if err != nil {
			return nil, err
		}
		out := &pb.AssistantBirthday{Group: int64(b.Group), Month: uint32(b.Month), Day: uint32(b.Day)}
		if !b.Next.IsZero() {
			out.NextMs = b.Next.UnixMilli()
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_AssistantBirthday{AssistantBirthday: out}}, nil
	}
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_AssistantBirthdaySet) (*pb.ServerFrame, error) {
		q := r.AssistantBirthdaySet
		return birthday(c.g.s.Assistant.SetBirthday(ctx, me, hongyan.ConversationID(q.Group), int(min(q.Month, 13)), int(min(q.Day, 32))))
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_AssistantBirthdayGet) (*pb.ServerFrame, error) {
		return birthday(c.g.s.Assistant.MyBirthday(ctx, me, hongyan.ConversationID(r.AssistantBirthdayGet.Group)))
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_AssistantLotteries) (*pb.ServerFrame, error) {
		return c.assistantLotteries(ctx, me, r.AssistantLotteries.Group)
	})
}

func (c *conn) assistantLotteries(ctx context.Context, me hongyan.Caller, g int64) (*pb.ServerFrame, error) {
	ls, err := c.g.s.Assistant.Lotteries(ctx, me, hongyan.ConversationID(g))
	if err != nil {
		return nil, err
	}
	out := &pb.AssistantLotteries{Group: g, Lotteries: make([]*pb.AssistantLottery, len(ls))}
	ids := func(us []hongyan.UserID) []int64 {
		o := make([]int64, len(us))
		for i, u := range us {
			o[i] = int64(u)
		}
		return o
	}
	for i, l := range ls {
		out.Lotteries[i] = &pb.AssistantLottery{Id: l.ID, Title: l.Title, Keyword: l.Keyword, Winners: uint32(l.Winners), DeadlineMs: l.Deadline.UnixMilli(),
			Hash: l.Hash, Seed: l.Seed, Drawn: l.Drawn, Result: ids(l.Result), Entrants: ids(l.Entrants)}
	}
	return &pb.ServerFrame{Body: &pb.ServerFrame_AssistantLotteries{AssistantLotteries: out}}, nil
}

func assistantPB(v assistant.View) *pb.Assistant {
	out := &pb.Assistant{Group: int64(v.Settings.Group), On: v.On, Welcome: v.Settings.Welcome, Timezone: v.Settings.Timezone, BotAccount: int64(v.Bot)}
	for _, k := range v.Keywords {
		out.Keywords = append(out.Keywords, &pb.AssistantKeyword{Id: k.ID, Keyword: k.Word, Reply: k.Reply, Exact: k.Exact})
	}
	for _, s := range v.Schedules {
		out.Schedules = append(out.Schedules, &pb.AssistantSchedule{Id: s.ID, Text: s.Text, First: assistant.WallClockIn(s.First, s.Zone),
			Repeat: string(s.Repeat), NextMs: s.Next.UnixMilli()})
	}
	return out
}
