// Package callclient places and answers one-to-one calls through a
// Hongyan node from Go, with WebRTC (pion) and synthetic media: Opus-framed
// RTP every 40 ms, sized as the web client's measured voice (a fixed synthetic payload, not encoded speech: the
// figures count packets and bytes, not sound), and for video calls VP8-
// framed packets at 30 frames a second. The CLI (`hongyan cli call`), the
// load generator and tests use it.
package callclient

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/wsclient"

	"github.com/pion/ice/v4"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
)

// OpusFmtp is the Opus format line of every call: in-band FEC and DTX on.
const OpusFmtp = "minptime=10;useinbandfec=1;usedtx=1"

// Options tune a call.
type Options struct {
	Video bool // place a video call (answering: follow the call)
	// Talk is how long media flows before this side hangs up (0: until
	// the other side hangs up; placing: 5 s).
	Talk time.Duration
	// OpusBytes is the size of each synthetic Opus packet, sent every
	// Ptime. The defaults (27 bytes every 40 ms: 675 B/s of payload) are
	// what the web client's voice calls were measured to send (Opus at
	// 8 kbit/s at most, 40 ms packets, FEC and DTX; Chromium's fake
	// microphone playing a steady tone: 673–681 B/s of payload).
	OpusBytes int
	Ptime     time.Duration
	// MediaTimeout: a call whose media does not flow this long after the
	// answer fails (default 30 s: on a lossy, loaded line TURN allocation,
	// ICE and DTLS retransmit and took up to 12 s in w9-calls; the
	// browser's ICE gives up after about 30 s too).
	MediaTimeout time.Duration
	// RingWait: answering, how long to wait for a call (default 2 min).
	RingWait time.Duration
	// TURNVia, when set, replaces the address of the node's TURN-over-UDP
	// servers (host:port), e.g. with an impairment proxy in front of
	// TURN; the other ICE servers are left out.
	TURNVia string
	// RelayOnly gathers relay candidates only (ICE transport policy
	// "relay"), so that media goes through TURN.
	RelayOnly bool
}

// Result is how a call went, as `hongyan cli call` prints it.
type Result struct {
	Call  int64  `json:"call"`
	State string `json:"state"` // how it ended: hung_up, declined, busy, no_answer, cancelled, failed, answered_elsewhere
	Video bool   `json:"video"`
	// SetupMS: placing, from dialling to the first media packet
	// received; answering, from the ring to it.
	SetupMS         int64  `json:"setup_ms"`
	DurationMS      int64  `json:"duration_ms"`
	Duration        string `json:"duration"` // mm:ss, as the call record shows it
	PacketsSent     int64  `json:"packets_sent"`
	PacketsReceived int64  `json:"packets_received"`
	PacketsLost     int64  `json:"packets_lost"`
	BytesSent       int64  `json:"bytes_sent"`
	BytesReceived   int64  `json:"bytes_received"`
	// Voice is the received voice stream's quality, with its estimated
	// MOS.
	Voice *Quality `json:"voice,omitempty"`
}

// Client is one device's call client. It reads the device's change log
// and pushes itself: use the connection for nothing else that reads
// pushes.
type Client struct {
	conn    *wsclient.Conn
	me      int64
	calls   chan *pb.Call
	signals chan *pb.CallSignal
	err     atomic.Value // error: why the pump stopped
	stop    context.CancelFunc
}

// New follows the device behind conn (signed in as user me) from its
// change log's head.
func New(ctx context.Context, conn *wsclient.Conn, me int64) (*Client, error) {
	head, err := conn.Ping(ctx, 0)
	if err != nil {
		return nil, err
	}
	pctx, stop := context.WithCancel(context.Background())
	c := &Client{conn: conn, me: me, calls: make(chan *pb.Call, 256), signals: make(chan *pb.CallSignal, 1024), stop: stop}
	s := wsclient.NewSyncer(conn, head)
	s.OnPush = func(f *pb.ServerFrame) {
		if g := f.GetCallSignal(); g != nil {
			select {
			case c.signals <- g:
			default: // a flood: the call fails rather than the client
			}
		}
	}
	go func() {
		for {
			changes, err := s.Next(pctx)
			if err != nil {
				c.err.Store(err)
				close(c.calls)
				return
			}
			for _, ch := range changes {
				if v := ch.GetCall(); v != nil {
					select {
					case c.calls <- v:
					case <-pctx.Done():
					}
				}
			}
		}
	}()
	return c, nil
}

// Close stops following the device.
func (c *Client) Close() { c.stop() }

func (c *Client) request(ctx context.Context, f *pb.ClientFrame) (*pb.ServerFrame, error) {
	return c.conn.Call(ctx, f)
}

// endName is how a Result names an end.
func endName(e pb.CallEnd) string {
	switch e {
	case pb.CallEnd_CALL_END_DECLINED:
		return "declined"
	case pb.CallEnd_CALL_END_BUSY:
		return "busy"
	case pb.CallEnd_CALL_END_NO_ANSWER:
		return "no_answer"
	case pb.CallEnd_CALL_END_CANCELLED:
		return "cancelled"
	case pb.CallEnd_CALL_END_HUNG_UP:
		return "hung_up"
	case pb.CallEnd_CALL_END_FAILED:
		return "failed"
	}
	return "none"
}

// Place calls peer and, once answered, talks for o.Talk.
func (c *Client) Place(ctx context.Context, peer int64, o Options) (Result, error) {
	o = o.defaults(5 * time.Second)
	t0 := time.Now()
	f, err := c.request(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_CallPlace{CallPlace: &pb.CallPlaceRequest{Peer: peer, Video: o.Video}}})
	if err != nil {
		return Result{}, err
	}
	s := f.GetCallSession()
	v := s.GetCall()
	if v.State == pb.CallState_CALL_STATE_ENDED {
		return Result{Call: v.Id, State: endName(v.End), Video: v.Video}, nil
	}
	// Wait for the answer.
	for v.State == pb.CallState_CALL_STATE_RINGING {
		if v, err = c.next(ctx, v.Id); err != nil {
			c.hangup(v.GetId(), false)
			return Result{}, err
		}
	}
	if v.State == pb.CallState_CALL_STATE_ENDED {
		return Result{Call: v.Id, State: endName(v.End), Video: v.Video}, nil
	}
	return c.talk(ctx, v, s.IceServers, true, t0, o)
}

// Answer waits for a call to this user (one ringing now, or the next)
// and answers it on this device.
func (c *Client) Answer(ctx context.Context, o Options) (Result, error) {
	o = o.defaults(0)
	ctx, cancel := context.WithTimeout(ctx, o.RingWait)
	defer cancel()
	f, err := c.request(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_CallCurrent{CallCurrent: &pb.Empty{}}})
	if err != nil {
		return Result{}, err
	}
	v := f.GetCallCurrent().GetCall()
	for v == nil || v.Callee != c.me || v.State != pb.CallState_CALL_STATE_RINGING {
		select {
		case <-ctx.Done():
			return Result{}, fmt.Errorf("no call came: %w", ctx.Err())
		case v = <-c.calls:
			if v == nil {
				return Result{}, c.pumpErr()
			}
		}
	}
	t0 := time.Now()
	f, err = c.request(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_CallAccept{CallAccept: &pb.CallRef{Call: v.Id}}})
	if wsclient.ErrorReason(err) == "answered_elsewhere" {
		return Result{Call: v.Id, State: "answered_elsewhere", Video: v.Video}, nil
	}
	if err != nil {
		return Result{}, err
	}
	s := f.GetCallSession()
	o.Video = s.GetCall().GetVideo()
	return c.talk(context.WithoutCancel(ctx), s.GetCall(), s.IceServers, false, t0, o)
}

func (o Options) defaults(talk time.Duration) Options {
	if o.Talk == 0 {
		o.Talk = talk
	}
	if o.OpusBytes <= 0 {
		o.OpusBytes = 27
	}
	if o.Ptime <= 0 {
		o.Ptime = 40 * time.Millisecond
	}
	if o.MediaTimeout <= 0 {
		o.MediaTimeout = 30 * time.Second
	}
	if o.RingWait <= 0 {
		o.RingWait = 2 * time.Minute
	}
	return o
}

func (c *Client) pumpErr() error {
	if err, ok := c.err.Load().(error); ok {
		return err
	}
	return errors.New("callclient: stopped")
}

// next waits for the next state of call id.
func (c *Client) next(ctx context.Context, id int64) (*pb.Call, error) {
	for {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case v := <-c.calls:
			if v == nil {
				return nil, c.pumpErr()
			}
			if v.Id == id {
				return v, nil
			}
		}
	}
}

func (c *Client) hangup(id int64, failed bool) (*pb.Call, error) {
	if id == 0 {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	f, err := c.request(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_CallHangup{CallHangup: &pb.CallHangupRequest{Call: id, Failed: failed}}})
	return f.GetCall(), err
}

func (c *Client) signal(ctx context.Context, g *pb.CallSignal) error {
	_, err := c.request(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_CallSignal{CallSignal: g}})
	return err
}

// newAPI is pion with the codecs of a call: Opus (FEC, DTX) and VP8.
func newAPI() (*webrtc.API, error) {
	m := &webrtc.MediaEngine{}
	if err := m.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus,
		ClockRate: 48000, Channels: 2, SDPFmtpLine: OpusFmtp}, PayloadType: 111}, webrtc.RTPCodecTypeAudio); err != nil {
		return nil, err
	}
	if err := m.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8,
		ClockRate: 90000}, PayloadType: 96}, webrtc.RTPCodecTypeVideo); err != nil {
		return nil, err
	}
	se := webrtc.SettingEngine{}
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetIncludeLoopbackCandidate(true) // two devices on one machine
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4, webrtc.NetworkTypeUDP6})
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithSettingEngine(se)), nil
}

// counter counts what one track brought, and the packets missing from
// its sequence.
type counter struct {
	mu            sync.Mutex
	packets, size int64
	first, high   uint64 // extended sequence numbers
	started       bool
}

func (k *counter) add(seq uint16, n int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.packets++
	k.size += int64(n)
	if !k.started {
		k.started, k.first, k.high = true, uint64(seq), uint64(seq)
		return
	}
	k.high = max(k.high, extend(k.high, seq))
}

// extend places a 16-bit sequence number in the cycle nearest high, the
// highest extended sequence number seen.
func extend(high uint64, seq uint16) uint64 {
	ext := high&^0xffff | uint64(seq)
	switch {
	case ext+0x8000 < high:
		ext += 0x10000
	case ext > high+0x8000 && ext >= 0x10000:
		ext -= 0x10000
	}
	return ext
}

func (k *counter) lost() int64 {
	k.mu.Lock()
	defer k.mu.Unlock()
	if !k.started {
		return 0
	}
	return max(0, int64(k.high-k.first+1)-k.packets)
}

// talk runs the media of an accepted call: the caller offers, the callee
// answers; both trickle candidates, send synthetic media, keep the call
// alive and hang up after o.Talk (or when the other side does).
func (c *Client) talk(ctx context.Context, v *pb.Call, servers []*pb.IceServer, offerer bool, t0 time.Time, o Options) (res Result, err error) {
	res = Result{Call: v.Id, Video: v.Video}
	api, err := newAPI()
	if err != nil {
		return res, err
	}
	cfg := webrtc.Configuration{ICEServers: iceServers(servers, o.TURNVia)}
	if o.RelayOnly {
		cfg.ICETransportPolicy = webrtc.ICETransportPolicyRelay
	}
	pc, err := api.NewPeerConnection(cfg)
	if err != nil {
		return res, err
	}
	defer pc.Close()
	audio, err := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2,
		SDPFmtpLine: OpusFmtp}, "audio", "hongyan")
	if err != nil {
		return res, err
	}
	if _, err := pc.AddTrack(audio); err != nil {
		return res, err
	}
	var video *webrtc.TrackLocalStaticSample
	if o.Video {
		if video, err = webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "video", "hongyan"); err != nil {
			return res, err
		}
		if _, err := pc.AddTrack(video); err != nil {
			return res, err
		}
	}
	sctx, cancelSig := context.WithCancel(ctx)
	defer cancelSig()
	pc.OnICECandidate(func(cand *webrtc.ICECandidate) {
		if cand == nil {
			return
		}
		init := cand.ToJSON()
		g := &pb.CallSignal{Call: v.Id, Kind: pb.CallSignalKind_CALL_SIGNAL_KIND_CANDIDATE, Candidate: init.Candidate}
		if init.SDPMid != nil {
			g.Mid = *init.SDPMid
		}
		if init.SDPMLineIndex != nil {
			g.Mline = uint32(*init.SDPMLineIndex)
		}
		c.signal(sctx, g) // a lost candidate: others remain
	})
	var recv counter
	var voice voiceMeter
	firstMedia := make(chan time.Time, 1)
	// media is the loop's view of firstMedia, set to nil once the first
	// packet came; the track callback keeps its own, never changed.
	media := firstMedia
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		for {
			p, _, err := tr.ReadRTP()
			if err != nil {
				return
			}
			at := time.Now()
			recv.add(p.SequenceNumber, p.MarshalSize())
			if tr.Kind() == webrtc.RTPCodecTypeAudio {
				voice.add(p.SequenceNumber, p.Timestamp, p.Payload, at)
			}
			select {
			case firstMedia <- time.Now():
			default:
			}
		}
	})
	connected := make(chan struct{})
	var once sync.Once
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		if s == webrtc.PeerConnectionStateConnected {
			once.Do(func() { close(connected) })
		}
	})

	if offerer {
		offer, err := pc.CreateOffer(nil)
		if err != nil {
			return c.fail(res, err)
		}
		if err := pc.SetLocalDescription(offer); err != nil {
			return c.fail(res, err)
		}
		if err := c.signal(ctx, &pb.CallSignal{Call: v.Id, Kind: pb.CallSignalKind_CALL_SIGNAL_KIND_OFFER, Sdp: offer.SDP}); err != nil {
			return c.fail(res, err)
		}
	}
	// Signalling until connected; then media.
	var pending []webrtc.ICECandidateInit
	haveRemote := false
	mediaBy := time.NewTimer(o.MediaTimeout)
	defer mediaBy.Stop()
	var sent, sentBytes atomic.Int64
	sending := false
	stopSend := make(chan struct{})
	defer close(stopSend)
	var talkEnd <-chan time.Time
	var started time.Time
	keep := time.NewTicker(15 * time.Second)
	defer keep.Stop()
	finish := func(state string) (Result, error) {
		res.State = state
		if !started.IsZero() {
			res.DurationMS = time.Since(started).Milliseconds()
		}
		res.Duration = fmt.Sprintf("%02d:%02d", res.DurationMS/60000, res.DurationMS/1000%60)
		res.PacketsSent, res.BytesSent = sent.Load(), sentBytes.Load()
		recv.mu.Lock()
		res.PacketsReceived, res.BytesReceived = recv.packets, recv.size
		recv.mu.Unlock()
		res.PacketsLost = recv.lost()
		if q := voice.quality(); q.Expected > 0 {
			res.Voice = &q
		}
		return res, nil
	}
	for {
		select {
		case <-ctx.Done():
			c.hangup(v.Id, false)
			return finish("cancelled")
		case g := <-c.signals:
			if g.Call != v.Id {
				continue
			}
			switch g.Kind {
			case pb.CallSignalKind_CALL_SIGNAL_KIND_OFFER, pb.CallSignalKind_CALL_SIGNAL_KIND_ANSWER:
				typ := webrtc.SDPTypeAnswer
				if g.Kind == pb.CallSignalKind_CALL_SIGNAL_KIND_OFFER {
					typ = webrtc.SDPTypeOffer
				}
				if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: typ, SDP: g.Sdp}); err != nil {
					return c.fail(res, err)
				}
				haveRemote = true
				for _, cand := range pending {
					pc.AddICECandidate(cand)
				}
				pending = nil
				if typ == webrtc.SDPTypeOffer {
					ans, err := pc.CreateAnswer(nil)
					if err != nil {
						return c.fail(res, err)
					}
					if err := pc.SetLocalDescription(ans); err != nil {
						return c.fail(res, err)
					}
					if err := c.signal(ctx, &pb.CallSignal{Call: v.Id, Kind: pb.CallSignalKind_CALL_SIGNAL_KIND_ANSWER, Sdp: ans.SDP}); err != nil {
						return c.fail(res, err)
					}
				}
			case pb.CallSignalKind_CALL_SIGNAL_KIND_CANDIDATE:
				if g.Candidate == "" {
					continue
				}
				mid, line := g.Mid, uint16(g.Mline)
				cand := webrtc.ICECandidateInit{Candidate: g.Candidate, SDPMid: &mid, SDPMLineIndex: &line}
				if haveRemote {
					pc.AddICECandidate(cand)
				} else {
					pending = append(pending, cand)
				}
			}
		case <-connected:
			connected = nil
			if !sending {
				sending = true
				go send(audio, video, o.OpusBytes, o.Ptime, &sent, &sentBytes, stopSend)
			}
		case at := <-media:
			media = nil
			mediaBy.Stop()
			res.SetupMS = at.Sub(t0).Milliseconds()
			started = at
			if o.Talk > 0 {
				talkEnd = time.After(o.Talk)
			}
		case <-mediaBy.C:
			c.hangup(v.Id, true)
			return finish("failed")
		case <-keep.C:
			c.request(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_CallKeepalive{CallKeepalive: &pb.CallRef{Call: v.Id}}})
		case <-talkEnd:
			end, err := c.hangup(v.Id, false)
			if err != nil {
				return finish("failed")
			}
			return finish(endName(end.End))
		case nv := <-c.calls:
			if nv == nil {
				return res, c.pumpErr()
			}
			if nv.Id == v.Id && nv.State == pb.CallState_CALL_STATE_ENDED {
				return finish(endName(nv.End))
			}
		}
	}
}

// iceServers is the node's ICE servers for pion; with via, only its
// TURN-over-UDP ones, pointed at via.
func iceServers(servers []*pb.IceServer, via string) []webrtc.ICEServer {
	var out []webrtc.ICEServer
	for _, s := range servers {
		urls := s.Urls
		if via != "" {
			urls = nil
			for _, u := range s.Urls {
				if rest, ok := strings.CutPrefix(u, "turn:"); ok && strings.HasSuffix(rest, "?transport=udp") {
					urls = append(urls, "turn:"+via+"?transport=udp")
				}
			}
			if len(urls) == 0 {
				continue
			}
		}
		out = append(out, webrtc.ICEServer{URLs: urls, Username: s.Username, Credential: s.Credential})
	}
	return out
}

func (c *Client) fail(res Result, err error) (Result, error) {
	c.hangup(res.Call, true)
	return res, err
}

// send writes a synthetic Opus packet every ptime (and a VP8-framed video
// frame every 33 ms) until stop closes.
func send(audio, video *webrtc.TrackLocalStaticSample, opusBytes int, ptime time.Duration, sent, bytes *atomic.Int64, stop <-chan struct{}) {
	frame := make([]byte, max(opusBytes, 9)) // room for the send time
	// Opus TOC, one frame of SILK wideband: configurations 8–11 are
	// 10, 20, 40 and 60 ms.
	cfg := byte(9)
	switch {
	case ptime <= 10*time.Millisecond:
		cfg = 8
	case ptime >= 60*time.Millisecond:
		cfg = 11
	case ptime >= 40*time.Millisecond:
		cfg = 10
	}
	frame[0] = cfg << 3
	for i := 1; i < len(frame); i++ {
		frame[i] = byte(i * 37)
	}
	// A VP8 key-frame-shaped payload (not decodable video).
	vframe := make([]byte, 1200)
	vframe[0], vframe[3], vframe[4], vframe[5] = 0x10, 0x9d, 0x01, 0x2a
	at := time.NewTicker(ptime)
	defer at.Stop()
	var vt <-chan time.Time
	if video != nil {
		t := time.NewTicker(33 * time.Millisecond)
		defer t.Stop()
		vt = t.C
	}
	for {
		select {
		case <-stop:
			return
		case now := <-at.C:
			stamp(frame, now)
			if audio.WriteSample(media.Sample{Data: frame, Duration: ptime}) == nil {
				sent.Add(1)
				bytes.Add(int64(len(frame) + 12))
			}
		case <-vt:
			video.WriteSample(media.Sample{Data: vframe, Duration: 33 * time.Millisecond})
		}
	}
}
