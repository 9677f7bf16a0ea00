package node_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/wsclient"
)

func TestPrivacySettingsGovernSearchAndAdding(t *testing.T) {
	forEachEngine(t, func(t *testing.T, srv *httptest.Server) {
		ctx := context.Background()
		code := verifiedCode(t, srv, nil, "phone", "+8613900000009")
		sess, err := dial(t, srv).Register(ctx, &pb.RegisterRequest{AccountId: "priv_dana", Password: "password-priv_dana", Phone: "+8613900000009", PhoneCode: code})
		if err != nil {
			t.Fatal(err)
		}
		dana := user{id: sess.User, account: "priv_dana", token: sess.Token}
		eve := registerUser(t, srv, "priv_eve1")
		e, d := session(t, srv, eve), session(t, srv, dana)
		search := func(q string) (int64, string) {
			f, err := e.Call(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_SearchUser{SearchUser: &pb.SearchUserRequest{Query: q}}})
			return f.GetProfile().GetId(), wsclient.ErrorCode(err)
		}
		settings := func(s *pb.UpdateSettingsRequest) {
			t.Helper()
			call(t, d, &pb.ClientFrame{Req: &pb.ClientFrame_UpdateSettings{UpdateSettings: s}})
		}
		for _, q := range []string{"priv_dana", "PRIV_DANA", "+8613900000009"} {
			if id, code := search(q); id != dana.id || code != "" {
				t.Errorf("search %q: got %d, %q; want dana", q, id, code)
			}
		}
		settings(&pb.UpdateSettingsRequest{FindByAccountId: proto.Bool(false)})
		if _, code := search("priv_dana"); code != "not_found" {
			t.Errorf("search by ID with find_by_account_id off: got %q, want not_found", code)
		}
		if id, _ := search("+8613900000009"); id != dana.id {
			t.Errorf("search by phone with only the ID hidden: got %d, want dana", id)
		}
		settings(&pb.UpdateSettingsRequest{FindByPhone: proto.Bool(false)})
		if _, code := search("+8613900000009"); code != "not_found" {
			t.Errorf("search by phone with find_by_phone off: got %q, want not_found", code)
		}

		// Hidden from both: a request by numeric ID finds no one either.
		if code := callCode(e, &pb.ClientFrame{Req: &pb.ClientFrame_FriendRequest{FriendRequest: &pb.FriendRequestRequest{User: dana.id, Greeting: "hello"}}}); code != "not_found" {
			t.Errorf("request to a user hidden from discovery: got %q, want not_found", code)
		}
		settings(&pb.UpdateSettingsRequest{FindByPhone: proto.Bool(true)})

		// Verification on (the default): a request waits for an answer.
		fr := call(t, e, &pb.ClientFrame{Req: &pb.ClientFrame_FriendRequest{FriendRequest: &pb.FriendRequestRequest{User: dana.id, Greeting: "hello"}}}).GetFriendRequest()
		if fr.State != pb.RequestState_REQUEST_STATE_PENDING {
			t.Fatalf("request with verification on: got state %v, want pending", fr.State)
		}
		call(t, d, &pb.ClientFrame{Req: &pb.ClientFrame_AnswerRequest{AnswerRequest: &pb.AnswerRequest{Request: fr.Id, Accept: false}}})
		if code := callCode(e, send(dana.id, "d1", "hi")); code != "failed_precondition" {
			t.Errorf("send after a declined request: got %q, want failed_precondition", code)
		}
		// Verification off: a request makes friends at once.
		settings(&pb.UpdateSettingsRequest{AddNeedsVerification: proto.Bool(false)})
		fr = call(t, e, &pb.ClientFrame{Req: &pb.ClientFrame_FriendRequest{FriendRequest: &pb.FriendRequestRequest{User: dana.id}}}).GetFriendRequest()
		if fr.State != pb.RequestState_REQUEST_STATE_ACCEPTED {
			t.Fatalf("request with verification off: got state %v, want accepted", fr.State)
		}
		call(t, e, send(dana.id, "d2", "now we are friends"))
	})
}

func TestContactEditsSyncToOtherDevices(t *testing.T) {
	forEachEngine(t, func(t *testing.T, srv *httptest.Server) {
		ann, ben := registerUser(t, srv, "edit_ann1"), registerUser(t, srv, "edit_ben1")
		befriend(t, srv, ann, ben)
		a1 := session(t, srv, ann)
		call(t, a1, &pb.ClientFrame{Req: &pb.ClientFrame_UpdateContact{UpdateContact: &pb.UpdateContactRequest{
			User: ben.id, Remark: proto.String("老本"), Description: proto.String("from school"),
			Tags: []string{"同学", "football"}, SetTags: true, Starred: proto.Bool(true)}}})
		list := call(t, session(t, srv, secondDevice(t, srv, ann)), &pb.ClientFrame{Req: &pb.ClientFrame_ListContacts{ListContacts: &pb.Empty{}}}).GetContacts().GetContacts()
		if len(list) != 1 || list[0].Remark != "老本" || list[0].Description != "from school" || !list[0].Starred ||
			len(list[0].Tags) != 2 || list[0].Profile.GetAccountId() != "edit_ben1" {
			t.Fatalf("contact on another device: got %v", list)
		}
		if code := callCode(a1, &pb.ClientFrame{Req: &pb.ClientFrame_UpdateContact{UpdateContact: &pb.UpdateContactRequest{
			User: ben.id, Tags: make([]string, 21), SetTags: true}}}); code != "invalid_argument" {
			t.Errorf("21 tags: got %q, want invalid_argument", code)
		}
		// Deleting removes only Ann's entry; messages stop both ways.
		call(t, a1, &pb.ClientFrame{Req: &pb.ClientFrame_DeleteContact{DeleteContact: &pb.UserRef{User: ben.id}}})
		if code := callCode(session(t, srv, ben), send(ann.id, "x", "still there?")); code != "failed_precondition" {
			t.Errorf("send to someone who deleted you: got %q, want failed_precondition", code)
		}
		changes := collectChanges(t, session(t, srv, ann))
		var removed bool
		for _, ch := range changes {
			removed = removed || ch.GetContactRemoved() == ben.id
		}
		if !removed {
			t.Errorf("ann's change log has no contact_removed for ben: %v", changes)
		}
	})
}

// collectChanges reads a device's whole change log from cursor 0.
func collectChanges(t *testing.T, c *wsclient.Conn) []*pb.Change {
	t.Helper()
	var out []*pb.Change
	cursor := int64(0)
	for {
		page, err := c.Sync(context.Background(), cursor, 100)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page.Changes...)
		if len(page.Changes) > 0 {
			cursor = page.Changes[len(page.Changes)-1].Seq
		}
		if !page.More {
			return out
		}
	}
}

func TestAccountIDPasswordAndSignOutEverywhere(t *testing.T) {
	forEachEngine(t, func(t *testing.T, srv *httptest.Server) {
		ctx := context.Background()
		fay := registerUser(t, srv, "acct_fay1")
		c := session(t, srv, fay)
		p := call(t, c, &pb.ClientFrame{Req: &pb.ClientFrame_ChangeAccountId{ChangeAccountId: &pb.ChangeAccountIDRequest{AccountId: "fay_new_id"}}}).GetProfile()
		if p.AccountId != "fay_new_id" || !p.AccountIdChanged {
			t.Fatalf("change account ID: got %v", p)
		}
		if code := callCode(c, &pb.ClientFrame{Req: &pb.ClientFrame_ChangeAccountId{ChangeAccountId: &pb.ChangeAccountIDRequest{AccountId: "fay_third"}}}); code != "failed_precondition" {
			t.Errorf("second change of the account ID: got %q, want failed_precondition", code)
		}
		registerUser(t, srv, "acct_gus1")
		if code := callCode(dial(t, srv), &pb.ClientFrame{Req: &pb.ClientFrame_Register{Register: &pb.RegisterRequest{AccountId: "FAY_NEW_ID", Password: "whatever-1"}}}); code != "already_exists" {
			t.Errorf("registering a taken ID in other case: got %q, want already_exists", code)
		}
		if code := callCode(c, &pb.ClientFrame{Req: &pb.ClientFrame_ChangePassword{ChangePassword: &pb.ChangePasswordRequest{OldPassword: "wrong", NewPassword: "brand-new-pass"}}}); code != "unauthenticated" {
			t.Errorf("change password with a wrong old one: got %q, want unauthenticated", code)
		}
		call(t, c, &pb.ClientFrame{Req: &pb.ClientFrame_ChangePassword{ChangePassword: &pb.ChangePasswordRequest{OldPassword: "password-acct_fay1", NewPassword: "brand-new-pass"}}})
		sess, err := dial(t, srv).Login(ctx, &pb.LoginRequest{Login: "fay_new_id", Password: "brand-new-pass", DeviceName: "tablet"})
		if err != nil {
			t.Fatalf("login with the new ID and password: %v", err)
		}
		tablet := session(t, srv, user{token: sess.Token})
		call(t, c, &pb.ClientFrame{Req: &pb.ClientFrame_RevokeAll{RevokeAll: &pb.Empty{}}})
		for name, conn := range map[string]*wsclient.Conn{"tablet": tablet, "caller": c} {
			select {
			case <-conn.Done():
			case <-time.After(10 * time.Second):
				t.Fatalf("%s: connection still open after sign out everywhere", name)
			}
			if _, err := dial(t, srv).Hello(ctx, map[string]string{"tablet": sess.Token, "caller": fay.token}[name]); wsclient.ErrorCode(err) != "unauthenticated" {
				t.Errorf("%s after sign out everywhere: got %v, want unauthenticated", name, err)
			}
		}
	})
}
