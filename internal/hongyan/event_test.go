package hongyan

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestEventRoundTrip(t *testing.T) {
	tests := []Event{
		{Kind: EventTyping, From: 7, Conversation: 9},
		{Kind: EventDeviceRevoked, Device: 3},
		{Kind: EventCallSignal, From: 2, Device: 5, Data: []byte(`{"c":1}`)},
		{Kind: EventChanges, Changes: []Change{
			{User: 1, Seq: 10, Kind: ChangeMessage, Conversation: 4, Ref: 99, Data: []byte("hi")},
			{User: 1, Seq: 11, Kind: ChangeContact, Ref: -5},
		}},
	}
	for _, want := range tests {
		got, err := DecodeEvent(AppendEvent(nil, want))
		if err != nil {
			t.Fatalf("DecodeEvent(%+v): %v", want, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("round trip (-want +got):\n%s", diff)
		}
	}
}

func TestDecodeEventRejectsMalformed(t *testing.T) {
	good := AppendEvent(nil, Event{Kind: EventChanges, Changes: []Change{{User: 1, Seq: 2, Data: []byte("abc")}}})
	for _, b := range [][]byte{nil, {1}, good[:len(good)-1], append(append([]byte{}, good...), 0)} {
		if _, err := DecodeEvent(b); err == nil {
			t.Errorf("DecodeEvent(%x) = nil error, want error", b)
		}
	}
}

func FuzzDecodeEvent(f *testing.F) {
	f.Add(AppendEvent(nil, Event{Kind: EventChanges, Changes: []Change{{User: 1, Seq: 2, Kind: ChangeMessage, Data: []byte("x")}}}))
	f.Add(AppendEvent(nil, Event{Kind: EventTyping, From: 3}))
	f.Add(AppendEvent(nil, Event{Kind: EventCallSignal, From: 3, Device: 4, Data: []byte("sdp")}))
	f.Add([]byte{1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := DecodeEvent(b)
		if err != nil {
			return
		}
		again, err := DecodeEvent(AppendEvent(nil, e))
		if err != nil {
			t.Fatalf("re-decoding a decoded event: %v", err)
		}
		if len(again.Changes) != len(e.Changes) || string(again.Data) != string(e.Data) {
			t.Fatalf("changes: got %d, want %d", len(again.Changes), len(e.Changes))
		}
	})
}
