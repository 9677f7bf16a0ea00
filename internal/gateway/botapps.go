package gateway

import (
	"context"

	"hongyan/internal/bot"
	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/hongyan"
)

// botAppRoutes adds third-party group apps: registering my bot as an app,
// the consent screen's app and consent, and a group owner's list and
// revocation. The rules are the bot feature's: this file only converts.
func botAppRoutes(rs routes) {
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_BotAppRegister) (*pb.ServerFrame, error) {
		a := r.BotAppRegister
		secret, err := c.g.s.Bots.RegisterApp(ctx, me, a.Bot, a.Description, a.RedirectUri, a.Scopes)
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_BotAppSecret{BotAppSecret: &pb.BotAppSecret{Secret: secret}}}, nil
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_BotAppGet) (*pb.ServerFrame, error) {
		a, err := c.g.s.Bots.AppInfo(ctx, r.BotAppGet.Bot)
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_BotApp{BotApp: &pb.BotApp{Bot: botPB(a.Bot), Description: a.Description, RedirectUri: a.RedirectURI, Scopes: a.Scopes}}}, nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_BotAppAuthorize) (*pb.ServerFrame, error) {
		a := r.BotAppAuthorize
		code, err := c.g.s.Bots.Authorize(ctx, me, bot.Consent{App: a.App, Group: hongyan.ConversationID(a.Group), Scopes: a.Scopes,
			Redirect: a.RedirectUri, Challenge: a.CodeChallenge})
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_BotAppCode{BotAppCode: &pb.BotAppCode{Code: code}}}, nil
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_BotGroupApps) (*pb.ServerFrame, error) {
		as, err := c.g.s.Bots.GroupApps(ctx, me, hongyan.ConversationID(r.BotGroupApps.Group))
		if err != nil {
			return nil, err
		}
		out := &pb.BotGroupApps{Apps: make([]*pb.BotGroupApp, 0, len(as))}
		for _, a := range as {
			out.Apps = append(out.Apps, &pb.BotGroupApp{Bot: botPB(a.Bot), App: a.App, Description: a.Desc, Scopes: a.Grant.Scopes,
				GrantedBy: int64(a.Grant.By), Granted: a.Grant.Created.UnixMilli()})
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_BotGroupApps{BotGroupApps: out}}, nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_BotAppRevoke) (*pb.ServerFrame, error) {
		return done(), c.g.s.Bots.RevokeApp(ctx, me, hongyan.ConversationID(r.BotAppRevoke.Group), r.BotAppRevoke.Bot)
	}, waits)
}
