package load

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Spreading a workload over processes (--procs P). One process can hold
// only so many sockets (RLIMIT_NOFILE; 20,000 on the project's machine),
// so tens of thousands of connections need several client processes. The
// parent runs its own executable P times as
//
//	EXE WORKLOAD --child I --server … --users SHARE [--rate SHARE] …
//
// Each child sets up its share of the users, prints one line
// "READY {json}" on its standard output, waits for a line on its standard
// input (or its end), runs, and prints its Result as the last line, with
// the latency histogram in it. The parent starts the timed part of the run
// when every child is ready, and merges the results: counts add up, and
// latency percentiles come from the merged histograms — never averages of
// percentiles.

// childEnvTokens carries w2-idle's sessions from the parent to its
// children.
const childEnvTokens = "HONGYAN_LOAD_TOKENS"

// childIO is a child process's line to its parent.
type childIO struct {
	index  int
	tokens []string // w2-idle: the sessions the parent made
	in     *bufio.Reader
	out    io.Writer
}

// ready reports r (what was set up) to the parent and waits for its word.
func (c *childIO) ready(r Result) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(c.out, "READY %s\n", b); err != nil {
		return err
	}
	if _, err := c.in.ReadString('\n'); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

// RunChild runs workload as child index of a parent started with --procs:
// it reports readiness on stdout, waits for the word on stdin, and returns
// its result for the caller to print as JSON on stdout.
func RunChild(ctx context.Context, workload string, opt Options, index int, stdin io.Reader, stdout io.Writer) (Result, error) {
	opt.child = &childIO{index: index, in: bufio.NewReader(stdin), out: stdout}
	if t := os.Getenv(childEnvTokens); t != "" {
		opt.child.tokens = strings.Split(t, ",")
	}
	opt.Procs = 1
	r, err := Run(ctx, workload, opt)
	if err == nil && r.Latency == nil && workload != "w2-idle" {
		err = fmt.Errorf("child %d: %s reported no latency histogram", index, workload)
	}
	return r, err
}

// child is one running child process.
type child struct {
	index  int
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string // its stdout, line by line; closed at its end
	ready  Result
	result Result
}

// shares splits total into n parts, the first ones larger by one; with
// even, every part is even (w1's users come in pairs).
func shares(total, n int, even bool) []int {
	unit := 1
	if even {
		unit = 2
		total /= 2
	}
	out := make([]int, n)
	for i := range n {
		out[i] = total / n * unit
		if i < total%n {
			out[i] += unit
		}
	}
	return out
}

// runProcs is the parent of a run spread over opt.Procs processes.
func runProcs(ctx context.Context, workload string, opt Options) (Result, error) {
	if workload != "w1-direct" && workload != "w2-idle" {
		return Result{}, fmt.Errorf("--procs works with w1-direct and w2-idle, not %s", workload)
	}
	exe, err := os.Executable()
	if err != nil {
		return Result{}, err
	}
	// Source addresses are chosen here, once, so that the children share
	// one set (and consecutive runs still rotate through 127.0.0.x).
	d, err := newDialer(opt.Server, opt.SourceAddrs, opt.Users)
	if err != nil {
		return Result{}, err
	}
	opt.dial = d
	if len(d.addrs) > 0 {
		fmt.Fprintf(opt.Log, "dialling from %d source addresses (%v … %v)\n", len(d.addrs), d.addrs[0], d.addrs[len(d.addrs)-1])
	}
	var before memory
	var env []string
	if workload == "w2-idle" {
		if opt.Admin == "" {
			return Result{}, errors.New("w2-idle needs --admin, the node's admin listener, to read its memory")
		}
		tokens, err := idleSessions(ctx, opt)
		if err != nil {
			return Result{}, err
		}
		env = append(env, childEnvTokens+"="+strings.Join(tokens, ","))
		if before, err = settledMemory(ctx, opt.Admin); err != nil {
			return Result{}, err
		}
	}
	users := shares(opt.Users, opt.Procs, workload == "w1-direct")
	fmt.Fprintf(opt.Log, "%s: %d users over %d processes %v\n", workload, opt.Users, opt.Procs, users)
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var children []*child
	defer func() {
		for _, c := range children {
			c.stdin.Close()
			c.cmd.Wait()
		}
	}()
	for i, n := range users {
		args := []string{workload, "--child", strconv.Itoa(i), "--server", opt.Server,
			"--users", strconv.Itoa(n), "--duration", opt.Duration.String(),
			"--inflight", strconv.Itoa(opt.Inflight)}
		if opt.Rate > 0 {
			args = append(args, "--rate", strconv.FormatFloat(opt.Rate*float64(n)/float64(opt.Users), 'f', -1, 64))
		}
		if len(d.addrs) > 0 {
			args = append(args, "--source-addrs", FormatSourceAddrs(d.addrs))
		}
		c, err := startChild(cctx, exe, args, env, i, opt.Log)
		if err != nil {
			return Result{}, err
		}
		children = append(children, c)
	}
	// Wait until every child is set up.
	for _, c := range children {
		line, err := c.next("READY ")
		if err != nil {
			return Result{}, err
		}
		if err := json.Unmarshal([]byte(line), &c.ready); err != nil {
			return Result{}, fmt.Errorf("child %d: READY line: %w", c.index, err)
		}
	}
	var fsync Histogram
	probeCtx, stopProbe := context.WithCancel(ctx)
	defer stopProbe()
	probeDone := make(chan error, 1)
	var after memory
	if workload == "w2-idle" {
		probeDone <- nil
		select {
		case <-time.After(opt.Duration):
		case <-ctx.Done():
			return Result{}, ctx.Err()
		}
		if after, err = serverMemory(ctx, opt.Admin); err != nil {
			return Result{}, err
		}
	} else {
		go func() { probeDone <- fsyncProbe(probeCtx, opt.FsyncDir, &fsync) }()
	}
	for _, c := range children {
		fmt.Fprintln(c.stdin, "go")
	}
	for _, c := range children {
		line, err := c.next("{")
		if err != nil {
			return Result{}, err
		}
		if err := json.Unmarshal([]byte(line), &c.result); err != nil {
			return Result{}, fmt.Errorf("child %d: result: %w", c.index, err)
		}
		c.stdin.Close()
		if err := c.cmd.Wait(); err != nil {
			return Result{}, fmt.Errorf("child %d: %w", c.index, err)
		}
	}
	children, done := nil, children
	stopProbe()
	if err := <-probeDone; err != nil {
		fmt.Fprintf(opt.Log, "fsync probe: %v\n", err)
	}
	results := make([]Result, len(done))
	for i, c := range done {
		results[i] = c.result
	}
	r := mergeResults(workload, results)
	r.Procs = len(done)
	switch workload {
	case "w2-idle":
		r.Users = idleUsers
		r.setMemory(before, after)
		r.print(opt)
	case "w1-direct":
		r.FsyncP50Ms, r.FsyncP99Ms = fsync.Percentile(50), fsync.Percentile(99)
		r.printDirect(opt)
	}
	return r, nil
}

// startChild starts one child process; its standard error goes to log
// line by line, prefixed with its index.
func startChild(ctx context.Context, exe string, args, env []string, index int, log io.Writer) (*child, error) {
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Env = append(os.Environ(), env...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start child %d: %w", index, err)
	}
	c := &child{index: index, cmd: cmd, stdin: stdin, lines: make(chan string, 16)}
	go func() {
		defer close(c.lines)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(nil, 64<<20)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
	}()
	var logMu sync.Mutex
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			logMu.Lock()
			fmt.Fprintf(log, "[child %d] %s\n", index, sc.Text())
			logMu.Unlock()
		}
	}()
	return c, nil
}

// next returns the rest of the child's next output line that starts with
// prefix (the prefix "{" is kept: it is a JSON object), skipping others.
func (c *child) next(prefix string) (string, error) {
	for line := range c.lines {
		if rest, ok := strings.CutPrefix(line, prefix); ok {
			if prefix == "{" {
				return line, nil
			}
			return rest, nil
		}
	}
	err := c.cmd.Wait()
	return "", fmt.Errorf("child %d ended before its %q line: %v", c.index, strings.TrimSpace(prefix), err)
}

// mergeResults combines the results of the children of one run: counts
// add up, rates are totals over the longest child's time, and latency
// percentiles come from the merged histograms.
func mergeResults(workload string, rs []Result) Result {
	out := Result{Workload: workload}
	var lat, fsync Histogram
	var delivered float64
	for _, r := range rs {
		out.Users += r.Users
		out.Conns += r.Conns
		out.Sent += r.Sent
		out.Errors += r.Errors
		out.Lost += r.Lost
		out.Duplicates += r.Duplicates
		out.Reordered += r.Reordered
		out.Incomplete += r.Incomplete
		out.DurationS = max(out.DurationS, r.DurationS)
		out.ConnectS = max(out.ConnectS, r.ConnectS)
		delivered += r.DeliveredPerS * r.DurationS
		lat.mergeSnapshot(r.Latency)
		fsync.mergeSnapshot(r.Fsync)
	}
	if out.DurationS > 0 {
		out.SentPerS = float64(out.Sent) / out.DurationS
		out.DeliveredPerS = delivered / out.DurationS
	}
	if out.ConnectS > 0 {
		out.ConnectsPerS = float64(out.Conns) / out.ConnectS
	}
	out.setLatency(&lat, &fsync, false)
	return out
}
