package load

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/wsclient"
)

// MoneyResult is what w8-money measured, beside Result's common fields
// (P50Ms, P99Ms: a transfer's latency until its durable answer).
type MoneyResult struct {
	Transfers      int64    `json:"transfers"`
	TransfersPerS  float64  `json:"transfers_per_s"`
	Packets        int64    `json:"packets"`
	Grabs          int64    `json:"grabs"`
	GrabsPerS      float64  `json:"grabs_per_s"`
	GrabP50Ms      float64  `json:"grab_p50_ms"`
	GrabP99Ms      float64  `json:"grab_p99_ms"`
	Violations     int64    `json:"invariant_violations"`
	ViolationsSeen []string `json:"violations_seen,omitempty"`
}

const moneyPIN = "258036"

// runMoney is w8-money. Users in pairs of friends, each with a payment
// password and a top-up. For the first half of the run every user sends
// 0.01 yuan transfers to its partner, who accepts each (transfers per
// second, and the transfer's latency until its durable answer, payment
// password check included). For the second half the first user sends
// red packets into a group of everyone (up to 100 shares, one per member
// besides), and every member grabs each at once: grabs per second on one
// hot packet. Afterwards the invariants a client can see are checked:
// every packet paid exactly its total over exactly its shares, every
// accepted transfer arrived, and the users' balances add up to what was
// topped up.
func runMoney(ctx context.Context, opt Options) (Result, error) {
	users := opt.Users - opt.Users%2
	fmt.Fprintf(opt.Log, "w8-money: setting up %d users on %s\n", users, opt.Server)
	ps, err := setupPairs(ctx, opt, users)
	if err != nil {
		return Result{}, err
	}
	defer func() {
		for _, p := range ps {
			p.conn.Close()
		}
	}()
	const topUp = 1_000_000
	var mr MoneyResult
	var mu sync.Mutex
	violate := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		mr.Violations++
		if len(mr.ViolationsSeen) < 10 {
			mr.ViolationsSeen = append(mr.ViolationsSeen, fmt.Sprintf(format, args...))
		}
	}
	if err := forEach(ctx, ps, 8, func(p *participant) error {
		if _, err := p.conn.Call(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_WalletSetPin{WalletSetPin: &pb.WalletPinRequest{Pin: moneyPIN}}}); err != nil {
			return fmt.Errorf("set-pin: %w", err)
		}
		_, err := p.conn.Call(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_WalletTopup{WalletTopup: &pb.WalletAmountRequest{Amount: topUp, Key: "w8-topup"}}})
		return err
	}); err != nil {
		return Result{}, err
	}
	// The first user befriends everyone and makes the group.
	owner := ps[0]
	var members []int64
	for _, p := range ps[1:min(len(ps), 500)] {
		f, err := owner.conn.Call(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_FriendRequest{FriendRequest: &pb.FriendRequestRequest{User: p.id}}})
		if err != nil && wsclient.ErrorCode(err) != "already_exists" {
			return Result{}, err
		}
		if err == nil && f.GetFriendRequest().GetState() != pb.RequestState_REQUEST_STATE_ACCEPTED {
			if _, err := p.conn.Call(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_AnswerRequest{AnswerRequest: &pb.AnswerRequest{Request: f.GetFriendRequest().GetId(), Accept: true}}}); err != nil {
				return Result{}, err
			}
		}
		members = append(members, p.id)
	}
	gf, err := owner.conn.Call(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_CreateGroup{CreateGroup: &pb.CreateGroupRequest{Name: "w8", Members: members}}})
	if err != nil {
		return Result{}, fmt.Errorf("create group: %w", err)
	}
	group := gf.GetGroup()
	inGroup := ps[:1+len(members)]
	if int(group.MemberCount) < len(inGroup) {
		// Above the group's accept_above, invitees accept first.
		for _, p := range inGroup[1:] {
			f, err := p.conn.Call(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_GroupInvitations{GroupInvitations: &pb.Empty{}}})
			if err != nil {
				return Result{}, err
			}
			for _, inv := range f.GetGroupInvitations().GetInvitations() {
				p.conn.Call(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_AnswerInvitation{AnswerInvitation: &pb.AnswerInvitationRequest{Invitation: inv.Id, Accept: true}}})
			}
		}
	}

	// Phase 1: transfers. A warm-up transfer each first: a user's first
	// payment on a node checks the payment password with argon2id (about
	// 19 MiB and two passes; later ones with the same password do not).
	runID := runID()
	if err := forEach(ctx, ps, len(ps), func(p *participant) error {
		_, err := call(ctx, p.conn, &pb.ClientFrame{Req: &pb.ClientFrame_Transfer{Transfer: &pb.TransferRequest{
			To: p.peer.id, Amount: 1, Pin: moneyPIN, Key: "w8-warm-" + runID}}})
		return err
	}); err != nil {
		return Result{}, fmt.Errorf("warm-up transfer: %w", err)
	}
	half := opt.Duration / 2
	var lat Histogram
	var accepted atomic.Int64
	phase, stop := context.WithTimeout(ctx, half)
	start := time.Now()
	var wg sync.WaitGroup
	for i, p := range ps {
		wg.Go(func() {
			for n := 0; phase.Err() == nil; n++ {
				t0 := time.Now()
				f, err := call(ctx, p.conn, &pb.ClientFrame{Req: &pb.ClientFrame_Transfer{Transfer: &pb.TransferRequest{
					To: p.peer.id, Amount: 1, Pin: moneyPIN, Key: fmt.Sprintf("w8-%s-%d-%d", runID, i, n)}}})
				if err != nil {
					violate("transfer: %v", err)
					return
				}
				lat.Record(time.Since(t0))
				if _, err := call(ctx, p.peer.conn, &pb.ClientFrame{Req: &pb.ClientFrame_TransferAccept{TransferAccept: &pb.TransferRef{Transfer: f.GetTransfer().GetId()}}}); err != nil {
					violate("accept: %v", err)
					return
				}
				accepted.Add(1)
			}
		})
	}
	wg.Wait()
	stop()
	tdur := time.Since(start)
	mr.Transfers = accepted.Load()
	mr.TransfersPerS = float64(mr.Transfers) / tdur.Seconds()
	fmt.Fprintf(opt.Log, "w8-money: %d transfers in %.1fs\n", mr.Transfers, tdur.Seconds())

	// Phase 2: one hot red packet at a time, grabbed by every member.
	var grabLat Histogram
	shares := min(100, len(inGroup))
	var grabTime time.Duration
	var toppedUp int64
	for n := 0; ctx.Err() == nil && (n == 0 || grabTime < half); n++ {
		// The owner pays for each packet with a top-up of its own.
		if _, err := call(ctx, owner.conn, &pb.ClientFrame{Req: &pb.ClientFrame_WalletTopup{WalletTopup: &pb.WalletAmountRequest{
			Amount: int64(shares) * 100, Key: fmt.Sprintf("w8-%s-t%d", runID, n)}}}); err != nil {
			violate("top-up: %v", err)
			break
		}
		toppedUp += int64(shares) * 100
		f, err := call(ctx, owner.conn, &pb.ClientFrame{Req: &pb.ClientFrame_RedPacketSend{RedPacketSend: &pb.RedPacketRequest{
			Group: group.Id, Amount: int64(shares) * 100, Count: uint32(shares), Lucky: true, Pin: moneyPIN, Key: fmt.Sprintf("w8-%s-p%d", runID, n)}}})
		if err != nil {
			violate("red packet: %v", err)
			break
		}
		pkt := f.GetRedPacket()
		var got, sum, taken atomic.Int64
		t0 := time.Now()
		for _, p := range inGroup {
			wg.Go(func() {
				g0 := time.Now()
				f, err := call(ctx, p.conn, &pb.ClientFrame{Req: &pb.ClientFrame_RedPacketGrab{RedPacketGrab: &pb.RedPacketRef{Packet: pkt.Id}}})
				switch {
				case err == nil:
					grabLat.Record(time.Since(g0))
					got.Add(1)
					sum.Add(f.GetRedPacketGrabbed().GetAmount())
				case wsclient.ErrorReason(err) == "all_taken":
					taken.Add(1)
				default:
					violate("grab: %v", err)
				}
			})
		}
		wg.Wait()
		grabTime += time.Since(t0)
		mr.Packets++
		mr.Grabs += got.Load()
		if got.Load() != int64(shares) || sum.Load() != pkt.Total {
			violate("packet %d: %d grabs paid %d fen; want %d and %d", pkt.Id, got.Load(), sum.Load(), shares, pkt.Total)
		}
	}
	if grabTime > 0 {
		mr.GrabsPerS = float64(mr.Grabs) / grabTime.Seconds()
	}
	mr.GrabP50Ms, mr.GrabP99Ms = grabLat.Percentile(50), grabLat.Percentile(99)

	// What clients can check: nothing created or lost.
	var total int64
	for _, p := range ps {
		f, err := call(ctx, p.conn, &pb.ClientFrame{Req: &pb.ClientFrame_WalletBalance{WalletBalance: &pb.Empty{}}})
		if err != nil {
			return Result{}, err
		}
		total += f.GetWalletBalance().GetBalance()
	}
	// The warm-up transfers stay pending (in escrow): one fen a user.
	if want := int64(len(ps))*(topUp-1) + toppedUp; total != want {
		violate("balances add up to %d fen; %d were topped up", total, want)
	}
	res := Result{Workload: "w8-money", Users: len(ps), DurationS: (tdur + grabTime).Seconds(), Sent: mr.Transfers,
		SentPerS: mr.TransfersPerS, P50Ms: lat.Percentile(50), P99Ms: lat.Percentile(99), P999Ms: lat.Percentile(99.9),
		MaxMs: lat.Percentile(100), Errors: mr.Violations, Money: &mr}
	return res, nil
}

// call makes one request, trying again with the same request (and
// idempotency key) while the server is busy.
func call(ctx context.Context, c *wsclient.Conn, f *pb.ClientFrame) (*pb.ServerFrame, error) {
	for try := 0; ; try++ {
		r, err := c.Call(ctx, f)
		if err == nil || wsclient.ErrorCode(err) != "unavailable" || try == 20 || ctx.Err() != nil {
			return r, err
		}
		time.Sleep(time.Duration(try+1) * 10 * time.Millisecond)
	}
}
