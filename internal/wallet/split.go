package wallet

// LuckyShare is the 二倍均值 rule for the next grab of a lucky red packet
// that has left fen for count grabs (left ≥ count ≥ 1): the last grab takes
// the rest; any other takes a uniform whole number of fen between 1 and
// twice the average left (left·2/count, rounded down), but never so much
// that a later grab would get less than 1 fen. intn(n) returns a uniform
// integer in [0, n).
func LuckyShare(left, count int64, intn func(n int64) int64) int64 {
	if count <= 1 {
		return left
	}
	hi := 2 * left / count
	if most := left - (count - 1); hi > most {
		hi = most
	}
	if hi <= 1 {
		return 1
	}
	return 1 + intn(hi)
}
