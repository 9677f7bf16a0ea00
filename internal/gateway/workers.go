package gateway

import (
	"cmp"
	"sync"
	"time"
)

// Workers run the short-lived work of connections (a burst of requests, a
// send waiting for its commit, a batch of writes) on goroutines kept
// between uses. A new goroutine starts on the smallest stack (the runtime
// sizes new stacks after the average of all goroutines, and idle
// connections' readers keep that at its minimum) and a request's path
// down through the store grows it by copying, three or four times, for
// every request: with 1,000 users each sending a few messages a second
// that copying was 6–12% of the node's CPU (BENCHMARKS.md, "Where a
// message's cost goes"). A worker keeps the stack it grew; one idle for
// workerIdle ends, so an idle node keeps none of them.
type workers struct {
	mu       sync.Mutex
	idle     []*worker // most recently idle last
	sweeping bool      // the sweeper goroutine runs
	started  int       // goroutines started
	// idleFor is how long a worker may wait for work (0: workerIdle).
	idleFor time.Duration
}

// worker is a goroutine waiting for its next function.
type worker struct {
	next  chan func() // nil ends the worker
	since int64       // mono when it became idle
}

const (
	// maxIdleWorkers bounds the goroutines kept waiting: beyond it a
	// worker that finishes ends.
	maxIdleWorkers = 256
	// workerIdle is how long an idle worker waits for work before it
	// ends (checked by the sweeper, so at most twice that).
	workerIdle = 2 * time.Second
)

// Go runs f on an idle worker, or on a new goroutine that becomes one.
func (p *workers) Go(f func()) {
	p.mu.Lock()
	if n := len(p.idle); n > 0 {
		w := p.idle[n-1]
		p.idle[n-1] = nil
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		w.next <- f // buffered: never blocks
		return
	}
	p.started++
	p.mu.Unlock()
	go p.run(f)
}

// run is a worker's goroutine: f, then whatever it is given next.
func (p *workers) run(f func()) {
	var w *worker
	for {
		f()
		if w == nil {
			w = &worker{next: make(chan func(), 1)}
		}
		if !p.park(w) {
			return
		}
		if f = <-w.next; f == nil {
			return
		}
	}
}

// park adds w to the idle workers; it reports false when there are
// enough of them (w then ends).
func (p *workers) park(w *worker) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.idle) >= maxIdleWorkers {
		return false
	}
	w.since = mono()
	p.idle = append(p.idle, w)
	if !p.sweeping {
		p.sweeping = true
		go p.sweep()
	}
	return true
}

// sweep ends the workers idle longer than workerIdle, every workerIdle,
// until none are left.
func (p *workers) sweep() {
	every := cmp.Or(p.idleFor, workerIdle)
	t := time.NewTimer(every)
	defer t.Stop()
	for {
		<-t.C
		p.mu.Lock()
		old := mono() - int64(every)
		n := 0
		for n < len(p.idle) && p.idle[n].since <= old {
			n++
		}
		gone := append([]*worker(nil), p.idle[:n]...)
		p.idle = append(p.idle[:0], p.idle[n:]...)
		clear(p.idle[len(p.idle):cap(p.idle)])
		done := len(p.idle) == 0
		if done {
			p.idle = nil
			p.sweeping = false
		}
		p.mu.Unlock()
		for _, w := range gone {
			w.next <- nil
		}
		if done {
			return
		}
		t.Reset(every)
	}
}

// counts returns the number of workers waiting for work, the goroutines
// started so far, and whether the sweeper runs.
func (p *workers) counts() (idle, started int, sweeping bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.idle), p.started, p.sweeping
}
