package load

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
)

// The chaos-cluster workload: the chaos checker against a cluster — three
// `hongyan serve` children on one fresh PostgreSQL schema, NATS between
// them (a server inside this process, each node reaching it through a
// proxy of its own), and HAProxy in front (deploy/haproxy.cfg). Clients
// send w1-style through the balancer while a nemesis, one fault at a time,
// SIGKILLs a node (restarted at once), SIGSTOPs one for 10 s, restarts
// NATS, or cuts one node off from NATS for 5 s. Afterwards every device
// reads its change log and Check compares it with the history; besides
// loss, duplication and order, no client may go longer than 15 s between
// acknowledged sends (it resumes on another node).

// clusterMaxOutage is the longest a client may go without an acknowledged
// send while the cluster is faulted.
const clusterMaxOutage = 15 * time.Second

// clusterFaults are the nemesis's faults, in the order it cycles through
// them (from a seeded start).
var clusterFaults = []string{"kill", "stop", "nats", "partition"}

func runChaosCluster(ctx context.Context, opt Options) (Result, error) {
	if opt.Binary == "" {
		return Result{}, errors.New("chaos-cluster: the hongyan binary is needed (--binary)")
	}
	if opt.Postgres == "" {
		return Result{}, errors.New("chaos-cluster: a cluster runs on PostgreSQL (--postgres)")
	}
	haproxy, err := exec.LookPath("haproxy")
	if err != nil {
		return Result{}, errors.New("chaos-cluster: haproxy is not installed (apt-get install haproxy)")
	}
	lbConfig := opt.LBConfig
	if lbConfig == "" {
		lbConfig = "deploy/haproxy.cfg"
	}
	if _, err := os.Stat(lbConfig); err != nil {
		return Result{}, fmt.Errorf("chaos-cluster: the HAProxy configuration: %w", err)
	}
	faults := clusterFaults
	if opt.Faults != "" {
		faults = strings.Split(opt.Faults, ",")
		for _, f := range faults {
			if !slices.Contains(clusterFaults, f) {
				return Result{}, fmt.Errorf("chaos-cluster: unknown fault %q (known: %s)", f, strings.Join(clusterFaults, ","))
			}
		}
	}
	if opt.KillEvery <= 0 {
		opt.KillEvery = chaosDefaultKillEvery
	}
	if opt.Rate <= 0 {
		opt.Rate = chaosDefaultRate
	}
	users := opt.Users - opt.Users%2
	dir, err := os.MkdirTemp("", "hongyan-chaos-cluster")
	if err != nil {
		return Result{}, err
	}
	defer os.RemoveAll(dir)

	dsn, drop, err := freshSchema(ctx, opt.Postgres)
	if err != nil {
		return Result{}, err
	}
	defer drop()

	bus, err := startNATS(0)
	if err != nil {
		return Result{}, err
	}
	defer func() { bus.Shutdown() }()
	natsPort := bus.Addr().(*net.TCPAddr).Port

	safeEnv := append(os.Environ(),
		"HONGYAN_LIMITS_REGISTER_PER_MINUTE=0", "HONGYAN_LIMITS_LOGIN_PER_MINUTE=0",
		"HONGYAN_LIMITS_FRIEND_REQUESTS_PER_HOUR=0", "HONGYAN_LIMITS_SENDS_PER_MINUTE=0", "HONGYAN_LOG_LEVEL=warn",
		"HONGYAN_CONFIG=", "HONGYAN_UNSAFE_ACK_BEFORE_COMMIT=0",
		"HONGYAN_GATEWAY_DRAIN_TIMEOUT=2s", "HONGYAN_GATEWAY_MAX_CONNS_PER_ADDRESS=0",
		"HONGYAN_STORAGE_DRIVER=postgres", "HONGYAN_STORAGE_POSTGRES="+dsn)
	nodes := make([]*childServer, 3)
	proxies := make([]*tcpProxy, 3)
	for i := range nodes {
		p, err := newTCPProxy(fmt.Sprintf("127.0.0.1:%d", natsPort))
		if err != nil {
			return Result{}, err
		}
		defer p.close()
		proxies[i] = p
		env := append(slices.Clip(safeEnv), "HONGYAN_BUS=nats://"+p.addr())
		nodes[i] = &childServer{bin: opt.Binary, data: filepath.Join(dir, "data"), addr: "127.0.0.1:0", env: env,
			logPath: filepath.Join(dir, fmt.Sprintf("node%d.log", i+1))}
		if err := nodes[i].start(); err != nil {
			return Result{}, err
		}
		defer nodes[i].kill()
	}
	lbAddr, err := freePort()
	if err != nil {
		return Result{}, err
	}
	statsAddr, err := freePort()
	if err != nil {
		return Result{}, err
	}
	lb := exec.Command(haproxy, "-f", lbConfig)
	lb.Env = append(os.Environ(), "LB_LISTEN="+lbAddr, "LB_STATS="+statsAddr,
		"LB_NODE1="+nodes[0].addr, "LB_NODE2="+nodes[1].addr, "LB_NODE3="+nodes[2].addr)
	lbLog, err := os.Create(filepath.Join(dir, "haproxy.log"))
	if err != nil {
		return Result{}, err
	}
	defer lbLog.Close()
	lb.Stdout, lb.Stderr = lbLog, lbLog
	if err := lb.Start(); err != nil {
		return Result{}, err
	}
	defer func() { lb.Process.Kill(); lb.Wait() }()
	url := "http://" + lbAddr
	if err := waitReady(ctx, url, 30*time.Second); err != nil {
		return Result{}, fmt.Errorf("chaos-cluster: the balancer: %w", err)
	}
	fmt.Fprintf(opt.Log, "chaos-cluster: seed %d; 3 nodes on PostgreSQL and NATS behind HAProxy at %s; setting up %d users × 2 devices\n", opt.Seed, url, users)

	us, err := chaosSetup(ctx, url, users)
	if err != nil {
		return Result{}, fmt.Errorf("chaos-cluster setup: %w", err)
	}
	if opt.UnsafeAck {
		fmt.Fprintln(opt.Log, "chaos-cluster: NEGATIVE CONTROL: the nodes acknowledge sends before they commit; the checker must report loss")
		for _, n := range nodes {
			if err := n.restart(append(slices.Clip(n.env), "HONGYAN_UNSAFE_ACK_BEFORE_COMMIT=1")); err != nil {
				return Result{}, err
			}
		}
	}

	var h History
	var retries atomic.Int64
	var outMu sync.Mutex
	var maxOutage time.Duration
	start := time.Now()
	sendCtx, stopSend := context.WithTimeout(ctx, opt.Duration)
	defer stopSend()
	giveUp := start.Add(opt.Duration + chaosGiveUp)

	// The nemesis: one fault at a time, cycling through faults from a
	// seeded start, KillEvery (jittered) apart.
	counts := make(map[string]int)
	nemesisDone := make(chan error, 1)
	go func() {
		rng := rand.New(rand.NewPCG(opt.Seed, 0x6e656d65))
		k := rng.IntN(len(faults))
		for {
			wait := time.Duration(float64(opt.KillEvery) * (0.8 + 0.3*rng.Float64()))
			select {
			case <-sendCtx.Done():
				nemesisDone <- nil
				return
			case <-time.After(wait):
			}
			fault := faults[k%len(faults)]
			k++
			victim := rng.IntN(len(nodes))
			fmt.Fprintf(opt.Log, "chaos-cluster: %.1fs %s node%d\n", time.Since(start).Seconds(), fault, victim+1)
			var err error
			switch fault {
			case "kill":
				nodes[victim].kill()
				err = nodes[victim].start()
			case "stop":
				err = nodes[victim].pause(sendCtx, 10*time.Second)
			case "nats":
				bus.Shutdown()
				bus.WaitForShutdown()
				bus, err = startNATS(natsPort)
			case "partition":
				proxies[victim].cut(sendCtx, 5*time.Second)
			}
			counts[fault]++
			if err != nil {
				nemesisDone <- fmt.Errorf("%s node%d: %w", fault, victim+1, err)
				stopSend()
				return
			}
		}
	}()

	fmt.Fprintf(opt.Log, "chaos-cluster: sending for %s at %s, a fault every ~%s (%s)\n", opt.Duration, rateName(opt.Rate), opt.KillEvery, strings.Join(faults, ", "))
	chaosSend(ctx, sendCtx, chaosSendOptions{url: url, users: us, h: &h, retries: &retries, seed: opt.Seed, start: start, giveUp: giveUp, rate: opt.Rate, prefix: "cc",
		outage: func(d time.Duration) {
			outMu.Lock()
			maxOutage = max(maxOutage, d)
			outMu.Unlock()
		}})
	elapsed := time.Since(start)
	if err := <-nemesisDone; err != nil {
		return Result{}, fmt.Errorf("chaos-cluster nemesis: %w", err)
	}
	// Heal everything, then restart each node gracefully (safe), so that
	// the reads see the outcome of the faults.
	unexpected := 0
	for i, n := range nodes {
		if n.exited() {
			unexpected++
			fmt.Fprintf(opt.Log, "chaos-cluster: node%d exited on its own; its log: %s\n", i+1, n.logTail())
		}
		env := slices.DeleteFunc(slices.Clone(n.env), func(e string) bool { return e == "HONGYAN_UNSAFE_ACK_BEFORE_COMMIT=1" })
		if err := n.restart(env); err != nil {
			return Result{}, err
		}
	}
	if err := waitReady(ctx, url, 30*time.Second); err != nil {
		return Result{}, fmt.Errorf("chaos-cluster: the balancer after the faults: %w", err)
	}

	fmt.Fprintf(opt.Log, "chaos-cluster: faults %v in %.1f s; reading every device's change log through the balancer\n", counts, elapsed.Seconds())
	views, logGaps, problems, err := chaosViews(ctx, url, us)
	if err != nil {
		return Result{}, err
	}
	if maxOutage > clusterMaxOutage {
		problems = append(problems, fmt.Sprintf("a client went %s without an acknowledged send (at most %s)", maxOutage.Round(time.Millisecond), clusterMaxOutage))
	}
	rep := Check(h.Ops(), views)
	cr := &ChaosResult{
		Workload: "chaos-cluster", Seed: opt.Seed, UnsafeAck: opt.UnsafeAck, Users: len(us), DurationS: elapsed.Seconds(),
		Kills: counts["kill"], UnexpectedExit: unexpected,
		Sent: rep.Sent, Acked: rep.Acked, Failed: rep.Failed, Unknown: rep.Unknown, Retries: retries.Load(),
		Lost: rep.Lost, Duplicates: rep.Duplicates, Gaps: rep.Gaps, LogGaps: logGaps, Divergent: rep.Divergent,
		Phantom: rep.Phantom, FailedPresent: rep.FailedPresent, AckMismatch: rep.AckMismatch,
		UnknownPresent: rep.UnknownPresent, UnknownAbsent: rep.UnknownAbsent,
		Stops: counts["stop"], NATSRestarts: counts["nats"], Partitions: counts["partition"], MaxOutageS: maxOutage.Seconds(),
		OK:       rep.OK() && logGaps == 0 && maxOutage <= clusterMaxOutage,
		Problems: append(problems, rep.Problems...),
	}
	for _, p := range cr.Problems {
		fmt.Fprintf(opt.Log, "chaos: VIOLATION %s\n", p)
	}
	verdict := "ok"
	if !cr.OK {
		verdict = "VIOLATIONS FOUND"
	}
	fmt.Fprintf(opt.Log, "chaos-cluster: seed %d, faults %v: sent %d, acked %d, failed %d, unknown %d (present %d, absent %d), retries %d; lost %d, duplicates %d, gaps %d, log gaps %d, divergent %d, phantom %d; longest outage %.1f s: %s\n",
		cr.Seed, counts, cr.Sent, cr.Acked, cr.Failed, cr.Unknown, cr.UnknownPresent, cr.UnknownAbsent, cr.Retries,
		cr.Lost, cr.Duplicates, cr.Gaps, cr.LogGaps, cr.Divergent, cr.Phantom, cr.MaxOutageS, verdict)
	return Result{Workload: "chaos-cluster", Users: len(us), DurationS: elapsed.Seconds(), Sent: int64(cr.Acked), Lost: int64(cr.Lost), Duplicates: int64(cr.Duplicates), Chaos: cr}, nil
}

// startNATS runs a NATS server in this process on port (0: any free one).
func startNATS(port int) (*natsserver.Server, error) {
	if port == 0 {
		port = -1
	}
	var last error
	for try := 0; try < 50; try++ { // the old server's port may take a moment to free
		s, err := natsserver.NewServer(&natsserver.Options{Host: "127.0.0.1", Port: port, NoLog: true, NoSigs: true})
		if err != nil {
			return nil, err
		}
		s.Start()
		if s.ReadyForConnections(5 * time.Second) {
			return s, nil
		}
		s.Shutdown()
		last = errors.New("nats server not ready")
		time.Sleep(100 * time.Millisecond)
	}
	return nil, last
}

// waitReady waits until url answers /readyz with 200.
func waitReady(ctx context.Context, url string, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		if ready(ctx, url) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s/readyz not ready after %s", url, within)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// ready reports whether url answers /readyz with 200.
func ready(ctx context.Context, url string) bool {
	rctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, url+"/readyz", nil)
	if err != nil {
		return false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// freePort returns a loopback address whose port is free now.
func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// pause stops the child with SIGSTOP for d (or until ctx ends), then lets
// it go on with SIGCONT.
func (s *childServer) pause(ctx context.Context, d time.Duration) error {
	if s.exited() {
		return nil
	}
	if err := s.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		return err
	}
	select {
	case <-time.After(d):
	case <-ctx.Done():
	}
	return s.cmd.Process.Signal(syscall.SIGCONT)
}

// tcpProxy forwards connections to a target; cut closes them all and
// refuses new ones for a while (a node cut off from NATS).
type tcpProxy struct {
	ln     net.Listener
	target string

	mu    sync.Mutex
	conns map[net.Conn]struct{}
	until time.Time // refuse until then
}

func newTCPProxy(target string) (*tcpProxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &tcpProxy{ln: ln, target: target, conns: make(map[net.Conn]struct{})}
	go p.accept()
	return p, nil
}

func (p *tcpProxy) addr() string { return p.ln.Addr().String() }

func (p *tcpProxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		refuse := time.Now().Before(p.until)
		p.mu.Unlock()
		if refuse {
			c.Close()
			continue
		}
		go p.pipe(c)
	}
}

func (p *tcpProxy) pipe(c net.Conn) {
	t, err := net.DialTimeout("tcp", p.target, 2*time.Second)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	p.conns[c], p.conns[t] = struct{}{}, struct{}{}
	p.mu.Unlock()
	done := make(chan struct{}, 2)
	go func() { io.Copy(t, c); done <- struct{}{} }()
	go func() { io.Copy(c, t); done <- struct{}{} }()
	<-done
	c.Close()
	t.Close()
	p.mu.Lock()
	delete(p.conns, c)
	delete(p.conns, t)
	p.mu.Unlock()
}

// cut drops every connection through the proxy and refuses new ones for d
// (or until ctx ends).
func (p *tcpProxy) cut(ctx context.Context, d time.Duration) {
	p.mu.Lock()
	p.until = time.Now().Add(d)
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	select {
	case <-time.After(d):
	case <-ctx.Done():
		p.mu.Lock()
		p.until = time.Time{}
		p.mu.Unlock()
	}
}

func (p *tcpProxy) close() { p.ln.Close() }
