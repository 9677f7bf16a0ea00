package chatdb

import (
	"testing"
	"time"
)

func TestNextClean(t *testing.T) {
	for _, c := range []struct {
		elapsed time.Duration
		pages   int64
		want    time.Duration
	}{
		{time.Second, 0, cleanLongest},                         // nothing to merge: the longest pause
		{250 * time.Millisecond, 8, cleanLongest},              // slow filling: capped at the longest
		{time.Second, cleanTarget, time.Second},                // on target
		{time.Second, 2 * cleanTarget, 500 * time.Millisecond}, // twice as fast: half the pause
		{250 * time.Millisecond, 1000, cleanShortest},          // far faster: never below the shortest
		{0, 10, cleanLongest},
	} {
		if got := nextClean(c.elapsed, c.pages); got != c.want {
			t.Errorf("nextClean(%v, %d) = %v, want %v", c.elapsed, c.pages, got, c.want)
		}
	}
}
