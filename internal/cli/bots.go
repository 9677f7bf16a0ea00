package cli

import (
	"slices"
	"strconv"
	"strings"

	pb "hongyan/internal/gen/hongyanv1"
)

const botUsage = "bot create NAME | bot list | bot token BOT_ID --scopes S1,S2 [--group GID] | " +
	"bot webhook [set] BOT_ID [URL|off] | bot deliveries BOT_ID [--before ID] [--limit N] | bot app …"

func positiveID(what, s string) (int64, error) {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v <= 0 {
		return 0, usageErr("%s is a positive number, not %q", what, s)
	}
	return v, nil
}

func splitScopes(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// bot runs the bot subcommands: the caller's own bots.
func (e *env) bot(args []string) error {
	if pos, _, err := parseArgs(args, botAppFlags...); err == nil && len(pos) > 0 && pos[0] == "app" {
		i := slices.Index(args, "app")
		return e.botApp(slices.Delete(slices.Clone(args), i, i+1))
	}
	pos, fl, err := e.parse(args, -1, botUsage, "scopes", "group", "before", "limit")
	if err != nil {
		return err
	}
	if len(pos) > 2 && pos[0] == "webhook" && (pos[1] == "set" || pos[1] == "show") {
		pos = append([]string{"webhook"}, pos[2:]...) // bot webhook set BOT_ID URL: the same as bot webhook BOT_ID URL
	}
	need := map[string][2]int{"create": {1, 1}, "list": {0, 0}, "token": {1, 1}, "webhook": {1, 2}, "deliveries": {1, 1}}
	n, ok := need[firstOr(pos)]
	if !ok || len(pos)-1 < n[0] || len(pos)-1 > n[1] {
		return usageErr("usage: %s", botUsage)
	}
	var req pb.ClientFrame
	var id int64
	if pos[0] != "create" && pos[0] != "list" {
		if id, err = positiveID("BOT_ID", pos[1]); err != nil {
			return err
		}
	}
	switch pos[0] {
	case "create":
		req.Req = &pb.ClientFrame_BotCreate{BotCreate: &pb.BotCreateRequest{Name: pos[1]}}
	case "list":
		req.Req = &pb.ClientFrame_BotList{BotList: &pb.Empty{}}
	case "token":
		scopes := splitScopes(fl["scopes"])
		if len(scopes) == 0 {
			return usageErr("usage: %s (--scopes names at least one of messages:send, groups:read, members:manage, apps:write)", botUsage)
		}
		r := &pb.BotTokenRequest{Bot: id, Scopes: scopes}
		if g, ok := fl["group"]; ok {
			if r.Group, err = positiveID("--group", g); err != nil {
				return err
			}
		}
		req.Req = &pb.ClientFrame_BotToken{BotToken: r}
	case "webhook":
		switch {
		case len(pos) == 3 && pos[2] == "off":
			req.Req = &pb.ClientFrame_BotWebhookSet{BotWebhookSet: &pb.BotWebhookRequest{Bot: id}}
		case len(pos) == 3:
			req.Req = &pb.ClientFrame_BotWebhookSet{BotWebhookSet: &pb.BotWebhookRequest{Bot: id, Url: pos[2]}}
		default:
			req.Req = &pb.ClientFrame_BotWebhookGet{BotWebhookGet: &pb.BotRef{Bot: id}}
		}
	case "deliveries":
		r := &pb.BotDeliveriesRequest{Bot: id}
		if v, ok := fl["before"]; ok {
			if r.Before, err = positiveID("--before", v); err != nil {
				return err
			}
		}
		if v, ok := fl["limit"]; ok {
			l, err := positiveID("--limit", v)
			if err != nil {
				return err
			}
			r.Limit = uint32(min(l, 100))
		}
		req.Req = &pb.ClientFrame_BotDeliveries{BotDeliveries: r}
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
	case f.GetBotCreated() != nil:
		b := f.GetBotCreated()
		return e.print(object{{"bot_id", b.GetBot().GetId()}, {"account_id", b.GetBot().GetAccountId()},
			{"account", b.GetBot().GetAccount()}, {"name", b.GetBot().GetName()}, {"token", b.Token}})
	case f.GetBots() != nil:
		for _, b := range f.GetBots().Bots {
			if err := e.print(object{{"bot_id", b.Id}, {"account_id", b.AccountId}, {"account", b.Account}, {"name", b.Name}, {"created", b.Created}}); err != nil {
				return err
			}
		}
		return nil
	case f.GetBotToken() != nil:
		return e.print(object{{"token", f.GetBotToken().Token}})
	case f.GetBotWebhook() != nil:
		return e.print(object{{"url", f.GetBotWebhook().Url}, {"secret", f.GetBotWebhook().Secret}})
	case f.GetBotDeliveries() != nil:
		for _, d := range f.GetBotDeliveries().Deliveries {
			if err := e.print(object{{"id", d.Id}, {"event_id", d.EventId}, {"type", d.EventType}, {"status", d.Status},
				{"attempts", d.Attempts}, {"last_status", d.LastStatus}, {"last_error", d.LastError}, {"next_at", d.NextAt},
				{"updated", d.Updated}, {"url", d.Url}}); err != nil {
				return err
			}
		}
		return nil
	}
	return e.print(object{{"ok", true}})
}

const addBotUsage = "groups add-bot GID BOT_ID|BOT_ACCOUNT_ID [--scopes S1,S2]"

// groupAddBot adds a bot to a group the caller owns.
func (e *env) groupAddBot(args []string) error {
	pos, fl, err := e.parse(args, 3, addBotUsage, "scopes")
	if err != nil {
		return err
	}
	gid, err := positiveID("GID", pos[1])
	if err != nil {
		return err
	}
	c, _, h, err := e.signIn()
	if err != nil {
		return err
	}
	defer c.Close()
	r := &pb.BotAddToGroupRequest{Group: gid, Scopes: splitScopes(fl["scopes"])}
	if bid, err := strconv.ParseInt(pos[2], 10, 64); err == nil && bid > 0 && bid < 1_000_000_000 {
		r.Bot = bid // a bot's numeric ID (user IDs are larger)
	} else if r.Account, err = e.resolvePeer(c, h, pos[2]); err != nil {
		return err // the bot's account ID (bot_…) or user ID
	}
	req := &pb.ClientFrame{Req: &pb.ClientFrame_BotAddToGroup{BotAddToGroup: r}}
	if _, err := e.call(c, req); err != nil {
		return err
	}
	return e.print(object{{"ok", true}})
}
