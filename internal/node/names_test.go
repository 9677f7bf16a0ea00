package node_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"

	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/wsclient"
)

// Every name other users are shown refuses invisible and
// direction-changing characters, with the same code and reason, and
// changes nothing; emoji sequences joined by U+200D are still names.
func TestNamesRefuseInvisibleCharacters(t *testing.T) {
	forEachEngine(t, func(t *testing.T, srv *httptest.Server) {
		a, b, c := registerUser(t, srv, "name_a01"), registerUser(t, srv, "name_b01"), registerUser(t, srv, "name_c01")
		befriend(t, srv, a, b)
		befriend(t, srv, a, c)
		ca := session(t, srv, a)
		g := createGroup(t, ca, "hikers", []int64{b.id, c.id})
		str := func(s string) *string { return &s }
		for _, bad := range []string{"evil\u202egpj.exe", "ad\u200bmin", "ad\u200cmin", "\u2066x\u2069", "\ufeffname", "\u3164"} {
			for _, tc := range []struct {
				name string
				conn *wsclient.Conn
				req  *pb.ClientFrame
			}{
				{"register nickname", dial(t, srv), &pb.ClientFrame{Req: &pb.ClientFrame_Register{Register: &pb.RegisterRequest{AccountId: "name_new01", Password: "password-x1", Nickname: bad}}}},
				{"register device name", dial(t, srv), &pb.ClientFrame{Req: &pb.ClientFrame_Register{Register: &pb.RegisterRequest{AccountId: "name_new02", Password: "password-x1", DeviceName: bad}}}},
				{"login device name", dial(t, srv), &pb.ClientFrame{Req: &pb.ClientFrame_Login{Login: &pb.LoginRequest{Login: a.account, Password: "password-" + a.account, DeviceName: bad}}}},
				{"profile nickname", ca, &pb.ClientFrame{Req: &pb.ClientFrame_UpdateProfile{UpdateProfile: &pb.UpdateProfileRequest{Nickname: str(bad)}}}},
				{"profile region", ca, &pb.ClientFrame{Req: &pb.ClientFrame_UpdateProfile{UpdateProfile: &pb.UpdateProfileRequest{Region: str(bad)}}}},
				{"contact remark", ca, &pb.ClientFrame{Req: &pb.ClientFrame_UpdateContact{UpdateContact: &pb.UpdateContactRequest{User: b.id, Remark: str(bad)}}}},
				{"contact tag", ca, &pb.ClientFrame{Req: &pb.ClientFrame_UpdateContact{UpdateContact: &pb.UpdateContactRequest{User: b.id, Tags: []string{bad}, SetTags: true}}}},
				{"friend request remark", session(t, srv, b), &pb.ClientFrame{Req: &pb.ClientFrame_FriendRequest{FriendRequest: &pb.FriendRequestRequest{User: c.id, Remark: bad}}}},
				{"group name at creation", ca, &pb.ClientFrame{Req: &pb.ClientFrame_CreateGroup{CreateGroup: &pb.CreateGroupRequest{Name: bad, Members: []int64{b.id, c.id}}}}},
				{"group name", ca, &pb.ClientFrame{Req: &pb.ClientFrame_UpdateGroup{UpdateGroup: &pb.UpdateGroupRequest{Group: g.Id, Name: str(bad)}}}},
				{"nickname in a group", ca, &pb.ClientFrame{Req: &pb.ClientFrame_MyGroupSettings{MyGroupSettings: &pb.MyGroupSettingsRequest{Group: g.Id, Nickname: str(bad)}}}},
			} {
				_, err := tc.conn.Call(context.Background(), tc.req)
				var e *wsclient.Error
				if !errors.As(err, &e) || e.Code != "invalid_argument" || e.Reason != "invisible_characters" {
					t.Errorf("%s %+q: got %v, want invalid_argument/invisible_characters", tc.name, bad, err)
				}
			}
		}
		// An official account's name and its organisation's (whose
		// impersonation would cost most).
		for _, r := range []*pb.OaCreateRequest{
			{Org: "School", Name: "School\u200bNews", Kind: pb.OaKind_OA_KIND_SERVICE},
			{Org: "Sch\u202eool", Name: "School News", Kind: pb.OaKind_OA_KIND_SERVICE},
		} {
			if got := callCode(ca, oaReq(r)); got != "invalid_argument" {
				t.Errorf("official account %+q of %+q: got %q, want invalid_argument", r.Name, r.Org, got)
			}
		}
		// Nothing changed.
		if got := call(t, ca, &pb.ClientFrame{Req: &pb.ClientFrame_Me{Me: &pb.Empty{}}}).GetProfile().GetNickname(); got != a.account {
			t.Errorf("nickname after the refusals: got %q, want %q", got, a.account)
		}
		if got := call(t, ca, &pb.ClientFrame{Req: &pb.ClientFrame_GetGroup{GetGroup: &pb.GroupRef{Group: g.Id}}}).GetGroup().GetName(); got != "hikers" {
			t.Errorf("group name after the refusals: got %q, want %q", got, "hikers")
		}
		// Emoji sequences are names.
		family := "👨\u200d👩\u200d👧 Ann"
		if got := call(t, ca, &pb.ClientFrame{Req: &pb.ClientFrame_UpdateProfile{UpdateProfile: &pb.UpdateProfileRequest{Nickname: &family}}}).GetProfile().GetNickname(); got != family {
			t.Errorf("nickname %+q: got %+q", family, got)
		}
	})
}
