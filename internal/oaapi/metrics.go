package oaapi

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the developer API's Prometheus metrics; a nil *Metrics
// counts nothing.
type Metrics struct {
	calls    *prometheus.CounterVec
	pushes   *prometheus.CounterVec
	retries  prometheus.Counter
	pushTime prometheus.Histogram
}

// NewMetrics returns the metrics, registered with reg when not nil.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hongyan_oaapi_calls_total", Help: "Developer API calls past the token, IP and quota checks, by API.",
		}, []string{"api"}),
		pushes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hongyan_oaapi_pushes_total", Help: "Pushes to developer servers by result: replied, no_reply, failed.",
		}, []string{"result"}),
		retries: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "hongyan_oaapi_push_retries_total", Help: "Push attempts after a first one failed (timeout, refused, not 200).",
		}),
		pushTime: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "hongyan_oaapi_push_seconds", Help: "Time to deliver a push and read its reply, all attempts included.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 15),
		}),
	}
	if reg != nil {
		reg.MustRegister(m.calls, m.pushes, m.retries, m.pushTime)
	}
	return m
}

func (m *Metrics) call(api string) {
	if m != nil && api != "" {
		m.calls.WithLabelValues(api).Inc()
	}
}

func (m *Metrics) retry() {
	if m != nil {
		m.retries.Inc()
	}
}

func (m *Metrics) pushed(r *Reply, err error, since time.Time) {
	if m == nil {
		return
	}
	result := "replied"
	switch {
	case err != nil:
		result = "failed"
	case r == nil:
		result = "no_reply"
	}
	m.pushes.WithLabelValues(result).Inc()
	m.pushTime.Observe(time.Since(since).Seconds())
}
