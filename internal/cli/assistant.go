package cli

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"hongyan/internal/assistant"
	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/hongyan"
)

const assistantUsage = "groups assistant GID show | on [--timezone TZ] | welcome TEXT | welcome --off | " +
	"keyword add WORD REPLY [--exact] | keyword remove ID | schedule add TEXT --at \"YYYY-MM-DD HH:MM\" [--repeat once|daily|weekly] | " +
	"schedule edit ID TEXT --at TIME [--repeat R] | schedule cancel ID | stats [--days N] | " +
	"lottery create TITLE KEYWORD --winners N --deadline TIME | lottery list | birthday set MM-DD | birthday clear | birthday show | " +
	"groups assistant lottery verify --seed HEX --hash HEX --winners N --entrants ID,ID,…"

// assistantFlags are the flags of groups assistant that take a value.
var assistantFlags = []string{"timezone", "at", "repeat", "days", "winners", "deadline", "seed", "hash", "entrants"}

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
	if len(pos) == 2 && pos[0] == "lottery" && pos[1] == "verify" {
		return e.verifyLottery(fl)
	}
	if len(pos) < 2 {
		return usageErr("usage: %s", assistantUsage)
	}
	g, err := parseID(pos[0])
	if err != nil {
		return usageErr("GID is the group's numeric ID, not %q", pos[0])
	}
	sub, rest := pos[1], pos[2:]
	if len(rest) > 0 && (sub == "keyword" || sub == "schedule" || sub == "lottery" || sub == "birthday") {
		sub, rest = sub+" "+rest[0], rest[1:]
	}
	need := map[string]int{"show": 0, "on": 0, "welcome": 1, "keyword add": 2, "keyword remove": 1,
		"schedule add": 1, "schedule edit": 2, "schedule cancel": 1, "stats": 0, "lottery create": 2, "lottery list": 0,
		"birthday set": 1, "birthday clear": 0, "birthday show": 0}
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
	case "lottery create":
		n, err := strconv.ParseUint(fl["winners"], 10, 32)
		if err != nil || n == 0 {
			return usageErr("--winners is a positive number, not %q", fl["winners"])
		}
		deadline, err := parseWhen(fl["deadline"], time.Now())
		if err != nil {
			return usageErr("--deadline: %v", err)
		}
		req.Req = &pb.ClientFrame_AssistantLotteryCreate{AssistantLotteryCreate: &pb.AssistantLotteryRequest{Group: g, Title: rest[0], Keyword: rest[1],
			Winners: uint32(min(n, 1000)), DeadlineMs: deadline.UnixMilli()}}
	case "lottery list":
		req.Req = &pb.ClientFrame_AssistantLotteries{AssistantLotteries: &pb.AssistantRef{Group: g}}
	case "birthday set", "birthday clear":
		var m, d int
		if sub == "birthday set" {
			t, err := time.Parse("01-02", rest[0])
			if err != nil {
				return usageErr("a birthday is MM-DD, not %q", rest[0])
			}
			m, d = int(t.Month()), t.Day()
		}
		req.Req = &pb.ClientFrame_AssistantBirthdaySet{AssistantBirthdaySet: &pb.AssistantBirthdayRequest{Group: g, Month: uint32(m), Day: uint32(d)}}
	case "birthday show":
		req.Req = &pb.ClientFrame_AssistantBirthdayGet{AssistantBirthdayGet: &pb.AssistantRef{Group: g}}
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
	switch sub {
	case "stats":
		return e.print(f.GetAssistantStats())
	case "lottery create":
		return e.print(f.GetAssistantLotteries().GetLotteries()[0])
	case "birthday set", "birthday clear", "birthday show":
		return e.print(f.GetAssistantBirthday())
	case "lottery list":
		for _, l := range f.GetAssistantLotteries().GetLotteries() {
			if err := e.print(l); err != nil {
				return err
			}
		}
		return nil
	}
	return e.print(f.GetAssistant())
}

// verifyLottery checks a drawn lottery offline, from what the assistant
// posted: the seed hashes to the commitment, and the draw of the entrants
// with it (assistant.Draw, docs/protocol.md) gives the winners. It prints
// {"hash_ok", "winners"}; the caller compares the winners with the posted.
func (e *env) verifyLottery(fl map[string]string) error {
	n, err := strconv.Atoi(fl["winners"])
	if err != nil || n <= 0 || fl["seed"] == "" || fl["hash"] == "" {
		return usageErr("usage: groups assistant lottery verify --seed HEX --hash HEX --winners N --entrants ID,ID,…")
	}
	hash, err := assistant.SeedHash(fl["seed"])
	if err != nil {
		return usageErr("--seed: %s", hongyan.ErrorMessage(err))
	}
	var entrants []hongyan.UserID
	for _, f := range strings.Split(fl["entrants"], ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		id, err := strconv.ParseInt(f, 10, 64)
		if err != nil || id <= 0 {
			return usageErr("--entrants lists user IDs, not %q", f)
		}
		entrants = append(entrants, hongyan.UserID(id))
	}
	won := assistant.Draw(fl["seed"], entrants, n)
	ids := make([]int64, len(won))
	for i, u := range won {
		ids[i] = int64(u)
	}
	return e.print(object{{"hash_ok", strings.EqualFold(hash, fl["hash"])}, {"winners", ids}})
}
