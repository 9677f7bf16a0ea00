package callclient

import (
	"math"
	"testing"
	"time"
)

// The E-model estimate against values worked by hand from the formula
// in EstimateMOS, and its ordering: more loss, delay or jitter, lower.
func TestEstimateMOS(t *testing.T) {
	for _, c := range []struct {
		loss, delay, jitter float64
		r, mos              float64
	}{
		// d = 10: Id 0.24, Ie 11: R 81.96
		{0, 0, 0, 81.96, 1 + 0.035*81.96 + 7e-6*81.96*(81.96-60)*(100-81.96)},
		// d = 210: Id 5.04 + 3.597 = 8.637; Ie = 11 + 84·5/24 = 28.5: R 56.063
		{5, 100, 50, 56.063, 1 + 0.035*56.063 + 7e-6*56.063*(56.063-60)*(100-56.063)},
		{100, 2000, 500, 0, 1},
	} {
		r, mos := EstimateMOS(c.loss, c.delay, c.jitter)
		if c.r > 0 && math.Abs(r-c.r) > 0.01 {
			t.Errorf("EstimateMOS(%v, %v, %v): R = %.3f, want %.3f", c.loss, c.delay, c.jitter, r, c.r)
		}
		if math.Abs(mos-c.mos) > 0.01 {
			t.Errorf("EstimateMOS(%v, %v, %v): MOS = %.3f, want %.3f", c.loss, c.delay, c.jitter, mos, c.mos)
		}
	}
	_, clean := EstimateMOS(0, 20, 2)
	_, lossy := EstimateMOS(5, 20, 2)
	_, late := EstimateMOS(0, 300, 2)
	_, jittery := EstimateMOS(0, 20, 80)
	if !(clean > lossy && clean > late && clean > jittery) {
		t.Errorf("MOS clean %.2f, want above lossy %.2f, late %.2f, jittery %.2f", clean, lossy, late, jittery)
	}
}

// The meter counts a lost packet whose successor came as recovered by
// FEC, a run of two lost as one recovered and one concealed; duplicates
// and reordering change nothing; wrap-around of the sequence is followed.
func TestVoiceMeter(t *testing.T) {
	var m voiceMeter
	t0 := time.Unix(1_000_000, 0)
	frame := make([]byte, 20)
	// Sequence 65530.. (wrapping), 20 ms apart; lose 65532 (alone),
	// 2 and 3 (a run of two), then the end; deliver 65534 late, after
	// 65535, and 5 twice.
	order := []uint16{65530, 65531, 65533, 65535, 65534, 0, 1, 4, 5, 5, 6}
	for i, seq := range order {
		n := int64(uint16(seq - 65530))
		sent := t0.Add(time.Duration(n) * 20 * time.Millisecond)
		stamp(frame, sent)
		m.add(seq, uint32(n*960), frame, sent.Add(30*time.Millisecond+time.Duration(i)*time.Millisecond))
	}
	q := m.quality()
	if q.Expected != 13 || q.Received != 10 || q.Lost != 3 {
		t.Errorf("expected %d received %d lost %d, want 13, 10, 3", q.Expected, q.Received, q.Lost)
	}
	if q.Recovered != 2 || q.Concealed != 1 {
		t.Errorf("recovered %d concealed %d, want 2 and 1", q.Recovered, q.Concealed)
	}
	if q.DelayMS < 30 || q.DelayMS > 41 {
		t.Errorf("delay %.1f ms, want 30–40", q.DelayMS)
	}
	if q.JitterMS <= 0 || q.JitterMS > 5 {
		t.Errorf("jitter %.2f ms, want above 0 and a few ms at most", q.JitterMS)
	}
	if q.MOS < 1 || q.MOS > 4.5 {
		t.Errorf("MOS %.2f, want within 1–4.5", q.MOS)
	}
}
