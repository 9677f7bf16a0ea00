// Package sfu is the selective forwarding unit inside the binary, on
// github.com/pion/webrtc: audio rooms whose participants each hold one
// WebRTC connection to the server, which forwards the speakers' Opus
// packets to everyone else without decoding them. Two kinds of room:
//
//   - Group: up to MaxSpeakers speakers (9 by default), each forwarded in a
//     slot of their own, and more listeners (up to MaxParticipants).
//   - Talkie (walkie-talkie): one speaker at a time, who holds the floor
//     (RequestFloor / ReleaseFloor, at most MaxHold); the others' audio is
//     not forwarded.
//
// Nothing is recorded: packets are forwarded from memory and dropped.
//
// The server makes the offer (every slot a send-only audio track, plus a
// receive-only one for the participant's microphone) and the participant
// answers, so that nobody ever needs to renegotiate: a slot changes its
// speaker by rewriting sequence numbers and timestamps. All connections
// share one UDP port (an ICE UDP mux). Signalling, and who may join which
// room, is the caller's (the call feature's) business.
package sfu

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// Kind is a room's kind.
type Kind int

const (
	Group  Kind = iota // several speakers at once
	Talkie             // one speaker at a time, by floor control
)

// Config configures an SFU.
type Config struct {
	// Listen is the UDP address every connection's media uses (one port
	// to open): "127.0.0.1:0" by default, a free port on loopback.
	Listen string
	// PublicIP, when set, is the IPv4 address announced to clients (the
	// server's public address behind 1:1 NAT).
	PublicIP string
	// MaxSpeakers in a group room (default 9); MaxParticipants in any room
	// (default 50); MaxRooms on the server (default 1000).
	MaxSpeakers, MaxParticipants, MaxRooms int
	// MaxHold bounds how long one participant may hold a talkie room's
	// floor (default 60 s); after it another may take it.
	MaxHold time.Duration
	// OnFloor, when set, is told each change of a talkie room's floor
	// holder ("" when it is free).
	OnFloor func(room, holder string)
	// OnGone, when set, is told of a participant whose connection failed
	// or closed (after it was removed).
	OnGone func(room, participant string)
	Log    *slog.Logger
	// Now is the clock (tests); nil: time.Now.
	Now func() time.Time
}

// MaxSDP bounds an answer's size, before it is parsed.
const MaxSDP = 64 << 10

// Errors, for the caller to turn into its protocol's codes.
var (
	ErrFull        = errors.New("sfu: room or server full")
	ErrNoSuchPeer  = errors.New("sfu: no such participant")
	ErrBadSDP      = errors.New("sfu: malformed session description")
	ErrAlreadyIn   = errors.New("sfu: already in the room")
	ErrKindMixedUp = errors.New("sfu: the room exists with another kind")
)

// Stats are the SFU's counters.
type Stats struct {
	Rooms, Participants int
	PacketsIn           int64 // RTP packets received from participants
	PacketsOut          int64 // RTP packets forwarded (one per receiving participant)
	BytesOut            int64
}

// SFU is a running selective forwarding unit.
type SFU struct {
	cfg  Config
	now  func() time.Time
	log  *slog.Logger
	api  *webrtc.API
	mux  net.PacketConn
	addr net.Addr

	mu    sync.Mutex
	rooms map[string]*room

	in, out, outBytes atomic.Int64
}

// New starts an SFU listening as cfg says.
func New(cfg Config) (*SFU, error) {
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	if cfg.MaxSpeakers <= 0 {
		cfg.MaxSpeakers = 9
	}
	if cfg.MaxParticipants <= 0 {
		cfg.MaxParticipants = 50
	}
	if cfg.MaxRooms <= 0 {
		cfg.MaxRooms = 1000
	}
	if cfg.MaxHold <= 0 {
		cfg.MaxHold = time.Minute
	}
	s := &SFU{cfg: cfg, now: cfg.Now, log: cfg.Log, rooms: map[string]*room{}}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	conn, err := net.ListenPacket("udp4", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("sfu: %w", err)
	}
	if u, ok := conn.(*net.UDPConn); ok {
		u.SetReadBuffer(4 << 20)
		u.SetWriteBuffer(4 << 20)
	}
	s.mux, s.addr = conn, conn.LocalAddr()
	me := &webrtc.MediaEngine{}
	if err := me.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: opus, PayloadType: 111}, webrtc.RTPCodecTypeAudio); err != nil {
		conn.Close()
		return nil, err
	}
	var se webrtc.SettingEngine
	se.LoggerFactory = slogFactory{s.log}
	se.SetICEUDPMux(webrtc.NewICEUDPMux(slogFactory{s.log}.NewLogger("icemux"), conn))
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	host, _, _ := net.SplitHostPort(s.addr.String())
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		se.SetIncludeLoopbackCandidate(true)
		se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	}
	if cfg.PublicIP != "" {
		se.SetNAT1To1IPs([]string{cfg.PublicIP}, webrtc.ICECandidateTypeHost)
	}
	s.api = webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithSettingEngine(se))
	s.log.Info("sfu", "udp", s.addr.String())
	return s, nil
}

// opus is the one codec: Opus with in-band FEC, as browsers send it.
var opus = webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2, SDPFmtpLine: "minptime=10;useinbandfec=1"}

// Addr is the UDP address of the media.
func (s *SFU) Addr() net.Addr { return s.addr }

// Stats returns the counters.
func (s *SFU) Stats() Stats {
	s.mu.Lock()
	st := Stats{Rooms: len(s.rooms)}
	for _, r := range s.rooms {
		r.mu.Lock()
		st.Participants += len(r.peers)
		r.mu.Unlock()
	}
	s.mu.Unlock()
	st.PacketsIn, st.PacketsOut, st.BytesOut = s.in.Load(), s.out.Load(), s.outBytes.Load()
	return st
}

// Close ends every room and stops listening.
func (s *SFU) Close() error {
	s.mu.Lock()
	rooms := s.rooms
	s.rooms = map[string]*room{}
	s.mu.Unlock()
	for _, r := range rooms {
		var pcs []*webrtc.PeerConnection
		r.mu.Lock()
		for _, p := range r.peers {
			if p.pc != nil {
				pcs = append(pcs, p.pc)
			}
		}
		r.peers = map[string]*peer{} // a join in progress finds itself gone
		r.mu.Unlock()
		for _, pc := range pcs {
			pc.Close()
		}
	}
	return s.mux.Close()
}

type room struct {
	id    string
	kind  Kind
	slots int

	mu       sync.Mutex
	peers    map[string]*peer
	speakers []string // group: the participant of each slot ("" free)
	holder   string   // talkie: who holds the floor
	until    time.Time
}

type peer struct {
	id     string
	pc     *webrtc.PeerConnection
	slot   int // group: the participant's speaking slot, -1 a listener
	tracks []*slotTrack
}

// slotTrack is one slot as one participant receives it: the track and
// the rewriting that keeps its sequence numbers and timestamps running on
// when the slot's speaker changes.
type slotTrack struct {
	track *webrtc.TrackLocalStaticRTP

	mu      sync.Mutex
	src     uint32 // SSRC of the current source
	started bool
	seqOff  uint16
	tsOff   uint32
	sent    bool
	lastSeq uint16 // the highest sequence number sent, and its timestamp
	lastTS  uint32
}

// write forwards pkt, rewritten into the slot's own sequence.
func (t *slotTrack) write(pkt *rtp.Packet) (int, error) {
	t.mu.Lock()
	if !t.started || pkt.SSRC != t.src {
		// A new source: carry on from the last packet sent, as if 20 ms
		// (960 samples at 48 kHz) later.
		if t.started {
			t.seqOff = t.lastSeq + 1 - pkt.SequenceNumber
			t.tsOff = t.lastTS + 960 - pkt.Timestamp
		} else {
			t.seqOff, t.tsOff = 0, 0
		}
		t.src, t.started = pkt.SSRC, true
	}
	out := *pkt
	out.SequenceNumber = pkt.SequenceNumber + t.seqOff
	out.Timestamp = pkt.Timestamp + t.tsOff
	if !t.sent || int16(out.SequenceNumber-t.lastSeq) > 0 {
		t.sent, t.lastSeq, t.lastTS = true, out.SequenceNumber, out.Timestamp
	}
	t.mu.Unlock()
	return len(out.Payload), t.track.WriteRTP(&out)
}

// Join adds participant to the room (made on first join, of kind) and
// returns the server's offer, complete with its ICE candidates, which the
// participant answers through Answer. In a group room the participant is
// a speaker while a slot is free, otherwise a listener.
func (s *SFU) Join(ctx context.Context, roomID string, kind Kind, participant string) (offer string, speaker bool, err error) {
	if roomID == "" || participant == "" || len(roomID) > 128 || len(participant) > 128 {
		return "", false, fmt.Errorf("sfu: room and participant must be 1–128 bytes")
	}
	s.mu.Lock()
	r := s.rooms[roomID]
	if r == nil {
		if len(s.rooms) >= s.cfg.MaxRooms {
			s.mu.Unlock()
			return "", false, ErrFull
		}
		r = &room{id: roomID, kind: kind, peers: map[string]*peer{}, slots: 1}
		if kind == Group {
			r.slots = s.cfg.MaxSpeakers
			r.speakers = make([]string, r.slots)
		}
		s.rooms[roomID] = r
	}
	s.mu.Unlock()

	r.mu.Lock()
	switch {
	case r.kind != kind:
		err = ErrKindMixedUp
	case r.peers[participant] != nil:
		err = ErrAlreadyIn
	case len(r.peers) >= s.cfg.MaxParticipants:
		err = ErrFull
	}
	if err != nil {
		r.mu.Unlock()
		s.dropIfEmpty(r)
		return "", false, err
	}
	p := &peer{id: participant, slot: -1}
	if kind == Group {
		for i, sp := range r.speakers {
			if sp == "" {
				r.speakers[i], p.slot = participant, i
				break
			}
		}
	}
	r.peers[participant] = p // holds the place while the offer is made
	r.mu.Unlock()

	offer, err = s.connect(ctx, r, p)
	if err != nil {
		s.remove(r, participant)
		return "", false, err
	}
	return offer, kind == Talkie || p.slot >= 0, nil
}

// connect makes p's peer connection and the offer.
func (s *SFU) connect(ctx context.Context, r *room, p *peer) (string, error) {
	pc, err := s.api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return "", err
	}
	r.mu.Lock()
	gone := r.peers[p.id] != p // left while joining
	if !gone {
		p.pc = pc // remove closes it from now on
	}
	r.mu.Unlock()
	if gone {
		pc.Close()
		return "", ErrNoSuchPeer
	}
	if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeAudio, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
		return "", err
	}
	var tracks []*slotTrack
	for i := range r.slots {
		tr, err := webrtc.NewTrackLocalStaticRTP(opus, fmt.Sprintf("slot%d", i), "room")
		if err != nil {
			return "", err
		}
		// Its own send-only section, after the microphone's (which a
		// client's addTrack takes, being the first it has not sent on).
		tx, err := pc.AddTransceiverFromTrack(tr, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly})
		if err != nil {
			return "", err
		}
		go drainRTCP(tx.Sender())
		tracks = append(tracks, &slotTrack{track: tr})
	}
	r.mu.Lock() // forward reads other participants' tracks under it
	p.tracks = tracks
	r.mu.Unlock()
	pc.OnTrack(func(remote *webrtc.TrackRemote, _ *webrtc.RTPReceiver) { s.forward(r, p, remote) })
	pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) {
		if st == webrtc.PeerConnectionStateFailed || st == webrtc.PeerConnectionStateClosed {
			if s.remove(r, p.id) && s.cfg.OnGone != nil {
				s.cfg.OnGone(r.id, p.id)
			}
		}
	})
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		return "", err
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(offer); err != nil {
		return "", err
	}
	select {
	case <-gathered:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	return pc.LocalDescription().SDP, nil
}

// Answer completes participant's connection with its answer.
func (s *SFU) Answer(roomID, participant, sdp string) error {
	if len(sdp) > MaxSDP || !strings.HasPrefix(sdp, "v=0") {
		return ErrBadSDP
	}
	pc := s.conn(roomID, participant)
	if pc == nil {
		return ErrNoSuchPeer
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: sdp}); err != nil {
		return fmt.Errorf("%w: %v", ErrBadSDP, err)
	}
	return nil
}

// Leave removes participant from the room and closes its connection.
func (s *SFU) Leave(roomID, participant string) {
	s.mu.Lock()
	r := s.rooms[roomID]
	s.mu.Unlock()
	if r != nil {
		s.remove(r, participant)
	}
}

// RequestFloor gives a talkie room's floor to participant when it is free,
// already theirs, or held longer than MaxHold; it returns whether they
// hold it and who does.
func (s *SFU) RequestFloor(roomID, participant string) (granted bool, holder string, err error) {
	r := s.room(roomID)
	if r == nil {
		return false, "", ErrNoSuchPeer
	}
	r.mu.Lock()
	if r.peers[participant] == nil || r.kind != Talkie {
		r.mu.Unlock()
		return false, "", ErrNoSuchPeer
	}
	now := s.now()
	changed := false
	if r.holder == "" || r.holder == participant || now.After(r.until) {
		changed = r.holder != participant
		r.holder, r.until = participant, now.Add(s.cfg.MaxHold)
	}
	holder = r.holder
	r.mu.Unlock()
	if changed && s.cfg.OnFloor != nil {
		s.cfg.OnFloor(roomID, holder)
	}
	return holder == participant, holder, nil
}

// ReleaseFloor frees a talkie room's floor if participant holds it.
func (s *SFU) ReleaseFloor(roomID, participant string) {
	r := s.room(roomID)
	if r == nil {
		return
	}
	r.mu.Lock()
	released := r.holder == participant && participant != ""
	if released {
		r.holder = ""
	}
	r.mu.Unlock()
	if released && s.cfg.OnFloor != nil {
		s.cfg.OnFloor(roomID, "")
	}
}

func (s *SFU) room(id string) *room {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rooms[id]
}

// conn returns participant's connection, nil when there is none (yet).
func (s *SFU) conn(roomID, participant string) *webrtc.PeerConnection {
	r := s.room(roomID)
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if p := r.peers[participant]; p != nil {
		return p.pc
	}
	return nil
}

// remove takes participant out of r (its slot, the floor), closes its
// connection and reports whether it was there.
func (s *SFU) remove(r *room, participant string) bool {
	r.mu.Lock()
	p := r.peers[participant]
	if p == nil {
		r.mu.Unlock()
		return false
	}
	delete(r.peers, participant)
	if p.slot >= 0 {
		r.speakers[p.slot] = ""
	}
	released := r.holder == participant
	if released {
		r.holder = ""
	}
	pc := p.pc
	r.mu.Unlock()
	if released && s.cfg.OnFloor != nil {
		s.cfg.OnFloor(r.id, "")
	}
	if pc != nil {
		go pc.Close() // Close waits for the connection's goroutines, which may be calling us
	}
	s.dropIfEmpty(r)
	return true
}

func (s *SFU) dropIfEmpty(r *room) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r.mu.Lock()
	empty := len(r.peers) == 0
	r.mu.Unlock()
	if empty && s.rooms[r.id] == r {
		delete(s.rooms, r.id)
	}
}

// forward reads p's microphone and writes each packet to the slot it
// belongs in, for every other participant: in a group room p's own slot
// (listeners are not forwarded), in a talkie room the one slot while p
// holds the floor.
func (s *SFU) forward(r *room, p *peer, remote *webrtc.TrackRemote) {
	var targets []*slotTrack
	for {
		pkt, _, err := remote.ReadRTP()
		if err != nil {
			return
		}
		s.in.Add(1)
		r.mu.Lock()
		slot := -1
		switch {
		case r.kind == Group:
			slot = p.slot
		case r.holder == p.id && !s.now().After(r.until):
			slot = 0
		}
		targets = targets[:0]
		if slot >= 0 {
			for id, q := range r.peers {
				if id != p.id && slot < len(q.tracks) {
					targets = append(targets, q.tracks[slot])
				}
			}
		}
		r.mu.Unlock()
		for _, t := range targets {
			if n, err := t.write(pkt); err == nil {
				s.out.Add(1)
				s.outBytes.Add(int64(n))
			}
		}
	}
}

func drainRTCP(sender *webrtc.RTPSender) {
	buf := make([]byte, 1500)
	for {
		if _, _, err := sender.Read(buf); err != nil {
			return
		}
	}
}
