package node_test

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"hongyan/internal/bot"
	"hongyan/internal/botapi"
	pb "hongyan/internal/gen/hongyanv1"
)

// TestBotApps: a third party's app, registered by its developer, gets a
// group through its owner's consent, exchanges the code for a group token
// and uses each scope consented to (and none other); the owner lists and
// revokes it, which ends its token and stream at once.
func TestBotApps(t *testing.T) {
	forEachEngine(t, func(t *testing.T, srv *httptest.Server) {
		dev := registerUser(t, srv, "dev_apps")
		alice := registerUser(t, srv, "alice_apps")
		bob := registerUser(t, srv, "bob_apps")
		carol := registerUser(t, srv, "carol_apps")
		befriend(t, srv, alice, bob)
		befriend(t, srv, alice, carol)
		a := session(t, srv, alice)
		bs := session(t, srv, bob)
		g := createGroup(t, a, "App lab", []int64{bob.id, carol.id}).Id
		other := createGroup(t, a, "Elsewhere", []int64{bob.id, carol.id}).Id

		ds := session(t, srv, dev)
		created := call(t, ds, &pb.ClientFrame{Req: &pb.ClientFrame_BotCreate{BotCreate: &pb.BotCreateRequest{Name: "Quiz"}}}).GetBotCreated()
		app := created.Bot.Id
		const redirect = "https://quiz.example/callback"
		reg := &pb.BotAppRegisterRequest{Bot: app, Description: "Quizzes for your group", RedirectUri: redirect,
			Scopes: []string{bot.ScopeGroupsRead, bot.ScopeProfiles, bot.ScopeMessagesRead, bot.ScopeSend, bot.ScopeApps}}
		if code := callCode(a, &pb.ClientFrame{Req: &pb.ClientFrame_BotAppRegister{BotAppRegister: reg}}); code != "not_found" {
			t.Fatalf("someone else registers the app: %q, want not_found", code)
		}
		secret := call(t, ds, &pb.ClientFrame{Req: &pb.ClientFrame_BotAppRegister{BotAppRegister: reg}}).GetBotAppSecret().Secret
		if !strings.HasPrefix(secret, "hya_") {
			t.Fatalf("secret %q", secret)
		}

		// The consent screen reads the app; only the group's owner consents.
		info := call(t, a, &pb.ClientFrame{Req: &pb.ClientFrame_BotAppGet{BotAppGet: &pb.BotRef{Bot: app}}}).GetBotApp()
		if info.Bot.GetName() != "Quiz" || info.Description != "Quizzes for your group" || len(info.Scopes) != 5 {
			t.Fatalf("app = %v", info)
		}
		verifier := "verifier-0123456789-0123456789-0123456789"
		sum := sha256.Sum256([]byte(verifier))
		consent := &pb.BotAppAuthorizeRequest{App: app, Group: g, RedirectUri: redirect, CodeChallenge: base64.RawURLEncoding.EncodeToString(sum[:]),
			Scopes: []string{bot.ScopeGroupsRead, bot.ScopeProfiles, bot.ScopeMessagesRead, bot.ScopeSend}}
		if code := callCode(bs, &pb.ClientFrame{Req: &pb.ClientFrame_BotAppAuthorize{BotAppAuthorize: consent}}); code != "permission_denied" {
			t.Fatalf("a member consents: %q, want permission_denied", code)
		}
		code := call(t, a, &pb.ClientFrame{Req: &pb.ClientFrame_BotAppAuthorize{BotAppAuthorize: consent}}).GetBotAppCode().Code

		// The exchange: secret, code once, verifier.
		anon := botClient{t: t, base: srv.URL}
		ex := map[string]any{"app_id": app, "client_secret": secret, "code": code, "redirect_uri": redirect, "code_verifier": verifier}
		bad := map[string]any{"app_id": app, "client_secret": "hya_wrong", "code": code, "redirect_uri": redirect, "code_verifier": verifier}
		anon.want("wrong secret", anon.do("POST", "/bot/v1/apps/token", bad), 401, "unauthenticated")
		anon.want("garbage", anon.do("POST", "/bot/v1/apps/token", []byte(`{"app_id":"x"}`)), 400, "invalid_argument")
		got := anon.want("exchange", anon.do("POST", "/bot/v1/apps/token", ex), 200, "")
		anon.want("the code again", anon.do("POST", "/bot/v1/apps/token", ex), 403, "permission_denied")
		if int64(got.body["group"].(float64)) != g {
			t.Fatalf("exchange = %s", got.raw)
		}
		api := botClient{t: t, base: srv.URL, token: got.body["token"].(string)}

		// Each scope consented to works in the group, and nowhere else.
		api.want("group", api.do("GET", fmt.Sprintf("/bot/v1/groups/%d", g), nil), 200, "")
		card := api.want("profile card", api.do("GET", fmt.Sprintf("/bot/v1/groups/%d/members/%d", g, bob.id), nil), 200, "")
		if card.body["nickname"] != "bob_apps" || card.body["role"] != "member" {
			t.Fatalf("profile card = %s", card.raw)
		}
		api.want("a non-member's card", api.do("GET", fmt.Sprintf("/bot/v1/groups/%d/members/%d", g, dev.id), nil), 404, "not_found")
		api.want("send to the group", api.do("POST", "/bot/v1/messages", map[string]any{"chat": map[string]any{"type": "group", "id": g}, "text": "Quiz time"}), 200, "")
		api.want("send directly", api.do("POST", "/bot/v1/messages", map[string]any{"chat": map[string]any{"type": "direct", "id": alice.id}, "text": "hi"}), 403, "permission_denied")
		api.want("another group", api.do("GET", fmt.Sprintf("/bot/v1/groups/%d", other), nil), 403, "permission_denied")
		api.want("members:manage", api.do("DELETE", fmt.Sprintf("/bot/v1/groups/%d/members/%d", g, bob.id), nil), 403, "permission_denied")
		call(t, bs, &pb.ClientFrame{Req: &pb.ClientFrame_Send{Send: &pb.SendRequest{Group: g, ClientId: "q1", Text: "my answer is 42"}}})
		var after int64
		api.pollFor("message", "my answer is 42", &after)

		// A token consented without profiles:read cannot read cards.
		narrow := &pb.BotAppAuthorizeRequest{App: app, Group: other, RedirectUri: redirect, Scopes: []string{bot.ScopeGroupsRead}}
		code2 := call(t, a, &pb.ClientFrame{Req: &pb.ClientFrame_BotAppAuthorize{BotAppAuthorize: narrow}}).GetBotAppCode().Code
		got2 := anon.want("exchange without PKCE", anon.do("POST", "/bot/v1/apps/token", map[string]any{"app_id": app, "client_secret": secret, "code": code2, "redirect_uri": redirect}), 200, "")
		api2 := botClient{t: t, base: srv.URL, token: got2.body["token"].(string)}
		api2.want("card without profiles:read", api2.do("GET", fmt.Sprintf("/bot/v1/groups/%d/members/%d", other, bob.id), nil), 403, "permission_denied")
		api2.want("send without messages:send", api2.do("POST", "/bot/v1/messages", map[string]any{"chat": map[string]any{"type": "group", "id": other}, "text": "x"}), 403, "permission_denied")

		// The owner lists and revokes; the token and its stream end at once.
		if code := callCode(bs, &pb.ClientFrame{Req: &pb.ClientFrame_BotGroupApps{BotGroupApps: &pb.BotGroupAppsRequest{Group: g}}}); code != "permission_denied" {
			t.Fatalf("a member lists the apps: %q", code)
		}
		list := call(t, a, &pb.ClientFrame{Req: &pb.ClientFrame_BotGroupApps{BotGroupApps: &pb.BotGroupAppsRequest{Group: g}}}).GetBotGroupApps()
		if len(list.Apps) != 1 || list.Apps[0].Bot.GetId() != app || !list.Apps[0].App || list.Apps[0].GrantedBy != alice.id {
			t.Fatalf("apps = %v", list.Apps)
		}
		s := mustStream(t, srv, api.token, after)
		call(t, a, &pb.ClientFrame{Req: &pb.ClientFrame_BotAppRevoke{BotAppRevoke: &pb.BotAppRevokeRequest{Group: g, Bot: app}}})
		if code := s.closed(); code != botapi.CloseRevoked {
			t.Fatalf("the revoked app's stream closed with %d, want %d", code, botapi.CloseRevoked)
		}
		api.want("after revocation", api.do("GET", fmt.Sprintf("/bot/v1/groups/%d", g), nil), 401, "unauthenticated")
		api2.want("the other group's token stays", api2.do("GET", fmt.Sprintf("/bot/v1/groups/%d", other), nil), 200, "")
		list = call(t, a, &pb.ClientFrame{Req: &pb.ClientFrame_BotGroupApps{BotGroupApps: &pb.BotGroupAppsRequest{Group: g}}}).GetBotGroupApps()
		if len(list.Apps) != 0 {
			t.Fatalf("apps after revoking = %v", list.Apps)
		}
		for _, m := range call(t, a, &pb.ClientFrame{Req: &pb.ClientFrame_GroupMembers{GroupMembers: &pb.GroupRef{Group: g}}}).GetGroupMembers().Members {
			if m.User == created.Bot.Account {
				t.Fatalf("the revoked app's bot is still a member: %v", m)
			}
		}
	})
}
