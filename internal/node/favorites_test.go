package node_test

import (
	"net/http/httptest"
	"testing"

	pb "hongyan/internal/gen/hongyanv1"
)

// Favorites: save a message, a link and a note; edit, search, send into a
// chat, delete; all devices learn of it; nobody else sees them.
func TestFavorites(t *testing.T) {
	forEachEngine(t, func(t *testing.T, srv *httptest.Server) {
		ann, ben := registerUser(t, srv, "fav_ann1"), registerUser(t, srv, "fav_ben1")
		befriend(t, srv, ann, ben)
		a, b := session(t, srv, ann), session(t, srv, ben)
		sent := call(t, b, send(ann.id, "b1", "周六去爬山吗")).GetSent()
		fav := func(r *pb.FavoriteAddRequest) *pb.Favorite {
			return call(t, a, &pb.ClientFrame{Req: &pb.ClientFrame_FavoriteAdd{FavoriteAdd: r}}).GetFavorite()
		}
		m := fav(&pb.FavoriteAddRequest{Message: sent.Id})
		if m.Kind != pb.FavoriteKind_FAVORITE_KIND_MESSAGE || m.Message.GetText() != "周六去爬山吗" || m.Message.GetSender() != ben.id {
			t.Fatalf("saved message: got %v", m)
		}
		link := fav(&pb.FavoriteAddRequest{Url: "https://example.com/路线"})
		note := fav(&pb.FavoriteAddRequest{Note: "带水和干粮"})
		for _, bad := range []*pb.FavoriteAddRequest{{}, {Url: "javascript:alert(1)"}, {Note: "x", Url: "https://a.b"}, {Message: 999999}} {
			if code := callCode(a, &pb.ClientFrame{Req: &pb.ClientFrame_FavoriteAdd{FavoriteAdd: bad}}); code == "" {
				t.Errorf("favorite_add %v: succeeded, want an error", bad)
			}
		}
		list := func(q string) []int64 {
			var out []int64
			for _, f := range call(t, a, &pb.ClientFrame{Req: &pb.ClientFrame_FavoriteList{FavoriteList: &pb.FavoriteListRequest{Query: q}}}).GetFavorites().GetFavorites() {
				out = append(out, f.Id)
			}
			return out
		}
		if got := list(""); len(got) != 3 || got[0] != note.Id || got[2] != m.Id {
			t.Errorf("list: got %v, want the three, newest first", got)
		}
		edited := call(t, a, &pb.ClientFrame{Req: &pb.ClientFrame_FavoriteEdit{FavoriteEdit: &pb.FavoriteEditRequest{Favorite: m.Id, Text: "爬山计划 改"}}}).GetFavorite()
		if edited.Text != "爬山计划 改" {
			t.Errorf("edit: got %q", edited.Text)
		}
		if got := list("计划"); len(got) != 1 || got[0] != m.Id {
			t.Errorf("search 计划: got %v, want the edited favorite", got)
		}
		// Others cannot see, edit, send or delete it.
		for _, f := range []*pb.ClientFrame{
			{Req: &pb.ClientFrame_FavoriteEdit{FavoriteEdit: &pb.FavoriteEditRequest{Favorite: m.Id, Text: "mine"}}},
			{Req: &pb.ClientFrame_FavoriteDelete{FavoriteDelete: &pb.FavoriteRef{Favorite: m.Id}}},
			{Req: &pb.ClientFrame_FavoriteSend{FavoriteSend: &pb.FavoriteSendRequest{Favorite: m.Id, Peer: ann.id, ClientId: "steal"}}},
		} {
			if code := callCode(b, f); code != "not_found" {
				t.Errorf("ben %T on ann's favorite: got %q, want not_found", f.Req, code)
			}
		}
		if got := call(t, b, &pb.ClientFrame{Req: &pb.ClientFrame_FavoriteList{FavoriteList: &pb.FavoriteListRequest{}}}).GetFavorites().GetFavorites(); len(got) != 0 {
			t.Errorf("ben's favorites: got %d, want 0", len(got))
		}
		// Sending a favorite: the saved message, as ann's own.
		out := call(t, a, &pb.ClientFrame{Req: &pb.ClientFrame_FavoriteSend{FavoriteSend: &pb.FavoriteSendRequest{Favorite: m.Id, Peer: ben.id, ClientId: "fs1"}}}).GetSent()
		hist := call(t, b, &pb.ClientFrame{Req: &pb.ClientFrame_History{History: &pb.HistoryRequest{Conversation: out.Conversation}}}).GetMessages().GetMessages()
		if last := hist[len(hist)-1]; last.Id != out.Id || last.Sender != ann.id || last.Text != "周六去爬山吗" {
			t.Errorf("sent favorite: got %v", last)
		}
		call(t, a, &pb.ClientFrame{Req: &pb.ClientFrame_FavoriteDelete{FavoriteDelete: &pb.FavoriteRef{Favorite: link.Id}}})
		// Ann's second device learns all of it in order.
		var saved, removed int
		for _, ch := range collectChanges(t, session(t, srv, secondDevice(t, srv, ann))) {
			if ch.GetFavorite() != nil {
				saved++
			}
			if ch.GetFavoriteRemoved() == link.Id {
				removed++
			}
		}
		if saved < 2 || removed < 2 {
			t.Errorf("second device: %d favorite changes, %d naming the deleted link; want the favorites and the removal", saved, removed)
		}
	})
}
