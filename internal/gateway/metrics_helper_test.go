package gateway

import (
	dto "github.com/prometheus/client_model/go"
)

// requestCount reads hongyan_gateway_requests_total{kind, code}.
func requestCount(g *Gateway, kind, code string) float64 {
	var m dto.Metric
	if err := g.m.requests.WithLabelValues(kind, code).Write(&m); err != nil {
		return -1
	}
	return m.GetCounter().GetValue()
}
