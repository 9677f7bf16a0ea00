package load

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"hongyan/internal/callclient"
	"hongyan/internal/load/impair"
)

// CallsResult is w9-calls' own figures.
type CallsResult struct {
	Pairs  int   `json:"pairs"`
	Calls  int64 `json:"calls"`  // calls that carried media and were hung up
	Failed int64 `json:"failed"` // calls that ended any other way, or errors
	// Setup: from placing the call to the caller's first media packet
	// (the callee's device answering at once).
	SetupP50Ms float64 `json:"setup_p50_ms"`
	SetupP99Ms float64 `json:"setup_p99_ms"`
	SetupMaxMs float64 `json:"setup_max_ms"`
	// Voice: RTP bytes (headers included, no UDP/IP or SRTP overhead)
	// per second of call, each way.
	CallerBytesPerS float64 `json:"caller_bytes_per_s"`
	CalleeBytesPerS float64 `json:"callee_bytes_per_s"`
	PacketsLost     int64   `json:"packets_lost"`
	PacketsReceived int64   `json:"packets_received"`

	// With an impairment proxy in front of TURN (--drop, --jitter): the
	// caller gathers relay candidates only, through the proxy, so each
	// direction of media crosses the impaired leg once.
	DropPct  float64 `json:"drop_pct,omitempty"`
	DelayMs  float64 `json:"delay_ms,omitempty"`
	JitterMs float64 `json:"jitter_ms,omitempty"`
	// SetUp: calls whose media flowed; Dropped: of those, the ones that
	// did not end by a hang-up; NotSetUp: the ones whose media never flowed.
	SetUp    int64 `json:"set_up"`
	Dropped  int64 `json:"dropped"`
	NotSetUp int64 `json:"not_set_up"`
	// Voice is the received voice of both sides of every call set up.
	Voice *VoiceFigures `json:"voice,omitempty"`
}

// VoiceFigures sums the voice streams' quality (callclient.Quality) over
// calls.
type VoiceFigures struct {
	Streams      int64   `json:"streams"`
	Sent         int64   `json:"packets_sent"`
	Expected     int64   `json:"packets_expected"`
	Received     int64   `json:"packets_received"`
	Lost         int64   `json:"packets_lost"`
	Recovered    int64   `json:"fec_recovered"`
	Concealed    int64   `json:"concealed"`
	LossPct      float64 `json:"loss_pct"`
	ConcealedPct float64 `json:"concealed_pct"`
	JitterMs     float64 `json:"jitter_ms_mean"`
	DelayMs      float64 `json:"delay_ms_mean"`
	// MOS: the mean of the streams' estimates, the lowest, and the
	// estimate from the pooled figures.
	MOSMean   float64 `json:"mos_mean"`
	MOSMin    float64 `json:"mos_min"`
	MOSPooled float64 `json:"mos_pooled"`
	mosSum    float64
}

func (v *VoiceFigures) add(sent int64, q *callclient.Quality) {
	if q == nil {
		return
	}
	if v.Streams == 0 || q.MOS < v.MOSMin {
		v.MOSMin = q.MOS
	}
	v.Streams++
	v.Sent += sent
	v.Expected += q.Expected
	v.Received += q.Received
	v.Lost += q.Lost
	v.Recovered += q.Recovered
	v.Concealed += q.Concealed
	v.JitterMs += q.JitterMS
	v.DelayMs += q.DelayMS
	v.mosSum += q.MOS
}

func (v *VoiceFigures) finish() {
	if v.Streams == 0 {
		return
	}
	v.JitterMs /= float64(v.Streams)
	v.DelayMs /= float64(v.Streams)
	v.MOSMean = v.mosSum / float64(v.Streams)
	if v.Expected > 0 {
		v.LossPct = 100 * float64(v.Lost) / float64(v.Expected)
		v.ConcealedPct = 100 * float64(v.Concealed) / float64(v.Expected)
	}
	_, v.MOSPooled = callclient.EstimateMOS(v.ConcealedPct, v.DelayMs, v.JitterMs)
}

// runCalls is w9-calls: --users/2 pairs of friends, each caller calling
// its partner back to back for --duration, each call talking for 1 s with
// the Go call client's synthetic Opus (20 ms frames), through the node's
// signalling and straight between the two pion peers on loopback.
func runCalls(ctx context.Context, opt Options) (Result, error) {
	pairs := max(1, opt.Users/2)
	fmt.Fprintf(opt.Log, "w9-calls: registering %d pairs of friends on %s\n", pairs, opt.Server)
	ps, err := setupPairs(ctx, opt, pairs*2)
	if err != nil {
		return Result{}, err
	}
	defer func() {
		for _, p := range ps {
			p.conn.Close()
		}
	}()
	setup := &Histogram{}
	var mu sync.Mutex
	var out CallsResult
	var voice VoiceFigures
	var upBytes, downBytes, talkedMS int64
	talk := opt.CallTalk
	if talk <= 0 {
		talk = time.Second
	}
	var placed atomic.Int64
	var via string // the caller's TURN, through the impairment proxy
	if l := opt.TURN.Impair; l != nil {
		target := opt.TURN.Addr
		if target == "" && opt.TURN.ICEServers != nil {
			for _, s := range opt.TURN.ICEServers("0") {
				for _, u := range s.URLs {
					if rest, ok := strings.CutPrefix(u, "turn:"); ok && strings.HasSuffix(rest, "?transport=udp") {
						target = strings.TrimSuffix(rest, "?transport=udp")
					}
				}
			}
		}
		if target == "" {
			return Result{}, fmt.Errorf("w9-calls: an impairment needs the node's TURN address (--turn-addr with --server)")
		}
		p, err := impair.New(impair.Config{Listen: "127.0.0.1:0", Target: target, Up: *l, Down: *l, Seed: opt.Seed, MaxSessions: 8*pairs + 64})
		if err != nil {
			return Result{}, err
		}
		defer p.Close()
		via = p.Addr().String()
		out.DropPct, out.DelayMs, out.JitterMs = l.Drop*100, float64(l.Delay)/1e6, float64(l.Jitter)/1e6
		fmt.Fprintf(opt.Log, "w9-calls: callers relay through TURN via the impairment proxy %s → %s: drop %.1f%%, delay %v, jitter %v each way\n",
			via, target, l.Drop*100, l.Delay, l.Jitter)
	}
	end := time.Now().Add(opt.Duration)
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg, callers sync.WaitGroup
	errc := make(chan error, pairs*2)
	for i := range pairs {
		caller, callee := ps[2*i], ps[2*i+1]
		if caller.peer != callee {
			return Result{}, fmt.Errorf("w9-calls: participants %d and %d are not a pair", 2*i, 2*i+1)
		}
		cc, err := callclient.New(ctx, caller.conn, caller.id)
		if err != nil {
			return Result{}, err
		}
		defer cc.Close()
		ce, err := callclient.New(ctx, callee.conn, callee.id)
		if err != nil {
			return Result{}, err
		}
		defer ce.Close()
		wg.Add(2)
		callers.Add(1)
		go func() { // the callee answers every call until the run ends
			defer wg.Done()
			for runCtx.Err() == nil {
				r, err := ce.Answer(runCtx, callclient.Options{RingWait: opt.Duration + 30*time.Second})
				if err != nil {
					if runCtx.Err() == nil {
						errc <- fmt.Errorf("answer: %w", err)
					}
					return
				}
				mu.Lock()
				downBytes += r.BytesSent
				if r.SetupMS > 0 {
					voice.add(r.PacketsSent, r.Voice)
				}
				mu.Unlock()
			}
		}()
		go func() {
			defer wg.Done()
			defer callers.Done()
			for time.Now().Before(end) && ctx.Err() == nil && (opt.MaxCalls <= 0 || placed.Add(1) <= int64(opt.MaxCalls)) {
				r, err := cc.Place(ctx, callee.id, callclient.Options{Talk: talk, TURNVia: via, RelayOnly: via != ""})
				mu.Lock()
				if r.SetupMS > 0 {
					out.SetUp++
					voice.add(r.PacketsSent, r.Voice)
				} else {
					out.NotSetUp++
				}
				if err != nil || r.State != "hung_up" {
					out.Failed++
					if r.SetupMS > 0 {
						out.Dropped++
					}
					mu.Unlock()
					fmt.Fprintf(opt.Log, "w9-calls: call %d ended %q (set up: %v): %v\n", r.Call, r.State, r.SetupMS > 0, err)
					continue
				}
				out.Calls++
				setup.Record(time.Duration(r.SetupMS) * time.Millisecond)
				upBytes += r.BytesSent
				talkedMS += r.DurationMS
				out.PacketsLost += r.PacketsLost
				out.PacketsReceived += r.PacketsReceived
				mu.Unlock()
			}
		}()
	}
	// The callers stop at the end; then the callees.
	done, callersDone := make(chan struct{}), make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	go func() { callers.Wait(); close(callersDone) }()
	for time.Now().Before(end.Add(5 * time.Second)) {
		select {
		case err := <-errc:
			cancel()
			<-done
			return Result{}, err
		case <-done:
		case <-callersDone: // --calls placed
		case <-time.After(100 * time.Millisecond):
			continue
		}
		break
	}
	cancel()
	<-done
	out.Pairs = pairs
	if voice.finish(); voice.Streams > 0 {
		out.Voice = &voice
	}
	out.SetupP50Ms, out.SetupP99Ms, out.SetupMaxMs = setup.Percentile(50), setup.Percentile(99), setup.Percentile(100)
	if talkedMS > 0 {
		out.CallerBytesPerS = float64(upBytes) / (float64(talkedMS) / 1000)
		out.CalleeBytesPerS = float64(downBytes) / (float64(talkedMS) / 1000)
	}
	fmt.Fprintf(opt.Log, "w9-calls: %d calls (%d failed) on %d pairs; setup p50 %.1f ms p99 %.1f ms; voice %.0f B/s caller→callee, %.0f B/s back; lost %d of %d packets\n",
		out.Calls, out.Failed, pairs, out.SetupP50Ms, out.SetupP99Ms, out.CallerBytesPerS, out.CalleeBytesPerS, out.PacketsLost, out.PacketsReceived)
	fmt.Fprintf(opt.Log, "w9-calls: %d set up, %d dropped, %d never set up\n", out.SetUp, out.Dropped, out.NotSetUp)
	if v := out.Voice; v != nil {
		fmt.Fprintf(opt.Log, "w9-calls: voice, %d streams: %d packets sent, %d expected, %d received, %d lost (%.2f%%): %d recovered by FEC, %d concealed (%.2f%%); jitter %.1f ms, delay %.1f ms (means); MOS %.2f mean, %.2f lowest, %.2f pooled\n",
			v.Streams, v.Sent, v.Expected, v.Received, v.Lost, v.LossPct, v.Recovered, v.Concealed, v.ConcealedPct, v.JitterMs, v.DelayMs, v.MOSMean, v.MOSMin, v.MOSPooled)
	}
	return Result{Workload: "w9-calls", Users: pairs * 2, DurationS: opt.Duration.Seconds(), Sent: out.Calls, Errors: out.Failed,
		P50Ms: out.SetupP50Ms, P99Ms: out.SetupP99Ms, MaxMs: out.SetupMaxMs, Calls: &out}, nil
}
