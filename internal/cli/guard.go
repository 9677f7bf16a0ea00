package cli

import (
	"strconv"
	"strings"

	pb "hongyan/internal/gen/hongyanv1"
)

const guardUsage = "groups guard GID [show] | groups guard GID add | groups guard GID set [--enabled on|off] [--keywords K1,K2] " +
	"[--links on|off] [--qr on|off] [--new-member-links on|off] [--new-hours N] [--remove-message on|off] [--remove-member on|off] " +
	"[--warnings N] | groups guard GID log [--before ID] [--limit N] | groups guard GID undo ACTION_ID"

var guardFlags = []string{"enabled", "keywords", "links", "qr", "new-member-links", "new-hours", "remove-message", "remove-member",
	"warnings", "before", "limit"}

// guardScopes are the grants the Group Guard needs in a group.
var guardScopes = []string{"messages:send", "groups:read", "members:manage"}

// groupGuard runs the Group Guard subcommands (args follow "groups").
func (e *env) groupGuard(args []string) error {
	pos, fl, err := e.parse(args, -1, guardUsage, guardFlags...)
	if err != nil {
		return err
	}
	if len(pos) < 2 || len(pos) > 4 {
		return usageErr("usage: %s", guardUsage)
	}
	gid, err := positiveID("GID", pos[1])
	if err != nil {
		return err
	}
	sub := "show"
	if len(pos) > 2 {
		sub = pos[2]
	}
	if (sub == "undo") != (len(pos) == 4) {
		return usageErr("usage: %s", guardUsage)
	}
	c, _, _, err := e.signIn()
	if err != nil {
		return err
	}
	defer c.Close()
	get := func() (*pb.GuardRules, error) {
		f, err := e.call(c, &pb.ClientFrame{Req: &pb.ClientFrame_GuardGet{GuardGet: &pb.GuardGetRequest{Group: gid}}})
		if err != nil {
			return nil, err
		}
		return f.GetGuardRules(), nil
	}
	switch sub {
	case "show":
		r, err := get()
		if err != nil {
			return err
		}
		return e.printGuardRules(r)
	case "add":
		r, err := get()
		if err != nil {
			return err
		}
		req := &pb.ClientFrame{Req: &pb.ClientFrame_BotAddToGroup{BotAddToGroup: &pb.BotAddToGroupRequest{Group: gid, Bot: r.Bot, Scopes: guardScopes}}}
		if _, err := e.call(c, req); err != nil {
			return err
		}
		return e.print(object{{"ok", true}, {"bot", r.Bot}, {"scopes", strings.Join(guardScopes, ",")}})
	case "set":
		r, err := get()
		if err != nil {
			return err
		}
		onOff := func(name string, p *bool) error {
			v, ok := fl[name]
			if !ok {
				return nil
			}
			switch v {
			case "on", "true", "yes":
				*p = true
			case "off", "false", "no":
				*p = false
			default:
				return usageErr("--%s is on or off, not %q", name, v)
			}
			return nil
		}
		num := func(name string, p *uint32) error {
			v, ok := fl[name]
			if !ok {
				return nil
			}
			n, err := strconv.ParseUint(v, 10, 32)
			if err != nil {
				return usageErr("--%s is a number, not %q", name, v)
			}
			*p = uint32(n)
			return nil
		}
		for name, p := range map[string]*bool{"enabled": &r.Enabled, "links": &r.Links, "qr": &r.QrImages, "new-member-links": &r.NewMemberLinks,
			"remove-message": &r.RemoveMessage, "remove-member": &r.RemoveMember} {
			if err := onOff(name, p); err != nil {
				return err
			}
		}
		if err := num("new-hours", &r.NewMemberHours); err != nil {
			return err
		}
		if err := num("warnings", &r.Warnings); err != nil {
			return err
		}
		if v, ok := fl["keywords"]; ok {
			r.Keywords = nil
			for _, k := range strings.Split(v, ",") {
				if k = strings.TrimSpace(k); k != "" {
					r.Keywords = append(r.Keywords, k)
				}
			}
		}
		f, err := e.call(c, &pb.ClientFrame{Req: &pb.ClientFrame_GuardSet{GuardSet: r}})
		if err != nil {
			return err
		}
		return e.printGuardRules(f.GetGuardRules())
	case "log":
		req := &pb.GuardLogRequest{Group: gid}
		if v := fl["before"]; v != "" {
			if req.Before, err = positiveID("--before", v); err != nil {
				return err
			}
		}
		if v := fl["limit"]; v != "" {
			n, err := strconv.ParseUint(v, 10, 32)
			if err != nil {
				return usageErr("--limit is a number, not %q", v)
			}
			req.Limit = uint32(n)
		}
		f, err := e.call(c, &pb.ClientFrame{Req: &pb.ClientFrame_GuardLog{GuardLog: req}})
		if err != nil {
			return err
		}
		for _, a := range f.GetGuardLog().Actions {
			if err := e.printGuardAction(a); err != nil {
				return err
			}
		}
		return nil
	case "undo":
		id, err := positiveID("ACTION_ID", pos[3])
		if err != nil {
			return err
		}
		f, err := e.call(c, &pb.ClientFrame{Req: &pb.ClientFrame_GuardUndo{GuardUndo: &pb.GuardUndoRequest{Action: id}}})
		if err != nil {
			return err
		}
		return e.printGuardAction(f.GetGuardAction())
	}
	return usageErr("usage: %s", guardUsage)
}

func (e *env) printGuardRules(r *pb.GuardRules) error {
	kw := r.Keywords
	if kw == nil {
		kw = []string{}
	}
	return e.print(object{{"group", r.Group}, {"enabled", r.Enabled}, {"keywords", kw}, {"links", r.Links}, {"qr_images", r.QrImages},
		{"new_member_links", r.NewMemberLinks}, {"new_member_hours", r.NewMemberHours}, {"remove_message", r.RemoveMessage},
		{"remove_member", r.RemoveMember}, {"warnings", r.Warnings}, {"bot", r.Bot}, {"bot_account", r.BotAccount}})
}

func (e *env) printGuardAction(a *pb.GuardAction) error {
	return e.print(object{{"id", a.Id}, {"group", a.Group}, {"user", a.User}, {"message", a.Message}, {"rule", a.Rule}, {"did", a.Did},
		{"detail", a.Detail}, {"error", a.Error}, {"at", a.At}, {"undone", a.Undone}, {"undone_by", a.UndoneBy}})
}
