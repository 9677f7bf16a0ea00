package cli

import (
	"strconv"

	pb "hongyan/internal/gen/hongyanv1"
)

const (
	reportUsage  = "report user|group|message|post|oa ID --reason TEXT"
	appealUsage  = "appeal PENALTY_ID TEXT"
	penaltyUsage = "penalties"
)

// report files a report; a user may be named by account ID, a message is
// CONVERSATION:SEQ.
func (e *env) report(args []string) error {
	pos, fl, err := e.parse(args, 2, reportUsage, "reason")
	if err != nil {
		return err
	}
	switch pos[0] {
	case "user", "group", "message", "post", "oa":
	default:
		return usageErr("usage: %s", reportUsage)
	}
	reason, ok := fl["reason"]
	if !ok {
		return usageErr("usage: %s (--reason is required)", reportUsage)
	}
	c, _, _, err := e.signIn()
	if err != nil {
		return err
	}
	defer c.Close()
	f, err := e.call(c, &pb.ClientFrame{Req: &pb.ClientFrame_Report{Report: &pb.ReportRequest{Kind: pos[0], Target: pos[1], Reason: reason}}})
	if err != nil {
		return err
	}
	return e.print(object{{"report", f.GetReportFiled().GetId()}})
}

// penalties lists my penalties, one JSON line each, newest first.
func (e *env) penalties(args []string) error {
	if _, _, err := e.parse(args, 0, penaltyUsage); err != nil {
		return err
	}
	c, _, _, err := e.signIn()
	if err != nil {
		return err
	}
	defer c.Close()
	f, err := e.call(c, &pb.ClientFrame{Req: &pb.ClientFrame_MyPenalties{MyPenalties: &pb.MyPenaltiesRequest{}}})
	if err != nil {
		return err
	}
	for _, p := range f.GetPenalties().GetPenalties() {
		if err := e.print(p); err != nil {
			return err
		}
	}
	return nil
}

// appeal appeals one of my penalties, once.
func (e *env) appeal(args []string) error {
	pos, _, err := e.parse(args, 2, appealUsage)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil || id <= 0 {
		return usageErr("usage: %s", appealUsage)
	}
	c, _, _, err := e.signIn()
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := e.call(c, &pb.ClientFrame{Req: &pb.ClientFrame_Appeal{Appeal: &pb.AppealRequest{Penalty: id, Text: pos[1]}}}); err != nil {
		return err
	}
	return e.print(object{{"ok", true}})
}
