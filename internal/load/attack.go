package load

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/wsclient"
)

// The attack workloads are denial-of-service attempts against a node on
// this machine, each bounded in connections and time, with a real client
// beside them: they report the server's memory and open files (from its
// admin listener's /metrics) before and during the attack, and whether
// the real client was still served.
//
//	attack-frames  unauthenticated connections that each send the 14-byte
//	               header of a large frame (--frame-bytes, 2 MiB) and
//	               nothing more
//	attack-idle    upgraded connections that never say hello
//
// and the abuse attacks of abuse.go (attack-recovery, attack-group,
// attack-decode, attack-flood). After the attack the server's memory is
// read again once it has settled: what an attack leaves behind.
const (
	maxAttackConns   = 25000
	attackDialers    = 64
	probeEvery       = 500 * time.Millisecond
	probeTimeout     = 3 * time.Second
	statsEvery       = 250 * time.Millisecond
	defaultFrameSize = 2 << 20
)

// runAttack runs one attack workload.
func runAttack(ctx context.Context, workload string, opt Options) (Result, error) {
	if !loopbackServer(opt.Server) {
		return Result{}, fmt.Errorf("%s runs only against a node on this machine (a loopback --server)", workload)
	}
	if opt.Admin == "" {
		return Result{}, fmt.Errorf("%s needs --admin, the node's admin listener, to read its memory and open files", workload)
	}
	conns := opt.Conns
	if conns <= 0 {
		conns = 300
		if workload == "attack-idle" {
			conns = 21000
		}
		if n, ok := defaultAbuseConns[workload]; ok {
			conns = n
		}
	}
	conns = min(conns, maxAttackConns)
	frame := opt.FrameBytes
	if frame <= 0 {
		frame = defaultFrameSize
	}
	src, err := attackSource(opt.SourceAddrs)
	if err != nil {
		return Result{}, err
	}

	// The real client: a user registered before the attack.
	token, err := probeAccount(ctx, opt)
	if err != nil {
		return Result{}, fmt.Errorf("real client: %w", err)
	}
	var ab *abuser
	if slices.Contains(abuseWorkloads, workload) {
		if ab, err = newAbuser(ctx, workload, opt, src); err != nil {
			return Result{}, err
		}
	}
	before, err := settledMemory(ctx, opt.Admin)
	if err != nil {
		return Result{}, err
	}
	r := Result{Workload: workload, Conns: conns, DurationS: opt.Duration.Seconds(),
		ServerRSSBeforeBytes: before.rss, ServerFDsBefore: before.fds}
	fmt.Fprintf(opt.Log, "%s: %d connections from %v against %s for %v; server before: %.1f MB resident, %.0f open files\n",
		workload, conns, src, opt.Server, opt.Duration, before.rss/1e6, before.fds)

	actx, stop := context.WithTimeout(ctx, opt.Duration)
	defer stop()
	var wg sync.WaitGroup
	// The server's memory and files, sampled through the attack.
	var peak memory
	var peakMu sync.Mutex
	wg.Go(func() {
		t := time.NewTicker(statsEvery)
		defer t.Stop()
		for {
			if m, err := serverMemory(actx, opt.Admin); err == nil {
				peakMu.Lock()
				peak.rss, peak.fds = max(peak.rss, m.rss), max(peak.fds, m.fds)
				peakMu.Unlock()
			}
			select {
			case <-actx.Done():
				return
			case <-t.C:
			}
		}
	})
	// The real client, twice a second: connect, hello, ping.
	var lat Histogram
	var tries, served atomic.Int64
	wg.Go(func() {
		t := time.NewTicker(probeEvery)
		defer t.Stop()
		for {
			select {
			case <-actx.Done():
				return
			case <-t.C:
			}
			tries.Add(1)
			start := time.Now()
			switch err := probe(actx, opt.Server, token); {
			case err == nil:
				served.Add(1)
				lat.Record(time.Since(start))
			case actx.Err() != nil:
				tries.Add(-1) // cut short by the end of the attack
			default:
				fmt.Fprintf(opt.Log, "%s: real client not served: %v\n", workload, err)
			}
		}
	})
	// The attacker.
	if ab != nil {
		ab.run(actx, conns)
		wg.Wait()
		ab.close()
		ab.report(&r, opt.Log)
	} else {
		a := &attacker{server: opt.Server, src: src, frame: frame, idle: workload == "attack-idle"}
		a.run(actx, conns)
		<-actx.Done()
		wg.Wait()
		a.closeAll()
		r.AttackOpened, r.AttackRefused, r.AttackClosedByServer = int(a.opened.Load()), int(a.refused.Load()), int(a.closed.Load())
	}
	r.ServerRSSBytes, r.ServerFDsMax = peak.rss, peak.fds
	r.ClientTries, r.ClientServed = int(tries.Load()), int(served.Load())
	r.P50Ms, r.P99Ms, r.MaxMs = lat.Percentile(50), lat.Percentile(99), lat.Percentile(100)
	if ab == nil {
		fmt.Fprintf(opt.Log, "%s: %d upgraded, %d refused or failed, %d closed by the server\n", workload, r.AttackOpened, r.AttackRefused, r.AttackClosedByServer)
	}
	fmt.Fprintf(opt.Log, "%s: server at most %.1f MB resident (%.1f before), %.0f open files (%.0f before); real client served %d of %d (p50 %.1f ms, p99 %.1f ms, max %.1f ms)\n",
		workload, r.ServerRSSBytes/1e6, before.rss/1e6, r.ServerFDsMax, before.fds, r.ClientServed, r.ClientTries, r.P50Ms, r.P99Ms, r.MaxMs)
	if after, err := memoryAfter(ctx, opt.Admin, before); err == nil {
		r.ServerRSSAfterBytes, r.ServerHeapAfterBytes = after.rss, after.heap
		fmt.Fprintf(opt.Log, "%s: server after the attack, settled: %.1f MB resident, %.1f MB of heap and stacks in use (%.1f before), %.0f open files\n",
			workload, after.rss/1e6, after.heap/1e6, before.heap/1e6, after.fds)
	}
	return r, nil
}

// attackSource is the address the attacker dials from: the first of
// --source-addrs, or a random 127.0.0.x other than 127.0.0.1 (which the
// real client uses), so that limits per address tell them apart.
func attackSource(addrs []netip.Addr) (netip.Addr, error) {
	if len(addrs) > 0 {
		if !addrs[0].IsLoopback() {
			return netip.Addr{}, fmt.Errorf("attack source %v is not a loopback address", addrs[0])
		}
		return addrs[0], nil
	}
	return netip.AddrFrom4([4]byte{127, 0, 0, byte(2 + rand.IntN(253))}), nil
}

// probeAccount registers the real client's user and returns its session.
func probeAccount(ctx context.Context, opt Options) (string, error) {
	c, err := wsclient.Dial(ctx, opt.Server)
	if err != nil {
		return "", err
	}
	defer c.Close()
	run := runID()
	s, err := c.Register(ctx, &pb.RegisterRequest{AccountId: "probe" + run, Password: "probe-password-" + run, DeviceName: "probe"})
	if err != nil {
		return "", err
	}
	return s.Token, nil
}

// probe is one visit of the real client: connect, hello, ping.
func probe(ctx context.Context, server, token string) error {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	c, err := wsclient.Dial(ctx, server)
	if err != nil {
		return err
	}
	defer c.Close()
	h, err := c.Hello(ctx, token)
	if err != nil {
		return err
	}
	_, err = c.Ping(ctx, h.Head)
	return err
}

// attacker opens the attack's connections and holds them.
type attacker struct {
	server string
	src    netip.Addr
	frame  int64
	idle   bool

	opened, refused, closed atomic.Int64
	mu                      sync.Mutex
	conns                   []net.Conn
}

// run opens n connections (attackDialers at a time) until ctx ends.
func (a *attacker) run(ctx context.Context, n int) {
	u, _ := url.Parse(a.server)
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: a.src.AsSlice()}, Timeout: probeTimeout}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range attackDialers {
		wg.Go(func() {
			for next.Add(1) <= int64(n) && ctx.Err() == nil {
				nc, err := upgrade(ctx, d, u.Host)
				if err != nil {
					a.refused.Add(1)
					continue
				}
				if !a.idle {
					// The header of a large binary frame, masked, and not
					// one byte of its payload.
					h := []byte{0x82, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4}
					binary.BigEndian.PutUint64(h[2:10], uint64(a.frame))
					nc.Write(h)
				}
				a.opened.Add(1)
				a.mu.Lock()
				a.conns = append(a.conns, nc)
				a.mu.Unlock()
				go func() {
					// Whatever the server says, until it closes.
					io.Copy(io.Discard, nc)
					if ctx.Err() == nil {
						a.closed.Add(1)
					}
				}()
			}
		})
	}
	wg.Wait()
}

func (a *attacker) closeAll() {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, nc := range a.conns {
		nc.Close()
	}
	a.conns = nil
}

// upgrade opens a WebSocket connection by hand (as an attacker would, with
// no client library) and returns it after the server's 101.
func upgrade(ctx context.Context, d *net.Dialer, host string) (net.Conn, error) {
	nc, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return nil, err
	}
	nc.SetDeadline(time.Now().Add(probeTimeout))
	req := "GET /ws HTTP/1.1\r\nHost: " + host + "\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" +
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
	if _, err := io.WriteString(nc, req); err != nil {
		nc.Close()
		return nil, err
	}
	resp, err := http.ReadResponse(bufio.NewReaderSize(nc, 512), nil)
	if err != nil {
		nc.Close()
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSwitchingProtocols {
		nc.Close()
		return nil, errors.New(strings.ToLower(resp.Status))
	}
	nc.SetDeadline(time.Time{})
	return nc, nil
}

// memoryAfter reads the server's memory after an attack, once its heap is
// back near where it was before (work the attack left in hand, such as an
// image being decoded, is done) or after a minute, and its resident set
// has settled.
func memoryAfter(ctx context.Context, admin string, before memory) (memory, error) {
	for range 60 {
		m, err := serverMemory(ctx, admin)
		if err != nil {
			return m, err
		}
		if m.heap < 2*before.heap+16<<20 {
			break
		}
		select {
		case <-time.After(time.Second):
		case <-ctx.Done():
			return m, ctx.Err()
		}
	}
	return settledMemory(ctx, admin)
}
