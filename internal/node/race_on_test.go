//go:build race

package node_test

// raceEnabled says the tests run under the race detector, which makes
// every password hash several times slower.
const raceEnabled = true
