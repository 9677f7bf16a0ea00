package chattest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"hongyan/internal/chat"
)

// CountStore is what the dashboard's counts need.
type CountStore interface {
	chat.Messages
	chat.Counts
}

// RunCounts runs the part of chat.Counts: messages per day.
func RunCounts(t *testing.T, open func(t *testing.T) CountStore) {
	t.Run("MessagesPerDay", func(t *testing.T) {
		s := open(t)
		ctx := t.Context()
		day := 24 * time.Hour
		d0 := T0.Truncate(day)
		days := []time.Time{d0.Add(-2 * day), d0.Add(-day), d0, d0.Add(day)}
		got, err := s.MessagesPerDay(ctx, days, d0.Add(2*day))
		if err != nil || !slices.Equal(got, []int64{0, 0, 0, 0}) {
			t.Errorf("MessagesPerDay with no messages: got %v, %v", got, err)
		}
		// 3 the day before yesterday, none yesterday, 5 today, 1 tomorrow.
		n := 0
		for _, c := range []struct {
			at    time.Time
			count int
		}{{d0.Add(-2*day + time.Hour), 3}, {d0.Add(time.Minute), 5}, {d0.Add(day + time.Hour), 1}} {
			for range c.count {
				m := msg(1, 2, 1, fmt.Sprint("c", n), "x")
				m.Message.Time = c.at
				mustAppend(t, s, m, 1, 2)
				n++
			}
		}
		got, err = s.MessagesPerDay(ctx, days, d0.Add(2*day))
		if err != nil || !slices.Equal(got, []int64{3, 0, 5, 1}) {
			t.Errorf("MessagesPerDay: got %v, %v; want [3 0 5 1]", got, err)
		}
		got, _ = s.MessagesPerDay(ctx, days[:2], d0)
		if !slices.Equal(got, []int64{3, 0}) {
			t.Errorf("MessagesPerDay up to today: got %v, want [3 0]", got)
		}
	})
}
