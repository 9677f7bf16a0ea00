package cli

import (
	"testing"
	"time"
)

func TestParseWhen(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"48h", now.Add(48 * time.Hour), true},
		{"90m", now.Add(90 * time.Minute), true},
		{"2026-03-04T18:00:00+08:00", time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC), true},
		{"2026-03-04 18:00", time.Date(2026, 3, 4, 18, 0, 0, 0, time.Local), true},
		{"-1h", time.Time{}, false},
		{"tomorrow", time.Time{}, false},
	}
	for _, tt := range tests {
		got, err := parseWhen(tt.in, now)
		if (err == nil) != tt.ok || (tt.ok && !got.Equal(tt.want)) {
			t.Errorf("parseWhen(%q): got %v, %v; want %v (ok %v)", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestWithoutSwitches(t *testing.T) {
	got := withoutSwitches([]string{"app", "1", "poll", "create", "Q", "a", "--multi", "b", "-anonymous", "--deadline", "1h"})
	want := []string{"app", "1", "poll", "create", "Q", "a", "b", "--deadline", "1h"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}
