package load

import (
	"context"
	"testing"
	"time"
)

// The workload's listeners receive what the SFU's speakers send: a group
// room of 3 with 2 speakers is 4 streams, 200 packets a second.
func TestSFURoomsWorkload(t *testing.T) {
	r, err := runSFURooms(context.Background(), Options{Users: 3, Duration: 2 * time.Second, SFU: SFUOptions{Rooms: 1, Speakers: 2}})
	if err != nil {
		t.Fatal(err)
	}
	s := r.SFU
	if s.StreamsOut != 4 || s.ExpectedPerS != 200 {
		t.Fatalf("result %+v; want 4 streams, 200 packets/s expected", s)
	}
	if s.SentPerS < 50 || s.ReceivedPerS < 1.5*s.SentPerS || s.ReceivedPerS > s.ForwardedPerS*1.1+10 || s.LossPct > 10 {
		t.Errorf("sent %.0f/s, forwarded %.0f/s, received %.0f/s (%.1f%% short); want each packet at both other participants", s.SentPerS, s.ForwardedPerS, s.ReceivedPerS, s.LossPct)
	}

	r, err = runSFURooms(context.Background(), Options{Users: 3, Duration: time.Second, SFU: SFUOptions{Rooms: 1, Talkie: true}})
	if err != nil {
		t.Fatal(err)
	}
	if s := r.SFU; s.Speakers != 1 || s.StreamsOut != 2 || s.ForwardedPerS < 50 {
		t.Errorf("talkie result %+v; want the floor holder forwarded to 2 listeners", s)
	}
}
