package cli

import (
	"slices"
	"strconv"

	pb "hongyan/internal/gen/hongyanv1"
)

const assistantUsage = "groups assistant GID show | on [--timezone TZ] | welcome TEXT | welcome --off | " +
	"keyword add WORD REPLY [--exact] | keyword remove ID | schedule add TEXT --at \"YYYY-MM-DD HH:MM\" [--repeat once|daily|weekly] | " +
	"schedule edit ID TEXT --at TIME [--repeat R] | schedule cancel ID | stats [--days N]"

// assistantFlags are the flags of groups assistant that take a value.
var assistantFlags = []string{"timezone", "at", "repeat", "days"}

// assistantSwitches are its flags that take none.
var assistantSwitches = []string{"exact", "off"}

func withoutAssistantSwitches(args []string) []string { return dropSwitches(args, assistantSwitches) }

// assistant runs the Group Assistant's subcommands (args follow "groups
// assistant"): the owner turns it on; owner and admins configure it.
func (e *env) assistant(args []string) error {
	exact := slices.ContainsFunc(args, func(a string) bool { return isSwitch(a, "exact") })
	off := slices.ContainsFunc(args, func(a string) bool { return isSwitch(a, "off") })
	pos, fl, err := e.parse(withoutAssistantSwitches(args), -1, assistantUsage, assistantFlags...)
	if err != nil {
		return err
	}
	if len(pos) < 2 {
		return usageErr("usage: %s", assistantUsage)
	}
	g, err := parseID(pos[0])
	if err != nil {
		return usageErr("GID is the group's numeric ID, not %q", pos[0])
	}
	sub, rest := pos[1], pos[2:]
	if len(rest) > 0 && (sub == "keyword" || sub == "schedule") {
		sub, rest = sub+" "+rest[0], rest[1:]
	}
	need := map[string]int{"show": 0, "on": 0, "welcome": 1, "keyword add": 2, "keyword remove": 1,
		"schedule add": 1, "schedule edit": 2, "schedule cancel": 1, "stats": 0}
	n, ok := need[sub]
	if sub == "welcome" && off {
		n = 0
	}
	if !ok || len(rest) != n {
		return usageErr("usage: %s", assistantUsage)
	}
	repeat := fl["repeat"]
	if repeat == "" {
		repeat = "once"
	}
	var req pb.ClientFrame
	switch sub {
	case "show":
		req.Req = &pb.ClientFrame_AssistantGet{AssistantGet: &pb.AssistantRef{Group: g}}
	case "on":
		req.Req = &pb.ClientFrame_AssistantEnable{AssistantEnable: &pb.AssistantEnableRequest{Group: g, Timezone: fl["timezone"]}}
	case "welcome":
		text := ""
		if !off {
			text = rest[0]
		}
		req.Req = &pb.ClientFrame_AssistantSetWelcome{AssistantSetWelcome: &pb.AssistantWelcomeRequest{Group: g, Text: text}}
	case "keyword add":
		req.Req = &pb.ClientFrame_AssistantAddKeyword{AssistantAddKeyword: &pb.AssistantKeywordRequest{Group: g, Keyword: rest[0], Reply: rest[1], Exact: exact}}
	case "keyword remove", "schedule cancel":
		id, err := parseID(rest[0])
		if err != nil {
			return err
		}
		ref := &pb.AssistantItemRef{Group: g, Id: id}
		if sub == "keyword remove" {
			req.Req = &pb.ClientFrame_AssistantRemoveKeyword{AssistantRemoveKeyword: ref}
		} else {
			req.Req = &pb.ClientFrame_AssistantCancelSchedule{AssistantCancelSchedule: ref}
		}
	case "schedule add", "schedule edit":
		if fl["at"] == "" {
			return usageErr("usage: %s (--at is the time in the group's timezone)", assistantUsage)
		}
		r := &pb.AssistantScheduleRequest{Group: g, Text: rest[len(rest)-1], At: fl["at"], Repeat: repeat}
		if sub == "schedule edit" {
			if r.Id, err = parseID(rest[0]); err != nil {
				return err
			}
		}
		req.Req = &pb.ClientFrame_AssistantPutSchedule{AssistantPutSchedule: r}
	case "stats":
		days := uint64(7)
		if v, ok := fl["days"]; ok {
			if days, err = strconv.ParseUint(v, 10, 32); err != nil || days == 0 {
				return usageErr("--days is a positive number, not %q", v)
			}
		}
		req.Req = &pb.ClientFrame_AssistantStats{AssistantStats: &pb.AssistantStatsRequest{Group: g, Days: uint32(min(days, 1000))}}
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
	if sub == "stats" {
		return e.print(f.GetAssistantStats())
	}
	return e.print(f.GetAssistant())
}
