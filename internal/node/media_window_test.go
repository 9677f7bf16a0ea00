package node_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	pb "hongyan/internal/gen/hongyanv1"
)

// Media follow the messages that carry them: a member removed from a group
// still downloads what was sent while they belonged, but nothing sent
// after; a member who joined late downloads nothing sent before; and a
// recalled message's media are no longer served to anyone but their
// uploader and those who saved the message to their favorites. Over real
// HTTP, pictures and their thumbnails alike.
func TestMediaFollowsTheMembersWindow(t *testing.T) {
	forEachMediaEngine(t, nil, nil, func(t *testing.T, srv *httptest.Server) {
		us := groupOfFriends(t, srv, "mw_", 4)
		owner, bob, carol, dave := us[0], us[1], us[2], us[3]
		oc := session(t, srv, owner)
		g := createGroup(t, oc, "", []int64{bob.id, carol.id})
		n := 0
		sendPic := func(group, peer int64) (string, int64) {
			t.Helper()
			n++
			id := upload(t, srv, owner.token, "kind=image&name=p.png", mediaPNG(40+n, 30)).media(t).ID
			sent := call(t, oc, &pb.ClientFrame{Req: &pb.ClientFrame_Send{Send: &pb.SendRequest{
				Group: group, Peer: peer, ClientId: fmt.Sprint("pic", n), Kind: pb.MessageKind_MESSAGE_KIND_IMAGE, Media: id}}}).GetSent()
			return id, sent.Id
		}
		check := func(when string, u user, id string, want int) {
			t.Helper()
			for _, path := range []string{"/media/" + id, "/media/" + id + "/thumb"} {
				r := request(t, "GET", srv.URL+path, u.token, nil)
				if r.status != want {
					t.Errorf("%s: %s GET %s: got %d %s, want %d", when, u.account, path, r.status, r.body, want)
				}
				if want == http.StatusNotFound && r.code() != "not_found" {
					t.Errorf("%s: %s GET %s: got code %q, want not_found", when, u.account, path, r.code())
				}
			}
		}

		before, _ := sendPic(g.Id, 0)
		call(t, oc, &pb.ClientFrame{Req: &pb.ClientFrame_RemoveMembers{RemoveMembers: &pb.GroupUsersRequest{Group: g.Id, Users: []int64{carol.id}}}})
		call(t, oc, &pb.ClientFrame{Req: &pb.ClientFrame_InviteGroup{InviteGroup: &pb.GroupUsersRequest{Group: g.Id, Users: []int64{dave.id}}}})
		after, afterMsg := sendPic(g.Id, 0)

		check("sent before carol left and dave joined", bob, before, http.StatusOK)
		check("sent before carol left and dave joined", carol, before, http.StatusOK)
		check("sent before carol left and dave joined", dave, before, http.StatusNotFound)
		check("sent after", bob, after, http.StatusOK)
		check("sent after", carol, after, http.StatusNotFound)
		check("sent after", dave, after, http.StatusOK)

		// A late joiner cannot reach older media by forwarding them either.
		dc := session(t, srv, dave)
		if code := callCode(dc, &pb.ClientFrame{Req: &pb.ClientFrame_Send{Send: &pb.SendRequest{
			Peer: owner.id, ClientId: "fwd", Kind: pb.MessageKind_MESSAGE_KIND_IMAGE, Media: before}}}); code != "not_found" {
			t.Errorf("dave sends media from before he joined: got %q, want not_found", code)
		}

		// Recalls, in the group and in a one-to-one chat. Who saved the
		// message to their favorites keeps its media.
		call(t, session(t, srv, bob), &pb.ClientFrame{Req: &pb.ClientFrame_FavoriteAdd{FavoriteAdd: &pb.FavoriteAddRequest{Message: afterMsg}}})
		call(t, oc, &pb.ClientFrame{Req: &pb.ClientFrame_Recall{Recall: &pb.RecallRequest{Message: afterMsg}}})
		check("recalled in the group", dave, after, http.StatusNotFound)
		check("recalled in the group, saved as a favorite", bob, after, http.StatusOK)
		check("recalled in the group", owner, after, http.StatusOK) // the uploader keeps their upload
		direct, directMsg := sendPic(0, bob.id)
		check("sent to bob", bob, direct, http.StatusOK)
		call(t, oc, &pb.ClientFrame{Req: &pb.ClientFrame_Recall{Recall: &pb.RecallRequest{Message: directMsg}}})
		check("recalled in the chat with bob", bob, direct, http.StatusNotFound)
	})
}
