//go:build !race

package node_test

// raceEnabled says the tests run under the race detector.
const raceEnabled = false
