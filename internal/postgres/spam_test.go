package postgres_test

import (
	"testing"

	"hongyan/internal/postgres/pgtest"
	"hongyan/internal/spam"
	"hongyan/internal/spam/spamtest"
)

func TestSpamCounters(t *testing.T) {
	pgtest.Require(t)
	spamtest.Run(t, func(t *testing.T) spam.Counters { return open(t).Spam() })
}
