package hongyan

import (
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	l := NewLimiter(Rate{N: 3, Per: time.Minute})
	t0 := time.Unix(1000, 0)
	for i := range 3 {
		if !l.Allow("a", t0) {
			t.Fatalf("attempt %d: got refused, want allowed", i+1)
		}
	}
	if l.Allow("a", t0) {
		t.Fatalf("4th attempt in a burst of 3: got allowed, want refused")
	}
	if !l.Allow("b", t0) {
		t.Fatalf("another key: got refused, want allowed")
	}
	if !l.Allow("a", t0.Add(20*time.Second)) {
		t.Fatalf("after one refill interval: got refused, want allowed")
	}
	if l.Allow("a", t0.Add(21*time.Second)) {
		t.Fatalf("one second later: got allowed, want refused")
	}
	var unlimited *Limiter
	if !unlimited.Allow("x", t0) || !NewLimiter(Rate{}).Allow("x", t0) {
		t.Fatalf("zero limiter: got refused, want allowed")
	}
}
