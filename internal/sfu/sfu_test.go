package sfu

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

func startSFU(t *testing.T, mod func(*Config)) *SFU {
	t.Helper()
	cfg := Config{}
	if mod != nil {
		mod(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// clientAPI is a pion WebRTC stack for test participants, on loopback.
func clientAPI(t *testing.T) *webrtc.API {
	t.Helper()
	me := &webrtc.MediaEngine{}
	if err := me.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: opus, PayloadType: 111}, webrtc.RTPCodecTypeAudio); err != nil {
		t.Fatal(err)
	}
	var se webrtc.SettingEngine
	se.SetIncludeLoopbackCandidate(true)
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	return webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithSettingEngine(se))
}

// participant is a test client: it sends synthetic Opus packets whose
// first payload byte is its mark, and counts what it receives by mark.
type participant struct {
	mark    byte
	pc      *webrtc.PeerConnection
	speaker bool
	mu      sync.Mutex
	got     map[byte]int
	seqs    map[byte][]uint16
}

func (p *participant) count(mark byte) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.got[mark]
}

func join(t *testing.T, s *SFU, api *webrtc.API, roomID string, kind Kind, id string, mark byte) *participant {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	offer, speaker, err := s.Join(ctx, roomID, kind, id)
	if err != nil {
		t.Fatalf("Join(%s, %s): %v", roomID, id, err)
	}
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	p := &participant{mark: mark, pc: pc, speaker: speaker, got: map[byte]int{}, seqs: map[byte][]uint16{}}
	t.Cleanup(func() { pc.Close() })
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		for {
			pkt, _, err := tr.ReadRTP()
			if err != nil {
				return
			}
			if len(pkt.Payload) > 0 {
				p.mu.Lock()
				p.got[pkt.Payload[0]]++
				p.seqs[pkt.Payload[0]] = append(p.seqs[pkt.Payload[0]], pkt.SequenceNumber)
				p.mu.Unlock()
			}
		}
	})
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		t.Fatalf("client SetRemoteDescription: %v", err)
	}
	mic, err := webrtc.NewTrackLocalStaticRTP(opus, "mic", id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pc.AddTrack(mic); err != nil {
		t.Fatal(err)
	}
	answer, err := pc.CreateAnswer(nil)
	if err != nil {
		t.Fatal(err)
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(answer); err != nil {
		t.Fatal(err)
	}
	<-gathered
	if err := s.Answer(roomID, id, pc.LocalDescription().SDP); err != nil {
		t.Fatalf("Answer: %v", err)
	}
	go func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		seq, ts := uint16(1000*int(mark)), uint32(0)
		for range tick.C {
			if pc.ConnectionState() == webrtc.PeerConnectionStateClosed {
				return
			}
			seq++
			ts += 960
			mic.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 111, SequenceNumber: seq, Timestamp: ts}, Payload: []byte{mark, 0xF8, 0xFF, 0xFE}})
		}
	}()
	return p
}

func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// In a group room each speaker hears every other speaker and never
// themself; past MaxSpeakers a participant is a listener, who hears the
// speakers and whom nobody hears.
func TestGroupRoomForwardsSpeakersToEveryoneElse(t *testing.T) {
	s := startSFU(t, func(c *Config) { c.MaxSpeakers = 3 })
	api := clientAPI(t)
	a := join(t, s, api, "g1", Group, "a", 'a')
	b := join(t, s, api, "g1", Group, "b", 'b')
	c := join(t, s, api, "g1", Group, "c", 'c')
	l := join(t, s, api, "g1", Group, "listener", 'l')
	if !a.speaker || !b.speaker || !c.speaker || l.speaker {
		t.Fatalf("speakers a=%v b=%v c=%v listener=%v; want the first three", a.speaker, b.speaker, c.speaker, l.speaker)
	}
	all := []*participant{a, b, c, l}
	waitFor(t, func() bool {
		for _, p := range all {
			for _, from := range []byte("abc") {
				if from != p.mark && p.count(from) < 20 {
					return false
				}
			}
		}
		return true
	}, "every participant to hear every other speaker 20 times")
	for _, p := range all {
		if n := p.count(p.mark); n != 0 {
			t.Errorf("%c heard itself %d times", p.mark, n)
		}
		if n := p.count('l'); n != 0 {
			t.Errorf("%c heard the listener %d times", p.mark, n)
		}
	}
	if st := s.Stats(); st.Rooms != 1 || st.Participants != 4 || st.PacketsOut == 0 {
		t.Errorf("Stats = %+v; want one room of 4 forwarding", st)
	}

	// A speaker leaves: their slot is free for the next to join.
	s.Leave("g1", "b")
	d := join(t, s, api, "g1", Group, "d", 'd')
	if !d.speaker {
		t.Errorf("d joined after b left and is not a speaker")
	}
	waitFor(t, func() bool { return a.count('d') >= 20 }, "a to hear d in b's old slot")
}

// In a talkie room only the floor holder is heard; the floor passes on
// release, or when held past MaxHold.
func TestTalkieRoomFloorControl(t *testing.T) {
	var mu sync.Mutex
	var floors []string
	now := time.Now()
	var clock sync.Mutex
	s := startSFU(t, func(c *Config) {
		c.MaxHold = time.Minute
		c.Now = func() time.Time { clock.Lock(); defer clock.Unlock(); return now }
		c.OnFloor = func(room, holder string) { mu.Lock(); floors = append(floors, room+":"+holder); mu.Unlock() }
	})
	api := clientAPI(t)
	a := join(t, s, api, "t1", Talkie, "a", 'a')
	b := join(t, s, api, "t1", Talkie, "b", 'b')
	c := join(t, s, api, "t1", Talkie, "c", 'c')

	// Nobody holds the floor: the server receives, forwards nothing.
	waitFor(t, func() bool { return s.Stats().PacketsIn >= 60 }, "the server to receive the participants' audio")
	if st := s.Stats(); st.PacketsOut != 0 {
		t.Fatalf("forwarded %d packets with the floor free", st.PacketsOut)
	}

	if ok, holder, err := s.RequestFloor("t1", "a"); !ok || holder != "a" || err != nil {
		t.Fatalf("a's RequestFloor = %v, %q, %v; want granted", ok, holder, err)
	}
	if ok, holder, _ := s.RequestFloor("t1", "b"); ok || holder != "a" {
		t.Fatalf("b's RequestFloor while a holds it = %v, %q; want refused, a", ok, holder)
	}
	waitFor(t, func() bool { return b.count('a') >= 20 && c.count('a') >= 20 }, "b and c to hear a")
	if n := b.count('c') + c.count('b') + a.count('b') + a.count('c') + a.count('a'); n != 0 {
		t.Errorf("%d packets of participants without the floor (or a's own) were forwarded", n)
	}

	s.ReleaseFloor("t1", "b") // not b's: no effect
	s.ReleaseFloor("t1", "a")
	if ok, _, _ := s.RequestFloor("t1", "b"); !ok {
		t.Fatalf("b could not take the released floor")
	}
	waitFor(t, func() bool { return a.count('b') >= 20 && c.count('b') >= 20 }, "a and c to hear b")

	// b holds it past MaxHold: c may take it.
	if ok, _, _ := s.RequestFloor("t1", "c"); ok {
		t.Fatalf("c took the floor b holds")
	}
	clock.Lock()
	now = now.Add(time.Minute + time.Second)
	clock.Unlock()
	if ok, _, _ := s.RequestFloor("t1", "c"); !ok {
		t.Fatalf("c could not take the floor held past MaxHold")
	}
	s.Leave("t1", "c") // leaving frees the floor
	mu.Lock()
	got := strings.Join(floors, " ")
	mu.Unlock()
	if want := "t1:a t1: t1:b t1:c t1:"; got != want {
		t.Errorf("floor changes %q, want %q", got, want)
	}
}

// A slot's sequence numbers run on across a change of speaker, so that
// the receiver's jitter buffer sees one stream.
func TestSlotRewritesAcrossSpeakers(t *testing.T) {
	tr, err := webrtc.NewTrackLocalStaticRTP(opus, "slot0", "room")
	if err != nil {
		t.Fatal(err)
	}
	st := &slotTrack{track: tr}
	var out []uint16
	write := func(ssrc uint32, seq uint16, ts uint32) {
		st.write(&rtp.Packet{Header: rtp.Header{SSRC: ssrc, SequenceNumber: seq, Timestamp: ts}})
		out = append(out, st.lastSeq)
	}
	write(1, 100, 5000)
	write(1, 101, 5960)
	write(2, 9000, 77) // another speaker
	write(2, 9001, 1037)
	write(1, 102, 6920) // back to the first
	want := []uint16{100, 101, 102, 103, 104}
	for i := range want {
		if out[i] != want[i] {
			t.Fatalf("sequence numbers out %v, want %v", out, want)
		}
	}
	if st.lastTS != 5960+960*3 {
		t.Errorf("last timestamp %d, want %d (20 ms steps)", st.lastTS, 5960+960*3)
	}
}

func TestRefusals(t *testing.T) {
	s := startSFU(t, func(c *Config) { c.MaxParticipants = 2; c.MaxRooms = 2 })
	api := clientAPI(t)
	ctx := context.Background()
	join(t, s, api, "r1", Group, "a", 'a')
	if _, _, err := s.Join(ctx, "r1", Group, "a"); !errors.Is(err, ErrAlreadyIn) {
		t.Errorf("joining twice: %v, want ErrAlreadyIn", err)
	}
	if _, _, err := s.Join(ctx, "r1", Talkie, "b"); !errors.Is(err, ErrKindMixedUp) {
		t.Errorf("joining as another kind: %v, want ErrKindMixedUp", err)
	}
	join(t, s, api, "r1", Group, "b", 'b')
	if _, _, err := s.Join(ctx, "r1", Group, "c"); !errors.Is(err, ErrFull) {
		t.Errorf("a third participant with MaxParticipants 2: %v, want ErrFull", err)
	}
	join(t, s, api, "r2", Talkie, "a", 'a')
	if _, _, err := s.Join(ctx, "r3", Group, "a"); !errors.Is(err, ErrFull) {
		t.Errorf("a third room with MaxRooms 2: %v, want ErrFull", err)
	}
	if err := s.Answer("r1", "stranger", "v=0\r\n"); !errors.Is(err, ErrNoSuchPeer) {
		t.Errorf("a stranger's answer: %v, want ErrNoSuchPeer", err)
	}
	if err := s.Answer("r1", "a", "v=0\r\n"+strings.Repeat("a=x\r\n", MaxSDP/5)); !errors.Is(err, ErrBadSDP) {
		t.Errorf("an oversized answer: %v, want ErrBadSDP", err)
	}
	if _, _, err := s.RequestFloor("r2", "stranger"); !errors.Is(err, ErrNoSuchPeer) {
		t.Errorf("a stranger asking for the floor: %v, want ErrNoSuchPeer", err)
	}
	if _, _, err := s.RequestFloor("r1", "a"); !errors.Is(err, ErrNoSuchPeer) {
		t.Errorf("the floor of a group room: %v, want ErrNoSuchPeer", err)
	}
	if _, _, err := s.Join(ctx, "", Group, "a"); err == nil {
		t.Errorf("an empty room ID was accepted")
	}
	s.Leave("r2", "a")
	waitFor(t, func() bool { return s.Stats().Rooms == 1 }, "the empty room to go")
}

// Answers come from the network: whatever they hold, Answer returns an
// error or succeeds, and never panics.
func FuzzAnswer(f *testing.F) {
	s, err := New(Config{})
	if err != nil {
		f.Fatal(err)
	}
	defer s.Close()
	f.Add("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n")
	f.Add("v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n")
	f.Add("not sdp")
	f.Fuzz(func(t *testing.T, sdp string) {
		if _, _, err := s.Join(context.Background(), "fuzz", Group, "p"); err != nil {
			t.Fatal(err)
		}
		s.Answer("fuzz", "p", sdp)
		s.Leave("fuzz", "p")
	})
}
