// Package impair is a userspace UDP impairment proxy for tests and the load
// generator, where the kernel's netem is not available: it stands between
// UDP clients and one target (a TURN server, a peer) and drops, delays,
// jitters and reorders datagrams in each direction, from a seed, so that a
// bad network can be reproduced.
//
// Each client address gets its own socket towards the target (as a NAT
// would), so the target sees one 5-tuple per client and its answers go
// back to the right client.
package impair

import (
	"container/heap"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// Link is what one direction does to datagrams.
type Link struct {
	// Drop is the probability (0–1) that a datagram is lost.
	Drop float64
	// Delay is added to every datagram; Jitter adds a uniformly random
	// further delay in [0, Jitter), so datagrams closer together than
	// the jitter arrive out of order.
	Delay, Jitter time.Duration
	// Reorder is the probability (0–1) that a datagram is held back a
	// further ReorderBy (default 20 ms), so that later ones overtake it.
	Reorder   float64
	ReorderBy time.Duration
}

func (l Link) validate() error {
	if l.Drop < 0 || l.Drop > 1 || l.Reorder < 0 || l.Reorder > 1 || l.Delay < 0 || l.Jitter < 0 || l.ReorderBy < 0 {
		return fmt.Errorf("impair: drop and reorder must be in 0–1, delays not negative: %+v", l)
	}
	return nil
}

// Config configures a Proxy.
type Config struct {
	// Listen is the proxy's UDP address, e.g. "127.0.0.1:0".
	Listen string
	// Target is where datagrams from clients go.
	Target string
	// Up is the client → target direction, Down the target → client one.
	Up, Down Link
	// Seed makes the run reproducible: the same seed, the same datagrams
	// in the same order get the same fate.
	Seed uint64
	// MaxSessions bounds the clients (default 4096); datagrams of more are
	// dropped. MaxQueued bounds the datagrams waiting in one direction
	// (default 65536).
	MaxSessions, MaxQueued int
}

// Counts are one direction's datagrams.
type Counts struct {
	Received  int64 // read from the sender
	Dropped   int64 // lost on purpose
	Overflow  int64 // lost because the queue or the session table was full
	Delivered int64 // written to the receiver
}

// Stats are both directions' counts.
type Stats struct{ Up, Down Counts }

// Proxy is a running impairment proxy.
type Proxy struct {
	cfg      Config
	ln       *net.UDPConn
	target   *net.UDPAddr
	up, down *line

	mu       sync.Mutex
	sessions map[netip.AddrPort]*net.UDPConn
	closed   bool
	wg       sync.WaitGroup
}

// New starts a proxy.
func New(cfg Config) (*Proxy, error) {
	if err := cfg.Up.validate(); err != nil {
		return nil, err
	}
	if err := cfg.Down.validate(); err != nil {
		return nil, err
	}
	if cfg.MaxSessions <= 0 {
		cfg.MaxSessions = 4096
	}
	if cfg.MaxQueued <= 0 {
		cfg.MaxQueued = 1 << 16
	}
	target, err := net.ResolveUDPAddr("udp", cfg.Target)
	if err != nil {
		return nil, fmt.Errorf("impair: target: %w", err)
	}
	laddr, err := net.ResolveUDPAddr("udp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("impair: listen: %w", err)
	}
	ln, err := net.ListenUDP("udp", laddr)
	if err != nil {
		return nil, fmt.Errorf("impair: %w", err)
	}
	ln.SetReadBuffer(4 << 20)
	ln.SetWriteBuffer(4 << 20)
	p := &Proxy{cfg: cfg, ln: ln, target: target, sessions: map[netip.AddrPort]*net.UDPConn{},
		up: newLine(cfg.Up, cfg.Seed, 1, cfg.MaxQueued), down: newLine(cfg.Down, cfg.Seed, 2, cfg.MaxQueued)}
	p.wg.Add(3)
	go func() { defer p.wg.Done(); p.up.run() }()
	go func() { defer p.wg.Done(); p.down.run() }()
	go func() { defer p.wg.Done(); p.readClients() }()
	return p, nil
}

// Addr is the address clients send to.
func (p *Proxy) Addr() net.Addr { return p.ln.LocalAddr() }

// Stats returns the counts so far.
func (p *Proxy) Stats() Stats { return Stats{Up: p.up.counts(), Down: p.down.counts()} }

// Close stops the proxy; datagrams still waiting are discarded.
func (p *Proxy) Close() error {
	p.mu.Lock()
	p.closed = true
	for _, c := range p.sessions {
		c.Close()
	}
	p.mu.Unlock()
	err := p.ln.Close()
	p.up.stop()
	p.down.stop()
	p.wg.Wait()
	return err
}

func (p *Proxy) readClients() {
	buf := make([]byte, 64<<10)
	for {
		n, from, err := p.ln.ReadFromUDPAddrPort(buf)
		if err != nil {
			return
		}
		up := p.session(from)
		if up == nil {
			p.up.received.Add(1)
			p.up.overflow.Add(1)
			continue
		}
		p.up.send(buf[:n], func(b []byte) error { _, err := up.Write(b); return err })
	}
}

// session returns the socket towards the target of client from, opening
// it (and its reader) the first time.
func (p *Proxy) session(from netip.AddrPort) *net.UDPConn {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c, ok := p.sessions[from]; ok || p.closed {
		return c
	}
	if len(p.sessions) >= p.cfg.MaxSessions {
		return nil
	}
	c, err := net.DialUDP("udp", nil, p.target)
	if err != nil {
		return nil
	}
	c.SetReadBuffer(1 << 20)
	p.sessions[from] = c
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		buf := make([]byte, 64<<10)
		for {
			n, err := c.Read(buf)
			if err != nil {
				if errors.Is(err, net.ErrClosed) {
					return
				}
				continue // e.g. ICMP port unreachable from the target
			}
			p.down.send(buf[:n], func(b []byte) error { _, err := p.ln.WriteToUDPAddrPort(b, from); return err })
		}
	}()
	return c
}

// line is one direction: it decides each datagram's fate in arrival order
// from its own random stream and writes it when it is due.
type line struct {
	link Link
	max  int

	mu      sync.Mutex
	rng     *rand.Rand
	q       queue
	seq     uint64
	wake    chan struct{}
	done    chan struct{}
	stopped bool

	received, dropped, overflow, delivered atomic.Int64
}

func newLine(l Link, seed, stream uint64, max int) *line {
	if l.ReorderBy == 0 {
		l.ReorderBy = 20 * time.Millisecond
	}
	return &line{link: l, max: max, rng: rand.New(rand.NewPCG(seed, stream)), wake: make(chan struct{}, 1), done: make(chan struct{})}
}

// fate decides whether a datagram is lost and how long it is held.
// Callers hold l.mu, so that decisions follow arrival order.
func (l *line) fate() (drop bool, delay time.Duration) {
	if l.link.Drop > 0 && l.rng.Float64() < l.link.Drop {
		return true, 0
	}
	delay = l.link.Delay
	if l.link.Jitter > 0 {
		delay += time.Duration(l.rng.Int64N(int64(l.link.Jitter)))
	}
	if l.link.Reorder > 0 && l.rng.Float64() < l.link.Reorder {
		delay += l.link.ReorderBy
	}
	return false, delay
}

func (l *line) send(b []byte, write func([]byte) error) {
	l.received.Add(1)
	l.mu.Lock()
	drop, delay := l.fate()
	if drop {
		l.mu.Unlock()
		l.dropped.Add(1)
		return
	}
	if delay == 0 && len(l.q) == 0 {
		l.mu.Unlock()
		if write(b) == nil {
			l.delivered.Add(1)
		}
		return
	}
	if len(l.q) >= l.max || l.stopped {
		l.mu.Unlock()
		l.overflow.Add(1)
		return
	}
	l.seq++
	heap.Push(&l.q, item{due: time.Now().Add(delay), seq: l.seq, data: append([]byte(nil), b...), write: write})
	first := l.q[0].seq == l.seq
	l.mu.Unlock()
	if first {
		select {
		case l.wake <- struct{}{}:
		default:
		}
	}
}

func (l *line) run() {
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	for {
		l.mu.Lock()
		now := time.Now()
		var due []item
		for len(l.q) > 0 && !l.q[0].due.After(now) {
			due = append(due, heap.Pop(&l.q).(item))
		}
		wait := time.Hour
		if len(l.q) > 0 {
			wait = l.q[0].due.Sub(now)
		}
		l.mu.Unlock()
		for _, it := range due {
			if it.write(it.data) == nil {
				l.delivered.Add(1)
			}
		}
		t.Reset(wait)
		select {
		case <-t.C:
		case <-l.wake:
		case <-l.done:
			return
		}
	}
}

func (l *line) stop() {
	l.mu.Lock()
	if !l.stopped {
		l.stopped = true
		close(l.done)
	}
	l.mu.Unlock()
}

func (l *line) counts() Counts {
	return Counts{Received: l.received.Load(), Dropped: l.dropped.Load(), Overflow: l.overflow.Load(), Delivered: l.delivered.Load()}
}

type item struct {
	due   time.Time
	seq   uint64
	data  []byte
	write func([]byte) error
}

// queue is a min-heap by due time, then arrival.
type queue []item

func (q queue) Len() int { return len(q) }
func (q queue) Less(i, j int) bool {
	if q[i].due.Equal(q[j].due) {
		return q[i].seq < q[j].seq
	}
	return q[i].due.Before(q[j].due)
}
func (q queue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *queue) Push(x any)   { *q = append(*q, x.(item)) }
func (q *queue) Pop() any {
	old := *q
	it := old[len(old)-1]
	*q = old[:len(old)-1]
	return it
}
