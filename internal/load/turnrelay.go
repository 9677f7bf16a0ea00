package load

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/turn/v4"

	"hongyan/internal/load/impair"
	"hongyan/internal/turnserver"
)

// TURNOptions configure the turn-relay workload.
type TURNOptions struct {
	// ICEServers issues credentials for a user (hongyan-load fills it from
	// the node it starts). Without it, Secret signs credentials for Addr.
	ICEServers func(user string) []turnserver.ICEServer
	Addr       string // host:port of the TURN server's UDP listener
	Secret     string
	// Impair, when set, puts an impairment proxy between the clients and
	// the TURN server, applying the link in both directions.
	Impair *impair.Link
	// Interval and PacketBytes shape the voice-like stream of each flow
	// in each direction (defaults 20 ms and 20 bytes: 1 KB/s).
	Interval    time.Duration
	PacketBytes int
}

// TURNResult is the turn-relay workload's figures.
type TURNResult struct {
	Flows       int       `json:"flows"`
	Allocated   int       `json:"allocated"`
	Failed      int       `json:"failed"`
	SetupS      float64   `json:"setup_s"`
	IntervalMs  float64   `json:"interval_ms"`
	PacketBytes int       `json:"packet_bytes"`
	DropPct     float64   `json:"impair_drop_pct,omitempty"`
	DelayMs     float64   `json:"impair_delay_ms,omitempty"`
	JitterMs    float64   `json:"impair_jitter_ms,omitempty"`
	ToPeer      TURNFlows `json:"to_peer"`   // client → relay → peer
	ToClient    TURNFlows `json:"to_client"` // peer → relay → client
}

// TURNFlows are one direction's datagrams over all flows.
type TURNFlows struct {
	Sent       int64   `json:"sent"`
	Delivered  int64   `json:"delivered"`
	Lost       int64   `json:"lost"`
	LossPct    float64 `json:"loss_pct"`
	Duplicates int64   `json:"duplicates"`
	P50Ms      float64 `json:"p50_ms"`
	P99Ms      float64 `json:"p99_ms"`
	MaxMs      float64 `json:"max_ms"`
}

// flowDir is one direction of one flow: which sequence numbers arrived.
type flowDir struct {
	mu    sync.Mutex
	seen  []bool
	sent  atomic.Int64
	ready atomic.Bool // the warm-up datagram arrived
}

func (d *flowDir) arrive(seq uint32, r *dirStats) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if int(seq) >= len(d.seen) {
		return
	}
	if d.seen[seq] {
		r.dups.Add(1)
		return
	}
	d.seen[seq] = true
	r.delivered.Add(1)
}

type dirStats struct {
	delivered, dups atomic.Int64
	lat             Histogram
}

type relayFlow struct {
	id       uint32
	client   *turn.Client
	conn     net.PacketConn // the client's socket towards TURN
	relay    net.PacketConn // the allocation
	peer     net.PacketConn // the far end's socket
	toPeer   flowDir
	toClient flowDir
}

const warmSeq = ^uint32(0)

// runTURNRelay runs opt.Users flows through the TURN server: each a TURN
// client with a relay and a plain UDP peer, sending to each other a
// datagram every interval for opt.Duration, and counts what arrived.
func runTURNRelay(ctx context.Context, opt Options) (Result, error) {
	t := opt.TURN
	if opt.Log == nil {
		opt.Log = io.Discard
	}
	if t.ICEServers == nil && (t.Addr == "" || t.Secret == "") {
		return Result{}, fmt.Errorf("turn-relay: no TURN server (start hongyan-load without --server, or give --turn-addr and --turn-secret)")
	}
	if t.Interval <= 0 {
		t.Interval = 20 * time.Millisecond
	}
	if t.PacketBytes < 16 {
		t.PacketBytes = 20
	}
	creds := func(user string) (addr, name, pass string, err error) {
		if t.ICEServers == nil {
			name, pass = turnserver.Credentials([]byte(t.Secret), user, time.Now().Add(time.Hour))
			return t.Addr, name, pass, nil
		}
		for _, s := range t.ICEServers(user) {
			for _, u := range s.URLs {
				if len(u) > 5 && u[:5] == "turn:" && len(u) > len("?transport=udp") && u[len(u)-len("?transport=udp"):] == "?transport=udp" {
					return u[5 : len(u)-len("?transport=udp")], s.Username, s.Credential, nil
				}
			}
		}
		return "", "", "", fmt.Errorf("turn-relay: the node gave no turn: URL over UDP")
	}
	res := TURNResult{Flows: opt.Users, IntervalMs: float64(t.Interval) / 1e6, PacketBytes: t.PacketBytes}
	target, _, _, err := creds("0")
	if err != nil {
		return Result{}, err
	}
	if t.Impair != nil {
		p, err := impair.New(impair.Config{Listen: "127.0.0.1:0", Target: target, Up: *t.Impair, Down: *t.Impair, Seed: opt.Seed, MaxSessions: opt.Users + 16})
		if err != nil {
			return Result{}, err
		}
		defer p.Close()
		target = p.Addr().String()
		res.DropPct, res.DelayMs, res.JitterMs = t.Impair.Drop*100, float64(t.Impair.Delay)/1e6, float64(t.Impair.Jitter)/1e6
		fmt.Fprintf(opt.Log, "impairment proxy %s → TURN: drop %.1f%%, delay %v, jitter %v\n", target, t.Impair.Drop*100, t.Impair.Delay, t.Impair.Jitter)
	}
	slots := int(opt.Duration/t.Interval) + 2
	var toPeer, toClient dirStats

	// Set up the flows, 8 at a time.
	start := time.Now()
	flows := make([]*relayFlow, opt.Users)
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i := range flows {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			_, name, pass, err := creds(strconv.Itoa(1_000_000 + i))
			var f *relayFlow
			if err == nil {
				f, err = openFlow(uint32(i), target, name, pass)
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				res.Failed++
				if res.Failed <= 3 {
					fmt.Fprintf(opt.Log, "flow %d: %v\n", i, err)
				}
				return
			}
			f.toPeer.seen, f.toClient.seen = make([]bool, slots), make([]bool, slots)
			flows[i] = f
			res.Allocated++
		}()
	}
	wg.Wait()
	defer func() {
		for _, f := range flows {
			if f != nil {
				f.close()
			}
		}
	}()
	live := flows[:0:0]
	for _, f := range flows {
		if f != nil {
			live = append(live, f)
		}
	}

	// Readers: the peer side and the client side of each flow.
	for _, f := range live {
		go readFlow(f.peer, f, &f.toPeer, &toPeer)
		go readFlow(f.relay, f, &f.toClient, &toClient)
	}
	// Warm up: both ways until each side has heard the other (the
	// permission and the channel exist), so that set-up is not counted
	// as loss.
	warmUntil := time.Now().Add(30 * time.Second)
	var ww sync.WaitGroup
	for _, f := range live {
		ww.Add(1)
		go func() {
			defer ww.Done()
			for !(f.toPeer.ready.Load() && f.toClient.ready.Load()) && time.Now().Before(warmUntil) {
				pkt := packet(f.id, warmSeq, t.PacketBytes)
				f.relay.WriteTo(pkt, f.peer.LocalAddr())
				f.peer.WriteTo(pkt, f.relay.LocalAddr())
				waitWarm(f, 100*time.Millisecond)
			}
		}()
	}
	ww.Wait()
	res.SetupS = time.Since(start).Seconds()
	fmt.Fprintf(opt.Log, "%d flows allocated (%d failed) in %.1fs; sending %d-byte datagrams every %v each way for %v\n",
		res.Allocated, res.Failed, res.SetupS, t.PacketBytes, t.Interval, opt.Duration)

	// Send: each flow on its own schedule, offset at random.
	sendCtx, cancel := context.WithTimeout(ctx, opt.Duration)
	defer cancel()
	var sw sync.WaitGroup
	for _, f := range live {
		sw.Add(1)
		go func() {
			defer sw.Done()
			sendFlow(sendCtx, f, t.Interval, t.PacketBytes, slots)
		}()
	}
	sw.Wait()
	// Let the last datagrams arrive: the impairment's longest hold, and a
	// second.
	drain := time.Second
	if t.Impair != nil {
		drain += t.Impair.Delay + t.Impair.Jitter + t.Impair.ReorderBy + 20*time.Millisecond
	}
	select {
	case <-time.After(drain):
	case <-ctx.Done():
	}

	for _, f := range live {
		res.ToPeer.Sent += f.toPeer.sent.Load()
		res.ToClient.Sent += f.toClient.sent.Load()
	}
	fill := func(d *TURNFlows, s *dirStats) {
		d.Delivered, d.Duplicates = s.delivered.Load(), s.dups.Load()
		d.Lost = d.Sent - d.Delivered
		if d.Sent > 0 {
			d.LossPct = 100 * float64(d.Lost) / float64(d.Sent)
		}
		d.P50Ms, d.P99Ms, d.MaxMs = s.lat.Percentile(50), s.lat.Percentile(99), s.lat.Percentile(100)
	}
	fill(&res.ToPeer, &toPeer)
	fill(&res.ToClient, &toClient)
	fmt.Fprintf(opt.Log, "to peer:   sent %d, delivered %d, lost %d (%.2f%%), p50 %.1f ms, p99 %.1f ms\n",
		res.ToPeer.Sent, res.ToPeer.Delivered, res.ToPeer.Lost, res.ToPeer.LossPct, res.ToPeer.P50Ms, res.ToPeer.P99Ms)
	fmt.Fprintf(opt.Log, "to client: sent %d, delivered %d, lost %d (%.2f%%), p50 %.1f ms, p99 %.1f ms\n",
		res.ToClient.Sent, res.ToClient.Delivered, res.ToClient.Lost, res.ToClient.LossPct, res.ToClient.P50Ms, res.ToClient.P99Ms)
	return Result{Workload: "turn-relay", Users: opt.Users, DurationS: opt.Duration.Seconds(), Sent: res.ToPeer.Sent + res.ToClient.Sent,
		Lost: res.ToPeer.Lost + res.ToClient.Lost, TURN: &res}, nil
}

// openFlow allocates a relay with the credentials and opens the peer.
func openFlow(id uint32, server, name, pass string) (*relayFlow, error) {
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	f := &relayFlow{id: id, conn: conn}
	f.client, err = turn.NewClient(&turn.ClientConfig{STUNServerAddr: server, TURNServerAddr: server, Conn: conn,
		Username: name, Password: pass, Realm: "hongyan"})
	if err == nil {
		err = f.client.Listen()
	}
	if err == nil {
		f.relay, err = f.client.Allocate()
	}
	if err == nil {
		f.peer, err = net.ListenPacket("udp4", "127.0.0.1:0")
	}
	if err != nil {
		f.close()
		return nil, err
	}
	return f, nil
}

func (f *relayFlow) close() {
	if f.relay != nil {
		f.relay.Close()
	}
	if f.client != nil {
		f.client.Close()
	}
	if f.peer != nil {
		f.peer.Close()
	}
	f.conn.Close()
}

// packet is a voice-like datagram: flow, sequence, send time, padding.
func packet(flow, seq uint32, size int) []byte {
	b := make([]byte, size)
	binary.BigEndian.PutUint32(b, flow)
	binary.BigEndian.PutUint32(b[4:], seq)
	binary.BigEndian.PutUint64(b[8:], uint64(time.Now().UnixNano()))
	return b
}

func readFlow(c net.PacketConn, f *relayFlow, d *flowDir, s *dirStats) {
	buf := make([]byte, 1500)
	for {
		n, _, err := c.ReadFrom(buf)
		if err != nil {
			return
		}
		if n < 16 || binary.BigEndian.Uint32(buf) != f.id {
			continue
		}
		seq := binary.BigEndian.Uint32(buf[4:])
		if seq == warmSeq {
			d.ready.Store(true)
			continue
		}
		s.lat.Record(time.Duration(time.Now().UnixNano() - int64(binary.BigEndian.Uint64(buf[8:]))))
		d.arrive(seq, s)
	}
}

func waitWarm(f *relayFlow, d time.Duration) {
	deadline := time.Now().Add(d)
	for !(f.toPeer.ready.Load() && f.toClient.ready.Load()) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond) // polling two flags with a deadline
	}
}

func sendFlow(ctx context.Context, f *relayFlow, every time.Duration, size, slots int) {
	select {
	case <-time.After(time.Duration(rand.Int64N(int64(every)))):
	case <-ctx.Done():
		return
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	peerAddr, relayAddr := f.peer.LocalAddr(), f.relay.LocalAddr()
	for seq := uint32(0); int(seq) < slots; seq++ {
		if _, err := f.relay.WriteTo(packet(f.id, seq, size), peerAddr); err == nil {
			f.toPeer.sent.Add(1)
		}
		if _, err := f.peer.WriteTo(packet(f.id, seq, size), relayAddr); err == nil {
			f.toClient.sent.Add(1)
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return
		}
	}
}
