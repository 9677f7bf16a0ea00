package wallet_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"hongyan/internal/wallet"
)

// TestLuckySplitProperties splits 10⁶ random lucky packets (10⁵ with
// -short) and checks, for each, that every share is at least 1 fen, never
// above twice the average left when it was drawn, and that the shares add
// up to the total exactly; and, over packets of one shape, that the mean
// share of every position is the average (the rule is fair by position).
func TestLuckySplitProperties(t *testing.T) {
	n := 1_000_000
	if testing.Short() {
		n = 100_000
	}
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 0))
	for i := 0; i < n; i++ {
		count := 1 + r.Int64N(100)
		total := count + r.Int64N(20_000-count+1)
		left := total
		for k := int64(0); k < count; k++ {
			rest := count - k
			share := wallet.LuckyShare(left, rest, r.Int64N)
			if share < 1 || share > left-(rest-1) {
				t.Fatalf("seed %d, packet %d (%d fen, %d shares): share %d is %d with %d fen left", seed, i, total, count, k+1, share, left)
			}
			if rest > 1 && share > max(1, 2*left/rest) {
				t.Fatalf("seed %d, packet %d: share %d is %d, above twice the average of %d fen over %d", seed, i, k+1, share, left, rest)
			}
			left -= share
		}
		if left != 0 {
			t.Fatalf("seed %d, packet %d (%d fen, %d shares): %d fen left over", seed, i, total, count, left)
		}
	}
	// Fairness by position: 10 shares of 100 yuan, 2·10⁵ packets (2·10⁴
	// with -short). Each position's mean share is 1,000 fen; uniform draws
	// in [1, 2·avg] have a standard deviation of at most 2·avg/√12, so the
	// mean of m packets is within 5σ/√m of it unless the rule is broken.
	const total, count = 10_000, 10
	m := n / 5
	sums := make([]float64, count)
	for i := 0; i < m; i++ {
		left := int64(total)
		for k := int64(0); k < count; k++ {
			s := wallet.LuckyShare(left, count-k, r.Int64N)
			sums[k] += float64(s)
			left -= s
		}
	}
	avg := float64(total) / count
	tol := 5 * (2 * 2 * avg / math.Sqrt(12)) / math.Sqrt(float64(m)) // the last positions spread wider: twice σ
	for k, s := range sums {
		mean := s / float64(m)
		if math.Abs(mean-avg) > tol+0.5 { // +0.5: draws are whole fen in [1, 2·avg]
			t.Errorf("seed %d: position %d's mean share is %.2f fen, want %.0f ± %.2f", seed, k+1, mean, avg, tol+0.5)
		}
	}
}

func TestLuckyShareEdges(t *testing.T) {
	for _, tc := range []struct {
		left, count int64
		draw        int64 // what intn returns
		want        int64
	}{
		{1, 1, 0, 1},          // the last share takes the rest
		{500, 1, 0, 500},      // ditto
		{3, 3, 0, 1},          // 1 fen each: never more
		{4, 3, 5, 2},          // at most left - (count-1)
		{100, 2, 0, 1},        // the smallest draw
		{100, 2, 99, 100 - 1}, // the largest: twice the average, less 1 fen for the other
		{1000, 10, 199, 200},  // the largest: twice the average
	} {
		got := wallet.LuckyShare(tc.left, tc.count, func(n int64) int64 { return min(tc.draw, n-1) })
		if got != tc.want {
			t.Errorf("LuckyShare(%d, %d) drawing %d: got %d, want %d", tc.left, tc.count, tc.draw, got, tc.want)
		}
	}
}
