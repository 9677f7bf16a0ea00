package load

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"hongyan/internal/wsclient"
)

// runIdle is w2-idle: opt.Users authenticated connections (spread over the
// devices of 50 users), each caught up and following live pushes, held
// open for opt.Duration with the client's heartbeat. It reports how fast
// they connected and the server's memory per connection, read from its
// /metrics before and after (resident set, and Go heap plus stacks).
func runIdle(ctx context.Context, opt Options) (Result, error) {
	n := opt.Users
	ps, err := setupPairs(ctx, opt.Server, 50)
	if err != nil {
		return Result{}, err
	}
	for _, p := range ps {
		p.conn.Close()
	}
	before, err := serverMemory(ctx, opt.Server, opt.Admin)
	if err != nil {
		return Result{}, err
	}
	fmt.Fprintf(opt.Log, "w2-idle: opening %d connections to %s\n", n, opt.Server)
	conns := make([]*wsclient.Conn, n)
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
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
			p := ps[i%len(ps)]
			c, err := wsclient.Dial(ctx, opt.Server)
			if err != nil {
				errc <- err
				return
			}
			if _, err := c.Hello(ctx, p.token); err != nil {
				c.Close()
				errc <- err
				return
			}
			head, err := c.Ping(ctx, 0)
			if err != nil {
				c.Close()
				errc <- err
				return
			}
			if _, err := c.Sync(ctx, head, 1); err != nil { // live from the head
				c.Close()
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
	// Hold them idle (the server sends nothing to an idle client).
	select {
	case <-time.After(opt.Duration):
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
	after, err := serverMemory(ctx, opt.Server, opt.Admin)
	if err != nil {
		return Result{}, err
	}
	r := Result{
		Workload: "w2-idle", Users: len(ps), Conns: n, DurationS: opt.Duration.Seconds(),
		ConnectsPerS:           float64(n) / connectTime.Seconds(),
		ServerRSSBytesPerConn:  (after.rss - before.rss) / float64(n),
		ServerHeapBytesPerConn: (after.heap - before.heap) / float64(n),
	}
	fmt.Fprintf(opt.Log, "w2-idle: %d connections at %.0f connects/s; server memory per connection: %.0f bytes resident, %.0f bytes Go heap + stacks\n",
		n, r.ConnectsPerS, r.ServerRSSBytesPerConn, r.ServerHeapBytesPerConn)
	return r, nil
}

type memory struct{ rss, heap float64 }

// serverMemory reads the node's resident set and Go heap-plus-stack bytes
// in use from its /metrics, after a garbage collection when admin (the
// node's pprof listener) is given.
func serverMemory(ctx context.Context, server, admin string) (memory, error) {
	if admin != "" {
		resp, err := http.Get(strings.TrimSuffix(admin, "/") + "/debug/pprof/heap?gc=1")
		if err != nil {
			return memory{}, err
		}
		resp.Body.Close()
	}
	req, err := http.NewRequestWithContext(ctx, "GET", strings.TrimSuffix(server, "/")+"/metrics", nil)
	if err != nil {
		return memory{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return memory{}, err
	}
	defer resp.Body.Close()
	var m memory
	sc := bufio.NewScanner(resp.Body)
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
		case "go_memstats_heap_inuse_bytes", "go_memstats_stack_inuse_bytes":
			m.heap += v
		}
	}
	return m, sc.Err()
}
