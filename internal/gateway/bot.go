package gateway

import (
	"context"

	"hongyan/internal/bot"
	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/hongyan"
)

// botRoutes adds bot management: create, list, tokens, a group owner's
// adding of a bot, webhooks and the delivery log. Who may do what is the
// bot feature's rule: this file only converts.
func botRoutes(rs routes) {
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_BotCreate) (*pb.ServerFrame, error) {
		cr, err := c.g.s.Bots.Create(ctx, me, r.BotCreate.Name)
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_BotCreated{BotCreated: &pb.BotCreated{Bot: botPB(cr.Bot), Token: cr.Token}}}, nil
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_BotList) (*pb.ServerFrame, error) {
		bs, err := c.g.s.Bots.Bots(ctx, me)
		if err != nil {
			return nil, err
		}
		out := &pb.BotList{Bots: make([]*pb.Bot, 0, len(bs))}
		for _, b := range bs {
			out.Bots = append(out.Bots, botPB(b))
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_Bots{Bots: out}}, nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_BotToken) (*pb.ServerFrame, error) {
		tok, err := c.g.s.Bots.IssueToken(ctx, me, r.BotToken.Bot, r.BotToken.Scopes, hongyan.ConversationID(r.BotToken.Group))
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_BotToken{BotToken: &pb.BotToken{Token: tok}}}, nil
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_BotAddToGroup) (*pb.ServerFrame, error) {
		a := r.BotAddToGroup
		if a.Bot == 0 && a.Account != 0 {
			_, err := c.g.s.Bots.AddToGroupByAccount(ctx, me, hongyan.ConversationID(a.Group), hongyan.UserID(a.Account), a.Scopes)
			return done(), err
		}
		_, err := c.g.s.Bots.AddToGroup(ctx, me, hongyan.ConversationID(a.Group), a.Bot, a.Scopes)
		return done(), err
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_BotWebhookSet) (*pb.ServerFrame, error) {
		w, err := c.g.s.Bots.SetWebhook(ctx, me, r.BotWebhookSet.Bot, r.BotWebhookSet.Url)
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_BotWebhook{BotWebhook: &pb.BotWebhook{Url: w.URL, Secret: w.Secret}}}, nil
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_BotWebhookGet) (*pb.ServerFrame, error) {
		w, err := c.g.s.Bots.Webhook(ctx, me, r.BotWebhookGet.Bot)
		if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
			if _, err2 := c.g.s.Bots.Bot(ctx, me, r.BotWebhookGet.Bot); err2 != nil {
				return nil, err2
			}
			err = nil // no webhook set: empty
		}
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_BotWebhook{BotWebhook: &pb.BotWebhook{Url: w.URL, Secret: w.Secret}}}, nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_BotDeliveries) (*pb.ServerFrame, error) {
		ds, err := c.g.s.Bots.Deliveries(ctx, me, r.BotDeliveries.Bot, r.BotDeliveries.Before, int(r.BotDeliveries.Limit))
		if err != nil {
			return nil, err
		}
		out := &pb.BotDeliveries{Deliveries: make([]*pb.BotDelivery, 0, len(ds))}
		for _, d := range ds {
			out.Deliveries = append(out.Deliveries, &pb.BotDelivery{
				Id: d.ID, EventId: d.Event.WebhookID(), EventType: d.Event.Type, Status: string(d.Status), Attempts: uint32(d.Attempts),
				NextAt: d.NextAt.UnixMilli(), LastStatus: uint32(d.LastStatus), LastError: d.LastError, Updated: d.Updated.UnixMilli(), Url: d.URL,
			})
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_BotDeliveries{BotDeliveries: out}}, nil
	})
	botAppRoutes(rs)
}

func botPB(b bot.Bot) *pb.Bot {
	return &pb.Bot{Id: b.ID, Account: int64(b.Account), AccountId: b.AccountID, Name: b.Name, Created: b.Created.UnixMilli()}
}
