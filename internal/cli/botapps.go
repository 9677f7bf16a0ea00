package cli

import (
	pb "hongyan/internal/gen/hongyanv1"
)

const botAppUsage = "bot app register BOT_ID --redirect URI --scopes S1,S2 [--description TEXT] | " +
	"bot app authorize APP_ID GID --scopes S1,S2 --redirect URI [--challenge C] | bot app list GID | bot app revoke GID BOT_ID"

var botAppFlags = []string{"redirect", "scopes", "description", "challenge"}

// botApp runs the third-party group app subcommands (docs/bots.md "Group
// apps"): a developer registers a bot as an app; a group's owner consents
// (printing the code the browser would carry back), lists and revokes.
func (e *env) botApp(args []string) error {
	pos, fl, err := e.parse(args, -1, botAppUsage, botAppFlags...)
	if err != nil {
		return err
	}
	need := map[string]int{"register": 1, "authorize": 2, "list": 1, "revoke": 2}
	n, ok := need[firstOr(pos)]
	if !ok || len(pos)-1 != n {
		return usageErr("usage: %s", botAppUsage)
	}
	ids := make([]int64, n)
	for i := range ids {
		if ids[i], err = positiveID("ID", pos[1+i]); err != nil {
			return err
		}
	}
	var req pb.ClientFrame
	switch pos[0] {
	case "register":
		req.Req = &pb.ClientFrame_BotAppRegister{BotAppRegister: &pb.BotAppRegisterRequest{Bot: ids[0], RedirectUri: fl["redirect"],
			Scopes: splitScopes(fl["scopes"]), Description: fl["description"]}}
	case "authorize":
		req.Req = &pb.ClientFrame_BotAppAuthorize{BotAppAuthorize: &pb.BotAppAuthorizeRequest{App: ids[0], Group: ids[1],
			Scopes: splitScopes(fl["scopes"]), RedirectUri: fl["redirect"], CodeChallenge: fl["challenge"]}}
	case "list":
		req.Req = &pb.ClientFrame_BotGroupApps{BotGroupApps: &pb.BotGroupAppsRequest{Group: ids[0]}}
	case "revoke":
		req.Req = &pb.ClientFrame_BotAppRevoke{BotAppRevoke: &pb.BotAppRevokeRequest{Group: ids[0], Bot: ids[1]}}
	}
	c, _, _, err := e.signIn()
	if err != nil {
		return err
	}
	defer c.Close()
	f, err := e.call(c, &req)
	if err != nil {
		return err
	}
	switch {
	case f.GetBotAppSecret() != nil:
		return e.print(object{{"secret", f.GetBotAppSecret().Secret}})
	case f.GetBotAppCode() != nil:
		return e.print(object{{"code", f.GetBotAppCode().Code}})
	case f.GetBotGroupApps() != nil:
		for _, a := range f.GetBotGroupApps().Apps {
			if err := e.print(object{{"bot_id", a.GetBot().GetId()}, {"name", a.GetBot().GetName()}, {"app", a.App},
				{"description", a.Description}, {"scopes", a.Scopes}, {"granted_by", a.GrantedBy}, {"granted", a.Granted}}); err != nil {
				return err
			}
		}
		return nil
	}
	return e.print(object{{"ok", true}})
}
