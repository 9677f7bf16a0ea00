package node_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/silenceper/wechat/v2/cache"
	"github.com/silenceper/wechat/v2/officialaccount"
	"github.com/silenceper/wechat/v2/officialaccount/basic"
	oaconfig "github.com/silenceper/wechat/v2/officialaccount/config"
	"github.com/silenceper/wechat/v2/officialaccount/menu"
	"github.com/silenceper/wechat/v2/officialaccount/message"
	"github.com/silenceper/wechat/v2/util"

	"hongyan/internal/config"
	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/node"
	"hongyan/internal/oaapi"
	"hongyan/internal/postgres/pgtest"
)

// wxRewrite sends WeChat's hosts to the node under test and refuses any
// other host.
type wxRewrite struct{ target *url.URL }

func (rw wxRewrite) RoundTrip(r *http.Request) (*http.Response, error) {
	if !strings.HasSuffix(r.URL.Hostname(), "weixin.qq.com") {
		return nil, fmt.Errorf("test refuses to reach %s", r.URL.Host)
	}
	r = r.Clone(r.Context())
	r.URL.Scheme, r.URL.Host, r.Host = rw.target.Scheme, rw.target.Host, rw.target.Host
	return http.DefaultTransport.RoundTrip(r)
}

// forEachEngineDev runs fn on a node of each engine whose developer
// servers may be on loopback.
func forEachEngineDev(t *testing.T, fn func(t *testing.T, n *node.Node, srv *httptest.Server)) {
	start := func(t *testing.T, cfg config.Config) {
		cfg.Limits = config.Limits{}
		cfg.OfficialAccounts.AllowPrivateCallbacks = true
		cfg.PasswordCost = config.TestPasswordCost
		n, err := node.New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatalf("node.New: %v", err)
		}
		srv := httptest.NewServer(n.Handler())
		t.Cleanup(func() {
			n.Close()
			srv.Close()
		})
		fn(t, n, srv)
	}
	t.Run("sqlite", func(t *testing.T) {
		cfg := config.Default()
		cfg.Data = t.TempDir()
		start(t, cfg)
	})
	t.Run("postgres", func(t *testing.T) {
		cfg := config.Default()
		cfg.Storage.Driver = "postgres"
		cfg.Storage.Postgres = pgtest.DSN(t)
		cfg.Data = t.TempDir()
		start(t, cfg)
	})
}

// A real SDK against the real node: token, menu, follower list, user
// info, custom and mass sends reaching a follower's chat; the server
// configuration verified by a GET to the SDK's callback server; and a
// follower's message pushed encrypted to it, answered passively, with the
// answer in the follower's chat.
func TestDeveloperAPIWithSDK(t *testing.T) {
	forEachEngineDev(t, func(t *testing.T, n *node.Node, srv *httptest.Server) {
		old := util.DefaultHTTPClient
		util.DefaultHTTPClient = &http.Client{Transport: wxRewrite{target: mustParse(t, srv.URL)}}
		t.Cleanup(func() { util.DefaultHTTPClient = old })

		owner, fan := registerUser(t, srv, "dev_owner1"), registerUser(t, srv, "dev_fan001")
		o, f := session(t, srv, owner), session(t, srv, fan)
		created := call(t, o, oaReq(&pb.OaCreateRequest{Org: "School", Name: "School News", Kind: pb.OaKind_OA_KIND_SERVICE})).GetOaCreated()
		acct, secret := created.GetAccount(), created.GetAppsecret()
		call(t, f, &pb.ClientFrame{Req: &pb.ClientFrame_OaFollow{OaFollow: &pb.OaRef{Ref: acct.Appid}}})

		const token, aesKey = "devtoken42", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
		cfg := &oaconfig.Config{AppID: acct.Appid, AppSecret: secret, Token: token, EncodingAESKey: aesKey, Cache: cache.NewMemory()}
		oa := officialaccount.NewOfficialAccount(cfg)
		if _, err := oa.GetAccessToken(); err != nil {
			t.Fatalf("GetAccessToken: %v", err)
		}
		m := oa.GetMenu()
		if err := m.SetMenu([]*menu.Button{{Type: "click", Name: "Today", Key: "TODAY"}, {Type: "view", Name: "Site", URL: "https://example.org/"}}); err != nil {
			t.Fatalf("SetMenu: %v", err)
		}
		if got, err := m.GetMenu(); err != nil || len(got.Menu.Button) != 2 || got.Menu.Button[0].Key != "TODAY" {
			t.Errorf("GetMenu = %+v, %v", got.Menu, err)
		}
		ids, err := oa.GetUser().ListUserOpenIDs()
		if err != nil || ids.Total != 1 || ids.Count != 1 {
			t.Fatalf("ListUserOpenIDs = %+v, %v; want the one follower", ids, err)
		}
		openid := ids.Data.OpenIDs[0]
		info, err := oa.GetUser().GetUserInfo(openid)
		if err != nil || info.Subscribe != 1 || info.UnionID == "" {
			t.Errorf("GetUserInfo = %+v, %v", info, err)
		}
		if err := oa.GetCustomerMessageManager().Send(message.NewCustomerTextMessage(openid, "custom hello")); err != nil {
			t.Fatalf("custom send: %v", err)
		}
		if _, err := oa.GetBroadcast().SendText(nil, "to everyone"); err != nil {
			t.Fatalf("mass send: %v", err)
		}

		// The developer's server: the SDK's callback server, safe mode.
		var mu sync.Mutex
		var got []string
		dev := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s := officialaccount.NewOfficialAccount(cfg).GetServer(r, w)
			s.SetMessageHandler(func(m *message.MixMessage) *message.Reply {
				mu.Lock()
				got = append(got, string(m.MsgType)+":"+m.Content+string(m.Event))
				if m.Event == message.EventSubscribe && m.EventKey != "qrscene_123" {
					t.Errorf("subscribe by QR: EventKey %q, want qrscene_123", m.EventKey)
				}
				mu.Unlock()
				if m.MsgType == message.MsgTypeText {
					return &message.Reply{MsgType: message.MsgTypeText, MsgData: message.NewText("pong: " + m.Content)}
				}
				return nil
			})
			if err := s.Serve(); err != nil {
				http.Error(w, err.Error(), http.StatusForbidden)
				return
			}
			s.Send()
		}))
		defer dev.Close()
		setServer := &pb.ClientFrame{Req: &pb.ClientFrame_OaSetServer{OaSetServer: &pb.OaServerRequest{Account: acct.Id, Url: dev.URL + "/wx", Token: "wrongtoken", AesKey: aesKey, Mode: "safe"}}}
		if code := callCode(o, setServer); code == "" {
			t.Errorf("a server that fails verification was saved")
		}
		setServer.GetOaSetServer().Token = token
		call(t, o, setServer)
		call(t, f, oaReq(&pb.OaSendRequest{Account: acct.Id, Text: "ping"}))

		// A template message, and its TEMPLATESENDJOBFINISH at the developer's.
		tplID, err := oa.GetTemplate().Add("TM0001", []string{"thing1"})
		if err != nil {
			t.Fatalf("template add: %v", err)
		}
		if _, err := oa.GetTemplate().Send(&message.TemplateMessage{ToUser: openid, TemplateID: tplID,
			Data: map[string]*message.TemplateDataItem{"thing1": {Value: "Parcel"}}}); err != nil {
			t.Fatalf("template send: %v", err)
		}
		n.OfficialAccounts().Wait()

		// A parametric QR code: a new follower's scan is a subscribe event
		// with the scene.
		tk, err := oa.GetBasic().GetQRTicket(basic.NewTmpQrRequest(time.Hour, 123))
		if err != nil {
			t.Fatalf("GetQRTicket: %v", err)
		}
		reader := registerUser(t, srv, "dev_reader1")
		r := session(t, srv, reader)
		call(t, r, &pb.ClientFrame{Req: &pb.ClientFrame_OaScan{OaScan: &pb.OaScanRequest{Ticket: tk.URL}}})
		n.OfficialAccounts().Wait()

		// OAuth2: the reader consents; the developer's server turns the code
		// into a token once, and reads the reader's profile.
		authURL, _ := oa.GetOauth().GetRedirectURL("https://app.example/cb", "snsapi_userinfo", "st")
		ar, err := oaapi.ParseAuthorize(authURL)
		if err != nil {
			t.Fatal(err)
		}
		code := call(t, r, &pb.ClientFrame{Req: &pb.ClientFrame_OaAuthorize{OaAuthorize: &pb.OaAuthorizeRequest{Appid: ar.AppID, Scope: ar.Scope, RedirectUri: ar.RedirectURI}}}).GetOaAuthorization().GetCode()
		ut, err := oa.GetOauth().GetUserAccessToken(code)
		if err != nil || ut.OpenID == "" || ut.UnionID == "" {
			t.Fatalf("code → token = %+v, %v", ut, err)
		}
		if _, err := oa.GetOauth().GetUserAccessToken(code); err == nil || !strings.Contains(err.Error(), "40163") {
			t.Errorf("the code a second time: %v, want 40163", err)
		}
		if ui, err := oa.GetOauth().GetUserInfo(ut.AccessToken, ut.OpenID, "zh_CN"); err != nil || ui.Nickname != "dev_reader1" {
			t.Errorf("sns/userinfo = %+v, %v; want the reader's nickname", ui, err)
		}
		// The account's OAuth2 domain: set by its admin only; then a
		// redirect_uri elsewhere is refused, by the consent request and by
		// /connect/oauth2/authorize, with WeChat's 10003.
		setDomains := &pb.ClientFrame{Req: &pb.ClientFrame_OaSetIpAllow{OaSetIpAllow: &pb.OaIpAllowRequest{Account: acct.Id, SetOauthDomains: true, OauthDomains: []string{"App.Example"}}}}
		if code := callCode(r, setDomains); code != "permission_denied" {
			t.Errorf("a follower set the OAuth2 domains: code %q, want permission_denied", code)
		}
		if code := callCode(o, &pb.ClientFrame{Req: &pb.ClientFrame_OaSetIpAllow{OaSetIpAllow: &pb.OaIpAllowRequest{Account: acct.Id, SetOauthDomains: true, OauthDomains: []string{"https://app.example/"}}}}); code != "invalid_argument" {
			t.Errorf("a URL as a domain: code %q, want invalid_argument", code)
		}
		if got := call(t, o, setDomains).GetOaAccount().GetSettings().GetOauthDomains(); len(got) != 1 || got[0] != "app.example" {
			t.Errorf("OAuth2 domains = %q, want [app.example]", got)
		}
		if code := callCode(r, &pb.ClientFrame{Req: &pb.ClientFrame_OaAuthorize{OaAuthorize: &pb.OaAuthorizeRequest{Appid: ar.AppID, Scope: ar.Scope, RedirectUri: "https://sub.app.example/cb"}}}); code != "invalid_argument" {
			t.Errorf("consent for a foreign redirect_uri: code %q, want invalid_argument", code)
		}
		evil, _ := oa.GetOauth().GetRedirectURL("https://evil.example/cb", "snsapi_base", "st")
		noFollow := &http.Client{Transport: wxRewrite{target: mustParse(t, srv.URL)}, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		if resp, err := noFollow.Get(evil); err != nil {
			t.Fatal(err)
		} else {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusFound || !strings.Contains(string(body), "10003") {
				t.Errorf("authorize to a foreign host: %d %q, want WeChat's redirect_uri error 10003", resp.StatusCode, body)
			}
		}
		if c := call(t, r, &pb.ClientFrame{Req: &pb.ClientFrame_OaAuthorize{OaAuthorize: &pb.OaAuthorizeRequest{Appid: ar.AppID, Scope: ar.Scope, RedirectUri: "https://app.example:8443/cb"}}}).GetOaAuthorization().GetCode(); c == "" {
			t.Errorf("consent for the authorised domain gave no code")
		}

		// Expiring the account's credentials (hongyan admin oa expire).
		app, err := n.OfficialAccounts().App(context.Background(), acct.Appid)
		if err != nil {
			t.Fatal(err)
		}
		if err := app.Expire(context.Background()); err != nil {
			t.Fatal(err)
		}
		if ok, err := oa.GetOauth().CheckAccessToken(ut.AccessToken, ut.OpenID); ok {
			t.Errorf("sns/auth after expiry = %v, %v; want refused", ok, err)
		}
		if _, err := oa.GetUser().GetUserInfo(openid); err == nil || !strings.Contains(err.Error(), "40001") {
			t.Errorf("API call after expiry: %v, want 40001", err)
		}

		hist := call(t, f, &pb.ClientFrame{Req: &pb.ClientFrame_OaHistory{OaHistory: &pb.OaHistoryRequest{Account: acct.Id}}}).GetOaMessages().GetMessages()
		var texts []string
		for _, m := range hist {
			if m.Out {
				texts = append(texts, m.Content.GetText())
			}
		}
		for _, want := range []string{"custom hello", "to everyone", "pong: ping"} {
			if !strings.Contains(strings.Join(texts, "|"), want) {
				t.Errorf("the follower's chat %q lacks %q", texts, want)
			}
		}
		mu.Lock()
		defer mu.Unlock()
		want := []string{"text:ping", "event:TEMPLATESENDJOBFINISH", "event:subscribe"}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("the developer received %v, want %v", got, want)
		}
	})
}

func mustParse(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
