package node_test

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"hongyan/internal/config"
	"hongyan/internal/sfu"
)

// The node runs its SFU by default: a group room's offer has the
// participant's microphone and the nine speaker slots, on one UDP port on
// loopback; its counters are on /metrics. Off, there are no media rooms.
func TestSFUWiredIntoNode(t *testing.T) {
	cfg := config.Default()
	cfg.Data = t.TempDir()
	_, n := startNodeWith(t, cfg)
	rooms := n.MediaRooms()
	if rooms == nil {
		t.Fatal("MediaRooms() = nil with sfu.enabled")
	}
	offer, speaker, err := rooms.Join(context.Background(), "group-1", sfu.Group, "42")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(offer, "m=audio "); got != 10 || !speaker {
		t.Errorf("offer has %d audio sections (speaker %v), want 10 (1 microphone + 9 slots) and a speaker", got, speaker)
	}
	if !strings.Contains(offer, "a=candidate:") || !strings.Contains(offer, "127.0.0.1") {
		t.Errorf("offer lacks a loopback candidate:\n%s", offer)
	}
	admin := httptest.NewServer(n.AdminHandler())
	defer admin.Close()
	resp, err := admin.Client().Get(admin.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "hongyan_sfu_participants 1") || !strings.Contains(string(body), "hongyan_sfu_rooms 1") {
		t.Errorf("/metrics lacks hongyan_sfu_rooms 1 and hongyan_sfu_participants 1")
	}
	rooms.Leave("group-1", "42")

	cfg.SFU.Enabled = false
	_, off := startNodeWith(t, cfg)
	if off.MediaRooms() != nil {
		t.Errorf("MediaRooms() with sfu.enabled = false is not nil")
	}
}
