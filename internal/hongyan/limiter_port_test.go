package hongyan_test

import (
	"testing"

	"hongyan/internal/hongyan"
	"hongyan/internal/hongyan/limitertest"
)

// The in-memory Limiter passes the RateLimiter suite.
func TestLimiterConformance(t *testing.T) {
	limitertest.Run(t, func(t *testing.T) hongyan.Limiters {
		return hongyan.MemoryLimiters
	})
}
