package load

import (
	"context"
	"fmt"
	"sync"
	"time"

	"hongyan/internal/callclient"
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
	var upBytes, downBytes, talkedMS int64
	const talk = time.Second
	end := time.Now().Add(opt.Duration)
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
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
				mu.Unlock()
			}
		}()
		go func() {
			defer wg.Done()
			for time.Now().Before(end) && ctx.Err() == nil {
				r, err := cc.Place(ctx, callee.id, callclient.Options{Talk: talk})
				mu.Lock()
				if err != nil || r.State != "hung_up" {
					out.Failed++
					mu.Unlock()
					if err != nil {
						fmt.Fprintf(opt.Log, "w9-calls: call failed: %v\n", err)
					}
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
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	for time.Now().Before(end.Add(5 * time.Second)) {
		select {
		case err := <-errc:
			cancel()
			<-done
			return Result{}, err
		case <-done:
		case <-time.After(100 * time.Millisecond):
			continue
		}
		break
	}
	cancel()
	<-done
	out.Pairs = pairs
	out.SetupP50Ms, out.SetupP99Ms, out.SetupMaxMs = setup.Percentile(50), setup.Percentile(99), setup.Percentile(100)
	if talkedMS > 0 {
		out.CallerBytesPerS = float64(upBytes) / (float64(talkedMS) / 1000)
		out.CalleeBytesPerS = float64(downBytes) / (float64(talkedMS) / 1000)
	}
	fmt.Fprintf(opt.Log, "w9-calls: %d calls (%d failed) on %d pairs; setup p50 %.1f ms p99 %.1f ms; voice %.0f B/s caller→callee, %.0f B/s back; lost %d of %d packets\n",
		out.Calls, out.Failed, pairs, out.SetupP50Ms, out.SetupP99Ms, out.CallerBytesPerS, out.CalleeBytesPerS, out.PacketsLost, out.PacketsReceived)
	return Result{Workload: "w9-calls", Users: pairs * 2, DurationS: opt.Duration.Seconds(), Sent: out.Calls, Errors: out.Failed,
		P50Ms: out.SetupP50Ms, P99Ms: out.SetupP99Ms, MaxMs: out.SetupMaxMs, Calls: &out}, nil
}
