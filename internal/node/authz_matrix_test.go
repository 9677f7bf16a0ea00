package node_test

// The authorisation matrix: every protocol request (every field of
// ClientFrame.req, enumerated from the descriptor) and every HTTP route
// (every pattern the node's Handler serves, from node.Routes) is driven
// against a real node as every kind of principal, in a fixture world with
// one object of each kind, and each answer is compared with the row's.
// A request or route without a row fails the test (TestAuthzMatrixRows),
// so a new one cannot be merged without saying who may use it.
//
//	go test ./internal/node -run AuthzMatrix -v
//
// Adding a row. A protocol request is one entry of wsRows, keyed by its
// field name in ClientFrame.req:
//
//	"get_group": {func(w *world) proto.Message { return &pb.GroupRef{Group: w.group} }, "UNNNNAAANN"},
//
// The builder makes the request from the fixture (nil: the empty message).
// The expectation has one letter per principal, in the order of wsWho:
// anonymous, self, friend, stranger, blocked, group member, group admin,
// group owner, removed member, official-account operator. The letters:
//
//	A allowed  N not_found  D permission_denied  U unauthenticated
//	I invalid (invalid_argument, failed_precondition, already_exists,
//	  too_large: the request got past authorisation and was refused on
//	  its content or state)
//	a allowed, not run: the request changes the fixture (signs out, deletes,
//	  dissolves); the feature's own tests prove the allowed answer
//	- not run: the route takes no credentials (sign-in), so every principal
//	  is the anonymous one
//
// An HTTP route is one entry of httpRows, keyed by its pattern as
// registered, with a builder of the path (and body) and one letter per
// principal of httpWho: anonymous, self's session, a stranger's session, a bot token of each
// scope (messages:send, groups:read, members:manage, apps:write), an
// official account's access_token, and administrators by role (viewer,
// moderator, super admin).
//
// Bots and administrators have no protocol session: their tokens are
// refused by hello (checked), so on the protocol they are anonymous.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"hongyan/internal/bot"
	"hongyan/internal/config"
	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/moderation"
	"hongyan/internal/node"
	"hongyan/internal/wsclient"
)

// The principals of the protocol, in the order of a row's letters.
type who int

const (
	anon who = iota
	self
	friend
	stranger
	blocked
	member
	groupAdmin
	groupOwner
	removed
	operator
	nWS
)

var wsWho = [nWS]string{"anonymous", "self", "friend", "stranger", "blocked", "member", "group-admin", "group-owner", "removed-member", "oa-operator"}

// The principals of the HTTP routes, in the order of a row's letters.
const (
	hAnon = iota
	hUser
	hStranger
	hBotSend
	hBotRead
	hBotMembers
	hBotApps
	hOA
	hViewer
	hModerator
	hSuper
	nHTTP
)

var httpWho = [nHTTP]string{"anonymous", "user", "stranger", "bot:" + bot.ScopeSend, "bot:" + bot.ScopeGroupsRead, "bot:" + bot.ScopeMembers, "bot:" + bot.ScopeApps, "oa-token", "admin:viewer", "admin:moderator", "admin:super"}

// world is the fixture: the principals and one object of each kind.
type world struct {
	t     *testing.T
	srv   *httptest.Server
	users [nWS]user
	conns [nWS]*wsclient.Conn
	// target is a user only the administrator rows act on.
	target user

	group, groupMsg, poll, livecode, packet int64
	msg, msgConv, msgSeq, transfer          int64
	moment, comment, favorite               int64
	oa                                      int64
	oaAppID, oaSecret, oaToken              string
	bot                                     int64
	botTokens                               map[string]string
	media                                   string
	consoles                                map[moderation.Role]*console
}

// call makes request name (a field of ClientFrame.req) as p, which must
// succeed.
func (w *world) call(p who, name string, req proto.Message) *pb.ServerFrame {
	w.t.Helper()
	return call(w.t, w.conns[p], frame(name, req))
}

// frame puts req in the field name of ClientFrame.req.
func frame(name string, req proto.Message) *pb.ClientFrame {
	f := &pb.ClientFrame{}
	m := f.ProtoReflect()
	fd := m.Descriptor().Oneofs().ByName("req").Fields().ByName(protoreflect.Name(name))
	if req == nil {
		req = m.NewField(fd).Message().Interface()
	}
	m.Set(fd, protoreflect.ValueOfMessage(req.ProtoReflect()))
	return f
}

// buildWorld registers the principals and makes the objects.
func buildWorld(t *testing.T, n *node.Node, srv *httptest.Server) *world {
	w := &world{t: t, srv: srv, botTokens: map[string]string{}}
	for p := self; p < nWS; p++ {
		w.users[p] = registerUser(t, srv, "mx"+strings.ReplaceAll(wsWho[p], "-", ""))
		w.conns[p] = session(t, srv, w.users[p])
	}
	w.conns[anon] = dial(t, srv)
	w.target = registerUser(t, srv, "mxtarget")
	u := func(p who) int64 { return w.users[p].id }

	// Self's friend, and someone self has blocked.
	befriend(t, srv, w.users[self], w.users[friend])
	befriend(t, srv, w.users[self], w.users[blocked])
	w.call(self, "block", &pb.BlockRequest{User: u(blocked), Blocked: true})
	sent := w.call(self, "send", &pb.SendRequest{Peer: u(friend), ClientId: "mx1", Text: "matrix"}).GetSent()
	w.msg, w.msgConv, w.msgSeq = sent.GetId(), sent.GetConversation(), sent.GetSeq()

	// A group: owner, an admin, a member, and a member removed after the
	// first message.
	for _, p := range []who{member, groupAdmin, removed} {
		befriend(t, srv, w.users[groupOwner], w.users[p])
	}
	g := createGroup(t, w.conns[groupOwner], "Matrix", []int64{u(member), u(groupAdmin), u(removed)})
	w.group = g.GetId()
	yes := true
	w.call(groupOwner, "update_member", &pb.UpdateMemberRequest{Group: w.group, User: u(groupAdmin), Admin: &yes})
	w.groupMsg = w.call(groupOwner, "send", &pb.SendRequest{Group: w.group, ClientId: "mx2", Text: "group matrix"}).GetSent().GetId()
	w.call(groupOwner, "remove_members", &pb.GroupUsersRequest{Group: w.group, Users: []int64{u(removed)}})
	w.poll = w.call(groupOwner, "app_poll_create", &pb.PollCreateRequest{Group: w.group, Question: "where?", Options: []string{"here", "there"}}).GetAppPoll().GetId()
	w.livecode = w.call(groupOwner, "livecode_create", &pb.LiveCodeCreateRequest{Name: "Matrix", Template: w.group}).GetLiveCode().GetId()

	// Money: a transfer from self to the friend, a red packet in the group.
	for _, p := range []who{self, groupOwner} {
		topUp(t, w.conns[p], 10000, "mxtop"+wsWho[p])
		setPIN(t, w.conns[p], "135790")
	}
	w.transfer = w.call(self, "transfer", &pb.TransferRequest{To: u(friend), Amount: 100, Pin: "135790", Key: "mxt1"}).GetTransfer().GetId()
	w.packet = w.call(groupOwner, "red_packet_send", &pb.RedPacketRequest{Group: w.group, Amount: 300, Count: 3, Pin: "135790", Key: "mxp1", Greeting: "hi"}).GetRedPacket().GetId()

	// Self's Moment (the friend comments), self's favorite.
	w.moment = w.call(self, "moment_post", &pb.MomentPostRequest{Text: "matrix moment"}).GetMoment().GetId()
	w.comment = w.call(friend, "moment_comment", &pb.MomentCommentRequest{Post: w.moment, Text: "nice"}).GetMomentComment().GetId()
	w.favorite = w.call(self, "favorite_add", &pb.FavoriteAddRequest{Note: "matrix note"}).GetFavorite().GetId()

	// An official account the operator runs and the member follows.
	oa := w.call(operator, "oa_create", &pb.OaCreateRequest{Org: "Matrix Org", Name: "Matrix News", Kind: pb.OaKind_OA_KIND_SUBSCRIPTION}).GetOaCreated()
	w.oa, w.oaAppID, w.oaSecret = oa.GetAccount().GetId(), oa.GetAccount().GetAppid(), oa.GetAppsecret()
	w.call(member, "oa_follow", &pb.OaRef{Account: w.oa})

	// The group owner's bot, in the group, with a token per scope.
	w.bot = w.call(groupOwner, "bot_create", &pb.BotCreateRequest{Name: "Matrix"}).GetBotCreated().GetBot().GetId()
	scopes := []string{bot.ScopeSend, bot.ScopeGroupsRead, bot.ScopeMembers, bot.ScopeApps}
	w.call(groupOwner, "bot_add_to_group", &pb.BotAddToGroupRequest{Group: w.group, Bot: w.bot, Scopes: scopes})
	for _, s := range scopes {
		w.botTokens[s] = w.call(groupOwner, "bot_token", &pb.BotTokenRequest{Bot: w.bot, Scopes: []string{s}}).GetBotToken().GetToken()
	}

	// Self's file.
	st, body := w.http(hUser, "POST", "/media?kind=file&name=matrix.txt", "matrix file")
	if st != http.StatusOK {
		t.Fatalf("upload: %d %s", st, body)
	}
	var m struct{ ID string }
	json.Unmarshal(body, &m)
	w.media = m.ID

	// The official account's access_token.
	_, body = w.http(hAnon, "GET", "/cgi-bin/token?grant_type=client_credential&appid="+w.oaAppID+"&secret="+w.oaSecret, nil)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	json.Unmarshal(body, &tok)
	if w.oaToken = tok.AccessToken; w.oaToken == "" {
		t.Fatalf("access_token: %s", body)
	}

	w.consoles = map[moderation.Role]*console{}
	for _, r := range []moderation.Role{moderation.RoleViewer, moderation.RoleModerator, moderation.RoleSuper} {
		w.consoles[r] = adminConsole(t, srv, n, "mx"+string(r), r)
	}
	return w
}

// http calls an HTTP route as principal p; body is a string (sent as is)
// or a value sent as JSON.
func (w *world) http(p int, method, path string, body any) (int, []byte) {
	w.t.Helper()
	var rd io.Reader = http.NoBody
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	if p == hOA {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		path += sep + "access_token=" + url.QueryEscape(w.oaToken)
	}
	req, err := http.NewRequest(method, w.srv.URL+path, rd)
	if err != nil {
		w.t.Fatalf("%s %s: %v", method, path, err)
	}
	if _, ok := body.(string); !ok && body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	hc := http.DefaultClient
	switch p {
	case hUser:
		req.Header.Set("Authorization", "Bearer "+w.users[self].token)
	case hStranger:
		req.Header.Set("Authorization", "Bearer "+w.users[stranger].token)
	case hBotSend, hBotRead, hBotMembers, hBotApps:
		req.Header.Set("Authorization", "Bearer "+w.botTokens[[]string{bot.ScopeSend, bot.ScopeGroupsRead, bot.ScopeMembers, bot.ScopeApps}[p-hBotSend]])
	case hViewer, hModerator, hSuper:
		c := w.consoles[[]moderation.Role{moderation.RoleViewer, moderation.RoleModerator, moderation.RoleSuper}[p-hViewer]]
		hc = c.hc
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	noFollow := *hc
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := noFollow.Do(req.WithContext(ctx))
	if err != nil {
		w.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, b
}

// wsOutcome is the letter of a protocol answer.
func wsOutcome(err error) byte {
	if err == nil {
		return 'A'
	}
	switch wsclient.ErrorCode(err) {
	case "unauthenticated":
		return 'U'
	case "permission_denied":
		return 'D'
	case "not_found":
		return 'N'
	case "invalid_argument", "failed_precondition", "already_exists", "too_large":
		return 'I'
	}
	return 'E' // unexpected in any row: rate_limited, unimplemented, unavailable, internal
}

// httpOutcome is the letter of an HTTP answer: its status, or for the
// official accounts' API (always 200) its errcode.
func httpOutcome(status int, body []byte) byte {
	var e struct {
		Errcode *int `json:"errcode"`
	}
	if status == http.StatusOK && json.Unmarshal(body, &e) == nil && e.Errcode != nil {
		switch c := *e.Errcode; {
		case c == 0:
			return 'A'
		case c == 40001 || c == 41001 || c == 42001 || c == 40014 || c == 40125 || c == 40013:
			return 'U' // no, a wrong or an expired credential
		case c == 48001 || c == 50001 || c == 61004:
			return 'D' // the API is not this caller's
		case c == 46003 || c == 40003 || c == 40007 || c == 45009:
			return 'N'
		}
		return 'I'
	}
	switch {
	case status < 400:
		return 'A' // a redirect is an answer
	case status == http.StatusUnauthorized:
		return 'U'
	case status == http.StatusForbidden:
		return 'D'
	case status == http.StatusNotFound:
		return 'N'
	case status == http.StatusBadRequest || status == http.StatusUpgradeRequired || status == http.StatusConflict || status == http.StatusRequestEntityTooLarge ||
		status == http.StatusUnsupportedMediaType || status == http.StatusMethodNotAllowed || status == http.StatusRequestedRangeNotSatisfiable:
		return 'I'
	}
	return 'E'
}

// missingRows lists the names that have no row.
func missingRows[R any](names []string, rows map[string]R) []string {
	var out []string
	for _, n := range names {
		if _, ok := rows[n]; !ok {
			out = append(out, n)
		}
	}
	return out
}

// without returns rows less the row of name.
func without[R any](rows map[string]R, name string) map[string]R {
	out := maps.Clone(rows)
	delete(out, name)
	return out
}

// requestNames lists the fields of ClientFrame.req.
func requestNames() []string {
	fields := (&pb.ClientFrame{}).ProtoReflect().Descriptor().Oneofs().ByName("req").Fields()
	out := make([]string, fields.Len())
	for i := range out {
		out[i] = string(fields.Get(i).Name())
	}
	return out
}

// TestAuthzMatrixRows: every request and route has a row of the right
// width, and no row is left over from a request or route that is gone; and
// the check catches a missing row.
func TestAuthzMatrixRows(t *testing.T) {
	n, _ := startNodeFor(t)
	reqs, routes := requestNames(), n.Routes()
	if len(reqs) < 150 || len(routes) < 50 {
		t.Fatalf("%d requests, %d routes: the enumeration is broken", len(reqs), len(routes))
	}
	for _, m := range missingRows(reqs, wsRows) {
		t.Errorf("request %s has no row in wsRows (authz_matrix_test.go)", m)
	}
	for _, m := range missingRows(routes, httpRows) {
		t.Errorf("route %q has no row in httpRows (authz_matrix_test.go)", m)
	}
	for name, r := range wsRows {
		if !slices.Contains(reqs, name) {
			t.Errorf("wsRows has %s, which is no request", name)
		}
		if len(r.want) != int(nWS) || strings.Trim(r.want, "ANDUIa") != "" {
			t.Errorf("wsRows %s: %q, want %d letters of ANDUIa", name, r.want, nWS)
		}
	}
	for pattern, r := range httpRows {
		if !slices.Contains(routes, pattern) {
			t.Errorf("httpRows has %q, which the node does not serve", pattern)
		}
		if len(r.want) != nHTTP || strings.Trim(r.want, "ANDUIa-") != "" {
			t.Errorf("httpRows %q: %q, want %d letters of ANDUIa-", pattern, r.want, nHTTP)
		}
	}
	// The check itself: a request and a route without a row are caught.
	if got := missingRows(reqs, without(wsRows, "get_group")); !slices.Equal(got, []string{"get_group"}) {
		t.Errorf("without the get_group row: missing %q, want [get_group]", got)
	}
	if got := missingRows(routes, without(httpRows, "GET /healthz")); !slices.Equal(got, []string{"GET /healthz"}) {
		t.Errorf("without the GET /healthz row: missing %q, want [GET /healthz]", got)
	}
}

// startNodeFor starts a node on SQLite.
func startNodeFor(t *testing.T) (*node.Node, *httptest.Server) {
	cfg := config.Default()
	cfg.Data = t.TempDir()
	srv, n := startNodeWith(t, cfg)
	return n, srv
}

// TestAuthzMatrix drives every request and route as every principal.
func TestAuthzMatrix(t *testing.T) {
	forEachEngineNode(t, func(t *testing.T, n *node.Node, srv *httptest.Server) {
		w := buildWorld(t, n, srv)
		var calls, unexpectedAllows, mismatches int
		check := func(what, principal string, want, got byte) {
			calls++
			if got == want {
				return
			}
			mismatches++
			if got == 'A' {
				unexpectedAllows++
				t.Errorf("UNEXPECTED ALLOW: %s as %s: got allowed, want %c", what, principal, want)
				return
			}
			t.Errorf("%s as %s: got %c, want %c", what, principal, got, want)
		}

		// Bots and administrators have no protocol session.
		for name, tok := range map[string]string{"bot token": w.botTokens[bot.ScopeSend], "administrator's password": "long enough password"} {
			_, err := dial(t, srv).Hello(context.Background(), tok)
			check("hello with a "+name, name, 'U', wsOutcome(err))
		}

		for _, name := range requestNames() {
			r, ok := wsRows[name]
			if !ok || len(r.want) != int(nWS) {
				continue // TestAuthzMatrixRows says so
			}
			// Refusals first: an allowed request may change the world.
			order := make([]who, 0, nWS)
			for p := anon; p < nWS; p++ {
				if r.want[p] != 'A' {
					order = append(order, p)
				}
			}
			for p := anon; p < nWS; p++ {
				if r.want[p] == 'A' {
					order = append(order, p)
				}
			}
			for _, p := range order {
				if r.want[p] == 'a' {
					continue
				}
				var req proto.Message
				if r.build != nil {
					req = r.build(w)
				}
				conn := w.conns[p]
				if p == anon {
					// A connection of its own for each request: the node
					// closes one that says no hello in time, and a slow
					// run (the race detector) outlasts that.
					conn = dial(t, srv)
				}
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				_, err := conn.Call(ctx, frame(name, req))
				cancel()
				if p == anon {
					conn.Close()
				}
				check(name, wsWho[p], r.want[p], wsOutcome(err))
			}
		}

		for _, pattern := range n.Routes() {
			r, ok := httpRows[pattern]
			if !ok || len(r.want) != nHTTP {
				continue
			}
			method, _, found := strings.Cut(pattern, " ")
			if !found {
				method = "GET"
			}
			for p := range nHTTP {
				if r.want[p] == 'a' || r.want[p] == '-' {
					continue
				}
				path, body := r.build(w)
				st, b := w.http(p, method, path, body)
				got := httpOutcome(st, b)
				if got != r.want[p] {
					t.Logf("%s as %s: %d %.200s", pattern, httpWho[p], st, b)
				}
				check(pattern, httpWho[p], r.want[p], got)
			}
		}

		t.Logf("authorisation matrix: %d requests × %d principals (+ bot and administrator tokens refused by hello), %d routes × %d principals; rows for %d/%d requests and %d/%d routes; %d calls, %d unexpected answers, %d unexpected allows",
			len(requestNames()), nWS, len(n.Routes()), nHTTP, len(requestNames())-len(missingRows(requestNames(), wsRows)), len(requestNames()),
			len(n.Routes())-len(missingRows(n.Routes(), httpRows)), len(n.Routes()), calls, mismatches, unexpectedAllows)
	})
}

type wsRow struct {
	build func(w *world) proto.Message
	want  string
}

type httpRow struct {
	build func(w *world) (path string, body any)
	want  string
}

func path(p string) func(w *world) (string, any) {
	return func(w *world) (string, any) { return p, nil }
}

// A member removed from a group still has it in their list, but what the
// group does afterwards (its announcement, owner, members) is not theirs.
func TestRemovedMemberSeesGroupByNameOnly(t *testing.T) {
	forEachEngine(t, func(t *testing.T, srv *httptest.Server) {
		us := groupOfFriends(t, srv, "gone", 3)
		owner, out := session(t, srv, us[0]), session(t, srv, us[2])
		g := createGroup(t, owner, "Book club", ids(us[1:]))
		call(t, owner, frame("remove_members", &pb.GroupUsersRequest{Group: g.Id, Users: []int64{us[2].id}}))
		text := "after you left"
		call(t, owner, frame("update_group", &pb.UpdateGroupRequest{Group: g.Id, Announcement: &text}))
		got := call(t, out, frame("get_group", &pb.GroupRef{Group: g.Id})).GetGroup()
		if got.GetName() != "Book club" || got.GetAnnouncement() != "" || got.GetOwner() != 0 || got.GetMemberCount() != 0 {
			t.Errorf("removed member's view: got %v, want the name only", got)
		}
		if in := call(t, session(t, srv, us[1]), frame("get_group", &pb.GroupRef{Group: g.Id})).GetGroup(); in.GetAnnouncement() != text || in.GetMemberCount() != 2 {
			t.Errorf("member's view: got %v, want the announcement and 2 members", in)
		}
	})
}
