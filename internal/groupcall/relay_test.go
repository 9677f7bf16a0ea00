package groupcall

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzDecodeRelay: whatever another node (or anyone on the bus) sends, the
// relay's decoders return an error or a message within bounds, never
// panic, and what they accept encodes and decodes to itself.
func FuzzDecodeRelay(f *testing.F) {
	q, _ := json.Marshal(request{ID: 1, From: "n1", Op: opJoin, Group: 3, Kind: Voice, User: 7, Device: 2})
	r, _ := json.Marshal(response{ID: 1, Offer: "v=0", Speaker: true, Room: Room{Group: 3, Kind: Voice}})
	f.Add(q)
	f.Add(r)
	f.Add([]byte(`{"i":1,"f":"n/1","o":"join","g":1,"k":1,"u":1}`))
	f.Add([]byte(`{"i":1,"mv":true}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if q, err := decodeRequest(b); err == nil {
			if !validNode(q.From) || len(q.SDP) > MaxSDP || !q.Kind.valid() || q.Group <= 0 || q.User <= 0 {
				t.Fatalf("decodeRequest accepted %+v", q)
			}
			again, _ := json.Marshal(q)
			if q2, err := decodeRequest(again); err != nil || q2 != q {
				t.Fatalf("request round trip: %+v → %+v, %v", q, q2, err)
			}
		}
		if r, err := decodeResponse(b); err == nil {
			if r.ID == 0 || len(r.Offer) > 2*MaxSDP || len(r.Message) > 1024 {
				t.Fatalf("decodeResponse accepted %+v", r)
			}
		}
	})
}

func TestRelayDecodersRefuseGarbage(t *testing.T) {
	bad := []string{
		``, `{`, `[]`,
		`{"i":1,"f":"","o":"join","g":1,"k":1,"u":1}`,    // no node
		`{"i":1,"f":"a.b","o":"join","g":1,"k":1,"u":1}`, // a node name that is no subject token
		`{"i":1,"f":"a","o":"drop","g":1,"k":1,"u":1}`,   // unknown op
		`{"i":1,"f":"a","o":"join","g":0,"k":1,"u":1}`,   // no group
		`{"i":1,"f":"a","o":"join","g":1,"k":3,"u":1}`,   // bad kind
		`{"i":1,"f":"a","o":"join","g":1,"k":1,"u":0}`,   // no user
		`{"i":1,"f":"` + strings.Repeat("a", maxNode+1) + `","o":"join","g":1,"k":1,"u":1}`,
		`{"i":1,"f":"a","o":"answer","g":1,"k":1,"u":1,"s":"` + strings.Repeat("x", MaxSDP+1) + `"}`,
		strings.Repeat(" ", maxRequest+1),
	}
	for _, b := range bad {
		if _, err := decodeRequest([]byte(b)); err == nil {
			t.Errorf("decodeRequest(%.60q) = nil error", b)
		}
	}
	for _, b := range []string{``, `{}`, `{"i":0}`, `{"i":1,"m":"` + strings.Repeat("x", 1025) + `"}`, strings.Repeat(" ", maxResponse+1)} {
		if _, err := decodeResponse([]byte(b)); err == nil {
			t.Errorf("decodeResponse(%.60q) = nil error", b)
		}
	}
	if q, err := decodeRequest([]byte(`{"i":9,"f":"n-1_x","o":"floor","g":2,"k":2,"u":5,"t":true}`)); err != nil || q.ID != 9 || !q.Take || q.Op != opFloor {
		t.Errorf("a good request: got %+v, %v", q, err)
	}
}
