package impair

import (
	"encoding/binary"
	"math"
	"net"
	"sync"
	"testing"
	"time"
)

// The fates a line decides match its link: the share dropped, the range
// and mean of the delays, the share held back to reorder.
func TestFatesFollowTheLink(t *testing.T) {
	const n = 20000
	l := newLine(Link{Drop: 0.15, Delay: 10 * time.Millisecond, Jitter: 40 * time.Millisecond}, 7, 1, 1)
	var dropped int
	var sum time.Duration
	for range n {
		drop, d := l.fate()
		if drop {
			dropped++
			continue
		}
		if d < 10*time.Millisecond || d >= 50*time.Millisecond {
			t.Fatalf("delay %v outside [10ms, 50ms)", d)
		}
		sum += d
	}
	if got := float64(dropped) / n; got < 0.14 || got > 0.16 {
		t.Errorf("dropped %.4f of datagrams, want 0.15 ± 0.01", got)
	}
	if mean := sum / time.Duration(n-dropped); mean < 29*time.Millisecond || mean > 31*time.Millisecond {
		t.Errorf("mean delay %v, want 30ms ± 1ms", mean)
	}

	r := newLine(Link{Reorder: 0.1, ReorderBy: 25 * time.Millisecond}, 7, 1, 1)
	held := 0
	for range n {
		drop, d := r.fate()
		switch {
		case drop:
			t.Fatal("a link with Drop 0 dropped a datagram")
		case d == 25*time.Millisecond:
			held++
		case d != 0:
			t.Fatalf("delay %v; want 0 or 25ms", d)
		}
	}
	if got := float64(held) / n; math.Abs(got-0.1) > 0.01 {
		t.Errorf("held back %.4f of datagrams, want 0.1 ± 0.01", got)
	}
}

func TestSameSeedSameFates(t *testing.T) {
	link := Link{Drop: 0.3, Jitter: time.Second, Reorder: 0.2}
	a, b, c := newLine(link, 42, 1, 1), newLine(link, 42, 1, 1), newLine(link, 43, 1, 1)
	differ := false
	for i := range 1000 {
		da, xa := a.fate()
		db, xb := b.fate()
		dc, xc := c.fate()
		if da != db || xa != xb {
			t.Fatalf("datagram %d: seed 42 gave (%v, %v) then (%v, %v)", i, da, xa, db, xb)
		}
		differ = differ || da != dc || xa != xc
	}
	if !differ {
		t.Errorf("seeds 42 and 43 gave the same 1000 fates")
	}
}

func TestLinkValidation(t *testing.T) {
	for _, l := range []Link{{Drop: -0.1}, {Drop: 1.5}, {Reorder: 2}, {Delay: -time.Second}, {Jitter: -1}} {
		if _, err := New(Config{Listen: "127.0.0.1:0", Target: "127.0.0.1:9", Up: l}); err == nil {
			t.Errorf("New accepted link %+v", l)
		}
	}
}

// echo is a UDP server that answers each datagram with itself and
// records the addresses it heard from.
type echo struct {
	conn  net.PacketConn
	mu    sync.Mutex
	peers map[string]bool
}

func newEcho(t *testing.T) *echo {
	t.Helper()
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e := &echo{conn: c, peers: map[string]bool{}}
	t.Cleanup(func() { c.Close() })
	go func() {
		buf := make([]byte, 2048)
		for {
			n, from, err := c.ReadFrom(buf)
			if err != nil {
				return
			}
			e.mu.Lock()
			e.peers[from.String()] = true
			e.mu.Unlock()
			c.WriteTo(buf[:n], from)
		}
	}()
	return e
}

func startProxy(t *testing.T, target net.Addr, up, down Link) *Proxy {
	t.Helper()
	p, err := New(Config{Listen: "127.0.0.1:0", Target: target.String(), Up: up, Down: down, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// exchange sends n numbered datagrams through p every gap and returns the
// numbers echoed back in arrival order with their round-trip times,
// reading until quiet for the given time.
func exchange(t *testing.T, p *Proxy, n int, gap, quiet time.Duration) (seqs []uint32, rtts []time.Duration) {
	t.Helper()
	c, err := net.DialUDP("udp4", nil, p.Addr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadBuffer(4 << 20)
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 64)
		for {
			c.SetReadDeadline(time.Now().Add(quiet))
			k, err := c.Read(buf)
			if err != nil {
				return
			}
			if k < 12 {
				continue
			}
			seqs = append(seqs, binary.BigEndian.Uint32(buf))
			rtts = append(rtts, time.Since(time.Unix(0, int64(binary.BigEndian.Uint64(buf[4:])))))
		}
	}()
	msg := make([]byte, 20)
	for i := range n {
		binary.BigEndian.PutUint32(msg, uint32(i))
		binary.BigEndian.PutUint64(msg[4:], uint64(time.Now().UnixNano()))
		if _, err := c.Write(msg); err != nil {
			t.Fatal(err)
		}
		if gap > 0 {
			time.Sleep(gap) // pacing the sender, not waiting for a result
		}
	}
	<-done
	return seqs, rtts
}

func TestProxyDropsBothDirectionsAsSet(t *testing.T) {
	e := newEcho(t)
	p := startProxy(t, e.conn.LocalAddr(), Link{Drop: 0.1}, Link{Drop: 0.2})
	const n = 3000
	seqs, _ := exchange(t, p, n, 100*time.Microsecond, time.Second)
	st := p.Stats()
	if st.Up.Received != n || st.Up.Dropped+st.Up.Delivered+st.Up.Overflow != n {
		t.Fatalf("up counts %+v do not add up to %d", st.Up, n)
	}
	if got := float64(st.Up.Dropped) / n; got < 0.08 || got > 0.12 {
		t.Errorf("up dropped %.3f, want 0.1 ± 0.02", got)
	}
	if st.Down.Received == 0 {
		t.Fatal("nothing came back from the target")
	}
	if got := float64(st.Down.Dropped) / float64(st.Down.Received); got < 0.17 || got > 0.23 {
		t.Errorf("down dropped %.3f, want 0.2 ± 0.03", got)
	}
	if int64(len(seqs)) != st.Down.Delivered {
		t.Errorf("client received %d, proxy delivered %d", len(seqs), st.Down.Delivered)
	}
	if want := 0.9 * 0.8; math.Abs(float64(len(seqs))/n-want) > 0.04 {
		t.Errorf("round trips completed %.3f, want %.2f ± 0.04", float64(len(seqs))/n, want)
	}
}

func TestProxyDelaysAndJitterReorders(t *testing.T) {
	e := newEcho(t)
	p := startProxy(t, e.conn.LocalAddr(), Link{Delay: 50 * time.Millisecond}, Link{Delay: 30 * time.Millisecond})
	seqs, rtts := exchange(t, p, 50, 2*time.Millisecond, time.Second)
	if len(seqs) != 50 {
		t.Fatalf("got %d of 50 echoes with no loss set", len(seqs))
	}
	for i, r := range rtts {
		if r < 80*time.Millisecond {
			t.Errorf("echo %d after %v; the delays add up to 80ms", seqs[i], r)
		}
	}
	if n := outOfOrder(seqs); n != 0 {
		t.Errorf("%d echoes out of order with a fixed delay", n)
	}

	j := startProxy(t, e.conn.LocalAddr(), Link{Jitter: 40 * time.Millisecond}, Link{})
	seqs, rtts = exchange(t, j, 200, time.Millisecond, time.Second)
	if len(seqs) != 200 {
		t.Fatalf("got %d of 200 echoes with no loss set", len(seqs))
	}
	if n := outOfOrder(seqs); n < 10 {
		t.Errorf("%d of 200 echoes out of order with 40ms jitter 1ms apart; want many", n)
	}
	var maxRTT time.Duration
	for _, r := range rtts {
		maxRTT = max(maxRTT, r)
	}
	if maxRTT < 20*time.Millisecond {
		t.Errorf("longest round trip %v with 40ms jitter; want some above 20ms", maxRTT)
	}

	r := startProxy(t, e.conn.LocalAddr(), Link{Reorder: 0.2, ReorderBy: 30 * time.Millisecond}, Link{})
	seqs, _ = exchange(t, r, 200, time.Millisecond, time.Second)
	if n := outOfOrder(seqs); len(seqs) != 200 || n < 10 {
		t.Errorf("reorder 0.2: %d of %d echoes out of order; want all back, many out of order", n, len(seqs))
	}
}

// Each client has its own socket towards the target, and gets its own
// answers.
func TestProxySessionPerClient(t *testing.T) {
	e := newEcho(t)
	p := startProxy(t, e.conn.LocalAddr(), Link{}, Link{})
	for i := range 3 {
		seqs, _ := exchange(t, p, 5, 0, 300*time.Millisecond)
		if len(seqs) != 5 {
			t.Errorf("client %d got %d of its 5 echoes", i, len(seqs))
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.peers) != 3 {
		t.Errorf("target heard from %d addresses, want 3 (one per client)", len(e.peers))
	}
}

func outOfOrder(seqs []uint32) int {
	n := 0
	var hi uint32
	for i, s := range seqs {
		if i > 0 && s < hi {
			n++
		}
		hi = max(hi, s)
	}
	return n
}
