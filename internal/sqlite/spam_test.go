package sqlite_test

import (
	"testing"

	"hongyan/internal/spam"
	"hongyan/internal/spam/spamtest"
)

func TestSpamCounters(t *testing.T) {
	spamtest.Run(t, func(t *testing.T) spam.Counters { return open(t).Spam() })
}
