package cli

import (
	"strconv"

	pb "hongyan/internal/gen/hongyanv1"
)

const liveCodeUsage = "livecode create NAME --template GID [--max-members N] | livecode list | livecode show ID | livecode scan URL"

// liveCode runs the live-code subcommands.
func (e *env) liveCode(args []string) error {
	pos, fl, err := e.parse(args, -1, liveCodeUsage, "template", "max-members")
	if err != nil {
		return err
	}
	need := map[string]int{"create": 1, "list": 0, "show": 1, "scan": 1}
	if n, ok := need[firstOr(pos)]; !ok || len(pos)-1 != n {
		return usageErr("usage: %s", liveCodeUsage)
	}
	var req pb.ClientFrame
	switch pos[0] {
	case "create":
		tmpl, err := parseID(fl["template"])
		if err != nil {
			return usageErr("usage: %s (--template is the group's numeric ID)", liveCodeUsage)
		}
		r := &pb.LiveCodeCreateRequest{Name: pos[1], Template: tmpl}
		if v, ok := fl["max-members"]; ok {
			n, err := strconv.ParseUint(v, 10, 32)
			if err != nil || n == 0 {
				return usageErr("--max-members is a positive number, not %q", v)
			}
			r.MaxMembers = uint32(n)
		}
		req.Req = &pb.ClientFrame_LivecodeCreate{LivecodeCreate: r}
	case "list":
		req.Req = &pb.ClientFrame_LivecodeList{LivecodeList: &pb.Empty{}}
	case "show":
		id, err := parseID(pos[1])
		if err != nil {
			return err
		}
		req.Req = &pb.ClientFrame_LivecodeGet{LivecodeGet: &pb.LiveCodeRef{Id: id}}
	case "scan":
		req.Req = &pb.ClientFrame_LivecodeScan{LivecodeScan: &pb.LiveCodeScanRequest{Token: pos[1]}}
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
	switch pos[0] {
	case "create":
		lc := f.GetLiveCode()
		return e.print(object{{"id", lc.GetId()}, {"url", lc.GetUrl()}})
	case "scan":
		return e.print(object{{"group", f.GetLiveCodeScanned().GetGroup()}})
	case "list":
		for _, lc := range f.GetLiveCodes().GetCodes() {
			if err := e.print(lc); err != nil {
				return err
			}
		}
		return nil
	}
	return e.print(f.GetLiveCode())
}
