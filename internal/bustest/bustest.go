// Package bustest is the conformance suite every hongyan.Bus adapter passes.
package bustest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"hongyan/internal/hongyan"
)

// Run runs the suite against buses made by open. Buses from one open call
// are independent; open registers its own cleanup.
func Run(t *testing.T, open func(t *testing.T) hongyan.Bus) {
	t.Run("DeliversInOrderToEverySubscriber", func(t *testing.T) {
		bus := open(t)
		const n = 200
		a, b := newCollector(n), newCollector(n)
		subA := mustSubscribe(t, bus, "hy.test.order", a.add)
		defer subA.Unsubscribe()
		subB := mustSubscribe(t, bus, "hy.test.order", b.add)
		defer subB.Unsubscribe()
		for i := range n {
			if err := bus.Publish(context.Background(), "hy.test.order", []byte(fmt.Sprint(i))); err != nil {
				t.Fatalf("Publish %d: %v", i, err)
			}
		}
		for name, c := range map[string]*collector{"a": a, "b": b} {
			got := c.wait(t)
			for i, g := range got {
				if want := fmt.Sprint(i); g != want {
					t.Fatalf("subscriber %s message %d: got %q, want %q", name, i, g, want)
				}
			}
		}
	})
	t.Run("SubjectsAreSeparate", func(t *testing.T) {
		bus := open(t)
		x := newCollector(1)
		sub := mustSubscribe(t, bus, "hy.test.x", x.add)
		defer sub.Unsubscribe()
		other := newCollector(1)
		subY := mustSubscribe(t, bus, "hy.test.y", other.add)
		defer subY.Unsubscribe()
		if err := bus.Publish(context.Background(), "hy.test.y", []byte("for y")); err != nil {
			t.Fatal(err)
		}
		if err := bus.Publish(context.Background(), "hy.test.x", []byte("for x")); err != nil {
			t.Fatal(err)
		}
		if got := x.wait(t); len(got) != 1 || got[0] != "for x" {
			t.Fatalf("x got %q, want [\"for x\"]", got)
		}
		if got := other.wait(t); len(got) != 1 || got[0] != "for y" {
			t.Fatalf("y got %q, want [\"for y\"]", got)
		}
	})
	t.Run("UnsubscribeStopsDelivery", func(t *testing.T) {
		bus := open(t)
		gone := newCollector(0)
		sub := mustSubscribe(t, bus, "hy.test.unsub", gone.add)
		if err := sub.Unsubscribe(); err != nil {
			t.Fatalf("Unsubscribe: %v", err)
		}
		// A second subscriber on the same subject is the barrier: once it
		// has the message, the first would have had it too.
		barrier := newCollector(1)
		sub2 := mustSubscribe(t, bus, "hy.test.unsub", barrier.add)
		defer sub2.Unsubscribe()
		if err := bus.Publish(context.Background(), "hy.test.unsub", []byte("late")); err != nil {
			t.Fatal(err)
		}
		barrier.wait(t)
		if got := gone.snapshot(); len(got) != 0 {
			t.Fatalf("unsubscribed handler got %q, want nothing", got)
		}
	})
	t.Run("ConcurrentPublishers", func(t *testing.T) {
		bus := open(t)
		const pubs, each = 8, 100
		c := newCollector(pubs * each)
		sub := mustSubscribe(t, bus, "hy.test.conc", c.add)
		defer sub.Unsubscribe()
		var wg sync.WaitGroup
		for p := range pubs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					if err := bus.Publish(context.Background(), "hy.test.conc", []byte(fmt.Sprintf("%d-%d", p, i))); err != nil {
						t.Errorf("Publish: %v", err)
						return
					}
				}
			}()
		}
		wg.Wait()
		got := c.wait(t)
		next := make(map[string]int)
		for _, g := range got {
			var p, i int
			fmt.Sscanf(g, "%d-%d", &p, &i)
			key := fmt.Sprint(p)
			if i != next[key] {
				t.Fatalf("publisher %d: got message %d, want %d (per-publisher order)", p, i, next[key])
			}
			next[key]++
		}
	})
}

func mustSubscribe(t *testing.T, bus hongyan.Bus, subject string, fn func([]byte)) hongyan.Subscription {
	t.Helper()
	sub, err := bus.Subscribe(subject, fn)
	if err != nil {
		t.Fatalf("Subscribe(%q): %v", subject, err)
	}
	return sub
}

// collector gathers messages and signals when it has the expected count.
type collector struct {
	mu   sync.Mutex
	got  []string
	want int
	done chan struct{}
}

func newCollector(want int) *collector {
	return &collector{want: want, done: make(chan struct{})}
}

func (c *collector) add(b []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.got = append(c.got, string(b))
	if len(c.got) == c.want {
		close(c.done)
	}
}

func (c *collector) snapshot() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.got...)
}

// wait returns the messages once the expected count arrived, failing the
// test if they do not within a generous bound (a hang, not a timing check).
func (c *collector) wait(t *testing.T) []string {
	t.Helper()
	select {
	case <-c.done:
	case <-time.After(10 * time.Second):
		t.Fatalf("got %d messages, want %d", len(c.snapshot()), c.want)
	}
	return c.snapshot()
}

// RunPair runs the suite of a bus that joins nodes: open returns two buses
// of one cluster (two nodes' connections), and what is published on either
// reaches the subscribers of both. A subscription is active when Subscribe
// returns, so a message published right after reaches it.
func RunPair(t *testing.T, open func(t *testing.T) (a, b hongyan.Bus)) {
	t.Run("ReachesTheOtherNodeInOrder", func(t *testing.T) {
		a, b := open(t)
		const n = 200
		there, here := newCollector(n), newCollector(n)
		subB := mustSubscribe(t, b, "hy.test.pair.order", there.add)
		defer subB.Unsubscribe()
		subA := mustSubscribe(t, a, "hy.test.pair.order", here.add)
		defer subA.Unsubscribe()
		for i := range n {
			if err := a.Publish(context.Background(), "hy.test.pair.order", []byte(fmt.Sprint(i))); err != nil {
				t.Fatalf("Publish %d: %v", i, err)
			}
		}
		for name, c := range map[string]*collector{"other node": there, "same node": here} {
			for i, g := range c.wait(t) {
				if want := fmt.Sprint(i); g != want {
					t.Fatalf("%s message %d: got %q, want %q", name, i, g, want)
				}
			}
		}
	})
	t.Run("ActiveWhenSubscribeReturns", func(t *testing.T) {
		a, b := open(t)
		for i := range 20 {
			subject := fmt.Sprintf("hy.test.pair.active.%d", i)
			c := newCollector(1)
			sub := mustSubscribe(t, b, subject, c.add)
			if err := a.Publish(context.Background(), subject, []byte("first")); err != nil {
				t.Fatal(err)
			}
			if got := c.wait(t); len(got) != 1 || got[0] != "first" {
				t.Fatalf("subscription %d: got %q, want [\"first\"]", i, got)
			}
			sub.Unsubscribe()
		}
	})
	t.Run("SharedSubjectSurvivesOneUnsubscribe", func(t *testing.T) {
		a, b := open(t)
		gone, kept := newCollector(0), newCollector(1)
		s1 := mustSubscribe(t, b, "hy.test.pair.shared", gone.add)
		s2 := mustSubscribe(t, b, "hy.test.pair.shared", kept.add)
		defer s2.Unsubscribe()
		if err := s1.Unsubscribe(); err != nil {
			t.Fatalf("Unsubscribe: %v", err)
		}
		if err := s1.Unsubscribe(); err != nil {
			t.Fatalf("second Unsubscribe: %v", err)
		}
		if err := a.Publish(context.Background(), "hy.test.pair.shared", []byte("still")); err != nil {
			t.Fatal(err)
		}
		if got := kept.wait(t); len(got) != 1 || got[0] != "still" {
			t.Fatalf("remaining subscriber: got %q, want [\"still\"]", got)
		}
		if got := gone.snapshot(); len(got) != 0 {
			t.Fatalf("unsubscribed handler got %q, want nothing", got)
		}
	})
	t.Run("BothWays", func(t *testing.T) {
		a, b := open(t)
		toA, toB := newCollector(1), newCollector(1)
		sa := mustSubscribe(t, a, "hy.test.pair.a", toA.add)
		defer sa.Unsubscribe()
		sb := mustSubscribe(t, b, "hy.test.pair.b", toB.add)
		defer sb.Unsubscribe()
		if err := b.Publish(context.Background(), "hy.test.pair.a", []byte("from b")); err != nil {
			t.Fatal(err)
		}
		if err := a.Publish(context.Background(), "hy.test.pair.b", []byte("from a")); err != nil {
			t.Fatal(err)
		}
		if got := toA.wait(t); got[0] != "from b" {
			t.Fatalf("a got %q, want [\"from b\"]", got)
		}
		if got := toB.wait(t); got[0] != "from a" {
			t.Fatalf("b got %q, want [\"from a\"]", got)
		}
	})
}
