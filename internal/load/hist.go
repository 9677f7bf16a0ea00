package load

import (
	"math"
	"math/bits"
	"sync"
	"time"
)

// histBits sets a Histogram's precision: values up to 2^(histBits+1) ns
// are kept exactly, larger ones in buckets 2^-histBits of their size wide,
// so a reported percentile is within 0.2% of the true value (HDR-style
// log-linear buckets).
const histBits = 9

// histMax is the largest value recorded as itself (about 18 minutes);
// larger values are recorded as histMax.
const histMax = 1<<40 - 1

// histBuckets is the number of buckets covering 0..histMax.
const histBuckets = (40-histBits)<<histBits + 1<<histBits

// Histogram records durations in log-linear buckets (like HdrHistogram):
// constant memory whatever the number of values, bounded relative error,
// and exact merging (counts add up), so that the load generator's
// processes can be combined without averaging percentiles. It is safe for
// concurrent use.
type Histogram struct {
	mu       sync.Mutex
	counts   []int64 // made on first use; guarded by mu
	n        int64
	min, max int64
}

// histIndex returns the bucket of v (0 ≤ v ≤ histMax).
func histIndex(v int64) int {
	if v < 1<<(histBits+1) {
		return int(v)
	}
	shift := bits.Len64(uint64(v)) - histBits - 1
	return shift<<histBits + int(v>>shift)
}

// histHigh returns the highest value that falls in bucket i.
func histHigh(i int) int64 {
	if i < 1<<(histBits+1) {
		return int64(i)
	}
	shift := i>>histBits - 1
	m := int64(i - shift<<histBits)
	return (m+1)<<shift - 1
}

// Record adds one duration.
func (h *Histogram) Record(d time.Duration) {
	v := min(max(int64(d), 0), histMax)
	h.mu.Lock()
	if h.counts == nil {
		h.counts = make([]int64, histBuckets)
	}
	h.counts[histIndex(v)]++
	if h.n == 0 || v < h.min {
		h.min = v
	}
	h.max = max(h.max, v)
	h.n++
	h.mu.Unlock()
}

// Count returns the number of values recorded.
func (h *Histogram) Count() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.n
}

// Percentile returns the p-th percentile (0–100) in milliseconds: the
// highest value of the bucket holding it, capped at the largest value
// recorded (so percentile 100 is the exact maximum). It is 0 when nothing
// was recorded.
func (h *Histogram) Percentile(p float64) float64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.n == 0 {
		return 0
	}
	rank := max(int64(math.Ceil(p/100*float64(h.n))), 1)
	var seen int64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return float64(min(histHigh(i), h.max)) / 1e6
		}
	}
	return float64(h.max) / 1e6
}

// Merge adds every value recorded in o to h.
func (h *Histogram) Merge(o *Histogram) {
	s := o.Snapshot()
	h.mergeSnapshot(s)
}

// HistSnapshot is a Histogram in a form that JSON carries between
// processes: the non-empty buckets as [index, count] pairs.
type HistSnapshot struct {
	Bits    int        `json:"bits"`
	Buckets [][2]int64 `json:"buckets"`
	Min     int64      `json:"min_ns"`
	Max     int64      `json:"max_ns"`
}

// Snapshot returns the histogram's contents.
func (h *Histogram) Snapshot() *HistSnapshot {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := &HistSnapshot{Bits: histBits, Min: h.min, Max: h.max, Buckets: [][2]int64{}}
	for i, c := range h.counts {
		if c != 0 {
			s.Buckets = append(s.Buckets, [2]int64{int64(i), c})
		}
	}
	return s
}

// mergeSnapshot adds a snapshot's values to h. Snapshots of another
// precision or with buckets out of range are ignored bucket by bucket.
func (h *Histogram) mergeSnapshot(s *HistSnapshot) {
	if s == nil || s.Bits != histBits {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.counts == nil {
		h.counts = make([]int64, histBuckets)
	}
	var n int64
	for _, b := range s.Buckets {
		if b[0] < 0 || b[0] >= histBuckets || b[1] <= 0 {
			continue
		}
		h.counts[b[0]] += b[1]
		n += b[1]
	}
	if n == 0 {
		return
	}
	if h.n == 0 || s.Min < h.min {
		h.min = s.Min
	}
	h.max = max(h.max, s.Max)
	h.n += n
}
