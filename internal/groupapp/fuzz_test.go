package groupapp

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzNewPoll feeds the poll checks what a client may send: whatever they
// accept is trimmed, distinct, valid UTF-8 and within the limits.
func FuzzNewPoll(f *testing.F) {
	f.Add("Lunch?", "noodles\x00rice", int64(3600_000))
	f.Add(" ", "a\x00a", int64(-1))
	f.Add("\xff", "\u202e\x00b", int64(0))
	now := time.UnixMilli(1_760_000_000_000)
	s := &Service{}
	f.Fuzz(func(t *testing.T, q, opts string, ahead int64) {
		np := NewPoll{Question: q, Options: strings.Split(opts, "\x00")}
		if ahead != 0 {
			np.Deadline = now.Add(time.Duration(ahead) * time.Millisecond)
		}
		got, err := s.checkPoll(np, now)
		if err != nil {
			return
		}
		if got.Question == "" || !utf8.ValidString(got.Question) || utf8.RuneCountInString(got.Question) > MaxPollQuestion {
			t.Fatalf("accepted question %q", got.Question)
		}
		if len(got.Options) < 2 || len(got.Options) > MaxPollOptions {
			t.Fatalf("accepted %d options", len(got.Options))
		}
		seen := map[string]bool{}
		for _, o := range got.Options {
			if o == "" || o != strings.TrimSpace(o) || seen[o] || !utf8.ValidString(o) || utf8.RuneCountInString(o) > MaxPollOption {
				t.Fatalf("accepted option %q of %q", o, got.Options)
			}
			seen[o] = true
		}
		if !got.Deadline.IsZero() && !got.Deadline.After(now) {
			t.Fatalf("accepted deadline %v before %v", got.Deadline, now)
		}
	})
}

// TestDay checks the calendar day of instants around midnight in a zone.
func TestDay(t *testing.T) {
	sh := time.FixedZone("CST", 8*3600)
	tests := []struct {
		at   time.Time
		loc  *time.Location
		want time.Time
	}{
		{time.Date(2026, 3, 1, 15, 59, 59, 0, time.UTC), sh, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)},
		{time.Date(2026, 3, 1, 16, 0, 0, 0, time.UTC), sh, time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)},
		{time.Date(2026, 3, 1, 16, 0, 0, 0, time.UTC), time.UTC, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)},
		{time.Date(1969, 12, 31, 23, 0, 0, 0, time.UTC), time.UTC, time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		if got, want := Day(tt.at, tt.loc), tt.want.Unix()/86400; got != want {
			t.Errorf("Day(%v, %v): got %d, want %d", tt.at, tt.loc, got, want)
		}
	}
}
