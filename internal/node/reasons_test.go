package node_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"

	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/wsclient"
)

// TestErrorReasons checks that refusals which share a code carry the
// reason that tells them apart, so that clients can say which it was in
// their own words.
func TestErrorReasons(t *testing.T) {
	forEachEngine(t, func(t *testing.T, srv *httptest.Server) {
		ann := registerUser(t, srv, "why_ann01")
		bo := registerUser(t, srv, "why_bo0001")
		c := session(t, srv, ann)
		reg := func(id, phone string) *pb.ClientFrame {
			code := ""
			if phone != "" {
				code = verifiedCode(t, srv, nil, "phone", phone)
			}
			return &pb.ClientFrame{Req: &pb.ClientFrame_Register{Register: &pb.RegisterRequest{AccountId: id, Password: "password-x1", Phone: phone, PhoneCode: code}}}
		}
		call(t, dial(t, srv), reg("why_phone1", "+8613900000001"))
		for _, tc := range []struct {
			name         string
			conn         *wsclient.Conn
			req          *pb.ClientFrame
			code, reason string
		}{
			{"account ID taken", dial(t, srv), reg("WHY_ANN01", ""), "already_exists", "account_id_taken"},
			{"phone taken", dial(t, srv), reg("why_phone2", "+8613900000001"), "already_exists", "phone_taken"},
			{"account ID format", dial(t, srv), reg("9lives", ""), "invalid_argument", "account_id_format"},
			{"wrong password", dial(t, srv), &pb.ClientFrame{Req: &pb.ClientFrame_Login{Login: &pb.LoginRequest{Login: "why_ann01", Password: "not-it-at-all"}}}, "unauthenticated", "wrong_credentials"},
			{"no such account", dial(t, srv), &pb.ClientFrame{Req: &pb.ClientFrame_Login{Login: &pb.LoginRequest{Login: "why_nobody", Password: "not-it-at-all"}}}, "unauthenticated", "wrong_credentials"},
			{"search finds nobody", c, &pb.ClientFrame{Req: &pb.ClientFrame_SearchUser{SearchUser: &pb.SearchUserRequest{Query: "why_nobody"}}}, "not_found", "user_not_found"},
			{"not friends", c, send(bo.id, "r1", "hello"), "failed_precondition", "not_friends"},
			{"add yourself", c, &pb.ClientFrame{Req: &pb.ClientFrame_FriendRequest{FriendRequest: &pb.FriendRequestRequest{User: ann.id}}}, "invalid_argument", "add_self"},
			{"no reason where the code says it all", c, &pb.ClientFrame{Req: &pb.ClientFrame_History{History: &pb.HistoryRequest{Conversation: 1, Before: 0}}}, "not_found", ""},
		} {
			_, err := tc.conn.Call(context.Background(), tc.req)
			var e *wsclient.Error
			if !errors.As(err, &e) {
				t.Errorf("%s: got %v, want a server error", tc.name, err)
				continue
			}
			if e.Code != tc.code || e.Reason != tc.reason {
				t.Errorf("%s: got %s/%q, want %s/%q (%s)", tc.name, e.Code, e.Reason, tc.code, tc.reason, e.Message)
			}
		}
	})
}
