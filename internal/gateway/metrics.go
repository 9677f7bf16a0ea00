package gateway

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the gateway's Prometheus metrics.
type Metrics struct {
	conns    prometheus.Gauge
	refused  *prometheus.CounterVec
	requests *prometheus.CounterVec
	pushes   prometheus.Counter
	sendTime prometheus.Histogram
}

// NewMetrics creates the gateway metrics and registers them with reg (if
// not nil).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		conns: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "hongyan_gateway_connections", Help: "Open client connections.",
		}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hongyan_gateway_refused_total", Help: "Connections refused before the upgrade, by HTTP status (429: too many from one address; 503: too many signing in).",
		}, []string{"status"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hongyan_gateway_requests_total", Help: "Client requests by kind and result code.",
		}, []string{"kind", "code"}),
		pushes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "hongyan_gateway_pushed_changes_total", Help: "Change-log entries pushed live to devices.",
		}),
		sendTime: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "hongyan_gateway_send_seconds", Help: "Time from a send request to its durable acknowledgement.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}),
	}
	if reg != nil {
		reg.MustRegister(m.conns, m.refused, m.requests, m.pushes, m.sendTime)
	}
	return m
}
