package load

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Open-loop load (--open-loop RATES). A closed loop (each user waits for
// its ack before the next send) hides a slow server as a lower send rate:
// the sends it could not make are never measured (coordinated omission).
// In the open loop every sender has a schedule of its own — a Poisson
// process or a fixed interval at its share of the step's aggregate rate —
// and a send's latency counts from the time the schedule gave it, not from
// when it got out: a send that could not start on time (the sender's
// sends in flight all waiting, or the load generator itself behind) is
// counted as late, and its wait is part of its latency. The rate rises in
// steps; each step is measured on its own and drained before the next.

// Arrival processes of the open loop.
const (
	ArrivalPoisson = "poisson"
	ArrivalFixed   = "fixed"
)

// openLoopInflight bounds the sends of one sender waiting for their acks;
// a send due while they are all in flight waits (and is counted late).
const openLoopInflight = 64

// lateAfter is how far behind its schedule a send may start and still be
// on time.
const lateAfter = 10 * time.Millisecond

// openLoopDrain bounds the wait after a step for its acks and deliveries.
const openLoopDrain = 30 * time.Second

// StepResult is one rate step of an open-loop run. Latencies are from the
// scheduled send time: to delivery at the recipient (the last member in
// w3), and to the sender's ack.
type StepResult struct {
	RatePerS      float64 `json:"rate_per_s"`      // offered, aggregate
	DurationS     float64 `json:"duration_s"`      // the step's schedule
	Scheduled     int64   `json:"scheduled"`       // sends the schedule held
	Late          int64   `json:"late"`            // started more than 10 ms after their time
	Sent          int64   `json:"sent"`            // acknowledged
	Errors        int64   `json:"errors"`          // refused or failed
	Delivered     int64   `json:"delivered"`       // reached the recipient (w3: every member)
	SentPerS      float64 `json:"sent_per_s"`      // acknowledged per second of schedule
	DeliveredPerS float64 `json:"delivered_per_s"` // delivered per second of schedule
	LagP99Ms      float64 `json:"lag_p99_ms"`      // start behind schedule
	LagMaxMs      float64 `json:"lag_max_ms"`
	P50Ms         float64 `json:"p50_ms"`
	P90Ms         float64 `json:"p90_ms"`
	P99Ms         float64 `json:"p99_ms"`
	MaxMs         float64 `json:"max_ms"`
	FirstP99Ms    float64 `json:"first_half_p99_ms"`  // sends scheduled in the first half of the step
	SecondP99Ms   float64 `json:"second_half_p99_ms"` // and in the second
	AckP50Ms      float64 `json:"ack_p50_ms"`
	AckP99Ms      float64 `json:"ack_p99_ms"`
	// With --admin: the node's CPU time and heap allocations per
	// acknowledged message during the step (from its /metrics), and the
	// load generator's own CPU time per message.
	ServerCPUMsPerMsg  float64 `json:"server_cpu_ms_per_msg,omitempty"`
	ServerAllocsPerMsg float64 `json:"server_allocs_per_msg,omitempty"`
	ClientCPUMsPerMsg  float64 `json:"client_cpu_ms_per_msg,omitempty"`
	// With --admin: the statements the node's main writer sent per
	// message (BEGIN and COMMIT included; on PostgreSQL each a round trip
	// made inside the batch's transaction) and the mean operations per
	// commit.
	ServerStatementsPerMsg float64 `json:"server_statements_per_msg,omitempty"`
	ServerOpsPerCommit     float64 `json:"server_ops_per_commit,omitempty"`
	Drained                bool    `json:"drained"` // every send acked and delivered within 30 s of the step's end
	Flat                   bool    `json:"flat"`    // sustained: see flat()
}

// flat reports whether the step was sustained: everything drained, at most
// 1% of sends late, p99 within the limit, and the second half's p99 not
// above the first's by more than half plus 5 ms (no queue growing).
func (s *StepResult) flat(limit time.Duration) bool {
	lim := float64(limit) / 1e6
	return s.Drained && s.Errors == 0 && s.Scheduled > 0 &&
		float64(s.Late) <= 0.01*float64(s.Scheduled) &&
		s.P99Ms <= lim && s.SecondP99Ms <= 1.5*s.FirstP99Ms+5
}

// openLoop runs the rate steps of one workload over its senders.
type openLoop struct {
	rates    []float64
	stepDur  time.Duration
	arrival  string
	seed     uint64
	admin    string // the node's admin URL ("": no server figures)
	p99Limit time.Duration
	inflight int // sends of one sender in flight at most (0: openLoopInflight)
	// stopAfter ends the run after a step whose p99 exceeded it (higher
	// rates would only queue more).
	stopAfter time.Duration

	mu    sync.Mutex
	steps []*stepState // guarded by mu (appended as steps begin)
}

// stepState is a step being measured.
type stepState struct {
	rate     float64
	from, to int64 // the schedule's window, Unix nanoseconds
	mid      int64

	scheduled, late, sent, errs, delivered atomic.Int64
	lag, lat, first, second, ack           Histogram
}

// sendFunc sends one message scheduled at t (whose time the message
// carries) and calls done once when it was acknowledged (nil) or not. It
// may return before the answer (w1-direct: the connection's reader calls
// done), which spares the load generator a goroutine per send in flight.
type sendFunc func(ctx context.Context, t time.Time, done func(error))

// waitingSender makes a sendFunc of send, which waits for the answer: it
// runs on a goroutine of its own.
func waitingSender(send func(ctx context.Context, t time.Time) error) sendFunc {
	return func(ctx context.Context, t time.Time, done func(error)) {
		go func() { done(send(ctx, t)) }()
	}
}

// stepAt returns the step whose window holds the scheduled time ns.
func (o *openLoop) stepAt(ns int64) *stepState {
	o.mu.Lock()
	defer o.mu.Unlock()
	for i := len(o.steps) - 1; i >= 0; i-- {
		s := o.steps[i]
		if ns >= s.from && ns < s.to {
			return s
		}
	}
	return nil
}

// delivered records the delivery, at now, of a message whose text begins
// with its scheduled time in nanoseconds.
func (o *openLoop) delivered(text string, now time.Time) {
	ns, err := strconv.ParseInt(text[:min(19, len(text))], 10, 64)
	if err != nil {
		return
	}
	s := o.stepAt(ns)
	if s == nil {
		return
	}
	d := now.Sub(time.Unix(0, ns))
	s.lat.Record(d)
	if ns < s.mid {
		s.first.Record(d)
	} else {
		s.second.Record(d)
	}
	s.delivered.Add(1)
}

// run runs every step over senders and returns their results; log gets
// one line per step.
func (o *openLoop) run(ctx context.Context, senders []sendFunc, log func(string, ...any)) ([]StepResult, error) {
	var out []StepResult
	for k, rate := range o.rates {
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
		r := o.runStep(ctx, k, rate, senders)
		log("open loop %s %6.0f msg/s: sent %.0f/s delivered %.0f/s; p50 %.2f p90 %.2f p99 %.2f max %.2f ms (halves p99 %.2f → %.2f); ack p99 %.2f ms; late %d of %d (lag p99 %.2f max %.2f ms); errors %d; server %.3f ms CPU, %.1f allocations and %.2f writer statements per message (%.1f per commit), client %.3f ms CPU; %s",
			o.arrival, rate, r.SentPerS, r.DeliveredPerS, r.P50Ms, r.P90Ms, r.P99Ms, r.MaxMs, r.FirstP99Ms, r.SecondP99Ms, r.AckP99Ms,
			r.Late, r.Scheduled, r.LagP99Ms, r.LagMaxMs, r.Errors, r.ServerCPUMsPerMsg, r.ServerAllocsPerMsg, r.ServerStatementsPerMsg, r.ServerOpsPerCommit, r.ClientCPUMsPerMsg, map[bool]string{true: "flat", false: "NOT sustained"}[r.Flat])
		out = append(out, r)
		if !r.Drained || (o.stopAfter > 0 && r.P99Ms > float64(o.stopAfter)/1e6) {
			log("open loop: stopping after %.0f msg/s (p99 %.0f ms, drained %v)", rate, r.P99Ms, r.Drained)
			break
		}
	}
	return out, nil
}

// Sustained returns the highest rate of steps that was sustained (0 if
// none was).
func Sustained(steps []StepResult) float64 {
	var best float64
	for _, s := range steps {
		if s.Flat && s.RatePerS > best {
			best = s.RatePerS
		}
	}
	return best
}

// runStep runs one step at rate messages per second over senders.
func (o *openLoop) runStep(ctx context.Context, k int, rate float64, senders []sendFunc) StepResult {
	n := len(senders)
	start := time.Now().Add(100 * time.Millisecond) // time to start every sender
	s := &stepState{rate: rate, from: start.UnixNano(), to: start.Add(o.stepDur).UnixNano()}
	s.mid = s.from + int64(o.stepDur)/2
	o.mu.Lock()
	o.steps = append(o.steps, s)
	o.mu.Unlock()

	before := o.cost(ctx)
	mean := time.Duration(float64(time.Second) * float64(n) / rate) // per sender
	var wg, inflightWG sync.WaitGroup
	for i, send := range senders {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(o.seed, uint64(k)<<32|uint64(i)))
			gap := func() time.Duration {
				if o.arrival == ArrivalFixed {
					return mean
				}
				return time.Duration(rng.ExpFloat64() * float64(mean))
			}
			// Fixed: the senders' phases spread evenly over one
			// interval; Poisson: the first gap is a gap like any other.
			t := start.Add(time.Duration(float64(mean) * float64(i) / float64(n)))
			if o.arrival != ArrivalFixed {
				t = start.Add(gap())
			}
			slots := make(chan struct{}, cmp.Or(o.inflight, openLoopInflight))
			timer := time.NewTimer(time.Hour)
			defer timer.Stop()
			for t.UnixNano() < s.to {
				if d := time.Until(t); d > 0 {
					timer.Reset(d)
					select {
					case <-timer.C:
					case <-ctx.Done():
						return
					}
				}
				s.scheduled.Add(1)
				select {
				case slots <- struct{}{}:
				case <-ctx.Done():
					return
				}
				lag := time.Since(t)
				s.lag.Record(lag)
				if lag > lateAfter {
					s.late.Add(1)
				}
				inflightWG.Add(1)
				at := t
				send(ctx, at, func(err error) {
					defer inflightWG.Done()
					defer func() { <-slots }()
					if err != nil {
						s.errs.Add(1)
						return
					}
					s.ack.Record(time.Since(at))
					s.sent.Add(1)
				})
				t = t.Add(gap())
			}
		})
	}
	wg.Wait()
	inflightWG.Wait()
	// Every send is acked (or failed); wait for the deliveries.
	drained := false
	for deadline := time.Now().Add(openLoopDrain); ; {
		if s.delivered.Load() >= s.sent.Load() {
			drained = true
			break
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	dur := o.stepDur.Seconds()
	r := StepResult{
		RatePerS: rate, DurationS: dur,
		Scheduled: s.scheduled.Load(), Late: s.late.Load(), Sent: s.sent.Load(), Errors: s.errs.Load(),
		Delivered: s.delivered.Load(), Drained: drained && s.errs.Load() == 0,
		LagP99Ms: s.lag.Percentile(99), LagMaxMs: s.lag.Percentile(100),
		P50Ms: s.lat.Percentile(50), P90Ms: s.lat.Percentile(90), P99Ms: s.lat.Percentile(99), MaxMs: s.lat.Percentile(100),
		FirstP99Ms: s.first.Percentile(99), SecondP99Ms: s.second.Percentile(99),
		AckP50Ms: s.ack.Percentile(50), AckP99Ms: s.ack.Percentile(99),
	}
	r.SentPerS, r.DeliveredPerS = float64(r.Sent)/dur, float64(r.Delivered)/dur
	if after := o.cost(ctx); r.Sent > 0 {
		n := float64(r.Sent)
		r.ClientCPUMsPerMsg = (after.clientCPU - before.clientCPU) * 1e3 / n
		if before.ok && after.ok {
			r.ServerCPUMsPerMsg = (after.serverCPU - before.serverCPU) * 1e3 / n
			r.ServerAllocsPerMsg = (after.mallocs - before.mallocs) / n
		}
		if before.store && after.store {
			r.ServerStatementsPerMsg = (after.statements - before.statements) / n
			if b := after.batches - before.batches; b > 0 {
				r.ServerOpsPerCommit = (after.ops - before.ops) / b
			}
		}
	}
	r.Flat = r.flat(o.p99Limit)
	return r
}

// costs are CPU seconds and allocations so far, of the node (read from
// its admin listener's /metrics; ok when they were) and of this process.
type costs struct {
	ok                 bool
	serverCPU, mallocs float64
	// The main writer's counters (store: when the node exports them).
	store                    bool
	statements, batches, ops float64
	clientCPU                float64
}

func (o *openLoop) cost(ctx context.Context) costs {
	var c costs
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		c.clientCPU = time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
	}
	if o.admin == "" {
		return c
	}
	var b strings.Builder
	if err := get(ctx, strings.TrimSuffix(o.admin, "/")+"/metrics", &b); err != nil {
		return c
	}
	var cpu, mallocs bool
	for line := range strings.SplitSeq(b.String(), "\n") {
		name, val, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(val, 64)
		if err != nil {
			continue
		}
		switch name {
		case "process_cpu_seconds_total":
			c.serverCPU, cpu = v, true
		case "go_memstats_mallocs_total":
			c.mallocs, mallocs = v, true
		case `hongyan_store_statements_total{writer="main"}`:
			c.statements, c.store = v, true
		case `hongyan_store_batches_total{writer="main"}`:
			c.batches = v
		case `hongyan_store_ops_total{writer="main"}`:
			c.ops = v
		}
	}
	c.ok = cpu && mallocs
	return c
}

// ParseRates parses a comma-separated list of rates such as
// "2000,4000,6000" (ascending or not; they run in the order given).
func ParseRates(s string) ([]float64, error) {
	var out []float64
	for f := range strings.SplitSeq(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		r, err := strconv.ParseFloat(f, 64)
		if err != nil || r <= 0 || r > 1e7 {
			return nil, fmt.Errorf("open-loop rate %q: want a number of messages per second above 0", f)
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("open-loop: no rates in %q", s)
	}
	return out, nil
}

// printSteps prints the steps as a table and the sustained rate.
func printSteps(opt Options, steps []StepResult) {
	l := opt.Log
	fmt.Fprintf(l, "%10s %10s %10s %8s %8s %8s %8s %17s %8s %12s %11s %10s %s\n", "offered/s", "sent/s", "deliv/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "p99 1st→2nd half", "ack p99", "late", "srv CPU/msg", "allocs/msg", "")
	sorted := append([]StepResult(nil), steps...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].RatePerS < sorted[j].RatePerS })
	for _, s := range sorted {
		verdict := "flat"
		if !s.Flat {
			verdict = "not sustained"
		}
		fmt.Fprintf(l, "%10.0f %10.0f %10.0f %8.2f %8.2f %8.2f %8.1f %8.2f → %6.2f %8.2f %5d/%-6d %8.3f ms %10.1f %s\n",
			s.RatePerS, s.SentPerS, s.DeliveredPerS, s.P50Ms, s.P90Ms, s.P99Ms, s.MaxMs, s.FirstP99Ms, s.SecondP99Ms, s.AckP99Ms, s.Late, s.Scheduled, s.ServerCPUMsPerMsg, s.ServerAllocsPerMsg, verdict)
	}
	fmt.Fprintf(l, "sustained: %.0f msg/s (highest offered rate with p99 ≤ %s, ≤ 1%% late, no growing queue)\n", Sustained(steps), opt.P99Limit)
}
