package cli

import (
	"errors"
	"os"
	"time"

	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/wsclient"
)

const accountUsage = "account delete --password PASSWORD | account cancel-delete | account deletion"

// account deletes the signed-in user's account (after the 15-day
// cooling-off), cancels that, or shows its state. The password may come
// from $HONGYAN_PASSWORD instead of --password (kept out of the process
// list).
func (e *env) account(args []string) error {
	pos, fl, err := e.parse(args, 1, accountUsage, "password")
	if err != nil {
		return err
	}
	var req *pb.ClientFrame
	switch pos[0] {
	case "delete":
		pw, ok := fl["password"]
		if !ok {
			pw, ok = os.LookupEnv("HONGYAN_PASSWORD")
		}
		if !ok || pw == "" {
			return usageErr("account delete needs the account's password: --password PASSWORD or $HONGYAN_PASSWORD")
		}
		req = &pb.ClientFrame{Req: &pb.ClientFrame_AccountDelete{AccountDelete: &pb.AccountDeleteRequest{Password: pw}}}
	case "cancel-delete":
		req = &pb.ClientFrame{Req: &pb.ClientFrame_AccountCancelDelete{AccountCancelDelete: &pb.Empty{}}}
	case "deletion":
		req = &pb.ClientFrame{Req: &pb.ClientFrame_AccountDeletion{AccountDeletion: &pb.Empty{}}}
	default:
		return usageErr("usage: %s", accountUsage)
	}
	c, _, _, err := e.signIn()
	if err != nil {
		return err
	}
	defer c.Close()
	f, err := e.call(c, req)
	var we *wsclient.Error
	if errors.As(err, &we) && we.Reason != "" {
		return failErr(we.Reason, "%s", we.Message) // wallet_not_empty, wrong_password
	}
	if err != nil {
		return err
	}
	if pos[0] == "cancel-delete" {
		return e.print(object{{"cancelled", true}})
	}
	d := f.GetAccountDeletion()
	out := object{{"pending", d.GetPending()}}
	if d.GetPending() {
		out = append(out, field{"requested", time.UnixMilli(d.Requested).UTC().Format(time.RFC3339)},
			field{"due", time.UnixMilli(d.Due).UTC().Format(time.RFC3339)})
	}
	return e.print(out)
}
