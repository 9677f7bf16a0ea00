package node

import (
	"context"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"hongyan/internal/config"
	"hongyan/internal/sfu"
)

// MediaRooms is the port group calls and walkie-talkie rooms use to carry
// audio: the SFU inside the binary (internal/sfu), or an adapter to an
// external engine (docs/operations.md, "Calls: the SFU"). Who may join
// which room is decided before it is asked.
type MediaRooms interface {
	// Join adds participant to the room (made on first join) and returns
	// the engine's SDP offer, with its candidates, and whether the
	// participant speaks (a group room's speakers are bounded).
	Join(ctx context.Context, room string, kind sfu.Kind, participant string) (offer string, speaker bool, err error)
	// Answer completes the participant's connection.
	Answer(room, participant, sdp string) error
	// Leave removes the participant.
	Leave(room, participant string)
	// RequestFloor and ReleaseFloor are a walkie-talkie room's floor
	// control: one speaker at a time.
	RequestFloor(room, participant string) (granted bool, holder string, err error)
	ReleaseFloor(room, participant string)
}

var _ MediaRooms = (*sfu.SFU)(nil)

// sfuEvents are the SFU's floor changes and departures, passed to group
// calls once they exist.
func (n *Node) sfuEvents() sfu.Config {
	return sfu.Config{
		OnFloor: func(room, holder string) {
			if g := n.groupCalls; g != nil {
				g.FloorChanged(room, holder)
			}
		},
		OnGone: func(room, participant string) {
			if g := n.groupCalls; g != nil {
				g.Gone(room, participant)
			}
		},
	}
}

// newSFU starts the SFU when sfu.enabled, with the callbacks of events,
// and exports its counters.
func newSFU(cfg config.Config, log *slog.Logger, reg prometheus.Registerer, events sfu.Config) (*sfu.SFU, error) {
	f := cfg.SFU
	if !f.Enabled {
		return nil, nil
	}
	s, err := sfu.New(sfu.Config{Listen: f.Listen, PublicIP: f.PublicIP, MaxSpeakers: f.MaxSpeakers,
		MaxParticipants: f.MaxParticipants, MaxRooms: f.MaxRooms, MaxHold: f.MaxHold.Duration, Log: log,
		OnFloor: events.OnFloor, OnGone: events.OnGone})
	if err != nil {
		return nil, err
	}
	stat := func(f func(sfu.Stats) float64) func() float64 { return func() float64 { return f(s.Stats()) } }
	reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "hongyan_sfu_rooms", Help: "SFU rooms open now."},
			stat(func(st sfu.Stats) float64 { return float64(st.Rooms) })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "hongyan_sfu_participants", Help: "SFU participants connected now."},
			stat(func(st sfu.Stats) float64 { return float64(st.Participants) })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "hongyan_sfu_packets_in_total", Help: "RTP packets the SFU received."},
			stat(func(st sfu.Stats) float64 { return float64(st.PacketsIn) })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "hongyan_sfu_packets_out_total", Help: "RTP packets the SFU forwarded (one per receiver)."},
			stat(func(st sfu.Stats) float64 { return float64(st.PacketsOut) })),
	)
	return s, nil
}

// MediaRooms returns the node's media rooms, or nil when sfu.enabled is off.
func (n *Node) MediaRooms() MediaRooms {
	if n.sfu == nil {
		return nil
	}
	return n.sfu
}

// closeCalls stops the TURN relay and the SFU.
func (n *Node) closeCalls() {
	if n.groupCalls != nil {
		n.groupCalls.Close()
	}
	n.relays.Close()
	if n.sfu != nil {
		n.sfu.Close()
	}
}
