package node_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/wsclient"
)

// The Moments cover: set from an uploaded image, shown at the top of the
// owner's page to friends (not to a stranger, nor across a block, nor to
// a friend the owner hides posts from), downloadable by exactly those,
// and synced to the owner's other devices through the change log.
func TestMomentCover(t *testing.T) {
	forEachEngine(t, func(t *testing.T, srv *httptest.Server) {
		owner, friend, stranger, hidden := registerUser(t, srv, "cv_owner01"), registerUser(t, srv, "cv_friend1"), registerUser(t, srv, "cv_strangr"), registerUser(t, srv, "cv_hidden1")
		befriend(t, srv, owner, friend)
		befriend(t, srv, owner, hidden)
		o := session(t, srv, owner)
		img := mediaPNG(32, 16)
		cover := upload(t, srv, owner.token, "kind=image", img).media(t)
		voice := upload(t, srv, owner.token, "kind=voice&duration_ms=1000", append([]byte("RIFF\x2c\x1f\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x40\x1f\x00\x00\x40\x1f\x00\x00\x01\x00\x08\x00data\x40\x1f\x00\x00"), make([]byte, 8000)...)).media(t)
		friendsImage := upload(t, srv, friend.token, "kind=image", mediaPNG(8, 8)).media(t)
		set := func(c *wsclient.Conn, id string) *pb.ClientFrame {
			return &pb.ClientFrame{Req: &pb.ClientFrame_MomentCover{MomentCover: &pb.MomentCoverRequest{Media: id}}}
		}
		if code := callCode(o, set(o, voice.ID)); code != "invalid_argument" {
			t.Errorf("a voice clip as the cover: got %q, want invalid_argument", code)
		}
		if code := callCode(o, set(o, friendsImage.ID)); code != "not_found" {
			t.Errorf("someone else's image as the cover: got %q, want not_found", code)
		}
		if got := call(t, o, set(o, cover.ID)).GetMomentSettings(); got.Cover != cover.ID {
			t.Fatalf("set the cover: got %v, want cover %s", got, cover.ID)
		}
		mSettings(t, o, &pb.MomentSettingsRequest{HideMineFrom: []int64{hidden.id}})
		album := func(u user) string {
			t.Helper()
			return call(t, session(t, srv, u), &pb.ClientFrame{Req: &pb.ClientFrame_MomentAlbum{MomentAlbum: &pb.MomentAlbumRequest{User: owner.id}}}).GetMoments().GetCover()
		}
		fetch := func(u user) int { return request(t, "GET", srv.URL+"/media/"+cover.ID, u.token, nil).status }
		if got := album(owner); got != cover.ID {
			t.Errorf("the owner's own page: cover %q, want %s", got, cover.ID)
		}
		if got := album(friend); got != cover.ID {
			t.Errorf("a friend's view of the page: cover %q, want %s", got, cover.ID)
		}
		if r := request(t, "GET", srv.URL+"/media/"+cover.ID, friend.token, nil); r.status != http.StatusOK || !bytes.Equal(r.body, img) {
			t.Errorf("a friend fetches the cover: got %d, %d bytes; want the image", r.status, len(r.body))
		}
		for _, who := range []struct {
			name string
			u    user
		}{{"a stranger", stranger}, {"a friend the owner hides posts from", hidden}} {
			if got := album(who.u); got != "" {
				t.Errorf("%s sees cover %q, want none", who.name, got)
			}
			if got := fetch(who.u); got != http.StatusNotFound {
				t.Errorf("%s fetches the cover: got %d, want 404", who.name, got)
			}
		}
		// Letting strangers see 10 posts shows them the cover too.
		on := true
		mSettings(t, o, &pb.MomentSettingsRequest{StrangersSee_10: &on})
		if got := album(stranger); got != cover.ID {
			t.Errorf("a stranger, strangers seeing 10: cover %q, want %s", got, cover.ID)
		}
		// Blocked, a friend sees no cover.
		call(t, o, &pb.ClientFrame{Req: &pb.ClientFrame_Block{Block: &pb.BlockRequest{User: friend.id, Blocked: true}}})
		if got := album(friend); got != "" {
			t.Errorf("a blocked friend sees cover %q, want none", got)
		}
		if got := fetch(friend); got != http.StatusNotFound {
			t.Errorf("a blocked friend fetches the cover: got %d, want 404", got)
		}
		// Another device of the owner's learns it from the change log.
		other := session(t, srv, secondDevice(t, srv, owner))
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		s := wsclient.NewSyncer(other, 0)
		got := ""
		for !s.Live() {
			changes, err := s.Next(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, ch := range changes {
				if ms := ch.GetMomentSettings(); ms != nil {
					got = ms.Cover
				}
			}
		}
		if got != cover.ID {
			t.Errorf("the other device's last settings change: cover %q, want %s", got, cover.ID)
		}
		// Removing it.
		if got := call(t, o, set(o, "")).GetMomentSettings(); got.Cover != "" {
			t.Errorf("remove the cover: got %q", got.Cover)
		}
		if got := fetch(stranger); got != http.StatusNotFound {
			t.Errorf("a removed cover fetched by a stranger: got %d, want 404", got)
		}
	})
}
