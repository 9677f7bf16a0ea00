package natsbus

import (
	"bytes"
	"testing"

	"hongyan/internal/hongyan"
)

// A fan-out from the network never panics a node, and every event it hands
// a subscriber decodes.
func FuzzFanout(f *testing.F) {
	f.Add([]byte{1, 2, 4, 3, 'a', 'b', 'c', 2, 10, 4, 12})
	f.Add([]byte{1, 2, 4, 200, 'y'})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		b := &Bus{subs: map[string]*subject{}}
		var got [][]byte
		b.subs[hongyan.UserSubject(1)] = &subject{fns: []*sub{{fn: func(d []byte) { got = append(got, bytes.Clone(d)) }}}}
		b.fanout(data)
		for _, d := range got {
			if _, err := hongyan.DecodeEvent(d); err != nil {
				t.Fatalf("delivered %x: %v", d, err)
			}
		}
	})
}
