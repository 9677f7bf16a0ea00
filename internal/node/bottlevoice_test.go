package node_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	pb "hongyan/internal/gen/hongyanv1"
)

// A voice bottle through the node: the thrower's clip is downloadable by
// whoever holds the bottle and nobody else; an image is not a voice clip.
func TestBottleVoice(t *testing.T) {
	forEachEngine(t, func(t *testing.T, srv *httptest.Server) {
		thrower, picker, stranger := registerUser(t, srv, "bv_thrower"), registerUser(t, srv, "bv_picker1"), registerUser(t, srv, "bv_strangr")
		th, pk := session(t, srv, thrower), session(t, srv, picker)
		wav := append([]byte("RIFF\x2c\x1f\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x40\x1f\x00\x00\x40\x1f\x00\x00\x01\x00\x08\x00data\x40\x1f\x00\x00"), make([]byte, 8000)...)
		clip := upload(t, srv, thrower.token, "kind=voice&duration_ms=1000", wav).media(t)
		img := upload(t, srv, thrower.token, "kind=image", mediaPNG(8, 8)).media(t)
		throw := func(voice string) *pb.ClientFrame {
			return &pb.ClientFrame{Req: &pb.ClientFrame_BottleThrow{BottleThrow: &pb.BottleThrowRequest{Voice: voice}}}
		}
		if code := callCode(th, throw(img.ID)); code != "invalid_argument" {
			t.Errorf("an image as a bottle's voice: got %q, want invalid_argument", code)
		}
		if code := callCode(session(t, srv, stranger), throw(clip.ID)); code != "not_found" {
			t.Errorf("a stranger throws someone else's clip: got %q, want not_found", code)
		}
		b := call(t, th, throw(clip.ID)).GetBottle()
		if b.Voice != clip.ID || b.VoiceMs != 1000 {
			t.Fatalf("thrown: got %v, want clip %s of 1000 ms", b, clip.ID)
		}
		get := func(u user) reply { return request(t, "GET", srv.URL+"/media/"+clip.ID, u.token, nil) }
		if r := get(picker); r.status != http.StatusNotFound {
			t.Errorf("the clip before the bottle is picked: got %d, want 404", r.status)
		}
		p := call(t, pk, &pb.ClientFrame{Req: &pb.ClientFrame_BottlePick{BottlePick: &pb.Empty{}}}).GetBottlePick().GetBottle()
		if p.GetId() != b.Id || p.GetVoice() != clip.ID || p.GetVoiceMs() != 1000 {
			t.Fatalf("picked: got %v, want bottle %d with its clip", p, b.Id)
		}
		if r := get(picker); r.status != http.StatusOK || !bytes.Equal(r.body, wav) {
			t.Errorf("the picker plays the clip: got %d, %d bytes; want the WAV", r.status, len(r.body))
		}
		if r := get(stranger); r.status != http.StatusNotFound {
			t.Errorf("a stranger fetches the clip: got %d, want 404", r.status)
		}
		// Blocked by the thrower, the picker no longer hears it.
		call(t, th, &pb.ClientFrame{Req: &pb.ClientFrame_Block{Block: &pb.BlockRequest{User: picker.id, Blocked: true}}})
		if r := get(picker); r.status != http.StatusNotFound {
			t.Errorf("a blocked picker fetches the clip: got %d, want 404", r.status)
		}
		// Thrown back by the picker, it is the next picker's to hear.
		call(t, th, &pb.ClientFrame{Req: &pb.ClientFrame_Block{Block: &pb.BlockRequest{User: picker.id, Blocked: false}}})
		call(t, pk, &pb.ClientFrame{Req: &pb.ClientFrame_BottleReturn{BottleReturn: &pb.BottleRef{Bottle: b.Id}}})
		if r := get(picker); r.status != http.StatusNotFound {
			t.Errorf("after throwing it back: got %d, want 404", r.status)
		}
	})
}
