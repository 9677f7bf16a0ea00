package cli

import (
	"errors"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/wsclient"
)

const (
	walletUsage = "wallet balance | wallet history [--limit N] [--before ENTRY] | wallet summary [--months N] | " +
		"wallet topup AMOUNT [--key K] | wallet withdraw AMOUNT [--key K] | wallet set-pin PIN [--old PIN] | " +
		"wallet reset-pin RECOVERY_CODE PIN --password ACCOUNT_PASSWORD"
	transferUsage = "transfer PEER AMOUNT --pin PIN [--note TEXT] [--key K] | transfer accept ID | " +
		"transfer return ID | transfer show ID"
	redPacketUsage = "redpacket send PEER|group:GID AMOUNT [--count N] [--lucky] [--greeting TEXT] --pin PIN [--key K] | " +
		"redpacket grab ID | redpacket show ID"
)

var yuanRE = regexp.MustCompile(`^([0-9]{1,9})(?:\.([0-9]{1,2}))?$`)

// parseYuan turns "12.34" (yuan, up to two decimals) into fen.
func parseYuan(s string) (int64, error) {
	m := yuanRE.FindStringSubmatch(s)
	if m == nil {
		return 0, usageErr("%q is not an amount in yuan (e.g. 12.34)", s)
	}
	y, _ := strconv.ParseInt(m[1], 10, 64)
	f := int64(0)
	if m[2] != "" {
		f, _ = strconv.ParseInt((m[2] + "0")[:2], 10, 64)
	}
	return y*100 + f, nil
}

func parseID(s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, usageErr("%q is not a numeric ID", s)
	}
	return n, nil
}

// moneyCall signs in and makes a request that moves money, trying again
// with the same request (and so the same idempotency key) while the
// server is unreachable or busy: the key makes it happen once. build may
// resolve names on the connection. A refusal with a reason is reported
// with the reason as its code ("all_taken", "insufficient_funds", …).
func (e *env) moneyCall(build func(c *wsclient.Conn, h *pb.HelloResponse) (*pb.ClientFrame, error)) (*pb.ServerFrame, error) {
	var req *pb.ClientFrame
	var err error
	for try := 0; try < 5; try++ {
		if try > 0 {
			time.Sleep(time.Duration(try*try) * 200 * time.Millisecond)
		}
		var c *wsclient.Conn
		var h *pb.HelloResponse
		c, _, h, err = e.signIn()
		if err != nil {
			if retryableCLI(err) {
				continue
			}
			return nil, err
		}
		if req == nil {
			if req, err = build(c, h); err != nil {
				c.Close()
				return nil, err
			}
		}
		var f *pb.ServerFrame
		f, err = e.call(c, req)
		c.Close()
		if err == nil {
			return f, nil
		}
		if !retryableCLI(err) {
			break
		}
	}
	var we *wsclient.Error
	if errors.As(err, &we) && we.Reason != "" {
		return nil, failErr(we.Reason, "%s", we.Message)
	}
	return nil, err
}

// retryableCLI reports whether a request may be sent again as it is.
func retryableCLI(err error) bool {
	var ce *cliError
	if errors.As(err, &ce) {
		return ce.code == "unavailable"
	}
	code, _, _ := classify(err)
	return code == "unavailable"
}

func keyFlag(fl map[string]string) string {
	if k := fl["key"]; k != "" {
		return k
	}
	return newClientID()
}

// wallet runs the wallet subcommands.
func (e *env) wallet(args []string) error {
	pos, fl, err := e.parse(args, -1, walletUsage, "key", "limit", "before", "months", "old", "password")
	if err != nil {
		return err
	}
	need := map[string]int{"balance": 0, "history": 0, "summary": 0, "topup": 1, "withdraw": 1, "set-pin": 1, "reset-pin": 2}
	ok := false
	if len(pos) > 0 {
		want, known := need[pos[0]]
		ok = known && want == len(pos)-1
	}
	if !ok {
		return usageErr("usage: %s", walletUsage)
	}
	sub, rest := pos[0], pos[1:]
	var req *pb.ClientFrame
	switch sub {
	case "balance":
		req = &pb.ClientFrame{Req: &pb.ClientFrame_WalletBalance{WalletBalance: &pb.Empty{}}}
	case "history":
		q := &pb.WalletHistoryRequest{}
		if v := fl["limit"]; v != "" {
			l, err := strconv.ParseUint(v, 10, 32)
			if err != nil {
				return usageErr("--limit needs a number")
			}
			q.Limit = uint32(l)
		}
		if v := fl["before"]; v != "" {
			if q.Before, err = parseID(v); err != nil {
				return err
			}
		}
		req = &pb.ClientFrame{Req: &pb.ClientFrame_WalletHistory{WalletHistory: q}}
	case "summary":
		q := &pb.WalletSummaryRequest{Months: 6, TimeZone: os.Getenv("TZ")}
		if v := fl["months"]; v != "" {
			m, err := strconv.ParseUint(v, 10, 32)
			if err != nil {
				return usageErr("--months needs a number")
			}
			q.Months = uint32(m)
		}
		req = &pb.ClientFrame{Req: &pb.ClientFrame_WalletSummary{WalletSummary: q}}
	case "topup", "withdraw":
		amount, err := parseYuan(rest[0])
		if err != nil {
			return err
		}
		q := &pb.WalletAmountRequest{Amount: amount, Key: keyFlag(fl)}
		if sub == "topup" {
			req = &pb.ClientFrame{Req: &pb.ClientFrame_WalletTopup{WalletTopup: q}}
		} else {
			req = &pb.ClientFrame{Req: &pb.ClientFrame_WalletWithdraw{WalletWithdraw: q}}
		}
	case "set-pin":
		req = &pb.ClientFrame{Req: &pb.ClientFrame_WalletSetPin{WalletSetPin: &pb.WalletPinRequest{Pin: rest[0], Old: fl["old"]}}}
	case "reset-pin":
		req = &pb.ClientFrame{Req: &pb.ClientFrame_WalletResetPin{WalletResetPin: &pb.WalletPinResetRequest{RecoveryCode: rest[0], Pin: rest[1], Password: fl["password"]}}}
	}
	f, err := e.moneyCall(func(*wsclient.Conn, *pb.HelloResponse) (*pb.ClientFrame, error) { return req, nil })
	if err != nil {
		return err
	}
	switch {
	case f.GetWalletBalance() != nil:
		return e.print(object{{"balance", f.GetWalletBalance().GetBalance()}})
	case f.GetWalletHistory() != nil:
		for _, m := range f.GetWalletHistory().Movements {
			if err := e.print(m); err != nil {
				return err
			}
		}
		return nil
	case f.GetWalletSummary() != nil:
		for _, m := range f.GetWalletSummary().Months {
			if err := e.print(object{{"month", time.UnixMilli(m.Start).Format("2006-01")}, {"in", m.MoneyIn}, {"out", m.MoneyOut}}); err != nil {
				return err
			}
		}
		return nil
	case f.GetWalletMovement() != nil:
		return e.print(f.GetWalletMovement())
	case f.GetWalletPinSet() != nil:
		if code := f.GetWalletPinSet().RecoveryCode; code != "" {
			return e.print(object{{"ok", true}, {"recovery_code", code}})
		}
	}
	return e.print(object{{"ok", true}})
}

// transfer runs the transfer subcommands.
func (e *env) transfer(args []string) error {
	pos, fl, err := e.parse(args, -1, transferUsage, "pin", "note", "key")
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usageErr("usage: %s", transferUsage)
	}
	var build func(c *wsclient.Conn, h *pb.HelloResponse) (*pb.ClientFrame, error)
	switch pos[0] {
	case "accept", "return", "show":
		id, err := parseID(pos[1])
		if err != nil {
			return err
		}
		ref := &pb.TransferRef{Transfer: id}
		req := map[string]*pb.ClientFrame{
			"accept": {Req: &pb.ClientFrame_TransferAccept{TransferAccept: ref}},
			"return": {Req: &pb.ClientFrame_TransferReturn{TransferReturn: ref}},
			"show":   {Req: &pb.ClientFrame_TransferShow{TransferShow: ref}},
		}[pos[0]]
		build = func(*wsclient.Conn, *pb.HelloResponse) (*pb.ClientFrame, error) { return req, nil }
	default:
		amount, err := parseYuan(pos[1])
		if err != nil {
			return err
		}
		if fl["pin"] == "" {
			return usageErr("usage: %s", transferUsage)
		}
		q := &pb.TransferRequest{Amount: amount, Note: fl["note"], Pin: fl["pin"], Key: keyFlag(fl)}
		build = func(c *wsclient.Conn, h *pb.HelloResponse) (*pb.ClientFrame, error) {
			to, err := e.resolvePeer(c, h, pos[0])
			q.To = to
			return &pb.ClientFrame{Req: &pb.ClientFrame_Transfer{Transfer: q}}, err
		}
	}
	f, err := e.moneyCall(build)
	if err != nil {
		return err
	}
	t := f.GetTransfer()
	if pos[0] != "show" && pos[0] != "accept" && pos[0] != "return" {
		return e.print(object{{"id", t.GetId()}, {"state", strings.TrimPrefix(strings.ToLower(t.GetState().String()), "transfer_state_")}})
	}
	return e.print(t)
}

// redPacket runs the red packet subcommands.
func (e *env) redPacket(args []string) error {
	// --lucky takes no value.
	lucky := false
	var rest []string
	for _, a := range args {
		switch a {
		case "--lucky", "-lucky", "--lucky=true", "-lucky=true":
			lucky = true
		default:
			rest = append(rest, a)
		}
	}
	pos, fl, err := e.parse(rest, -1, redPacketUsage, "count", "greeting", "pin", "key")
	if err != nil {
		return err
	}
	if len(pos) < 2 {
		return usageErr("usage: %s", redPacketUsage)
	}
	var build func(c *wsclient.Conn, h *pb.HelloResponse) (*pb.ClientFrame, error)
	switch {
	case (pos[0] == "grab" || pos[0] == "show") && len(pos) == 2:
		id, err := parseID(pos[1])
		if err != nil {
			return err
		}
		req := &pb.ClientFrame{Req: &pb.ClientFrame_RedPacketGrab{RedPacketGrab: &pb.RedPacketRef{Packet: id}}}
		if pos[0] == "show" {
			req = &pb.ClientFrame{Req: &pb.ClientFrame_RedPacketShow{RedPacketShow: &pb.RedPacketRef{Packet: id}}}
		}
		build = func(*wsclient.Conn, *pb.HelloResponse) (*pb.ClientFrame, error) { return req, nil }
	case pos[0] == "send" && len(pos) == 3:
		amount, err := parseYuan(pos[2])
		if err != nil {
			return err
		}
		if fl["pin"] == "" {
			return usageErr("usage: %s", redPacketUsage)
		}
		q := &pb.RedPacketRequest{Amount: amount, Count: 1, Lucky: lucky, Greeting: fl["greeting"], Pin: fl["pin"], Key: keyFlag(fl)}
		if v := fl["count"]; v != "" {
			n, err := strconv.ParseUint(v, 10, 32)
			if err != nil || n == 0 {
				return usageErr("--count needs a positive number")
			}
			q.Count = uint32(n)
		}
		build = func(c *wsclient.Conn, h *pb.HelloResponse) (*pb.ClientFrame, error) {
			if g, ok := cutGroup(pos[1]); ok {
				gid, err := strconv.ParseInt(g, 10, 64)
				if err != nil || gid <= 0 {
					return nil, usageErr("group:GID needs the group's numeric ID, not %q", g)
				}
				q.Group = gid
			} else {
				to, err := e.resolvePeer(c, h, pos[1])
				if err != nil {
					return nil, err
				}
				q.Peer = to
			}
			return &pb.ClientFrame{Req: &pb.ClientFrame_RedPacketSend{RedPacketSend: q}}, nil
		}
	default:
		return usageErr("usage: %s", redPacketUsage)
	}
	f, err := e.moneyCall(build)
	if err != nil {
		return err
	}
	switch pos[0] {
	case "send":
		return e.print(object{{"id", f.GetRedPacket().GetId()}})
	case "grab":
		return e.print(object{{"amount", f.GetRedPacketGrabbed().GetAmount()}})
	}
	return e.print(f.GetRedPacket())
}
