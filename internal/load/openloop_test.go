package load

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// openLoopSenders returns n senders whose messages are delivered after
// took, each recorded by o.
func openLoopSenders(o *openLoop, n int, took time.Duration) []sendFunc {
	senders := make([]sendFunc, n)
	for i := range senders {
		senders[i] = waitingSender(func(ctx context.Context, at time.Time) error {
			time.Sleep(took) // the server's time to answer
			o.delivered(fmt.Sprintf("%019d x", at.UnixNano()), time.Now())
			return nil
		})
	}
	return senders
}

func TestOpenLoopSchedule(t *testing.T) {
	o := &openLoop{rates: []float64{1000}, stepDur: 300 * time.Millisecond, arrival: ArrivalFixed, p99Limit: time.Second}
	steps, err := o.run(t.Context(), openLoopSenders(o, 10, 0), t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) != 1 {
		t.Fatalf("steps: got %d, want 1", len(steps))
	}
	s := steps[0]
	// 10 senders at 100/s for 0.3 s: 30 sends each, whenever they start.
	if s.Scheduled != 300 || s.Sent != 300 || s.Delivered != 300 || s.Errors != 0 {
		t.Errorf("scheduled %d, sent %d, delivered %d, errors %d; want 300, 300, 300, 0", s.Scheduled, s.Sent, s.Delivered, s.Errors)
	}
	if !s.Drained {
		t.Error("the step did not drain")
	}
}

// A sender whose sends are all in flight cannot start the next on time:
// it is counted late, and its latency counts from its scheduled time.
func TestOpenLoopLate(t *testing.T) {
	const took = 30 * time.Millisecond
	o := &openLoop{rates: []float64{200}, stepDur: 200 * time.Millisecond, arrival: ArrivalFixed, p99Limit: time.Second, inflight: 1}
	steps, err := o.run(t.Context(), openLoopSenders(o, 1, took), t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	s := steps[0]
	if s.Scheduled != 40 || s.Delivered != 40 {
		t.Fatalf("scheduled %d, delivered %d; want 40, 40", s.Scheduled, s.Delivered)
	}
	// One send at a time, 30 ms each, one due every 5 ms: every send but
	// the first waits for the one before it.
	if s.Late < 39 {
		t.Errorf("late: got %d, want at least 39 of 40", s.Late)
	}
	// The last of 40 sends due over 200 ms finishes after 40 × 30 ms.
	if min := float64(40*took-200*time.Millisecond) / 1e6; s.MaxMs < min {
		t.Errorf("max latency %.1f ms, want at least %.0f ms (from the scheduled time)", s.MaxMs, min)
	}
	if s.Flat {
		t.Error("a step with a growing backlog was counted as sustained")
	}
}

func TestParseRates(t *testing.T) {
	got, err := ParseRates(" 2000, 5000,10000 ")
	if err != nil || fmt.Sprint(got) != "[2000 5000 10000]" {
		t.Errorf("ParseRates: got %v, %v; want [2000 5000 10000]", got, err)
	}
	for _, bad := range []string{"", ",", "x", "0", "-5", "1e9"} {
		if _, err := ParseRates(bad); err == nil {
			t.Errorf("ParseRates(%q): no error", bad)
		}
	}
}

func TestSustained(t *testing.T) {
	steps := []StepResult{{RatePerS: 1000, Flat: true}, {RatePerS: 5000, Flat: true}, {RatePerS: 8000}}
	if got := Sustained(steps); got != 5000 {
		t.Errorf("Sustained: got %v, want 5000", got)
	}
}
