package node_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/moderation"
	"hongyan/internal/node"
	"hongyan/internal/wsclient"
)

// A moderator suspends a group: its members can no longer send, nobody can
// join or be invited; a viewer may not; lifting it lets them send again;
// both are in the audit log.
func TestSuspendGroup(t *testing.T) {
	forEachEngineNode(t, func(t *testing.T, n *node.Node, srv *httptest.Server) {
		mod := adminConsole(t, srv, n, "susmod", moderation.RoleModerator)
		viewer := adminConsole(t, srv, n, "susview", moderation.RoleViewer)
		us := groupOfFriends(t, srv, "sus", 4)
		owner, member := session(t, srv, us[0]), session(t, srv, us[1])
		g := createGroup(t, owner, "Suspended soon", ids(us[1:3]))
		call(t, member, groupSend(g.Id, "s1", "before"))
		qr := call(t, owner, frame("group_qr", &pb.GroupQrRequest{Group: g.Id})).GetGroupQr()
		path := "/admin/api/suspensions/group/" + strconv.FormatInt(g.Id, 10)

		viewer.want(http.StatusForbidden, "POST", path, map[string]string{"for": "1h", "reason": "spam"})
		mod.want(http.StatusBadRequest, "POST", path, map[string]string{"for": "1h", "reason": ""})
		mod.want(http.StatusNotFound, "POST", "/admin/api/suspensions/group/999999", map[string]string{"for": "1h", "reason": "spam"})
		out := mod.must("POST", path, map[string]string{"for": "1h", "reason": "spam"})
		if out["suspended"] != true || out["reason"] != "spam" {
			t.Errorf("suspend: got %v", out)
		}
		if got := viewer.must("GET", path, nil); got["suspended"] != true {
			t.Errorf("viewer reads the suspension: got %v", got)
		}
		wantSuspended := func(what string, c *wsclient.Conn, f *pb.ClientFrame) {
			t.Helper()
			_, err := c.Call(context.Background(), f)
			if code, reason := wsclient.ErrorCode(err), wsclient.ErrorReason(err); code != "failed_precondition" || reason != "suspended" {
				t.Errorf("%s while suspended: got %v, want failed_precondition (suspended)", what, err)
			}
		}
		if got := call(t, member, frame("get_group", &pb.GroupRef{Group: g.Id})).GetGroup(); !got.GetSuspended() {
			t.Errorf("a member's view while suspended: got %v, want suspended", got)
		}
		wantSuspended("a member's send", member, groupSend(g.Id, "s2", "during"))
		wantSuspended("the owner's send", owner, groupSend(g.Id, "s3", "during"))
		wantSuspended("an invitation", owner, frame("invite_group", &pb.GroupUsersRequest{Group: g.Id, Users: []int64{us[3].id}}))
		wantSuspended("a join by QR code", session(t, srv, us[3]), frame("join_group", &pb.JoinGroupRequest{Code: qr.GetCode()}))

		mod.must("POST", path+"/lift", map[string]string{})
		mod.want(http.StatusNotFound, "POST", path+"/lift", map[string]string{})
		call(t, member, groupSend(g.Id, "s4", "after"))
		if got := call(t, member, frame("get_group", &pb.GroupRef{Group: g.Id})).GetGroup(); got.GetSuspended() {
			t.Errorf("a member's view after the lift: got %v, want not suspended", got)
		}
		audit := mod.must("GET", "/admin/api/audit", nil)
		b, _ := json.Marshal(audit)
		if !strings.Contains(string(b), "suspension.add") || !strings.Contains(string(b), "suspension.lift") {
			t.Errorf("audit log: got %s, want suspension.add and suspension.lift", b)
		}
	})
}

// A suspended official account reaches no follower (broadcasts are
// refused) and its developer API answers errcode 48004; lifting it restores
// both.
func TestSuspendOfficialAccount(t *testing.T) {
	forEachEngineNode(t, func(t *testing.T, n *node.Node, srv *httptest.Server) {
		mod := adminConsole(t, srv, n, "susmod2", moderation.RoleModerator)
		op, fan := registerUser(t, srv, "susop001"), registerUser(t, srv, "susfan01")
		opc := session(t, srv, op)
		created := call(t, opc, frame("oa_create", &pb.OaCreateRequest{Org: "Sus Org", Name: "Sus News", Kind: pb.OaKind_OA_KIND_SUBSCRIPTION})).GetOaCreated()
		acct := created.GetAccount()
		call(t, session(t, srv, fan), frame("oa_follow", &pb.OaRef{Account: acct.Id}))
		token := func() int {
			t.Helper()
			resp, err := http.Get(srv.URL + "/cgi-bin/token?grant_type=client_credential&appid=" + acct.Appid + "&secret=" + created.Appsecret)
			if err != nil {
				t.Fatalf("token: %v", err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			var e struct {
				Errcode int `json:"errcode"`
			}
			json.Unmarshal(b, &e)
			return e.Errcode
		}
		broadcast := frame("oa_broadcast", &pb.OaBroadcastRequest{Account: acct.Id, All: true, Content: &pb.OaContent{Kind: "text", Text: "news"}})
		if code := token(); code != 0 {
			t.Fatalf("token before: errcode %d", code)
		}
		path := "/admin/api/suspensions/oa/" + strconv.FormatInt(acct.Id, 10)
		mod.must("POST", path, map[string]string{"for": "7d", "reason": "scam"})
		if p := call(t, session(t, srv, fan), frame("oa_profile", &pb.OaRef{Account: acct.Id})).GetOaProfile(); !p.GetSuspended() {
			t.Errorf("the profile while suspended: got %v, want suspended", p)
		}
		if code := token(); code != 48004 {
			t.Errorf("token while suspended: errcode %d, want 48004", code)
		}
		_, err := opc.Call(context.Background(), broadcast)
		if wsclient.ErrorReason(err) != "suspended" {
			t.Errorf("broadcast while suspended: got %v, want suspended", err)
		}
		mod.must("POST", path+"/lift", map[string]string{})
		if code := token(); code != 0 {
			t.Errorf("token after the lift: errcode %d", code)
		}
		call(t, opc, broadcast)
	})
}
