package node

import (
	"log/slog"
	"os"

	"github.com/prometheus/client_golang/prometheus"

	"hongyan/internal/config"
	"hongyan/internal/hongyan"
	"hongyan/internal/membus"
	"hongyan/internal/natsbus"
)

// bus is the node's event bus: in memory for a node alone, NATS in a
// cluster.
type bus interface {
	hongyan.Bus
	// Connected reports whether events reach the other nodes now.
	Connected() bool
	// Dropped counts events this node lost (always 0 in memory).
	Dropped() int64
	Close() error
}

// memoryBus is membus as a node's bus: always connected, never dropping.
type memoryBus struct{ *membus.Bus }

func (memoryBus) Connected() bool { return true }
func (memoryBus) Dropped() int64  { return 0 }

func openBus(cfg config.Config, log *slog.Logger) (bus, error) {
	if cfg.Bus == "memory" {
		return memoryBus{membus.New()}, nil
	}
	host, _ := os.Hostname()
	return natsbus.Open(cfg.Bus, natsbus.Options{Name: "hongyan " + host + " " + cfg.Listen, Log: log})
}

func observeBus(b bus, reg prometheus.Registerer) {
	reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "hongyan_bus_dropped_total",
		Help: "Events this node lost on the bus: it fell behind, or they carried a payload version it does not read.",
	}, func() float64 { return float64(b.Dropped()) }))
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "hongyan_bus_connected",
		Help: "1 while the node's bus reaches the other nodes (always 1 in memory).",
	}, func() float64 {
		if b.Connected() {
			return 1
		}
		return 0
	}))
}
