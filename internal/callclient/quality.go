package callclient

import (
	"encoding/binary"
	"math"
	"sync"
	"time"
)

// Quality is what the receiving side of a call saw of the voice stream,
// and the listening quality estimated from it.
type Quality struct {
	Expected int64 `json:"expected"` // packets the sender numbered while this side listened
	Received int64 `json:"received"` // distinct packets that arrived
	Lost     int64 `json:"lost"`     // expected, never arrived
	// Recovered: lost packets whose successor arrived, so Opus's in-band
	// FEC (each packet carries a coarse copy of the one before) fills
	// them; Concealed: the rest, which the decoder's packet loss
	// concealment has to invent.
	Recovered int64 `json:"fec_recovered"`
	Concealed int64 `json:"concealed"`
	// JitterMS is RFC 3550's interarrival jitter (§6.4.1), at the end.
	JitterMS float64 `json:"jitter_ms"`
	// DelayMS is the mean one-way delay, from the send time this client
	// writes into its synthetic frames: meaningful when both ends share
	// a clock (one machine, as in the load generator), 0 when unknown.
	DelayMS float64 `json:"delay_ms"`
	// R and MOS: the E-model estimate (see EstimateMOS).
	R   float64 `json:"r"`
	MOS float64 `json:"mos"`
}

// maxTracked bounds the per-packet bitmap of one stream (at 50 packets a
// second, nearly six hours); later packets are not tracked for FEC.
const maxTracked = 1 << 20

// voiceMeter follows one received Opus stream.
type voiceMeter struct {
	mu          sync.Mutex
	started     bool
	first, high uint64   // extended sequence numbers
	seen        []uint64 // bit i: packet first+i arrived
	received    int64
	// RFC 3550 jitter, in RTP timestamp units (48 kHz)
	jitter      float64
	lastTransit float64
	haveTransit bool
	delaySum    time.Duration
	delayN      int64
}

func (m *voiceMeter) add(seq uint16, ts uint32, payload []byte, at time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.started {
		m.started, m.first, m.high = true, uint64(seq), uint64(seq)
	}
	ext := extend(m.high, seq)
	if ext < m.first { // older than the first packet: not counted
		return
	}
	m.high = max(m.high, ext)
	if i := ext - m.first; i < maxTracked {
		w, b := i/64, i%64
		for uint64(len(m.seen)) <= w {
			m.seen = append(m.seen, 0)
		}
		if m.seen[w]&(1<<b) != 0 {
			return // a duplicate
		}
		m.seen[w] |= 1 << b
	}
	m.received++
	// Jitter: transit time in timestamp units, arrival on the 48 kHz clock.
	transit := float64(at.UnixNano())*48000/1e9 - float64(ts)
	if m.haveTransit {
		m.jitter += (math.Abs(transit-m.lastTransit) - m.jitter) / 16
	}
	m.lastTransit, m.haveTransit = transit, true
	if sent, ok := sentAt(payload); ok {
		if d := at.Sub(sent); d >= 0 && d < time.Minute {
			m.delaySum += d
			m.delayN++
		}
	}
}

// quality sums the stream up.
func (m *voiceMeter) quality() Quality {
	m.mu.Lock()
	defer m.mu.Unlock()
	var q Quality
	if !m.started {
		return q
	}
	q.Expected = int64(m.high - m.first + 1)
	q.Received = min(m.received, q.Expected)
	q.Lost = q.Expected - q.Received
	n := min(uint64(q.Expected), maxTracked)
	has := func(i uint64) bool { return i/64 < uint64(len(m.seen)) && m.seen[i/64]&(1<<(i%64)) != 0 }
	var tracked int64
	for i := range n {
		if has(i) {
			continue
		}
		tracked++
		if i+1 < n && has(i+1) {
			q.Recovered++
		} else {
			q.Concealed++
		}
	}
	q.Concealed += q.Lost - tracked // beyond the bitmap: no FEC credited
	q.JitterMS = m.jitter / 48
	if m.delayN > 0 {
		q.DelayMS = float64(m.delaySum) / float64(m.delayN) / 1e6
	}
	loss := 0.0
	if q.Expected > 0 {
		loss = 100 * float64(q.Concealed) / float64(q.Expected)
	}
	q.R, q.MOS = EstimateMOS(loss, q.DelayMS, q.JitterMS)
	return q
}

// stamp writes the send time into a synthetic frame (after its TOC byte),
// for the receiver's one-way delay.
func stamp(frame []byte, at time.Time) {
	if len(frame) >= 9 {
		binary.BigEndian.PutUint64(frame[1:9], uint64(at.UnixNano()))
	}
}

func sentAt(payload []byte) (time.Time, bool) {
	if len(payload) < 9 {
		return time.Time{}, false
	}
	ns := int64(binary.BigEndian.Uint64(payload[1:9]))
	if ns <= 0 {
		return time.Time{}, false
	}
	return time.Unix(0, ns), true
}

// E-model constants for the codec. Opus has no tabulated equipment
// impairment; these are ITU-T G.113 Appendix I's for G.729A with VAD
// (8 kbit/s, the nearest tabulated low-rate speech codec): Ie 11, Bpl 19.
// They make the estimate conservative for Opus at 8–16 kbit/s.
const (
	codecIe  = 11.0
	codecBpl = 19.0
)

// EstimateMOS is the ITU-T G.107 E-model, simplified as R. G. Cole and
// J. H. Rosenbluth, "Voice over IP performance monitoring" (ACM SIGCOMM
// CCR 31(2), 2001), from the residual packet loss (percent, after FEC;
// random loss, BurstR = 1), the mean one-way delay and the jitter (ms):
//
//	d     = delay + 2·jitter + 10            (jitter buffer of twice the jitter, codec look-ahead)
//	Id    = 0.024·d + 0.11·(d − 177.3)·H(d − 177.3)
//	Ieeff = Ie + (95 − Ie)·Ppl / (Ppl + Bpl)  (G.107 §7.2, BurstR = 1)
//	R     = 93.2 − Id − Ieeff
//	MOS   = 1 + 0.035·R + 7·10⁻⁶·R·(R − 60)·(100 − R), 1 below R = 0, 4.5 above R = 100
func EstimateMOS(lossPct, delayMS, jitterMS float64) (r, mos float64) {
	d := delayMS + 2*jitterMS + 10
	id := 0.024 * d
	if d > 177.3 {
		id += 0.11 * (d - 177.3)
	}
	ppl := max(0, lossPct)
	ie := codecIe + (95-codecIe)*ppl/(ppl+codecBpl)
	r = 93.2 - id - ie
	switch {
	case r <= 0:
		mos = 1
	case r >= 100:
		mos = 4.5
	default:
		// The cubic dips just below 1 for small R: held at 1.
		mos = max(1, 1+0.035*r+7e-6*r*(r-60)*(100-r))
	}
	return r, mos
}
