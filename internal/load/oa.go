package load

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/wsclient"
)

// OAResult is w6-oa's own figures.
type OAResult struct {
	// (a) a broadcast to Followers followers, Sample of them online.
	Followers     int     `json:"followers"`
	Sample        int     `json:"sample"`
	SeedS         float64 `json:"seed_s"`          // making the synthetic followers (not timed below)
	BroadcastAckS float64 `json:"broadcast_ack_s"` // until the operator's request was answered
	SyncedMaxS    float64 `json:"synced_max_s"`    // until the last sampled follower's device had it
	SyncedP50S    float64 `json:"synced_p50_s"`
	Missing       int     `json:"missing"` // sampled followers that never got it
	// (b) followers' messages pushed to a loopback developer server.
	Senders    int     `json:"senders"`
	Acked      int64   `json:"acked"`        // messages acknowledged to their senders
	Received   int64   `json:"received"`     // pushes the developer's server received
	PushesPerS float64 `json:"pushes_per_s"` // unique MsgIds received per second
	// The CPU this process (node, clients and developer server, when
	// hongyan-load started the node) spent in the push phase, and the
	// pushes per CPU-second: on a shared machine the phase gets a
	// fraction of a core, and this is what a core does.
	PushCPUS      float64 `json:"push_cpu_s"`
	PushesPerCPUS float64 `json:"pushes_per_cpu_s"`
	Lost          int64   `json:"lost"`       // acknowledged, never received
	Duplicates    int64   `json:"duplicates"` // received more than once
}

// runOA is w6-oa, over the client protocol against a node this process
// started (it seeds the synthetic followers in the node's store:
// Options.SeedOAFollowers):
//
//  1. an operator's service account gets Followers followers: Users real
//     users who follow it through the protocol and stay connected, and the
//     rest synthetic; the operator broadcasts to all, and each connected
//     follower's device waits for the oa_message change pushed to it — the
//     time from the request until the last of them has it (target ≤ 10 s
//     for 100,000 on SQLite);
//  2. the account gets a developer server on loopback (plain mode: it
//     checks each push's signature and counts it by MsgId), and Senders
//     of those followers (default 16) send it texts for Duration,
//     Inflight at a time each: the
//     pushes per second the server received, and the acknowledged
//     messages it never received or received twice (target ≥ 2,000/s,
//     none lost or duplicated).
func runOA(ctx context.Context, opt Options) (Result, error) {
	if opt.SeedOAFollowers == nil {
		return Result{}, fmt.Errorf("w6-oa seeds its synthetic followers in the node's store: run it without --server (it starts its own node)")
	}
	followers := opt.Followers
	if followers <= 0 {
		followers = 100_000
	}
	sample := opt.Users
	if sample > followers {
		sample = followers
	}
	fmt.Fprintf(opt.Log, "w6-oa: registering %d users on %s\n", sample+1, opt.Server)
	ps, err := setupUsers(ctx, opt, sample+1)
	if err != nil {
		return Result{}, err
	}
	defer func() {
		for _, p := range ps {
			p.conn.Close()
		}
	}()
	owner, fans := ps[0], ps[1:sample+1]
	f, err := owner.conn.Call(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_OaCreate{OaCreate: &pb.OaCreateRequest{
		Org: "Load " + runID(), Name: "Load news", Kind: pb.OaKind_OA_KIND_SERVICE}}})
	if err != nil {
		return Result{}, fmt.Errorf("oa_create: %w", err)
	}
	acct := f.GetOaCreated().GetAccount()
	var next atomic.Int64
	if err := parallel(ctx, 16, func(ctx context.Context) error {
		for {
			i := next.Add(1) - 1
			if i >= int64(len(fans)) {
				return nil
			}
			if _, err := fans[i].conn.Call(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_OaFollow{OaFollow: &pb.OaRef{Account: acct.Id}}}); err != nil {
				return fmt.Errorf("oa_follow: %w", err)
			}
		}
	}); err != nil {
		return Result{}, err
	}
	senders := fans[:min(len(fans), 16)]
	if opt.Senders > 1 {
		senders = fans[:min(len(fans), opt.Senders)]
	}
	res := &OAResult{Followers: followers, Sample: len(fans), Senders: len(senders)}
	fmt.Fprintf(opt.Log, "w6-oa: seeding %d synthetic followers\n", followers-len(fans))
	t0 := time.Now()
	if err := opt.SeedOAFollowers(ctx, acct.Appid, followers-len(fans)); err != nil {
		return Result{}, fmt.Errorf("seeding followers: %w", err)
	}
	res.SeedS = time.Since(t0).Seconds()
	fmt.Fprintf(opt.Log, "w6-oa: seeded in %.1f s\n", res.SeedS)

	// (a) The broadcast. Each follower's device follows its change log
	// (sync to the head, then live pushes) as a client does.
	marker := "w6 broadcast " + runID()
	got := make(chan time.Duration, len(fans))
	wctx, cancelWait := context.WithTimeout(ctx, 2*time.Minute)
	defer cancelWait()
	var start time.Time
	var startMu sync.Mutex
	var wg sync.WaitGroup
	ready := make(chan struct{}, len(fans))
	for _, p := range fans {
		s := wsclient.NewSyncer(p.conn, 0)
		wg.Go(func() {
			for announced := false; ; {
				changes, err := s.Next(wctx)
				if err != nil {
					return
				}
				if s.Live() && !announced {
					announced = true
					ready <- struct{}{}
				}
				for _, c := range changes {
					if m := c.GetOaMessage(); m != nil && m.GetContent().GetText() == marker {
						startMu.Lock()
						d := time.Since(start)
						startMu.Unlock()
						got <- d
						return
					}
				}
			}
		})
	}
	for range fans {
		select {
		case <-ready:
		case <-wctx.Done():
			return Result{}, fmt.Errorf("the followers' devices did not catch up")
		}
	}
	startMu.Lock()
	start = time.Now()
	startMu.Unlock()
	if bf, err := owner.conn.Call(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_OaBroadcast{OaBroadcast: &pb.OaBroadcastRequest{
		Account: acct.Id, All: true, Content: &pb.OaContent{Kind: "text", Text: marker}}}}); err != nil {
		return Result{}, fmt.Errorf("oa_broadcast: %w", err)
	} else if total := bf.GetOaBroadcast().GetTotal(); total != int64(followers) {
		return Result{}, fmt.Errorf("the broadcast reached %d followers, want %d", total, followers)
	}
	res.BroadcastAckS = time.Since(start).Seconds()
	wg.Wait()
	close(got)
	var times []float64
	for d := range got {
		times = append(times, d.Seconds())
	}
	slices.Sort(times)
	res.Missing = len(fans) - len(times)
	if len(times) > 0 {
		res.SyncedMaxS, res.SyncedP50S = times[len(times)-1], times[len(times)/2]
	}
	fmt.Fprintf(opt.Log, "w6-oa: broadcast to %d followers: answered in %.2f s; %d sampled devices had it, p50 %.2f s, last %.2f s; %d never\n",
		followers, res.BroadcastAckS, len(times), res.SyncedP50S, res.SyncedMaxS, res.Missing)

	// (b) Pushes to a developer server on loopback.
	dev, err := newDevServer("w6token")
	if err != nil {
		return Result{}, err
	}
	defer dev.Close()
	if _, err := owner.conn.Call(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_OaSetServer{OaSetServer: &pb.OaServerRequest{
		Account: acct.Id, Url: dev.url, Token: "w6token", Mode: "plain"}}}); err != nil {
		return Result{}, fmt.Errorf("oa_set_server (the node needs officialaccounts.allow_private_callbacks): %w", err)
	}
	dev.reset()
	acked := make([][]int64, len(senders))
	var sendErrs atomic.Int64
	sctx, cancel := context.WithTimeout(ctx, opt.Duration)
	defer cancel()
	t1, cpu1 := time.Now(), processCPU()
	var sw sync.WaitGroup
	for i, p := range senders {
		var mu sync.Mutex
		for range max(1, opt.Inflight) {
			sw.Go(func() {
				for n := 0; sctx.Err() == nil; n++ {
					f, err := p.conn.Call(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_OaSend{OaSend: &pb.OaSendRequest{Account: acct.Id, Text: fmt.Sprintf("w6 %d", n)}}})
					if err != nil {
						sendErrs.Add(1)
						continue
					}
					mu.Lock()
					acked[i] = append(acked[i], f.GetOaMessage().GetId())
					mu.Unlock()
				}
			})
		}
	}
	sw.Wait()
	elapsed, cpu := time.Since(t1), processCPU()-cpu1
	// Each send is answered after its push (the node pushes before it
	// answers), so what the server has now is all it will get.
	seen := dev.snapshot()
	for _, ids := range acked {
		for _, id := range ids {
			res.Acked++
			if seen[id] == 0 {
				res.Lost++
			}
		}
	}
	for _, n := range seen {
		res.Received += int64(n)
		if n > 1 {
			res.Duplicates += int64(n - 1)
		}
	}
	res.PushesPerS = float64(len(seen)) / elapsed.Seconds()
	res.PushCPUS = cpu
	if cpu > 0 {
		res.PushesPerCPUS = float64(len(seen)) / cpu
	}
	fmt.Fprintf(opt.Log, "w6-oa: %d followers sent for %.1f s: %d acknowledged, %d pushes received (%.0f/s; %.1f CPU-s in this process, %.0f per CPU-s), %d lost, %d duplicated, %d send errors, %d bad pushes\n",
		len(senders), elapsed.Seconds(), res.Acked, res.Received, res.PushesPerS, cpu, res.PushesPerCPUS, res.Lost, res.Duplicates, sendErrs.Load(), dev.bad.Load())
	return Result{Workload: "w6-oa", Users: len(fans), DurationS: elapsed.Seconds(), Sent: res.Acked, SentPerS: float64(res.Acked) / elapsed.Seconds(),
		Errors: sendErrs.Load() + dev.bad.Load(), Lost: res.Lost + int64(res.Missing), Duplicates: res.Duplicates, OA: res}, nil
}

// devServer is a developer's server on loopback: it answers the URL
// verification, checks each push's signature and counts it by MsgId.
type devServer struct {
	url   string
	token string
	srv   *http.Server
	mu    sync.Mutex
	seen  map[int64]int
	bad   atomic.Int64
}

func newDevServer(token string) (*devServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	d := &devServer{url: "http://" + ln.Addr().String() + "/wx", token: token, seen: map[int64]int{}}
	d.srv = &http.Server{Handler: d, ReadHeaderTimeout: 10 * time.Second}
	go d.srv.Serve(ln)
	return d, nil
}

func (d *devServer) Close() error { return d.srv.Close() }

func (d *devServer) reset() {
	d.mu.Lock()
	d.seen = map[int64]int{}
	d.mu.Unlock()
}

func (d *devServer) snapshot() map[int64]int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.seen
}

func (d *devServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	parts := []string{d.token, q.Get("timestamp"), q.Get("nonce")}
	slices.Sort(parts)
	sum := sha1.Sum([]byte(strings.Join(parts, "")))
	if hex.EncodeToString(sum[:]) != q.Get("signature") {
		d.bad.Add(1)
		http.Error(w, "bad signature", http.StatusForbidden)
		return
	}
	if r.Method == http.MethodGet {
		io.WriteString(w, q.Get("echostr"))
		return
	}
	var m struct {
		MsgType string `xml:"MsgType"`
		MsgID   int64  `xml:"MsgId"`
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil || xml.Unmarshal(body, &m) != nil {
		d.bad.Add(1)
		http.Error(w, "bad push", http.StatusBadRequest)
		return
	}
	if m.MsgType == "text" && m.MsgID != 0 {
		d.mu.Lock()
		d.seen[m.MsgID]++
		d.mu.Unlock()
	}
	io.WriteString(w, "success")
}

// processCPU is the user and system CPU time of this process, in seconds.
func processCPU() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}
