package e2e

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
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
)

// wxHosts sends WeChat's hosts to the server under test and refuses any
// other host, so the SDK runs unmodified.
type wxHosts struct{ target *url.URL }

func (rw wxHosts) RoundTrip(r *http.Request) (*http.Response, error) {
	if !strings.HasSuffix(r.URL.Hostname(), "weixin.qq.com") {
		return nil, fmt.Errorf("test refuses to reach %s", r.URL.Host)
	}
	r = r.Clone(r.Context())
	r.URL.Scheme, r.URL.Host, r.Host = rw.target.Scheme, rw.target.Host, rw.target.Host
	return http.DefaultTransport.RoundTrip(r)
}

// devInbox is what the developer's server (the SDK's callback server in
// an httptest server) received, with a signal per push.
type devInbox struct {
	mu   sync.Mutex
	got  []*message.MixMessage
	news chan struct{}
}

func (d *devInbox) add(m *message.MixMessage) {
	d.mu.Lock()
	d.got = append(d.got, m)
	d.mu.Unlock()
	d.news <- struct{}{}
}

// await waits for a push that match accepts.
func (d *devInbox) await(t *testing.T, what string, match func(*message.MixMessage) bool) *message.MixMessage {
	t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		d.mu.Lock()
		for _, m := range d.got {
			if match(m) {
				d.mu.Unlock()
				return m
			}
		}
		d.mu.Unlock()
		select {
		case <-d.news:
		case <-deadline:
			t.Fatalf("the developer's server never received %s", what)
		}
	}
}

// The real binary and a real SDK (github.com/silenceper/wechat/v2): the
// SDK reaches the node through a RoundTripper that rewrites WeChat's hosts;
// users act through the CLI. Token, menu, custom send, template, mass
// send, tags, follower paging, a QR code and its scan events, the OAuth2
// code flow, and an encrypted message answered passively by the
// developer's server.
func TestOfficialAccountSDKAgainstBinary(t *testing.T) {
	dir := t.TempDir()
	s := startServerEnv(t, filepath.Join(dir, "data"), "127.0.0.1:0", []string{"HONGYAN_OFFICIALACCOUNTS_ALLOW_PRIVATE_CALLBACKS=true"})
	p := func(name string) string { return filepath.Join(dir, name) }
	cli(t, s, p("owner"), "register", "oa_owner01", "owner-password")
	cli(t, s, p("fan"), "register", "oa_fan0001", "fan-password", "--nickname", "Fan")
	cli(t, s, p("reader"), "register", "oa_reader01", "reader-password", "--nickname", "Reader")
	acct := cli(t, s, p("owner"), "oa", "create", "School", "School News", "--type", "service")[0]
	appid, secret := acct["appid"].(string), acct["appsecret"].(string)
	cli(t, s, p("fan"), "oa", "follow", appid)

	target, _ := url.Parse(s.url())
	old := util.DefaultHTTPClient
	util.DefaultHTTPClient = &http.Client{Transport: wxHosts{target: target}, Timeout: 30 * time.Second}
	t.Cleanup(func() { util.DefaultHTTPClient = old })
	const token, aesKey = "e2etoken42", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	cfg := &oaconfig.Config{AppID: appid, AppSecret: secret, Token: token, EncodingAESKey: aesKey, Cache: cache.NewMemory()}
	oa := officialaccount.NewOfficialAccount(cfg)

	// The developer's server, safe mode: text gets a passive reply.
	inbox := &devInbox{news: make(chan struct{}, 64)}
	dev := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		srv := officialaccount.NewOfficialAccount(cfg).GetServer(r, w)
		srv.SetMessageHandler(func(m *message.MixMessage) *message.Reply {
			inbox.add(m)
			if m.MsgType == message.MsgTypeText {
				return &message.Reply{MsgType: message.MsgTypeText, MsgData: message.NewText("pong: " + m.Content)}
			}
			return nil
		})
		if err := srv.Serve(); err != nil {
			http.Error(w, err.Error(), http.StatusForbidden)
			return
		}
		srv.Send()
	}))
	defer dev.Close()
	if code := cliErr(t, s, p("owner"), "oa", "server", appid, "--url", dev.URL+"/wx", "--token", "wrongtoken", "--aes-key", aesKey, "--mode", "safe"); code == "" {
		t.Fatalf("a server failing verification was saved")
	}
	cli(t, s, p("owner"), "oa", "server", appid, "--url", dev.URL+"/wx", "--token", token, "--aes-key", aesKey, "--mode", "safe")

	// Token and menu.
	if tok, err := oa.GetAccessToken(); err != nil || len(tok) < 32 {
		t.Fatalf("GetAccessToken = %q, %v", tok, err)
	}
	m := oa.GetMenu()
	if err := m.SetMenu([]*menu.Button{{Type: "click", Name: "Today", Key: "TODAY"}, {Type: "view", Name: "Site", URL: "https://example.org/"}}); err != nil {
		t.Fatalf("SetMenu: %v", err)
	}
	if got, err := m.GetMenu(); err != nil || len(got.Menu.Button) != 2 || got.Menu.Button[0].Key != "TODAY" {
		t.Errorf("GetMenu = %+v, %v", got.Menu, err)
	}

	// Followers, with next_openid paging: after the last page, nothing.
	u := oa.GetUser()
	ids, err := u.ListUserOpenIDs()
	if err != nil || ids.Total != 1 || ids.Count != 1 || ids.NextOpenID != ids.Data.OpenIDs[0] {
		t.Fatalf("ListUserOpenIDs = %+v, %v; want the one follower, next_openid the last", ids, err)
	}
	openid := ids.Data.OpenIDs[0]
	if next, err := u.ListUserOpenIDs(ids.NextOpenID); err != nil || next.Count != 0 || next.Total != 1 {
		t.Errorf("the page after the last = %+v, %v; want count 0", next, err)
	}

	// Tags.
	tag, err := u.CreateTag("Parents")
	if err != nil {
		t.Fatalf("CreateTag: %v", err)
	}
	if err := u.BatchTag([]string{openid}, tag.ID); err != nil {
		t.Fatalf("BatchTag: %v", err)
	}
	if tags, err := u.UserTidList(openid); err != nil || len(tags) != 1 || tags[0] != tag.ID {
		t.Errorf("UserTidList = %v, %v; want [%d]", tags, err, tag.ID)
	}
	if members, err := u.OpenIDListByTag(tag.ID); err != nil || members.Count != 1 || members.Data.OpenIDs[0] != openid {
		t.Errorf("OpenIDListByTag = %+v, %v", members, err)
	}

	// Custom send, template, mass send: all in the fan's chat.
	if err := oa.GetCustomerMessageManager().Send(message.NewCustomerTextMessage(openid, "custom hello")); err != nil {
		t.Fatalf("custom send: %v", err)
	}
	tplID, err := oa.GetTemplate().Add("TM0001", []string{"thing1"})
	if err != nil {
		t.Fatalf("template add: %v", err)
	}
	if _, err := oa.GetTemplate().Send(&message.TemplateMessage{ToUser: openid, TemplateID: tplID,
		Data: map[string]*message.TemplateDataItem{"thing1": {Value: "Parcel"}}}); err != nil {
		t.Fatalf("template send: %v", err)
	}
	inbox.await(t, "TEMPLATESENDJOBFINISH", func(m *message.MixMessage) bool { return m.Event == message.EventTemplateSendJobFinish })
	if _, err := oa.GetBroadcast().SendText(nil, "to everyone"); err != nil {
		t.Fatalf("mass send: %v", err)
	}
	inbox.await(t, "MASSSENDJOBFINISH", func(m *message.MixMessage) bool { return m.Event == message.EventMassSendJobFinish })

	// A parametric QR code: a new follower's scan is subscribe with the
	// scene, a follower's is SCAN.
	tk, err := oa.GetBasic().GetQRTicket(basic.NewTmpQrRequest(time.Hour, 77))
	if err != nil {
		t.Fatalf("GetQRTicket: %v", err)
	}
	cli(t, s, p("reader"), "oa", "scan", tk.URL)
	sub := inbox.await(t, "subscribe by QR", func(m *message.MixMessage) bool { return m.Event == message.EventSubscribe })
	if sub.EventKey != "qrscene_77" || sub.Ticket != tk.Ticket {
		t.Errorf("subscribe by QR: EventKey %q, Ticket %q; want qrscene_77 and the ticket", sub.EventKey, sub.Ticket)
	}
	cli(t, s, p("fan"), "oa", "scan", tk.URL)
	if scan := inbox.await(t, "SCAN", func(m *message.MixMessage) bool { return m.Event == message.EventScan }); scan.EventKey != "77" {
		t.Errorf("SCAN: EventKey %q, want 77", scan.EventKey)
	}

	// OAuth2: the reader consents through the CLI; the code works once.
	authURL, err := oa.GetOauth().GetRedirectURL("https://app.example/cb", "snsapi_userinfo", "st")
	if err != nil {
		t.Fatal(err)
	}
	loc, err := url.Parse(cli(t, s, p("reader"), "oauth", "authorize", authURL)[0]["location"].(string))
	if err != nil || loc.Host != "app.example" || loc.Query().Get("state") != "st" {
		t.Fatalf("oauth authorize: %v, %v", loc, err)
	}
	ut, err := oa.GetOauth().GetUserAccessToken(loc.Query().Get("code"))
	if err != nil || ut.OpenID == "" || ut.UnionID == "" {
		t.Fatalf("code → token = %+v, %v", ut, err)
	}
	if _, err := oa.GetOauth().GetUserAccessToken(loc.Query().Get("code")); err == nil || !strings.Contains(err.Error(), "40163") {
		t.Errorf("the code a second time: %v, want 40163", err)
	}
	if ui, err := oa.GetOauth().GetUserInfo(ut.AccessToken, ut.OpenID, "zh_CN"); err != nil || ui.Nickname != "Reader" {
		t.Errorf("sns/userinfo = %+v, %v; want the reader's nickname", ui, err)
	}

	// An encrypted message and its passive reply.
	cli(t, s, p("fan"), "sync") // what came before is read
	cli(t, s, p("fan"), "send", "oa:"+appid, "ping")
	ping := inbox.await(t, "the fan's text", func(m *message.MixMessage) bool { return m.MsgType == message.MsgTypeText })
	if ping.Content != "ping" || string(ping.FromUserName) != openid || ping.MsgID == 0 {
		t.Errorf("the pushed text: %+v; want ping from %s with a MsgId", ping, openid)
	}
	want := []string{"text:custom hello", "template:" + tplID, "text:to everyone", "text:pong: ping"}
	var got []string
	for range 5 {
		got = got[:0]
		for _, m := range cli(t, s, p("fan"), "oa", "messages", appid) {
			switch m["kind"] {
			case "template":
				got = append(got, "template:"+m["template_id"].(string))
			case "text":
				got = append(got, "text:"+m["text"].(string))
			}
		}
		if strings.Join(got, "|") == strings.Join(want, "|") {
			break
		}
		// The passive reply is stored once the developer has answered:
		// wait for the fan's next change (the fan's own message is one).
		cli(t, s, p("fan"), "sync", "--wait", "15")
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("oa messages = %q, want %q", got, want)
	}
}
