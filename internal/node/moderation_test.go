package node_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/moderation"
	"hongyan/internal/node"
	oa "hongyan/internal/officialacct"
	"hongyan/internal/wsclient"
)

// console is an administrator's browser: a cookie jar and the CSRF token.
type console struct {
	t    *testing.T
	srv  *httptest.Server
	hc   *http.Client
	csrf string
}

func newConsole(t *testing.T, srv *httptest.Server) *console {
	jar, _ := cookiejar.New(nil)
	return &console{t: t, srv: srv, hc: &http.Client{Jar: jar}}
}

// do calls the API and returns the status and the decoded JSON answer.
func (c *console) do(method, path string, body any) (int, map[string]any) {
	c.t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, _ := http.NewRequest(method, c.srv.URL+path, rd)
	if method != http.MethodGet {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out := map[string]any{}
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func (c *console) must(method, path string, body any) map[string]any {
	c.t.Helper()
	st, out := c.do(method, path, body)
	if st != http.StatusOK {
		c.t.Fatalf("%s %s: got status %d %v, want 200", method, path, st, out)
	}
	return out
}

func (c *console) want(status int, method, path string, body any) {
	c.t.Helper()
	if st, out := c.do(method, path, body); st != status {
		c.t.Errorf("%s %s: got status %d %v, want %d", method, path, st, out, status)
	}
}

// adminConsole creates an administrator and takes them through the first
// sign-in: one-time password, TOTP enrolment, new password.
func adminConsole(t *testing.T, srv *httptest.Server, n *node.Node, name string, role moderation.Role) *console {
	t.Helper()
	_, pw, err := n.Moderation().CreateAdmin(t.Context(), moderation.System, name, role)
	if err != nil {
		t.Fatalf("CreateAdmin: %v", err)
	}
	c := newConsole(t, srv)
	me := c.must("POST", "/admin/api/sign-in", map[string]string{"name": name, "password": pw})
	if me["stage"] != "setup" || me["must_change"] != true {
		t.Fatalf("first sign-in: got %v, want stage setup with a password to change", me)
	}
	c.csrf = me["csrf"].(string)
	// Nothing but the setup before it is done.
	c.want(http.StatusConflict, "GET", "/admin/api/reports", nil)
	e := c.must("GET", "/admin/api/setup", nil)
	if !strings.HasPrefix(e["qr"].(string), "data:image/png;base64,") {
		t.Errorf("enrolment QR: got %.40q", e["qr"])
	}
	code, _ := totp.GenerateCode(e["secret"].(string), time.Now())
	c.want(http.StatusBadRequest, "POST", "/admin/api/setup", map[string]string{"new_password": "long enough password", "code": "000000"})
	if me := c.must("POST", "/admin/api/setup", map[string]string{"new_password": "long enough password", "code": code}); me["stage"] != "full" {
		t.Fatalf("after setup: got %v, want stage full", me)
	}
	return c
}

func report(t *testing.T, c *wsclient.Conn, kind, target, reason string) (int64, string) {
	t.Helper()
	resp, err := c.Call(context.Background(), &pb.ClientFrame{Req: &pb.ClientFrame_Report{Report: &pb.ReportRequest{Kind: kind, Target: target, Reason: reason}}})
	return resp.GetReportFiled().GetId(), wsclient.ErrorCode(err)
}

func TestModerationConsoleAndPenalties(t *testing.T) {
	forEachEngineNode(t, func(t *testing.T, n *node.Node, srv *httptest.Server) {
		ctx := context.Background()
		alice, bob, carol, dave := registerUser(t, srv, "alice01"), registerUser(t, srv, "bob0001"), registerUser(t, srv, "carol01"), registerUser(t, srv, "dave001")
		befriend(t, srv, alice, carol)
		ac := session(t, srv, alice)
		sent := call(t, ac, send(carol.id, "m1", "加我微信领红包")).GetSent()

		// Reports go through the protocol; only what the reporter sees.
		bc, cc := session(t, srv, bob), session(t, srv, carol)
		msg := fmt.Sprintf("%d:%d", sent.Conversation, sent.Seq)
		if _, code := report(t, bc, "message", msg, "scam"); code != "not_found" {
			t.Errorf("a stranger reports a message of another chat: got %q, want not_found", code)
		}
		msgReport, code := report(t, cc, "message", msg, "scam")
		if code != "" {
			t.Fatalf("carol reports alice's message: %s", code)
		}
		userReport, code := report(t, bc, "user", "alice01", "spam")
		if code != "" {
			t.Fatalf("bob reports alice by account ID: %s", code)
		}
		if _, code := report(t, bc, "group", "999", "spam"); code != "not_found" {
			t.Errorf("a report of a group bob is not in: got %q, want not_found", code)
		}
		if _, code := report(t, bc, "planet", "1", "spam"); code != "invalid_argument" {
			t.Errorf("a report of an unknown kind: got %q, want invalid_argument", code)
		}

		root := adminConsole(t, srv, n, "root", moderation.RoleSuper)
		mod := adminConsole(t, srv, n, "mod", moderation.RoleModerator)
		viewer := adminConsole(t, srv, n, "viewer", moderation.RoleViewer)

		// Who may reach the API at all: a user's session token is not an
		// administrator's; no cookie is nobody.
		stranger := newConsole(t, srv)
		stranger.want(http.StatusUnauthorized, "GET", "/admin/api/reports", nil)
		req, _ := http.NewRequest("GET", srv.URL+"/admin/api/reports", nil)
		req.AddCookie(&http.Cookie{Name: "hy_admin", Value: alice.token})
		req.Header.Set("Authorization", "Bearer "+alice.token)
		if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("a user's token on an admin route: got %v %v, want 401", resp.StatusCode, err)
		}
		stranger.want(http.StatusUnauthorized, "POST", "/admin/api/sign-in", map[string]string{"name": "root", "password": "long enough password", "code": "123456"})

		// The queue, with the snapshot.
		q := viewer.must("GET", "/admin/api/reports?state=open", nil)["reports"].([]any)
		if len(q) != 2 {
			t.Fatalf("open reports: got %d, want 2", len(q))
		}
		got := viewer.must("GET", fmt.Sprintf("/admin/api/reports/%d", msgReport), nil)
		if got["text"] != "加我微信领红包" || int64(got["owner"].(float64)) != alice.id || got["kind"] != "message" {
			t.Errorf("message report: got %v, want alice's text as its snapshot", got)
		}

		// A viewer cannot act; a moderator cannot manage administrators.
		pen := map[string]any{"user": "alice01", "kind": "limit-features", "for": "1h", "reason": "spam", "report": userReport}
		viewer.want(http.StatusForbidden, "POST", "/admin/api/penalties", pen)
		viewer.want(http.StatusForbidden, "POST", fmt.Sprintf("/admin/api/reports/%d/dismiss", msgReport), map[string]string{"reason": "x"})
		viewer.want(http.StatusForbidden, "POST", "/admin/api/users/alice01/sign-out", map[string]string{"reason": "x"})
		viewer.want(http.StatusForbidden, "POST", "/admin/api/users/alice01/reset-password", map[string]string{"reason": "x"})
		viewer.want(http.StatusForbidden, "GET", "/admin/api/config", nil)
		mod.want(http.StatusForbidden, "POST", "/admin/api/admins", map[string]string{"name": "eve", "role": "super"})
		mod.want(http.StatusForbidden, "POST", "/admin/api/admins/1", map[string]any{"role": "viewer", "disabled": true})
		mod.want(http.StatusForbidden, "GET", "/admin/api/config", nil)
		root.must("GET", "/admin/api/config", nil)
		created := root.must("POST", "/admin/api/admins", map[string]string{"name": "helper2", "role": "viewer"})
		if pw, _ := created["password"].(string); len(pw) < 20 {
			t.Errorf("a new administrator's one-time password: got %q", pw)
		}
		// Changes need the CSRF token and a JSON body.
		csrf := mod.csrf
		mod.csrf = "wrong"
		mod.want(http.StatusForbidden, "POST", "/admin/api/penalties", pen)
		mod.csrf = csrf
		mod.want(http.StatusBadRequest, "POST", "/admin/api/penalties", map[string]any{"user": "alice01", "kind": "limit-features", "for": "forever", "reason": "spam"})
		mod.want(http.StatusNotFound, "POST", "/admin/api/penalties", map[string]any{"user": "nobody99", "kind": "ban", "for": "1h", "reason": "spam"})

		// limit-features: no friend requests; messages to friends still go.
		p := mod.must("POST", "/admin/api/penalties", pen)
		if p["kind"] != "limit-features" || p["active"] != true {
			t.Fatalf("penalty: got %v", p)
		}
		if r := viewer.must("GET", fmt.Sprintf("/admin/api/reports/%d", userReport), nil); r["state"] != "actioned" {
			t.Errorf("the report the penalty answers: got state %v, want actioned", r["state"])
		}
		_, err := ac.Call(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_FriendRequest{FriendRequest: &pb.FriendRequestRequest{User: dave.id, Greeting: "hi"}}})
		if wsclient.ErrorCode(err) != "permission_denied" || wsclient.ErrorReason(err) != "penalized" || !strings.Contains(err.Error(), "until ") {
			t.Errorf("a friend request under limit-features: got %v, want permission_denied/penalized with the end", err)
		}
		if _, err := ac.Call(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_CreateGroup{CreateGroup: &pb.CreateGroupRequest{Name: "g", Members: []int64{carol.id}}}}); wsclient.ErrorReason(err) != "penalized" {
			t.Errorf("creating a group under limit-features: got %v, want penalized", err)
		}
		call(t, ac, send(carol.id, "m2", "hello"))

		// The penalty reaches alice's devices through the change log, and
		// her list; she appeals once.
		pens := call(t, ac, &pb.ClientFrame{Req: &pb.ClientFrame_MyPenalties{MyPenalties: &pb.MyPenaltiesRequest{}}}).GetPenalties().GetPenalties()
		if len(pens) != 1 || pens[0].Kind != "limit-features" {
			t.Fatalf("my penalties: got %v", pens)
		}
		if !syncHasPenalty(t, session(t, srv, alice), pens[0].Id) {
			t.Errorf("alice's change log has no entry for penalty %d", pens[0].Id)
		}
		appeal := &pb.ClientFrame{Req: &pb.ClientFrame_Appeal{Appeal: &pb.AppealRequest{Penalty: pens[0].Id, Text: "我只是发了一次"}}}
		if code := callCode(bc, appeal); code != "not_found" {
			t.Errorf("bob appeals alice's penalty: got %q, want not_found", code)
		}
		call(t, ac, appeal)
		if code := callCode(ac, appeal); code != "failed_precondition" {
			t.Errorf("a second appeal: got %q, want failed_precondition", code)
		}
		appeals := viewer.must("GET", "/admin/api/penalties?appeals=1", nil)["penalties"].([]any)
		if len(appeals) != 1 || appeals[0].(map[string]any)["appeal_text"] != "我只是发了一次" {
			t.Errorf("pending appeals: got %v", appeals)
		}
		viewer.want(http.StatusForbidden, "POST", fmt.Sprintf("/admin/api/penalties/%d/appeal", pens[0].Id), map[string]any{"accept": true})
		mod.must("POST", fmt.Sprintf("/admin/api/penalties/%d/appeal", pens[0].Id), map[string]any{"accept": true, "reason": "first time"})
		call(t, ac, &pb.ClientFrame{Req: &pb.ClientFrame_FriendRequest{FriendRequest: &pb.FriendRequestRequest{User: dave.id, Greeting: "hi"}}})

		// A ban signs bob out at once and refuses his sign-in.
		mod.must("POST", "/admin/api/penalties", map[string]any{"user": fmt.Sprint(bob.id), "kind": "ban", "for": "7d", "reason": "spam"})
		select {
		case <-bc.Done():
		case <-time.After(10 * time.Second):
			t.Errorf("bob's connection is still open after the ban")
		}
		_, err = dial(t, srv).Login(ctx, &pb.LoginRequest{Login: "bob0001", Password: "password-bob0001", DeviceName: "again"})
		if wsclient.ErrorReason(err) != "penalized" {
			t.Errorf("a banned user signs in: got %v, want penalized", err)
		}
		if _, err := dial(t, srv).Hello(ctx, bob.token); wsclient.ErrorCode(err) != "unauthenticated" {
			t.Errorf("a banned user's old token: got %v, want unauthenticated", err)
		}

		// Users: view, sign out, reset the password.
		u := viewer.must("GET", "/admin/api/users/bob0001", nil)
		if len(u["penalties"].([]any)) != 1 {
			t.Errorf("bob's penalties: got %v", u["penalties"])
		}
		if found := viewer.must("GET", "/admin/api/users?q=carol01", nil)["users"].([]any); len(found) != 1 {
			t.Errorf("search carol01: got %v", found)
		}
		cc2 := session(t, srv, carol)
		pw := mod.must("POST", "/admin/api/users/carol01/reset-password", map[string]string{"reason": "asked by phone"})["password"].(string)
		select {
		case <-cc2.Done():
		case <-time.After(10 * time.Second):
			t.Errorf("carol's connection is still open after her password was reset")
		}
		if _, err := dial(t, srv).Login(ctx, &pb.LoginRequest{Login: "carol01", Password: pw, DeviceName: "new"}); err != nil {
			t.Errorf("sign-in with the reset password: %v", err)
		}

		// Everything is in the audit log, newest first.
		log := viewer.must("GET", "/admin/api/audit", nil)["entries"].([]any)
		var actions []string
		for _, e := range log {
			actions = append(actions, e.(map[string]any)["action"].(string))
		}
		joined := strings.Join(actions, ",")
		for _, want := range []string{"user.reset-password", "penalty.add", "appeal.accept", "report.action", "admin.create", "admin.setup", "admin.sign-in"} {
			if !strings.Contains(joined, want) {
				t.Errorf("audit log %s: no %s", joined, want)
			}
		}
		if actions[0] != "user.reset-password" {
			t.Errorf("newest audit entry: got %s, want user.reset-password", actions[0])
		}
		// The dashboard: the figures of the last days, today last. Users
		// are the 4 people and the built-in bots' accounts (the Group
		// Assistant and the Group Guard).
		d := viewer.must("GET", "/admin/api/stats?days=7", nil)
		last := func(k string) float64 { xs := d[k].([]any); return xs[len(xs)-1].(float64) }
		if len(d["days"].([]any)) != 7 || d["users"].(float64) != 6 || last("messages") != 2 || last("reports") != 2 || last("penalties") != 2 ||
			d["active_penalties"].(float64) != 1 || d["open_reports"].(float64) != 1 || d["active_devices"].(float64) < 1 {
			t.Errorf("dashboard: got %v", d)
		}
		viewer.want(http.StatusBadRequest, "GET", "/admin/api/stats?days=61", nil)
		// Signing out ends the session.
		viewer.must("POST", "/admin/api/sign-out", map[string]string{})
		viewer.want(http.StatusUnauthorized, "GET", "/admin/api/reports", nil)
	})
}

// syncHasPenalty syncs a device from 0 and reports whether its log has
// penalty id.
func syncHasPenalty(t *testing.T, c *wsclient.Conn, id int64) bool {
	t.Helper()
	after := int64(0)
	for {
		resp, err := c.Sync(context.Background(), after, 100)
		if err != nil {
			t.Fatalf("sync: %v", err)
		}
		for _, ch := range resp.Changes {
			if p := ch.GetPenalty(); p != nil && p.Id == id {
				return true
			}
			after = ch.Seq
		}
		if !resp.More {
			return false
		}
	}
}

// TestAdminRouteMatrix asks every console route as nobody, as a user, and
// as each role: nobody and a user get 401; a role below the route's gets
// 403; a role at or above it is let through (whatever the answer then).
func TestAdminRouteMatrix(t *testing.T) {
	forEachEngineNode(t, func(t *testing.T, n *node.Node, srv *httptest.Server) {
		u := registerUser(t, srv, "matrix1")
		roles := map[moderation.Role]*console{
			moderation.RoleViewer:    adminConsole(t, srv, n, "viewer1", moderation.RoleViewer),
			moderation.RoleModerator: adminConsole(t, srv, n, "moderator1", moderation.RoleModerator),
			moderation.RoleSuper:     adminConsole(t, srv, n, "super1", moderation.RoleSuper),
		}
		rank := map[moderation.Role]int{moderation.RoleViewer: 1, moderation.RoleModerator: 2, moderation.RoleSuper: 3}
		routes := []struct {
			method, path string
			body         any
			need         moderation.Role
		}{
			{"GET", "/admin/api/me", nil, moderation.RoleViewer},
			{"GET", "/admin/api/reports", nil, moderation.RoleViewer},
			{"GET", "/admin/api/reports/1", nil, moderation.RoleViewer},
			{"POST", "/admin/api/reports/1/dismiss", map[string]string{}, moderation.RoleModerator},
			{"GET", "/admin/api/penalties", nil, moderation.RoleViewer},
			{"POST", "/admin/api/penalties", map[string]string{"user": "matrix1", "kind": "warn", "for": "1m", "reason": "x"}, moderation.RoleModerator},
			{"POST", "/admin/api/penalties/999/lift", map[string]string{}, moderation.RoleModerator},
			{"POST", "/admin/api/penalties/999/appeal", map[string]bool{"accept": true}, moderation.RoleModerator},
			{"GET", "/admin/api/users?q=matrix1", nil, moderation.RoleViewer},
			{"GET", "/admin/api/users/matrix1", nil, moderation.RoleViewer},
			{"POST", "/admin/api/users/matrix1/sign-out", map[string]string{}, moderation.RoleModerator},
			{"POST", "/admin/api/users/matrix1/reset-password", map[string]string{}, moderation.RoleModerator},
			{"GET", "/admin/api/audit", nil, moderation.RoleViewer},
			{"GET", "/admin/api/admins", nil, moderation.RoleViewer},
			{"POST", "/admin/api/admins", map[string]string{"name": "newadmin", "role": "viewer"}, moderation.RoleSuper},
			{"POST", "/admin/api/admins/999", map[string]any{"role": "viewer"}, moderation.RoleSuper},
			{"GET", "/admin/api/config", nil, moderation.RoleSuper},
			{"GET", "/admin/api/stats", nil, moderation.RoleViewer},
			{"GET", "/admin/api/oa?q=news", nil, moderation.RoleViewer},
			{"GET", "/admin/api/groups/999", nil, moderation.RoleViewer},
			{"POST", "/admin/api/oa/999/verified", map[string]any{"verified": true}, moderation.RoleModerator},
		}
		nobody := newConsole(t, srv)
		for _, r := range routes {
			if st, _ := nobody.do(r.method, r.path, r.body); st != http.StatusUnauthorized {
				t.Errorf("nobody %s %s: got %d, want 401", r.method, r.path, st)
			}
			req, _ := http.NewRequest(r.method, srv.URL+r.path, nil)
			req.AddCookie(&http.Cookie{Name: "hy_admin", Value: u.token})
			if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("a user %s %s: got %v %v, want 401", r.method, r.path, resp.StatusCode, err)
			}
			for role, c := range roles {
				st, out := c.do(r.method, r.path, r.body)
				denied := st == http.StatusForbidden || st == http.StatusUnauthorized
				if want := rank[role] < rank[r.need]; denied != want {
					t.Errorf("%s %s %s: got %d %v, want denied=%v", role, r.method, r.path, st, out, want)
				}
			}
		}
	})
}

// TestFirstAdmin: the first start makes "admin" with a one-time password,
// once; the password signs in (to the setup stage).
func TestFirstAdmin(t *testing.T) {
	forEachEngineNode(t, func(t *testing.T, n *node.Node, srv *httptest.Server) {
		name, pw, err := n.FirstAdmin(t.Context())
		if err != nil || name != "admin" || len(pw) < 20 {
			t.Fatalf("FirstAdmin: got %q %q %v, want admin with a one-time password", name, pw, err)
		}
		if name, pw2, err := n.FirstAdmin(t.Context()); err != nil || name != "" || pw2 != "" {
			t.Errorf("FirstAdmin again: got %q %q %v, want nothing", name, pw2, err)
		}
		c := newConsole(t, srv)
		if me := c.must("POST", "/admin/api/sign-in", map[string]string{"name": "admin", "password": pw}); me["stage"] != "setup" {
			t.Errorf("first sign-in: got %v, want the setup stage", me)
		}
	})
}

// TestReportAuthorisation: a stranger, a removed member and a blocked user
// report what they may (or may no longer) see.
func TestReportAuthorisation(t *testing.T) {
	forEachEngineNode(t, func(t *testing.T, n *node.Node, srv *httptest.Server) {
		own, m1, m2, out := registerUser(t, srv, "rep_own"), registerUser(t, srv, "rep_m1"), registerUser(t, srv, "rep_m2"), registerUser(t, srv, "rep_out")
		befriend(t, srv, own, m1)
		befriend(t, srv, own, m2)
		oc := session(t, srv, own)
		g := createGroup(t, oc, "广告群", []int64{m1.id, m2.id})
		target := fmt.Sprint(g.Id)
		if _, code := report(t, session(t, srv, out), "group", target, "spam"); code != "not_found" {
			t.Errorf("a stranger reports a group: got %q, want not_found", code)
		}
		if _, code := report(t, session(t, srv, m1), "group", target, "spam"); code != "" {
			t.Errorf("a member reports the group: got %q", code)
		}
		call(t, oc, &pb.ClientFrame{Req: &pb.ClientFrame_RemoveMembers{RemoveMembers: &pb.GroupUsersRequest{Group: g.Id, Users: []int64{m2.id}}}})
		if _, code := report(t, session(t, srv, m2), "group", target, "spam"); code != "not_found" {
			t.Errorf("a removed member reports the group: got %q, want not_found", code)
		}
		// Being blocked does not stop a report of the one who blocked.
		call(t, oc, &pb.ClientFrame{Req: &pb.ClientFrame_Block{Block: &pb.BlockRequest{User: m1.id, Blocked: true}}})
		if _, code := report(t, session(t, srv, m1), "user", "rep_own", "harassment"); code != "" {
			t.Errorf("a blocked user reports who blocked them: got %q", code)
		}
		// An administrator sees the group whoever its members are.
		viewer := adminConsole(t, srv, n, "view_grp", moderation.RoleViewer)
		if got := viewer.must("GET", "/admin/api/groups/"+target, nil); got["name"] != "广告群" || got["members"].(float64) != 2 || int64(got["owner"].(float64)) != own.id {
			t.Errorf("group as an administrator sees it: got %v", got)
		}
		viewer.want(http.StatusNotFound, "GET", "/admin/api/groups/999999", nil)
		if _, code := report(t, session(t, srv, out), "post", "999999", "spam"); code != "not_found" {
			t.Errorf("a report of a post nobody can see: got %q, want not_found", code)
		}
		if _, code := report(t, session(t, srv, out), "message", "abc", "spam"); code != "invalid_argument" {
			t.Errorf("a report of a malformed message: got %q, want invalid_argument", code)
		}
	})
}

// TestOfficialAccountBadge: a moderator gives an official account the
// verification badge from the console; users see it; it is audited.
func TestOfficialAccountBadge(t *testing.T) {
	forEachEngineNode(t, func(t *testing.T, n *node.Node, srv *httptest.Server) {
		owner := registerUser(t, srv, "oa_owner1")
		o := session(t, srv, owner)
		acct := call(t, o, oaReq(&pb.OaCreateRequest{Org: "School", Name: "School News", Kind: pb.OaKind_OA_KIND_SERVICE})).GetOaCreated().GetAccount()
		mod := adminConsole(t, srv, n, "mod_oa", moderation.RoleModerator)
		viewer := adminConsole(t, srv, n, "view_oa", moderation.RoleViewer)
		found := viewer.must("GET", "/admin/api/oa?q=school", nil)["accounts"].([]any)
		if len(found) != 1 || found[0].(map[string]any)["verified"] != false {
			t.Fatalf("search: got %v", found)
		}
		path := fmt.Sprintf("/admin/api/oa/%d/verified", acct.Id)
		viewer.want(http.StatusForbidden, "POST", path, map[string]any{"verified": true})
		if got := mod.must("POST", path, map[string]any{"verified": true, "reason": "checked the licence"}); got["verified"] != true {
			t.Errorf("verify: got %v", got)
		}
		if a, _ := n.OfficialAccounts().Account(t.Context(), oa.AccountID(acct.Id)); !a.Verified {
			t.Errorf("the account is not verified after the console said so")
		}
		log := viewer.must("GET", "/admin/api/audit", nil)["entries"].([]any)
		if e := log[0].(map[string]any); e["action"] != "oa.verify" || e["target"] != fmt.Sprintf("oa:%d", acct.Id) {
			t.Errorf("newest audit entry: got %v, want oa.verify", e)
		}
	})
}
