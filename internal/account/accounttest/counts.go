package accounttest

import (
	"testing"
	"time"

	"hongyan/internal/account"
)

// CountStore is what the dashboard's counts need.
type CountStore interface {
	account.Accounts
	account.Devices
	account.Counts
}

// RunCounts runs the part of account.Counts.
func RunCounts(t *testing.T, open func(t *testing.T) CountStore) {
	t.Run("Counts", func(t *testing.T) {
		s := open(t)
		ctx := t.Context()
		if n, err := s.CountUsers(ctx); err != nil || n != 0 {
			t.Errorf("CountUsers of none: got %d, %v", n, err)
		}
		a := mustCreate(t, s, newAccount("count_a", "", ""))
		mustCreate(t, s, newAccount("count_b", "", ""))
		for i, seen := range []time.Time{T0, T0.Add(-48 * time.Hour), T0.Add(time.Hour)} {
			d := account.Device{User: a.ID, Name: "d", Address: "127.0.0.1:1", TokenHash: []byte{byte(i)}, Created: seen, LastSeen: seen}
			if _, _, err := s.CreateDevice(ctx, d, nil); err != nil {
				t.Fatalf("CreateDevice: %v", err)
			}
		}
		if n, err := s.CountUsers(ctx); err != nil || n != 2 {
			t.Errorf("CountUsers: got %d, %v; want 2", n, err)
		}
		if n, err := s.CountActiveDevices(ctx, T0.Add(-24*time.Hour)); err != nil || n != 2 {
			t.Errorf("CountActiveDevices in the last day: got %d, %v; want 2", n, err)
		}
	})
}
