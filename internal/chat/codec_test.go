package chat

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestMessageCodecRoundTrip(t *testing.T) {
	want := Message{ID: 12, Conversation: 3, Seq: 99, Sender: 7, SenderDevice: 2, ClientID: "c-1", Text: "抢红包啦", Time: time.UnixMilli(1_700_000_000_123)}
	got, err := DecodeMessage(EncodeMessage(nil, want))
	if err != nil {
		t.Fatalf("DecodeMessage: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	enc := EncodeMessage(nil, want)
	for _, b := range [][]byte{nil, enc[:len(enc)-1], append(append([]byte{}, enc...), 1)} {
		if _, err := DecodeMessage(b); err == nil {
			t.Errorf("DecodeMessage(%x): got nil error, want error", b)
		}
	}
}

func FuzzDecodeMessage(f *testing.F) {
	f.Add(EncodeMessage(nil, Message{ID: 1, Conversation: 2, Seq: 3, Sender: 4, Text: "hi", ClientID: "x"}))
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := DecodeMessage(b)
		if err != nil {
			return
		}
		again, err := DecodeMessage(EncodeMessage(nil, m))
		if err != nil {
			t.Fatalf("re-decoding: %v", err)
		}
		if again.Text != m.Text || again.Seq != m.Seq {
			t.Fatalf("re-decoded: got %+v, want %+v", again, m)
		}
	})
}
