package load

import (
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"hongyan/internal/sfu"
)

// SFUOptions configure the sfu-rooms workload.
type SFUOptions struct {
	Rooms    int // rooms (default 1)
	Speakers int // speakers per room (default all of --users, at most 9)
	Talkie   bool
}

// SFUResult is the sfu-rooms workload's figures.
type SFUResult struct {
	Rooms         int     `json:"rooms"`
	Participants  int     `json:"participants_per_room"`
	Speakers      int     `json:"speakers_per_room"`
	StreamsOut    int     `json:"streams_out"` // speaker → listener streams forwarded
	SetupS        float64 `json:"setup_s"`
	ExpectedPerS  float64 `json:"expected_per_s"`  // at 50 packets a speaker a second, what the listeners would receive
	SentPerS      float64 `json:"sent_per_s"`      // packets the speakers sent a second
	ForwardedPerS float64 `json:"forwarded_per_s"` // packets the SFU forwarded a second
	ReceivedPerS  float64 `json:"received_per_s"`
	LossPct       float64 `json:"loss_pct"`  // received short of sent × (participants − 1)
	CPUCores      float64 `json:"cpu_cores"` // the whole process: SFU and clients
}

// runSFURooms runs rooms of participants over pion WebRTC clients against
// an SFU in this process (the SFU has no network signalling of its own):
// every speaker sends a 60-byte Opus-sized packet every 20 ms, and the
// run counts what the SFU forwarded and the listeners received.
func runSFURooms(ctx context.Context, opt Options) (Result, error) {
	o := opt.SFU
	if o.Rooms <= 0 {
		o.Rooms = 1
	}
	if opt.Log == nil {
		opt.Log = io.Discard
	}
	per := opt.Users
	if o.Speakers <= 0 || o.Speakers > per {
		o.Speakers = min(per, 9)
	}
	if o.Talkie {
		o.Speakers = 1
	}
	s, err := sfu.New(sfu.Config{MaxSpeakers: max(o.Speakers, 1), MaxParticipants: per, MaxRooms: o.Rooms})
	if err != nil {
		return Result{}, err
	}
	defer s.Close()
	api, err := loopbackWebRTC()
	if err != nil {
		return Result{}, err
	}
	kind := sfu.Group
	if o.Talkie {
		kind = sfu.Talkie
	}
	var received atomic.Int64
	start := time.Now()
	type member struct {
		pc      *webrtc.PeerConnection
		mic     *webrtc.TrackLocalStaticRTP
		speaker bool
	}
	var sent atomic.Int64
	var members []member
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	var failed atomic.Int64
	for r := range o.Rooms {
		room := "room-" + strconv.Itoa(r)
		for i := range per {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				pc, mic, speaker, err := sfuClient(ctx, s, api, room, kind, strconv.Itoa(i), &received)
				if err != nil {
					if failed.Add(1) <= 3 {
						fmt.Fprintf(opt.Log, "%s/%d: %v\n", room, i, err)
					}
					return
				}
				mu.Lock()
				// Who speaks: the first Speakers to join each room (the
				// SFU's slots), or in a talkie room the floor's holder.
				members = append(members, member{pc, mic, speaker && (kind == sfu.Group || i == 0)})
				mu.Unlock()
			}()
		}
		if o.Talkie {
			wg.Wait()
			s.RequestFloor(room, "0")
		}
	}
	wg.Wait()
	defer func() {
		for _, m := range members {
			m.pc.Close()
		}
	}()
	// Wait until every connection is up.
	deadline := time.Now().Add(60 * time.Second)
	for _, m := range members {
		for m.pc.ConnectionState() != webrtc.PeerConnectionStateConnected && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond) // polling the state with a deadline
		}
	}
	res := SFUResult{Rooms: o.Rooms, Participants: per, Speakers: o.Speakers, SetupS: time.Since(start).Seconds()}
	res.StreamsOut = o.Rooms * o.Speakers * (per - 1)
	res.ExpectedPerS = float64(res.StreamsOut) * 50
	fmt.Fprintf(opt.Log, "%d rooms × %d participants (%d speaking) connected in %.1fs (%d failed); %d streams forwarded\n",
		o.Rooms, per, o.Speakers, res.SetupS, failed.Load(), res.StreamsOut)

	// The speakers send; measure the middle of the run.
	sendCtx, cancel := context.WithTimeout(ctx, opt.Duration+2*time.Second)
	defer cancel()
	for _, m := range members {
		if !m.speaker {
			continue
		}
		go func() {
			tick := time.NewTicker(20 * time.Millisecond)
			defer tick.Stop()
			payload := make([]byte, 60)
			var seq uint16
			var ts uint32
			for {
				select {
				case <-sendCtx.Done():
					return
				case <-tick.C:
				}
				seq++
				ts += 960
				if m.mic.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 111, SequenceNumber: seq, Timestamp: ts}, Payload: payload}) == nil {
					sent.Add(1)
				}
			}
		}()
	}
	time.Sleep(time.Second) // let the streams start; not a synchronisation
	st0, r0, s0, c0, t0 := s.Stats(), received.Load(), sent.Load(), cpuTime(), time.Now()
	select {
	case <-time.After(opt.Duration):
	case <-ctx.Done():
	}
	st1, r1, s1, c1, el := s.Stats(), received.Load(), sent.Load(), cpuTime(), time.Since(t0).Seconds()
	res.SentPerS = float64(s1-s0) / el
	res.ForwardedPerS = float64(st1.PacketsOut-st0.PacketsOut) / el
	res.ReceivedPerS = float64(r1-r0) / el
	res.CPUCores = (c1 - c0).Seconds() / el
	if want := res.SentPerS * float64(per-1); want > 0 {
		res.LossPct = max(0, 100*(1-res.ReceivedPerS/want))
	}
	fmt.Fprintf(opt.Log, "speakers sent %.0f packets/s (%.0f scheduled); the SFU forwarded %.0f/s, the listeners received %.0f/s (%.2f%% short of sent × %d); %.2f cores (SFU and clients)\n",
		res.SentPerS, float64(o.Rooms*o.Speakers)*50, res.ForwardedPerS, res.ReceivedPerS, res.LossPct, per-1, res.CPUCores)
	return Result{Workload: "sfu-rooms", Users: per * o.Rooms, DurationS: opt.Duration.Seconds(), SFU: &res}, nil
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loopbackWebRTC is a pion WebRTC stack for clients on loopback.
func loopbackWebRTC() (*webrtc.API, error) {
	me := &webrtc.MediaEngine{}
	err := me.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus,
		ClockRate: 48000, Channels: 2, SDPFmtpLine: "minptime=10;useinbandfec=1"}, PayloadType: 111}, webrtc.RTPCodecTypeAudio)
	if err != nil {
		return nil, err
	}
	var se webrtc.SettingEngine
	se.SetIncludeLoopbackCandidate(true)
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	return webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithSettingEngine(se)), nil
}

// sfuClient joins room as id, answers the SFU's offer and counts every
// packet it receives; it reports whether the SFU made it a speaker.
func sfuClient(ctx context.Context, s *sfu.SFU, api *webrtc.API, room string, kind sfu.Kind, id string, received *atomic.Int64) (*webrtc.PeerConnection, *webrtc.TrackLocalStaticRTP, bool, error) {
	jctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	offer, speaker, err := s.Join(jctx, room, kind, id)
	if err != nil {
		return nil, nil, false, err
	}
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, nil, false, err
	}
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		buf := make([]byte, 1500)
		for {
			if _, _, err := tr.Read(buf); err != nil {
				return
			}
			received.Add(1)
		}
	})
	fail := func(err error) (*webrtc.PeerConnection, *webrtc.TrackLocalStaticRTP, bool, error) {
		pc.Close()
		s.Leave(room, id)
		return nil, nil, false, err
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		return fail(err)
	}
	mic, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "mic", id)
	if err != nil {
		return fail(err)
	}
	if _, err := pc.AddTrack(mic); err != nil {
		return fail(err)
	}
	answer, err := pc.CreateAnswer(nil)
	if err != nil {
		return fail(err)
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(answer); err != nil {
		return fail(err)
	}
	select {
	case <-gathered:
	case <-jctx.Done():
		return fail(jctx.Err())
	}
	if err := s.Answer(room, id, pc.LocalDescription().SDP); err != nil {
		return fail(err)
	}
	return pc, mic, speaker, nil
}
