package load

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"hongyan/internal/wsclient"
)

// idleUsers is how many users own the w2-idle connections (each user has
// many connections; they share its session).
const idleUsers = 50

// runIdle is w2-idle: opt.Users authenticated connections (spread over the
// devices of 50 users), each caught up and following live pushes, held
// open for opt.Duration with the client's heartbeat. It reports how fast
// they connected and the server's memory per connection, read from its
// /metrics before and after (resident set, and Go heap plus stacks), each
// time after a garbage collection when the admin listener is given.
//
// In a child process (--procs) it opens its share of the connections with
// the sessions its parent made, reports when they are open, and holds
// them until the parent, having read the server's memory, says go.
func runIdle(ctx context.Context, opt Options) (Result, error) {
	n := opt.Users
	var tokens []string
	var before memory
	if opt.child != nil {
		tokens = opt.child.tokens
		if len(tokens) == 0 {
			return Result{}, errors.New("w2-idle child: no sessions from the parent")
		}
	} else {
		var err error
		if tokens, err = idleSessions(ctx, opt); err != nil {
			return Result{}, err
		}
		if opt.Admin == "" {
			return Result{}, errors.New("w2-idle needs --admin, the node's admin listener, to read its memory")
		}
		if before, err = settledMemory(ctx, opt.Admin); err != nil {
			return Result{}, err
		}
	}
	fmt.Fprintf(opt.Log, "w2-idle: opening %d connections to %s\n", n, opt.Server)
	conns := make([]*wsclient.Conn, n)
	defer func() {
		var wg sync.WaitGroup
		for i, c := range conns {
			if c != nil {
				wg.Go(func() { c.Close() })
			}
			if i%256 == 255 {
				wg.Wait()
			}
		}
		wg.Wait()
	}()
	start := time.Now()
	var wg sync.WaitGroup
	errc := make(chan error, n)
	sem := make(chan struct{}, 64)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			c, err := connectIdle(ctx, opt, tokens[i%len(tokens)])
			if err != nil {
				errc <- err
				return
			}
			conns[i] = c
		}()
	}
	wg.Wait()
	connectTime := time.Since(start)
	close(errc)
	if err := <-errc; err != nil {
		return Result{}, err
	}
	r := Result{
		Workload: "w2-idle", Users: min(len(tokens), n), Conns: n, DurationS: opt.Duration.Seconds(),
		ConnectS: connectTime.Seconds(), ConnectsPerS: float64(n) / connectTime.Seconds(),
	}
	fmt.Fprintf(opt.Log, "w2-idle: %d connections open in %.2f s (%.0f connects/s)\n", n, r.ConnectS, r.ConnectsPerS)
	if opt.child != nil {
		// Hold them until the parent has read the server's memory.
		if err := opt.child.ready(r); err != nil {
			return Result{}, err
		}
		return r, nil
	}
	// Hold them idle (the server sends nothing to an idle client).
	select {
	case <-time.After(opt.Duration):
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
	after, err := serverMemory(ctx, opt.Admin)
	if err != nil {
		return Result{}, err
	}
	r.setMemory(before, after)
	r.print(opt)
	return r, nil
}

// setMemory fills in the server's memory per connection.
func (r *Result) setMemory(before, after memory) {
	r.ServerRSSBytes = after.rss
	r.ServerRSSBytesPerConn = (after.rss - before.rss) / float64(r.Conns)
	r.ServerHeapBytesPerConn = (after.heap - before.heap) / float64(r.Conns)
}

func (r *Result) print(opt Options) {
	fmt.Fprintf(opt.Log, "w2-idle: %d connections at %.0f connects/s; server memory per connection: %.0f bytes resident, %.0f bytes Go heap + stacks (resident in all %.1f MB)\n",
		r.Conns, r.ConnectsPerS, r.ServerRSSBytesPerConn, r.ServerHeapBytesPerConn, r.ServerRSSBytes/1e6)
}

// idleSessions registers the users of w2-idle and returns their sessions.
func idleSessions(ctx context.Context, opt Options) ([]string, error) {
	n := min(idleUsers, max(2, opt.Users))
	ps, err := setupPairs(ctx, opt, n-n%2)
	if err != nil {
		return nil, err
	}
	tokens := make([]string, len(ps))
	for i, p := range ps {
		p.conn.Close()
		tokens[i] = p.token
	}
	return tokens, nil
}

// connectIdle opens one connection as a device does: hello, then sync
// from the head, which turns live pushes on.
func connectIdle(ctx context.Context, opt Options, token string) (*wsclient.Conn, error) {
	c, err := opt.dial.Dial(ctx, opt.Server)
	if err != nil {
		return nil, err
	}
	hello, err := c.Hello(ctx, token)
	if err != nil {
		c.Close()
		return nil, err
	}
	if _, err := c.Sync(ctx, hello.Head, 1); err != nil { // live from the head
		c.Close()
		return nil, err
	}
	return c, nil
}

// memory is what a node's /metrics says of its process.
type memory struct{ rss, heap, fds float64 }

// settledMemory reads the server's memory once it has stopped shrinking:
// memory freed by the set-up (argon2 hashing takes tens of MB per
// registration) goes back to the system over a few seconds, and a reading
// taken before would hide the connections' memory in it. admin is the
// node's admin listener, whose /metrics it reads after a garbage
// collection.
func settledMemory(ctx context.Context, admin string) (memory, error) {
	m, err := serverMemory(ctx, admin)
	if err != nil {
		return m, err
	}
	for range 30 {
		select {
		case <-time.After(time.Second):
		case <-ctx.Done():
			return m, ctx.Err()
		}
		next, err := serverMemory(ctx, admin)
		if err != nil {
			return m, err
		}
		settled := m.rss-next.rss < 256<<10
		m = next
		if settled {
			break
		}
	}
	return m, nil
}

// serverMemory reads the node's resident set, Go heap-plus-stack bytes in
// use and open files from the /metrics of its admin listener, after a
// garbage collection (through the same listener's pprof).
func serverMemory(ctx context.Context, admin string) (memory, error) {
	admin = strings.TrimSuffix(admin, "/")
	if err := get(ctx, admin+"/debug/pprof/heap?gc=1", io.Discard); err != nil {
		return memory{}, err
	}
	var b strings.Builder
	if err := get(ctx, admin+"/metrics", &b); err != nil {
		return memory{}, err
	}
	var m memory
	sc := bufio.NewScanner(strings.NewReader(b.String()))
	for sc.Scan() {
		name, val, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(val, 64)
		if err != nil {
			continue
		}
		switch name {
		case "process_resident_memory_bytes":
			m.rss = v
		case "process_open_fds":
			m.fds = v
		case "go_memstats_heap_inuse_bytes", "go_memstats_stack_inuse_bytes":
			m.heap += v
		}
	}
	return m, sc.Err()
}

// get fetches url into w; any status but 200 is an error.
func get(ctx context.Context, url string, w io.Writer) error {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	_, err = io.Copy(w, resp.Body)
	return err
}
