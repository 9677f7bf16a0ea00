package gateway

import (
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"
)

// waitFor polls cond (the pool's state, which its goroutines change after
// the work they ran is done) for up to five seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		runtime.Gosched()
	}
}

// Work given to the pool runs, each function once, and a goroutine that
// finished one runs the next instead of a new goroutine starting.
func TestWorkersReuse(t *testing.T) {
	var p workers
	ran := make([]int, 100)
	for i := range ran {
		done := make(chan struct{})
		p.Go(func() {
			ran[i]++
			close(done)
		})
		<-done
		waitFor(t, "the worker to wait for work", func() bool { idle, _, _ := p.counts(); return idle == 1 })
	}
	for i, n := range ran {
		if n != 1 {
			t.Fatalf("function %d ran %d times, want 1", i, n)
		}
	}
	if _, started, _ := p.counts(); started != 1 {
		t.Errorf("goroutines started for 100 functions one after another: got %d, want 1", started)
	}
}

// Functions given at once run at once, and at most maxIdleWorkers
// goroutines stay to wait for more; the others end.
func TestWorkersBounded(t *testing.T) {
	var p workers
	const n = maxIdleWorkers + 50
	release := make(chan struct{})
	var started, finished sync.WaitGroup
	started.Add(n)
	finished.Add(n)
	for range n {
		p.Go(func() {
			started.Done()
			<-release
			finished.Done()
		})
	}
	started.Wait() // every function runs before any ends
	close(release)
	finished.Wait()
	waitFor(t, "the idle workers to settle", func() bool {
		idle, _, _ := p.counts()
		if idle > maxIdleWorkers {
			t.Fatalf("idle workers: got %d, want at most %d", idle, maxIdleWorkers)
		}
		return idle == maxIdleWorkers
	})
	if _, got, _ := p.counts(); got != n {
		t.Errorf("goroutines started: got %d, want %d", got, n)
	}
}

// A worker idle for idleFor ends, and the sweeper with it once none is
// left; work given afterwards starts a goroutine again.
func TestWorkersSweep(t *testing.T) {
	p := workers{idleFor: 10 * time.Millisecond}
	done := make(chan struct{})
	p.Go(func() { close(done) })
	<-done
	waitFor(t, "the sweeper to end the idle worker", func() bool {
		idle, _, sweeping := p.counts()
		return idle == 0 && !sweeping
	})
	done = make(chan struct{})
	p.Go(func() { close(done) })
	<-done
	if _, started, _ := p.counts(); started != 2 {
		t.Errorf("goroutines started: got %d, want 2 (the first worker ended)", started)
	}
}

// deep uses about n KiB of stack, as a request's path down through the
// store does.
//
//go:noinline
func deep(n int) byte {
	var frame [1024]byte
	frame[n%1024] = byte(n)
	if n <= 1 {
		return frame[0]
	}
	return deep(n-1) + frame[n%1024]
}

// A function that needs a 16 KiB stack, run on a new goroutine each time
// (which starts on the smallest stack and grows it by copying) and on the
// pool's workers.
func BenchmarkDeepStack(b *testing.B) {
	done := make(chan struct{})
	f := func() {
		deep(16)
		done <- struct{}{}
	}
	b.Run("goroutine", func(b *testing.B) {
		defer reportCPU(b)()
		for range b.N {
			go f()
			<-done
		}
	})
	b.Run("workers", func(b *testing.B) {
		var p workers
		defer reportCPU(b)()
		for range b.N {
			p.Go(f)
			<-done
		}
	})
}

// reportCPU reports the process's CPU time per operation from now to the
// call of the function it returns: on a shared machine, wall time per
// operation measures the other processes as much as this one.
func reportCPU(b *testing.B) func() {
	cpu := func() time.Duration {
		var ru syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	start := cpu()
	return func() {
		b.ReportMetric(float64(cpu()-start)/float64(b.N), "cpu-ns/op")
	}
}
