package load

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/wsclient"
)

// The money chaos workload (chaos-money): like chaos, it runs its own
// `hongyan serve` child and SIGKILLs it again and again, but the clients
// move money: top-ups, transfers to their partner, accepts of the
// transfers they receive, red packets into one group of everyone and
// grabs of them, every request with an idempotency key and retried with
// the same key after an error or a lost connection. A share of the
// acknowledged requests is sent once more on purpose, as a client that
// missed the answer would. Afterwards the server is stopped, `hongyan
// admin wallet reconcile` settles what a crash left between the payment
// provider and the ledger, `hongyan admin ledger check` verifies the
// ledger, and the checker reads every user's balance, whole history, and
// every transfer and red packet, and compares them with what the clients
// were told (checkMoney).

// chaosMoneyPIN is every chaos user's payment password.
const chaosMoneyPIN = "147025"

// Fault switches of the money chaos's negative control (the child's
// environment): the wallet forgets idempotency keys, so a retried request
// is carried out again.
const envUnsafeWalletIgnoreKeys = "HONGYAN_UNSAFE_WALLET_IGNORE_KEYS"

// envUnsafeWalletCrashPercent makes the node SIGKILL itself at that share
// of the crash points of top-ups and withdrawals (internal/node).
const envUnsafeWalletCrashPercent = "HONGYAN_UNSAFE_WALLET_CRASH_PERCENT"

// chaosMoneyCrashPercent is the share of crash points where the node
// kills itself during the run.
const chaosMoneyCrashPercent = 2

// chaosMoneyRetryAgain is the chance that a client sends an acknowledged
// request once more with the same key (it must be answered the same and
// move nothing).
const chaosMoneyRetryAgain = 0.15

// MoneyChaosResult is what the money chaos found, printed as one JSON line.
type MoneyChaosResult struct {
	Workload      string  `json:"workload"`
	Seed          uint64  `json:"seed"`
	Storage       string  `json:"storage"`
	NegativeFault string  `json:"negative_fault,omitempty"`
	Users         int     `json:"users"`
	DurationS     float64 `json:"duration_s"`
	Kills         int     `json:"kills"`
	// SelfKills are the node's own SIGKILLs at crash points
	// (HONGYAN_UNSAFE_WALLET_CRASH_PERCENT), found when the nemesis came.
	SelfKills int `json:"self_kills"`
	// Requests by outcome, over all kinds.
	Ops      int   `json:"ops"`
	Acked    int   `json:"acked"`
	Failed   int   `json:"failed"`
	Unknown  int   `json:"unknown"`
	Retries  int64 `json:"retries"`
	Repeated int   `json:"repeated"` // acknowledged requests sent again on purpose
	// FailedBy counts the refused requests by kind and error reason.
	FailedBy map[string]int `json:"failed_by,omitempty"`
	// By kind: acknowledged requests.
	TopUps    int `json:"topups"`
	Withdraws int `json:"withdrawals"`
	Transfers int `json:"transfers"`
	Accepts   int `json:"accepts"`
	Packets   int `json:"packets"`
	Grabs     int `json:"grabs"`
	// Reconciled is what `admin wallet reconcile` settled at the end;
	// ReconciledRun what the node's own reconciliation settled during the
	// run (from its log).
	Reconciled    json.RawMessage `json:"reconciled,omitempty"`
	ReconciledRun map[string]int  `json:"reconciled_during_run,omitempty"`
	// What the provider charged and paid out, and what the ledger
	// credited and debited for it.
	ProviderCharged int64 `json:"provider_charged"`
	LedgerToppedUp  int64 `json:"ledger_topped_up"`
	ProviderPaid    int64 `json:"provider_paid"`
	LedgerWithdrawn int64 `json:"ledger_withdrawn"` // withdrawals less those reverted
	// Violations, by kind.
	Lost           int      `json:"lost"`       // acknowledged, not in the ledger
	Duplicates     int      `json:"duplicates"` // one request applied twice
	Phantom        int      `json:"phantom"`    // in the ledger, never requested (or refused)
	RetryMismatch  int      `json:"retry_mismatch"`
	OverGrabbed    int      `json:"over_grabbed"`
	BalanceDiffers int      `json:"balance_differs"`
	NotConserved   int      `json:"not_conserved"`
	LedgerCheck    bool     `json:"ledger_check_ok"`
	OK             bool     `json:"ok"`
	Problems       []string `json:"problems,omitempty"`
}

// moneyOp is one money request a client made, with its outcome.
type moneyOp struct {
	user    int
	kind    string // topup, transfer, accept, packet, grab
	key     string
	amount  int64
	ref     int64 // accept: the transfer; grab: the packet
	outcome string
	result  int64 // topup: the entry; transfer, packet: the ID; grab: the amount
	err     string
	reason  string // a refusal's error reason
}

type moneyHistory struct {
	mu  sync.Mutex
	ops []*moneyOp
	// Acknowledged transfers waiting for their receiver, and packets.
	inbox   map[int][]int64
	packets []int64
}

func (h *moneyHistory) add(op *moneyOp) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.ops = append(h.ops, op)
}

func runChaosMoney(ctx context.Context, opt Options) (Result, error) {
	if opt.Binary == "" {
		return Result{}, errors.New("chaos-money: the hongyan binary is needed (Options.Binary, --binary)")
	}
	if opt.KillEvery <= 0 {
		opt.KillEvery = chaosDefaultKillEvery
	}
	users := max(4, opt.Users-opt.Users%2)
	dir, err := os.MkdirTemp("", "hongyan-chaos-money")
	if err != nil {
		return Result{}, err
	}
	defer os.RemoveAll(dir)

	safeEnv := append(os.Environ(),
		"HONGYAN_LIMITS_REGISTER_PER_MINUTE=0", "HONGYAN_LIMITS_LOGIN_PER_MINUTE=0",
		"HONGYAN_LIMITS_FRIEND_REQUESTS_PER_HOUR=0", "HONGYAN_LIMITS_SENDS_PER_MINUTE=0", "HONGYAN_LOG_LEVEL=warn",
		"HONGYAN_CONFIG=", "HONGYAN_UNSAFE_ACK_BEFORE_COMMIT=0", envUnsafeWalletIgnoreKeys+"=0", envUnsafeWalletCrashPercent+"=0",
		// Settle what a crash left between provider and ledger after 2 s,
		// at each start-up (the periodic run is left to the end, where
		// `admin wallet reconcile` reports what it settled).
		"HONGYAN_WALLET_RECONCILE_AFTER=2s", "HONGYAN_WALLET_RECONCILE_INTERVAL=1h")
	storage := "sqlite"
	if opt.Postgres == "" {
		safeEnv = append(safeEnv, "HONGYAN_STORAGE_DRIVER=sqlite")
	} else {
		storage = "postgres"
		dsn, drop, err := freshSchema(ctx, opt.Postgres)
		if err != nil {
			return Result{}, err
		}
		defer drop()
		safeEnv = append(safeEnv, "HONGYAN_STORAGE_DRIVER=postgres", "HONGYAN_STORAGE_POSTGRES="+dsn)
	}
	// While money moves, the node also kills itself now and then at the
	// crash points of top-ups and withdrawals (between the provider and
	// the ledger), beside the nemesis's SIGKILLs.
	faultEnv := append(slices.Clip(safeEnv), fmt.Sprintf("%s=%d", envUnsafeWalletCrashPercent, chaosMoneyCrashPercent))
	fault := ""
	if opt.UnsafeAck {
		fault = "ignore_keys"
		faultEnv = append(faultEnv, envUnsafeWalletIgnoreKeys+"=1")
		fmt.Fprintln(opt.Log, "chaos-money: NEGATIVE CONTROL: the wallet forgets idempotency keys; the checker must report duplicates")
	}
	srv := &childServer{bin: opt.Binary, data: filepath.Join(dir, "data"), addr: "127.0.0.1:0", env: safeEnv, logPath: filepath.Join(dir, "server.log")}
	if err := srv.start(); err != nil {
		return Result{}, err
	}
	defer srv.kill()
	url := "http://" + srv.addr
	fmt.Fprintf(opt.Log, "chaos-money: seed %d; server on %s (%s); setting up %d users\n", opt.Seed, url, storage, users)
	us, group, err := chaosMoneySetup(ctx, url, users)
	if err != nil {
		return Result{}, fmt.Errorf("chaos-money setup: %w", err)
	}
	if err := srv.restart(faultEnv); err != nil {
		return Result{}, err
	}

	h := &moneyHistory{inbox: map[int][]int64{}}
	var retries atomic.Int64
	start := time.Now()
	runCtx, stopRun := context.WithTimeout(ctx, opt.Duration)
	defer stopRun()
	giveUp := start.Add(opt.Duration + chaosGiveUp)

	nemesisDone := killLoop(runCtx, srv, rand.New(rand.NewPCG(opt.Seed, 0x6d6f6e6579)), opt.KillEvery, start, stopRun)

	fmt.Fprintf(opt.Log, "chaos-money: moving money for %s, SIGKILL every ~%s\n", opt.Duration, opt.KillEvery)
	var wg sync.WaitGroup
	for i, u := range us {
		wg.Go(func() {
			c := &moneyClient{u: u, i: i, url: url, h: h, group: group, rng: rand.New(rand.NewPCG(opt.Seed, uint64(i)+1)),
				retries: &retries, giveUp: giveUp, peerIndex: u.peer.index}
			defer c.close()
			for n := 0; runCtx.Err() == nil; n++ {
				c.step(ctx, n)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	nemesis := <-nemesisDone
	if nemesis.err != nil {
		return Result{}, fmt.Errorf("chaos-money nemesis: %w", nemesis.err)
	}
	kills, unexpected := nemesis.kills, nemesis.unexpected
	if srv.exited() {
		unexpected++
	}

	// Stop the server, let what it left pending age past reconcile_after,
	// settle it and check the ledger with the node down, then start a
	// safe server for the reads.
	srv.kill()
	time.Sleep(2100 * time.Millisecond) // HONGYAN_WALLET_RECONCILE_AFTER above
	cr := &MoneyChaosResult{Workload: "chaos-money", Seed: opt.Seed, Storage: storage, NegativeFault: fault, Users: len(us),
		DurationS: elapsed.Seconds(), Kills: kills, SelfKills: unexpected, Retries: retries.Load()}
	rec, err := srv.admin(ctx, "wallet", "reconcile")
	if err != nil {
		return Result{}, fmt.Errorf("admin wallet reconcile: %w", err)
	}
	cr.Reconciled = json.RawMessage(bytes.TrimSpace(rec))
	cr.ReconciledRun = reconciledInLog(srv.logPath)
	lc, err := srv.admin(ctx, "ledger", "check")
	cr.LedgerCheck = err == nil
	if err != nil {
		cr.Problems = append(cr.Problems, fmt.Sprintf("ledger check: %v: %s", err, bytes.TrimSpace(lc)))
	}
	if cr.ProviderCharged, cr.ProviderPaid, err = sandboxTotals(srv.data); err != nil {
		return Result{}, err
	}
	srv.env = safeEnv
	if err := srv.start(); err != nil {
		return Result{}, err
	}
	fmt.Fprintf(opt.Log, "chaos-money: %d kills and %d self-kills at crash points in %.1f s; reconciled during the run %v, at the end %s; reading every wallet\n",
		kills, unexpected, elapsed.Seconds(), cr.ReconciledRun, cr.Reconciled)
	views, err := readMoney(ctx, url, us, h)
	if err != nil {
		return Result{}, fmt.Errorf("chaos-money reads: %w", err)
	}
	checkMoney(cr, h.ops, views)
	for _, p := range cr.Problems {
		fmt.Fprintf(opt.Log, "chaos-money: VIOLATION %s\n", p)
	}
	verdict := "ok"
	if !cr.OK {
		verdict = "VIOLATIONS FOUND"
	}
	fmt.Fprintf(opt.Log, "chaos-money: seed %d, %d kills: %d requests (acked %d, failed %d, unknown %d, retries %d, repeated %d); lost %d, duplicates %d, phantom %d, retry mismatch %d, over-grabbed %d, balance differs %d, not conserved %d, ledger check %v: %s\n",
		cr.Seed, cr.Kills, cr.Ops, cr.Acked, cr.Failed, cr.Unknown, cr.Retries, cr.Repeated, cr.Lost, cr.Duplicates, cr.Phantom,
		cr.RetryMismatch, cr.OverGrabbed, cr.BalanceDiffers, cr.NotConserved, cr.LedgerCheck, verdict)
	return Result{Workload: "chaos-money", Users: len(us), DurationS: elapsed.Seconds(), Sent: int64(cr.Acked),
		Lost: int64(cr.Lost), Duplicates: int64(cr.Duplicates), MoneyChaos: cr}, nil
}

// admin runs `hongyan admin --data DIR ARGS…` with the server's
// environment and returns its standard output.
func (s *childServer) admin(ctx context.Context, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, s.bin, append([]string{"admin", "--data", s.data}, args...)...)
	cmd.Env = s.env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.Bytes(), fmt.Errorf("%w: %s", err, bytes.TrimSpace(errb.Bytes()))
	}
	return out.Bytes(), nil
}

// reconciledInLog adds up the node's "reconciled payments" log lines
// (internal/node: credited=N cancelled=N paid=N reverted=N left=N).
func reconciledInLog(path string) map[string]int {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	out := map[string]int{}
	for _, line := range bytes.Split(b, []byte("\n")) {
		if !bytes.Contains(line, []byte("reconciled payments with the provider")) {
			continue
		}
		for _, f := range bytes.Fields(line) {
			k, v, ok := bytes.Cut(f, []byte("="))
			if n, err := strconv.Atoi(string(v)); ok && err == nil && string(k) != "pending" {
				out[string(k)] += n
			}
		}
	}
	return out
}

// sandboxTotals adds up what the sandbox provider's journal in the data
// directory says it charged and paid out (its format: internal/sandboxpay).
func sandboxTotals(data string) (charged, paid int64, err error) {
	b, err := os.ReadFile(filepath.Join(data, "sandboxpay.journal"))
	if errors.Is(err, os.ErrNotExist) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, err
	}
	for _, line := range bytes.Split(b, []byte("\n")) {
		var r struct {
			Op     string `json:"op"`
			OK     bool   `json:"ok"`
			Amount int64  `json:"amount"`
		}
		if len(line) == 0 || json.Unmarshal(line, &r) != nil {
			continue // a torn last line: the provider never answered it
		}
		switch {
		case r.Op == "charge" && r.OK:
			charged += r.Amount
		case r.Op == "payout" && r.OK:
			paid += r.Amount
		}
	}
	return charged, paid, nil
}

// chaosMoneySetup registers the users (friends in pairs, as chaos),
// makes the first befriend everyone and put them all in one group, and
// gives everyone a payment password and a first top-up.
func chaosMoneySetup(ctx context.Context, url string, n int) ([]*chaosUser, int64, error) {
	us, err := chaosSetup(ctx, url, n)
	if err != nil {
		return nil, 0, err
	}
	conns := make([]*wsclient.Conn, n)
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	}()
	for i, u := range us {
		c, err := wsclient.Dial(ctx, url)
		if err != nil {
			return nil, 0, err
		}
		conns[i] = c
		if _, err := c.Hello(ctx, u.tokens[0]); err != nil {
			return nil, 0, err
		}
		if _, err := c.Call(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_WalletSetPin{WalletSetPin: &pb.WalletPinRequest{Pin: chaosMoneyPIN}}}); err != nil {
			return nil, 0, fmt.Errorf("set-pin: %w", err)
		}
	}
	var members []int64
	for i, u := range us[1:] {
		if u.peer != us[0] {
			f, err := conns[0].Call(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_FriendRequest{FriendRequest: &pb.FriendRequestRequest{User: u.id}}})
			if err != nil {
				return nil, 0, err
			}
			if f.GetFriendRequest().GetState() != pb.RequestState_REQUEST_STATE_ACCEPTED {
				if _, err := conns[i+1].Call(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_AnswerRequest{AnswerRequest: &pb.AnswerRequest{Request: f.GetFriendRequest().GetId(), Accept: true}}}); err != nil {
					return nil, 0, err
				}
			}
		}
		members = append(members, u.id)
	}
	gf, err := conns[0].Call(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_CreateGroup{CreateGroup: &pb.CreateGroupRequest{Name: "chaos-money", Members: members}}})
	if err != nil {
		return nil, 0, fmt.Errorf("create group: %w", err)
	}
	if got := int(gf.GetGroup().GetMemberCount()); got != n {
		return nil, 0, fmt.Errorf("the group has %d members, want %d", got, n)
	}
	return us, gf.GetGroup().GetId(), nil
}

// moneyClient is one user's device moving money: one request at a time,
// retried with the same key over reconnections.
type moneyClient struct {
	u         *chaosUser
	i         int
	peerIndex int
	url       string
	h         *moneyHistory
	group     int64
	rng       *rand.Rand
	retries   *atomic.Int64
	giveUp    time.Time
	conn      *wsclient.Conn
	grabbed   map[int64]bool
}

func (c *moneyClient) close() {
	if c.conn != nil {
		c.conn.Close()
		c.conn = nil
	}
}

func (c *moneyClient) connect(ctx context.Context) (*wsclient.Conn, error) {
	s := &chaosSender{u: c.u, url: c.url, giveUp: c.giveUp, conn: c.conn}
	conn, err := s.connect(ctx)
	c.conn = s.conn
	return conn, err
}

// step makes the client's n-th request. Amounts carry n, so that every
// request of one user and kind moves a different amount and the checker
// can tell them apart in the ledger.
func (c *moneyClient) step(ctx context.Context, n int) {
	key := fmt.Sprintf("cm-%d", n)
	var op *moneyOp
	var req *pb.ClientFrame
	switch r := c.rng.Float64(); {
	case r < 0.15 || n == 0:
		op = &moneyOp{kind: "topup", amount: 10_000 + int64(n)}
		req = &pb.ClientFrame{Req: &pb.ClientFrame_WalletTopup{WalletTopup: &pb.WalletAmountRequest{Amount: op.amount, Key: key}}}
	case r < 0.2:
		op = &moneyOp{kind: "withdraw", amount: 5_000 + int64(n)}
		req = &pb.ClientFrame{Req: &pb.ClientFrame_WalletWithdraw{WalletWithdraw: &pb.WalletAmountRequest{Amount: op.amount, Key: key}}}
	case r < 0.47:
		op = &moneyOp{kind: "transfer", amount: 1 + int64(n)}
		req = &pb.ClientFrame{Req: &pb.ClientFrame_Transfer{Transfer: &pb.TransferRequest{To: c.u.peer.id, Amount: op.amount, Pin: chaosMoneyPIN, Key: key}}}
	case r < 0.65:
		c.h.mu.Lock()
		in := c.h.inbox[c.i]
		var t int64
		if len(in) > 0 {
			t = in[0]
			c.h.inbox[c.i] = in[1:]
		}
		c.h.mu.Unlock()
		if t == 0 {
			return
		}
		op = &moneyOp{kind: "accept", ref: t}
		req = &pb.ClientFrame{Req: &pb.ClientFrame_TransferAccept{TransferAccept: &pb.TransferRef{Transfer: t}}}
	case r < 0.8:
		count := 1 + c.rng.IntN(4)
		op = &moneyOp{kind: "packet", amount: int64(100 + n%19_000)}
		lucky := op.amount%int64(count) != 0 || c.rng.IntN(2) == 0
		req = &pb.ClientFrame{Req: &pb.ClientFrame_RedPacketSend{RedPacketSend: &pb.RedPacketRequest{Group: c.group, Amount: op.amount,
			Count: uint32(count), Lucky: lucky, Pin: chaosMoneyPIN, Key: key}}}
	default:
		if c.grabbed == nil {
			c.grabbed = map[int64]bool{}
		}
		c.h.mu.Lock()
		var p int64
		for _, id := range c.h.packets[max(0, len(c.h.packets)-8):] {
			if !c.grabbed[id] {
				p = id
				break
			}
		}
		c.h.mu.Unlock()
		if p == 0 {
			return
		}
		c.grabbed[p] = true
		op = &moneyOp{kind: "grab", ref: p}
		req = &pb.ClientFrame{Req: &pb.ClientFrame_RedPacketGrab{RedPacketGrab: &pb.RedPacketRef{Packet: p}}}
	}
	op.user, op.key = c.i, key
	c.h.add(op)
	f, ok := c.do(ctx, op, req, false)
	if !ok {
		return
	}
	op.result = moneyResult(op.kind, f)
	c.h.mu.Lock()
	op.outcome = "ok"
	switch op.kind {
	case "transfer":
		c.h.inbox[c.peerIndex] = append(c.h.inbox[c.peerIndex], op.result)
	case "packet":
		c.h.packets = append(c.h.packets, op.result)
	}
	c.h.mu.Unlock()
	if c.rng.Float64() < chaosMoneyRetryAgain {
		// A client that missed the answer asks again with the same key:
		// the same answer, nothing moves.
		again := &moneyOp{user: c.i, kind: op.kind, key: op.key, amount: op.amount, ref: op.ref}
		if f, ok := c.do(ctx, again, req, true); ok {
			again.result = moneyResult(op.kind, f)
			c.h.mu.Lock()
			again.outcome = "repeat"
			if again.result != op.result {
				again.err = fmt.Sprintf("answered %d the first time, %d the second", op.result, again.result)
			}
			c.h.ops = append(c.h.ops, again)
			c.h.mu.Unlock()
		}
	}
}

// do sends req until it is answered, retrying after unknown outcomes. It
// records the outcome in op unless quiet; it returns the answer and
// whether it was a success.
func (c *moneyClient) do(ctx context.Context, op *moneyOp, req *pb.ClientFrame, quiet bool) (*pb.ServerFrame, bool) {
	set := func(outcome, e string) {
		if quiet {
			return
		}
		c.h.mu.Lock()
		op.outcome, op.err = outcome, e
		c.h.mu.Unlock()
	}
	for try := 0; ; try++ {
		conn, err := c.connect(ctx)
		if err != nil {
			set("unknown", err.Error())
			return nil, false
		}
		if try > 0 {
			c.retries.Add(1)
		}
		sctx, cancel := context.WithTimeout(ctx, chaosSendTimeout)
		f, err := conn.Call(sctx, req)
		cancel()
		if err == nil {
			return f, true
		}
		if code := wsclient.ErrorCode(err); code != "" && code != "unavailable" && code != "internal" {
			set("failed", err.Error())
			if !quiet {
				c.h.mu.Lock()
				op.reason = wsclient.ErrorReason(err)
				if op.reason == "" {
					op.reason = code
				}
				c.h.mu.Unlock()
			}
			return nil, false
		}
		set("unknown", err.Error())
		if wsclient.ErrorCode(err) == "" {
			c.close()
		}
		if c.rng.Float64() < chaosAbandon || time.Now().After(c.giveUp) || ctx.Err() != nil {
			return nil, false
		}
	}
}

func moneyResult(kind string, f *pb.ServerFrame) int64 {
	switch kind {
	case "topup", "withdraw":
		return f.GetWalletMovement().GetEntry()
	case "transfer", "accept":
		return f.GetTransfer().GetId()
	case "packet":
		return f.GetRedPacket().GetId()
	case "grab":
		return f.GetRedPacketGrabbed().GetAmount()
	}
	return 0
}

// moneyView is what the server holds at the end: every user's balance and
// history, every transfer and red packet it mentions.
type moneyView struct {
	balance   map[int]int64
	history   map[int][]*pb.WalletMovement
	transfers map[int64]*pb.Transfer
	packets   map[int64]*pb.RedPacket
	ids       map[int64]int // user ID → index
}

func readMoney(ctx context.Context, url string, us []*chaosUser, h *moneyHistory) (*moneyView, error) {
	v := &moneyView{balance: map[int]int64{}, history: map[int][]*pb.WalletMovement{}, transfers: map[int64]*pb.Transfer{},
		packets: map[int64]*pb.RedPacket{}, ids: map[int64]int{}}
	conns := make([]*wsclient.Conn, len(us))
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	}()
	for i, u := range us {
		v.ids[u.id] = i
		c, err := wsclient.Dial(ctx, url)
		if err != nil {
			return nil, err
		}
		conns[i] = c
		if _, err := c.Hello(ctx, u.tokens[1]); err != nil {
			return nil, err
		}
		f, err := call(ctx, c, &pb.ClientFrame{Req: &pb.ClientFrame_WalletBalance{WalletBalance: &pb.Empty{}}})
		if err != nil {
			return nil, err
		}
		v.balance[i] = f.GetWalletBalance().GetBalance()
		before := int64(0)
		for {
			f, err := call(ctx, c, &pb.ClientFrame{Req: &pb.ClientFrame_WalletHistory{WalletHistory: &pb.WalletHistoryRequest{Before: before, Limit: 200}}})
			if err != nil {
				return nil, err
			}
			ms := f.GetWalletHistory().GetMovements()
			v.history[i] = append(v.history[i], ms...)
			if !f.GetWalletHistory().GetMore() || len(ms) == 0 {
				break
			}
			before = ms[len(ms)-1].Entry
		}
	}
	// Every transfer and packet the ledger or the clients mention; a
	// transfer read by its sender.
	sender := map[int64]int{}
	for i, ms := range v.history {
		for _, m := range ms {
			switch m.Kind {
			case pb.WalletEntryKind_WALLET_ENTRY_KIND_TRANSFER_SEND:
				v.transfers[m.Ref], sender[m.Ref] = nil, i
			case pb.WalletEntryKind_WALLET_ENTRY_KIND_RED_PACKET_SEND:
				v.packets[m.Ref] = nil
			}
		}
	}
	for _, op := range h.ops {
		if op.outcome == "ok" && op.kind == "transfer" && op.result != 0 {
			v.transfers[op.result], sender[op.result] = nil, op.user
		}
		if op.outcome == "ok" && op.kind == "packet" && op.result != 0 {
			v.packets[op.result] = nil
		}
	}
	for id := range v.transfers {
		f, err := call(ctx, conns[sender[id]], &pb.ClientFrame{Req: &pb.ClientFrame_TransferShow{TransferShow: &pb.TransferRef{Transfer: id}}})
		if err != nil && wsclient.ErrorCode(err) != "not_found" {
			return nil, err
		}
		if err == nil {
			v.transfers[id] = f.GetTransfer()
		}
	}
	for id := range v.packets {
		f, err := call(ctx, conns[0], &pb.ClientFrame{Req: &pb.ClientFrame_RedPacketShow{RedPacketShow: &pb.RedPacketRef{Packet: id}}})
		if err != nil && wsclient.ErrorCode(err) != "not_found" {
			return nil, err
		}
		if err == nil {
			v.packets[id] = f.GetRedPacket()
		}
	}
	return v, nil
}

// checkMoney compares what the clients were told (ops) with what the
// server holds (v) and fills in r's violations.
func checkMoney(r *MoneyChaosResult, ops []*moneyOp, v *moneyView) {
	problem := func(counter *int, format string, args ...any) {
		*counter++
		if len(r.Problems) < 40 {
			r.Problems = append(r.Problems, fmt.Sprintf(format, args...))
		}
	}
	type ukey struct {
		user   int
		kind   pb.WalletEntryKind
		amount int64
	}
	// The ledger's entries by user, kind and (positive) amount.
	entries := map[ukey][]*pb.WalletMovement{}
	byRef := map[ukey][]*pb.WalletMovement{} // amount holds the ref
	for i, ms := range v.history {
		var sum int64
		for _, m := range ms {
			a := m.Amount
			sum += a
			if a < 0 {
				a = -a
			}
			entries[ukey{i, m.Kind, a}] = append(entries[ukey{i, m.Kind, a}], m)
			byRef[ukey{i, m.Kind, m.Ref}] = append(byRef[ukey{i, m.Kind, m.Ref}], m)
			switch m.Kind {
			case pb.WalletEntryKind_WALLET_ENTRY_KIND_TOP_UP:
				r.LedgerToppedUp += m.Amount
			case pb.WalletEntryKind_WALLET_ENTRY_KIND_WITHDRAW, pb.WalletEntryKind_WALLET_ENTRY_KIND_WITHDRAW_REVERT:
				r.LedgerWithdrawn -= m.Amount
			}
		}
		if sum != v.balance[i] {
			problem(&r.BalanceDiffers, "user %d: balance %d fen, but the history adds up to %d", i, v.balance[i], sum)
		}
	}
	// Requests by user, kind and amount (to tell them apart in the ledger).
	requested := map[ukey][]*moneyOp{}
	kindOf := map[string]pb.WalletEntryKind{
		"topup": pb.WalletEntryKind_WALLET_ENTRY_KIND_TOP_UP, "withdraw": pb.WalletEntryKind_WALLET_ENTRY_KIND_WITHDRAW,
		"transfer": pb.WalletEntryKind_WALLET_ENTRY_KIND_TRANSFER_SEND,
		"packet":   pb.WalletEntryKind_WALLET_ENTRY_KIND_RED_PACKET_SEND,
	}
	for _, op := range ops {
		r.Ops++
		switch op.outcome {
		case "ok":
			r.Acked++
			switch op.kind {
			case "topup":
				r.TopUps++
			case "withdraw":
				r.Withdraws++
			case "transfer":
				r.Transfers++
			case "accept":
				r.Accepts++
			case "packet":
				r.Packets++
			case "grab":
				r.Grabs++
			}
		case "failed":
			r.Failed++
			if r.FailedBy == nil {
				r.FailedBy = map[string]int{}
			}
			r.FailedBy[op.kind+":"+op.reason]++
		case "unknown", "":
			r.Unknown++
		case "repeat":
			r.Ops--
			r.Repeated++
			if op.err != "" {
				problem(&r.RetryMismatch, "user %d's %s with key %s sent again: %s", op.user, op.kind, op.key, op.err)
			}
			continue
		}
		if k, ok := kindOf[op.kind]; ok {
			requested[ukey{op.user, k, op.amount}] = append(requested[ukey{op.user, k, op.amount}], op)
		}
	}
	// Top-ups, transfers and packets: each request applied at most once,
	// an acknowledged one exactly once and as acknowledged, a refused one
	// never; nothing in the ledger that nobody requested.
	for k, es := range entries {
		if k.kind != pb.WalletEntryKind_WALLET_ENTRY_KIND_TOP_UP && k.kind != pb.WalletEntryKind_WALLET_ENTRY_KIND_TRANSFER_SEND &&
			k.kind != pb.WalletEntryKind_WALLET_ENTRY_KIND_RED_PACKET_SEND && k.kind != pb.WalletEntryKind_WALLET_ENTRY_KIND_WITHDRAW {
			continue
		}
		reqs := requested[k]
		if len(reqs) == 0 {
			problem(&r.Phantom, "user %d: %d %s entries of %d fen that no client requested", k.user, len(es), k.kind, k.amount)
			continue
		}
		if len(es) > 1 {
			problem(&r.Duplicates, "user %d: %s of %d fen (key %s) applied %d times", k.user, k.kind, k.amount, reqs[0].key, len(es))
		}
		op := reqs[0]
		switch op.outcome {
		case "failed":
			problem(&r.Phantom, "user %d: %s of %d fen (key %s) was refused (%s) but is in the ledger", k.user, k.kind, k.amount, op.key, op.err)
		case "ok":
			byEntry := k.kind == pb.WalletEntryKind_WALLET_ENTRY_KIND_TOP_UP || k.kind == pb.WalletEntryKind_WALLET_ENTRY_KIND_WITHDRAW
			want := es[0].Ref
			if byEntry {
				want = es[0].Entry
			}
			if !slices.ContainsFunc(es, func(m *pb.WalletMovement) bool {
				if byEntry {
					return m.Entry == op.result
				}
				return m.Ref == op.result
			}) {
				problem(&r.Lost, "user %d: %s of %d fen (key %s) was acknowledged as %d; the ledger has %d", k.user, k.kind, k.amount, op.key, op.result, want)
			}
		}
	}
	for k, reqs := range requested {
		if reqs[0].outcome == "ok" && len(entries[k]) == 0 {
			problem(&r.Lost, "user %d: acknowledged %s of %d fen (key %s) is not in the ledger", k.user, reqs[0].kind, k.amount, reqs[0].key)
		}
	}
	if r.ProviderCharged != r.LedgerToppedUp {
		problem(&r.NotConserved, "the provider charged %d fen; the ledger credited %d for top-ups", r.ProviderCharged, r.LedgerToppedUp)
	}
	if r.ProviderPaid != r.LedgerWithdrawn {
		problem(&r.NotConserved, "the provider paid out %d fen; the ledger debited %d for withdrawals", r.ProviderPaid, r.LedgerWithdrawn)
	}
	// Transfers: the sender's entry once, at most one settlement, and an
	// acknowledged accept is in the receiver's ledger.
	var escrow int64
	for id, t := range v.transfers {
		if t == nil {
			problem(&r.Lost, "transfer %d: acknowledged or in the ledger, but nobody can see it", id)
			continue
		}
		from, to := v.ids[t.From], v.ids[t.To]
		if n := len(byRef[ukey{from, pb.WalletEntryKind_WALLET_ENTRY_KIND_TRANSFER_SEND, id}]); n != 1 {
			problem(&r.Duplicates, "transfer %d: %d send entries, want 1", id, n)
		}
		settled := len(byRef[ukey{to, pb.WalletEntryKind_WALLET_ENTRY_KIND_TRANSFER_ACCEPT, id}]) +
			len(byRef[ukey{from, pb.WalletEntryKind_WALLET_ENTRY_KIND_TRANSFER_RETURN, id}]) +
			len(byRef[ukey{from, pb.WalletEntryKind_WALLET_ENTRY_KIND_TRANSFER_REFUND, id}])
		want := 1
		if t.State == pb.TransferState_TRANSFER_STATE_PENDING {
			want = 0
			escrow += t.Amount
		}
		if settled != want {
			problem(&r.Duplicates, "transfer %d (%s): settled %d times in the ledger, want %d", id, t.State, settled, want)
		}
	}
	for _, op := range ops {
		if op.kind != "accept" || op.outcome != "ok" {
			continue
		}
		t := v.transfers[op.ref]
		if t == nil || t.State != pb.TransferState_TRANSFER_STATE_ACCEPTED {
			problem(&r.Lost, "user %d's accept of transfer %d was acknowledged, but the transfer is %v", op.user, op.ref, t.GetState())
		}
	}
	// Red packets: never over-grabbed, shares and what is left add up to
	// the total, each grab in its grabber's ledger once, acknowledged
	// grabs as acknowledged.
	grabbedBy := map[[2]int64]int64{}
	for id, p := range v.packets {
		if p == nil {
			problem(&r.Lost, "red packet %d: acknowledged or in the ledger, but nobody can see it", id)
			continue
		}
		sender := v.ids[p.Sender]
		if n := len(byRef[ukey{sender, pb.WalletEntryKind_WALLET_ENTRY_KIND_RED_PACKET_SEND, id}]); n != 1 {
			problem(&r.Duplicates, "red packet %d: %d send entries, want 1", id, n)
		}
		var sum int64
		seen := map[int64]bool{}
		for _, g := range p.Grabs {
			sum += g.Amount
			if seen[g.User] || g.Amount < 1 {
				problem(&r.OverGrabbed, "red packet %d: user %d grabbed twice or nothing (%d fen)", id, g.User, g.Amount)
			}
			seen[g.User] = true
			grabbedBy[[2]int64{id, g.User}] = g.Amount
			es := byRef[ukey{v.ids[g.User], pb.WalletEntryKind_WALLET_ENTRY_KIND_RED_PACKET_GRAB, id}]
			if len(es) != 1 || es[0].Amount != g.Amount {
				problem(&r.Duplicates, "red packet %d: user %d's grab of %d fen is in their ledger %d times", id, g.User, g.Amount, len(es))
			}
		}
		if int64(len(p.Grabs)) > int64(p.Count) || sum+p.Left != p.Total || int64(len(p.Grabs))+int64(p.LeftCount) != int64(p.Count) {
			problem(&r.OverGrabbed, "red packet %d: %d of %d shares grabbed for %d fen, %d fen left of %d", id, len(p.Grabs), p.Count, sum, p.Left, p.Total)
		}
		if p.State == pb.RedPacketState_RED_PACKET_STATE_OPEN {
			escrow += p.Left
		}
	}
	for i, ms := range v.history {
		for _, m := range ms {
			if m.Kind == pb.WalletEntryKind_WALLET_ENTRY_KIND_RED_PACKET_GRAB {
				var uid int64
				for id, j := range v.ids {
					if j == i {
						uid = id
					}
				}
				if _, ok := grabbedBy[[2]int64{m.Ref, uid}]; !ok {
					problem(&r.Phantom, "user %d has a grab of red packet %d that the packet does not list", i, m.Ref)
				}
			}
		}
	}
	for _, op := range ops {
		if op.kind != "grab" || op.outcome != "ok" {
			continue
		}
		var uid int64
		for id, j := range v.ids {
			if j == op.user {
				uid = id
			}
		}
		if got, ok := grabbedBy[[2]int64{op.ref, uid}]; !ok || got != op.result {
			problem(&r.Lost, "user %d's grab of red packet %d was acknowledged with %d fen; the packet lists %d", op.user, op.ref, op.result, got)
		}
	}
	// Totals: what is in the wallets and in escrow is what was topped up.
	var wallets int64
	for _, b := range v.balance {
		wallets += b
	}
	if wallets+escrow != r.LedgerToppedUp-r.LedgerWithdrawn {
		problem(&r.NotConserved, "wallets hold %d fen and escrow %d; %d were topped up and %d withdrawn", wallets, escrow, r.LedgerToppedUp, r.LedgerWithdrawn)
	}
	sort.Strings(r.Problems)
	r.OK = r.LedgerCheck && r.Lost == 0 && r.Duplicates == 0 && r.Phantom == 0 && r.RetryMismatch == 0 && r.OverGrabbed == 0 &&
		r.BalanceDiffers == 0 && r.NotConserved == 0
}

// WriteJSON writes r as one JSON line.
func (r *MoneyChaosResult) WriteJSON(w interface{ Write([]byte) (int, error) }) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}
