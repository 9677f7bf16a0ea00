package membus_test

import (
	"testing"

	"hongyan/internal/bustest"
	"hongyan/internal/hongyan"
	"hongyan/internal/membus"
)

func TestConformance(t *testing.T) {
	bustest.Run(t, func(t *testing.T) hongyan.Bus {
		b := membus.New()
		t.Cleanup(func() { b.Close() })
		return b
	})
}

// A node alone is its own cluster: both "nodes" are the one bus.
func TestConformancePair(t *testing.T) {
	bustest.RunPair(t, func(t *testing.T) (hongyan.Bus, hongyan.Bus) {
		b := membus.New()
		t.Cleanup(func() { b.Close() })
		return b, b
	})
}
