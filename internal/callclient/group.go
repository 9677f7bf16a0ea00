package callclient

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/wsclient"

	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
)

// Room is one device in a group's call or walkie-talkie room, through
// the node's SFU: the SFU offers, the device answers, and synthetic Opus
// flows while it speaks (always in a call when it was given a speaker's
// slot; in a walkie-talkie room only while it holds the floor).
type Room struct {
	conn    *wsclient.Conn
	group   int64
	kind    pb.GroupCallKind
	pc      *webrtc.PeerConnection
	audio   *webrtc.TrackLocalStaticSample
	Speaker bool // given a speaker's slot (a call), or any (a walkie-talkie room)

	talking   atomic.Bool // synthetic audio is written
	connected chan struct{}
	stop      chan struct{}
	stopOnce  sync.Once
	sent      atomic.Int64
	sentBytes atomic.Int64
	recvMu    sync.Mutex
	recv      []*counter   // one per track: each slot has its own sequence
	setup     atomic.Int64 // ms from join to the first packet received
}

// RoomResult is what a device sent and received in a room so far.
type RoomResult struct {
	Group           int64  `json:"group"`
	Kind            string `json:"kind"` // voice or talkie
	Speaker         bool   `json:"speaker"`
	SetupMS         int64  `json:"setup_ms"` // join to the first packet received (0: none came)
	PacketsSent     int64  `json:"packets_sent"`
	PacketsReceived int64  `json:"packets_received"`
	PacketsLost     int64  `json:"packets_lost"`
	BytesSent       int64  `json:"bytes_sent"`
	BytesReceived   int64  `json:"bytes_received"`
}

// JoinRoom joins group's room of kind through conn and connects to the
// SFU; media flows once Connected is closed. The caller reads no pushes
// from conn meanwhile, or only through its own Syncer.
func JoinRoom(ctx context.Context, conn *wsclient.Conn, group int64, kind pb.GroupCallKind) (*Room, error) {
	t0 := time.Now()
	f, err := conn.Call(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_GroupCallJoin{GroupCallJoin: &pb.GroupCallJoinRequest{Group: group, Kind: kind}}})
	if err != nil {
		return nil, err
	}
	s := f.GetGroupCallSession()
	if s == nil {
		return nil, errors.New("callclient: no group call session in the answer")
	}
	r := &Room{conn: conn, group: group, kind: kind, Speaker: s.Speaker, connected: make(chan struct{}), stop: make(chan struct{})}
	if err := r.connect(ctx, s, t0); err != nil {
		r.Leave(context.WithoutCancel(ctx))
		return nil, err
	}
	return r, nil
}

func (r *Room) connect(ctx context.Context, s *pb.GroupCallSession, t0 time.Time) error {
	api, err := newAPI()
	if err != nil {
		return err
	}
	cfg := webrtc.Configuration{}
	for _, v := range s.IceServers {
		cfg.ICEServers = append(cfg.ICEServers, webrtc.ICEServer{URLs: v.Urls, Username: v.Username, Credential: v.Credential})
	}
	if r.pc, err = api.NewPeerConnection(cfg); err != nil {
		return err
	}
	var once sync.Once
	r.pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) {
		if st == webrtc.PeerConnectionStateConnected {
			once.Do(func() { close(r.connected) })
		}
	})
	r.pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		k := &counter{}
		r.recvMu.Lock()
		r.recv = append(r.recv, k)
		r.recvMu.Unlock()
		for {
			p, _, err := tr.ReadRTP()
			if err != nil {
				return
			}
			k.add(p.SequenceNumber, p.MarshalSize())
			r.setup.CompareAndSwap(0, max(1, time.Since(t0).Milliseconds()))
		}
	})
	if err := r.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: s.OfferSdp}); err != nil {
		return err
	}
	// The microphone: the offer's receive-only section takes this track.
	if r.audio, err = webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2,
		SDPFmtpLine: OpusFmtp}, "audio", "hongyan"); err != nil {
		return err
	}
	if _, err := r.pc.AddTrack(r.audio); err != nil {
		return err
	}
	ans, err := r.pc.CreateAnswer(nil)
	if err != nil {
		return err
	}
	gathered := webrtc.GatheringCompletePromise(r.pc)
	if err := r.pc.SetLocalDescription(ans); err != nil {
		return err
	}
	select { // candidates go in the answer: no trickle to the SFU
	case <-gathered:
	case <-ctx.Done():
		return ctx.Err()
	}
	if _, err := r.conn.Call(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_GroupCallAnswer{GroupCallAnswer: &pb.GroupCallAnswerRequest{
		Group: r.group, Kind: r.kind, Sdp: r.pc.LocalDescription().SDP}}}); err != nil {
		return err
	}
	go r.send()
	return nil
}

// Connected is closed once the connection to the SFU is up.
func (r *Room) Connected() <-chan struct{} { return r.connected }

// Talk starts or stops writing synthetic audio.
func (r *Room) Talk(on bool) { r.talking.Store(on) }

// Floor takes or releases a walkie-talkie room's floor; granted reports
// whether this device holds it now.
func (r *Room) Floor(ctx context.Context, take bool) (granted bool, holder int64, err error) {
	f, err := r.conn.Call(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_GroupCallFloor{GroupCallFloor: &pb.GroupCallFloorRequest{Group: r.group, Take: take}}})
	if err != nil {
		return false, 0, err
	}
	v := f.GetGroupCallFloor()
	return v.GetGranted(), v.GetHolder(), nil
}

// Received is how many packets and bytes came from the SFU so far.
func (r *Room) Received() (packets, bytes int64) {
	r.recvMu.Lock()
	defer r.recvMu.Unlock()
	for _, k := range r.recv {
		k.mu.Lock()
		packets, bytes = packets+k.packets, bytes+k.size
		k.mu.Unlock()
	}
	return packets, bytes
}

// lost is the packets missing from the tracks' sequences so far.
func (r *Room) lost() (n int64) {
	r.recvMu.Lock()
	defer r.recvMu.Unlock()
	for _, k := range r.recv {
		n += k.lost()
	}
	return n
}

// Sent is how many packets were written so far.
func (r *Room) Sent() int64 { return r.sent.Load() }

// Result sums up the room so far.
func (r *Room) Result() RoomResult {
	res := RoomResult{Group: r.group, Kind: "voice", Speaker: r.Speaker, SetupMS: r.setup.Load(),
		PacketsSent: r.sent.Load(), BytesSent: r.sentBytes.Load(), PacketsLost: r.lost()}
	if r.kind == pb.GroupCallKind_GROUP_CALL_KIND_TALKIE {
		res.Kind = "talkie"
	}
	res.PacketsReceived, res.BytesReceived = r.Received()
	return res
}

// Leave leaves the room and closes the connection to the SFU; it returns
// the room as the server has it after.
func (r *Room) Leave(ctx context.Context) (*pb.GroupCall, error) {
	r.stopOnce.Do(func() { close(r.stop) })
	if r.pc != nil {
		r.pc.Close()
	}
	f, err := r.conn.Call(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_GroupCallLeave{GroupCallLeave: &pb.GroupCallRef{Group: r.group, Kind: r.kind}}})
	if err != nil {
		return nil, err
	}
	return f.GetGroupCall(), nil
}

// send writes a synthetic 20 ms Opus frame every 20 ms while talking.
func (r *Room) send() {
	frame := make([]byte, 40)
	frame[0] = 0x78
	for i := 1; i < len(frame); i++ {
		frame[i] = byte(i * 37)
	}
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-t.C:
			if r.talking.Load() && r.audio.WriteSample(media.Sample{Data: frame, Duration: 20 * time.Millisecond}) == nil {
				r.sent.Add(1)
				r.sentBytes.Add(int64(len(frame) + 12))
			}
		}
	}
}

// DrainPushes reads conn's pushes until the connection ends, passing the
// group-call ones to fn (nil: none): a device in a room that follows no
// change log must still read them, or the connection closes as a slow
// consumer.
func DrainPushes(conn *wsclient.Conn, fn func(*pb.GroupCall)) {
	go func() {
		for f := range conn.Pushes() {
			if v := f.GetGroupCall(); v != nil && fn != nil {
				fn(v)
			}
		}
	}()
}
