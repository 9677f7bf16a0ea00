package load

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestHistIndexRoundTrip(t *testing.T) {
	prev := -1
	for _, v := range []int64{0, 1, 2, 511, 1023, 1024, 1025, 2047, 2048, 4095, 4096, 1e6, 123456789, 1e12, histMax} {
		i := histIndex(v)
		if i < prev {
			t.Errorf("histIndex(%d) = %d, below the index of a smaller value (%d)", v, i, prev)
		}
		prev = i
		if i >= histBuckets {
			t.Fatalf("histIndex(%d) = %d, want < %d", v, i, histBuckets)
		}
		if high := histHigh(i); high < v || float64(high-v) > float64(v)/(1<<histBits) {
			t.Errorf("histHigh(histIndex(%d)) = %d, want within 2^-%d above", v, high, histBits)
		}
	}
	// Buckets tile the values: the highest value of one bucket is followed
	// by the lowest of the next.
	for i := 1; i < histBuckets; i++ {
		if got := histIndex(histHigh(i-1) + 1); got != i {
			t.Fatalf("histIndex(histHigh(%d)+1) = %d, want %d", i-1, got, i)
		}
	}
}

// TestHistogramPercentiles compares the histogram's percentiles with
// exact ones over skewed random latencies.
func TestHistogramPercentiles(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var h Histogram
	var all []int64
	for range 100_000 {
		v := int64(math.Exp(r.NormFloat64()*1.5) * float64(time.Millisecond))
		h.Record(time.Duration(v))
		all = append(all, v)
	}
	slices.Sort(all)
	for _, p := range []float64{0, 50, 90, 99, 99.9, 100} {
		rank := max(int(math.Ceil(p/100*float64(len(all)))), 1)
		exact := float64(all[rank-1]) / 1e6
		got := h.Percentile(p)
		if got < exact || got > exact*(1+1.0/(1<<histBits))+1e-6 {
			t.Errorf("Percentile(%v) = %v ms, exact %v ms: want within +%.2f%%", p, got, exact, 100.0/(1<<histBits))
		}
	}
	if got, want := h.Percentile(100), float64(all[len(all)-1])/1e6; got != want {
		t.Errorf("Percentile(100) = %v, want the exact maximum %v", got, want)
	}
	if got := h.Count(); got != int64(len(all)) {
		t.Errorf("Count = %d, want %d", got, len(all))
	}
}

// TestHistogramMerge checks that merging through JSON snapshots gives the
// same histogram as recording everything in one.
func TestHistogramMerge(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var whole Histogram
	parts := make([]Histogram, 3)
	for i := range 30_000 {
		d := time.Duration(r.Int64N(int64(50 * time.Millisecond)))
		whole.Record(d)
		parts[i%3].Record(d)
	}
	var merged Histogram
	for i := range parts {
		b, err := json.Marshal(parts[i].Snapshot())
		if err != nil {
			t.Fatal(err)
		}
		var s HistSnapshot
		if err := json.Unmarshal(b, &s); err != nil {
			t.Fatal(err)
		}
		merged.mergeSnapshot(&s)
	}
	for _, p := range []float64{1, 50, 99, 99.9, 100} {
		if got, want := merged.Percentile(p), whole.Percentile(p); got != want {
			t.Errorf("merged Percentile(%v) = %v, want %v", p, got, want)
		}
	}
	var empty Histogram
	if got := empty.Percentile(50); got != 0 {
		t.Errorf("empty Percentile(50) = %v, want 0", got)
	}
	empty.Merge(&merged)
	if got, want := empty.Count(), whole.Count(); got != want {
		t.Errorf("Merge into empty: Count = %d, want %d", got, want)
	}
}
