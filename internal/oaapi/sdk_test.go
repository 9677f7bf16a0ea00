package oaapi_test

// Interop tests: the real silenceper/wechat SDK, unmodified, drives the
// developer API through an http.RoundTripper that rewrites WeChat's hosts
// to an httptest server; and the SDK's callback server receives pushes.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/jpeg"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/silenceper/wechat/v2/cache"
	"github.com/silenceper/wechat/v2/officialaccount"
	"github.com/silenceper/wechat/v2/officialaccount/basic"
	"github.com/silenceper/wechat/v2/officialaccount/broadcast"
	oaconfig "github.com/silenceper/wechat/v2/officialaccount/config"
	"github.com/silenceper/wechat/v2/officialaccount/menu"
	"github.com/silenceper/wechat/v2/officialaccount/message"
	"github.com/silenceper/wechat/v2/util"

	"hongyan/internal/hongyan"
	"hongyan/internal/oaapi"
	"hongyan/internal/oaapi/oafake"
	"hongyan/internal/oaapi/wxwire"
)

const (
	appID    = "wx0123456789abcdef"
	secret   = "0123456789abcdef0123456789abcdef"
	origID   = "gh_0123456789ab"
	devTok   = "devtoken42"
	aesKey   = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	alice    = hongyan.UserID(1001)
	bob      = hongyan.UserID(1002)
	outsider = hongyan.UserID(1003)
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// rewrite sends WeChat's hosts to the test server and refuses any other.
type rewrite struct{ target *url.URL }

func (rw rewrite) RoundTrip(r *http.Request) (*http.Response, error) {
	if !strings.HasSuffix(r.URL.Hostname(), "weixin.qq.com") {
		return nil, fmt.Errorf("test refuses to reach %s", r.URL.Host)
	}
	r = r.Clone(r.Context())
	r.URL.Scheme, r.URL.Host, r.Host = rw.target.Scheme, rw.target.Host, rw.target.Host
	return http.DefaultTransport.RoundTrip(r)
}

type env struct {
	fake  *oafake.Fake
	api   *oaapi.API
	clock *clock
	srv   *httptest.Server
	oa    *officialaccount.OfficialAccount
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{fake: oafake.New(), clock: &clock{t: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}}
	e.fake.AddApp(oaapi.App{AppID: appID, OriginalID: origID, Name: "School", Type: oaapi.Service, Bound: true}, secret)
	e.fake.Now = e.clock.Now
	e.srv = httptest.NewServer(nil)
	e.api = oaapi.New(e.fake, oaapi.Options{PublicURL: e.srv.URL, Now: e.clock.Now, CallbackIPs: []string{"127.0.0.1"}})
	e.srv.Config.Handler = e.api.Handler()
	t.Cleanup(e.srv.Close)
	u, _ := url.Parse(e.srv.URL)
	old := util.DefaultHTTPClient
	util.DefaultHTTPClient = &http.Client{Transport: rewrite{target: u}}
	t.Cleanup(func() { util.DefaultHTTPClient = old })
	e.oa = officialaccount.NewOfficialAccount(&oaconfig.Config{AppID: appID, AppSecret: secret, Token: devTok, Cache: cache.NewMemory()})
	return e
}

func TestSDKToken(t *testing.T) {
	e := newEnv(t)
	tok, err := e.oa.GetAccessToken()
	if err != nil {
		t.Fatalf("GetAccessToken: %v", err)
	}
	if len(tok) < 32 || strings.ContainsAny(tok, "+/=&") {
		t.Errorf("token %q: want a long URL-safe token", tok)
	}
	ips, err := e.oa.GetBasic().GetCallbackIP()
	if err != nil || !slices.Equal(ips, []string{"127.0.0.1"}) {
		t.Errorf("GetCallbackIP = %v, %v; want [127.0.0.1]", ips, err)
	}
	// A wrong secret is 40125 through the SDK.
	bad := officialaccount.NewOfficialAccount(&oaconfig.Config{AppID: appID, AppSecret: strings.Repeat("f", 32), Cache: cache.NewMemory()})
	if _, err := bad.GetAccessToken(); err == nil || !strings.Contains(err.Error(), "40125") {
		t.Errorf("wrong secret: err = %v, want 40125", err)
	}
	// The stable token is handed out again until forced.
	st := officialaccount.NewOfficialAccount(&oaconfig.Config{AppID: appID, AppSecret: secret, Cache: cache.NewMemory(), UseStableAK: true})
	s1, err := st.GetAccessToken()
	if err != nil {
		t.Fatalf("stable token: %v", err)
	}
	st2 := officialaccount.NewOfficialAccount(&oaconfig.Config{AppID: appID, AppSecret: secret, Cache: cache.NewMemory(), UseStableAK: true})
	if s2, err := st2.GetAccessToken(); err != nil || s2 != s1 {
		t.Errorf("second stable token = %q, %v; want the first, %q", s2, err, s1)
	}
}

func TestSDKMenu(t *testing.T) {
	e := newEnv(t)
	m := e.oa.GetMenu()
	if _, err := m.GetMenu(); err == nil || !strings.Contains(err.Error(), "46003") {
		t.Errorf("GetMenu before any: err = %v, want 46003", err)
	}
	sub := []*menu.Button{
		{Type: "view", Name: "Search", URL: "https://example.org/"},
		{Type: "click", Name: "Like", Key: "V1001_GOOD"},
	}
	buttons := []*menu.Button{{Type: "click", Name: "Today", Key: "V1001_TODAY"}, {Name: "Menu", SubButtons: sub}}
	if err := m.SetMenu(buttons); err != nil {
		t.Fatalf("SetMenu: %v", err)
	}
	got, err := m.GetMenu()
	if err != nil {
		t.Fatalf("GetMenu: %v", err)
	}
	if len(got.Menu.Button) != 2 || got.Menu.Button[0].Key != "V1001_TODAY" || len(got.Menu.Button[1].SubButtons) != 2 ||
		got.Menu.Button[1].SubButtons[0].URL != "https://example.org/" {
		t.Errorf("GetMenu = %+v; want the menu set", got.Menu)
	}
	// Four top-level buttons are 40016; a 17-byte top-level name is 40018.
	four := []*menu.Button{buttons[0], buttons[0], buttons[0], buttons[0]}
	if err := m.SetMenu(four); err == nil || !strings.Contains(err.Error(), "40016") {
		t.Errorf("four buttons: err = %v, want 40016", err)
	}
	long := []*menu.Button{{Type: "click", Name: strings.Repeat("x", 17), Key: "k"}}
	if err := m.SetMenu(long); err == nil || !strings.Contains(err.Error(), "40018") {
		t.Errorf("long name: err = %v, want 40018", err)
	}
	if err := m.SetMenuByJSON(`{"button":[`); err == nil || !strings.Contains(err.Error(), "47001") {
		t.Errorf("bad JSON: err = %v, want 47001", err)
	}
	if err := m.DeleteMenu(); err != nil {
		t.Fatalf("DeleteMenu: %v", err)
	}
	if _, err := m.GetMenu(); err == nil || !strings.Contains(err.Error(), "46003") {
		t.Errorf("GetMenu after delete: err = %v, want 46003", err)
	}
}

func TestSDKCustomAndTemplate(t *testing.T) {
	e := newEnv(t)
	a := e.fake.Follow(appID, alice, "Alice", e.clock.Now())
	mm := e.oa.GetCustomerMessageManager()
	if err := mm.Send(message.NewCustomerTextMessage(a, "hello")); err != nil {
		t.Fatalf("custom send: %v", err)
	}
	if err := mm.Send(message.NewCustomerTextMessage("oNobodyAtAll", "x")); err == nil || !strings.Contains(err.Error(), "40003") {
		t.Errorf("custom send to a stranger: err = %v, want 40003", err)
	}
	e.fake.Follow(appID, bob, "Bob", e.clock.Now())
	e.fake.Unfollow(appID, bob)
	b, _ := e.fake.OpenID(context.Background(), appID, bob)
	if err := mm.Send(message.NewCustomerTextMessage(b, "x")); err == nil || !strings.Contains(err.Error(), "45015") {
		t.Errorf("custom send to an unfollower: err = %v, want 45015", err)
	}

	tpl := e.oa.GetTemplate()
	id, err := tpl.Add("TM0001", []string{"thing1"})
	if err != nil || id == "" {
		t.Fatalf("template add = %q, %v", id, err)
	}
	list, err := tpl.List()
	if err != nil || len(list) != 1 || list[0].TemplateID != id {
		t.Fatalf("template list = %v, %v; want [%s]", list, err, id)
	}
	msgID, err := tpl.Send(&message.TemplateMessage{ToUser: a, TemplateID: id, URL: "https://example.org/x",
		Data: map[string]*message.TemplateDataItem{"thing1": {Value: "Parcel"}, "time2": {Value: "12:00"}}})
	if err != nil || msgID == 0 {
		t.Fatalf("template send = %d, %v", msgID, err)
	}
	if _, err := tpl.Send(&message.TemplateMessage{ToUser: a, TemplateID: "nope", Data: map[string]*message.TemplateDataItem{}}); err == nil || !strings.Contains(err.Error(), "40037") {
		t.Errorf("unknown template: err = %v, want 40037", err)
	}
	if err := tpl.Delete(id); err != nil {
		t.Fatalf("template delete: %v", err)
	}
	if list, _ := tpl.List(); len(list) != 0 {
		t.Errorf("after delete: %d templates, want 0", len(list))
	}
	sent := e.fake.Sent()
	want := []string{"custom:hello", "template:Parcel"}
	var got []string
	for _, s := range sent {
		switch s.Via {
		case "custom":
			got = append(got, "custom:"+s.Message.Text)
		case "template":
			got = append(got, "template:"+s.Template.Fields[0].Value)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("delivered %v, want %v", got, want)
	}
}

func TestSDKMassSendAndTags(t *testing.T) {
	e := newEnv(t)
	a := e.fake.Follow(appID, alice, "Alice", e.clock.Now())
	b := e.fake.Follow(appID, bob, "Bob", e.clock.Now())
	u := e.oa.GetUser()
	tag, err := u.CreateTag("vip")
	if err != nil {
		t.Fatalf("CreateTag: %v", err)
	}
	if err := u.BatchTag([]string{a}, tag.ID); err != nil {
		t.Fatalf("BatchTag: %v", err)
	}
	tags, err := u.GetTag()
	if err != nil || len(tags) != 2 || tags[1].Name != "vip" || tags[1].Count != 1 {
		t.Errorf("GetTag = %v, %v; want 星标组 and vip with 1", tags, err)
	}
	ids, err := u.UserTidList(a)
	if err != nil || !slices.Equal(ids, []int32{tag.ID}) {
		t.Errorf("UserTidList = %v, %v; want [%d]", ids, err, tag.ID)
	}
	members, err := u.OpenIDListByTag(tag.ID)
	if err != nil || members.Count != 1 || members.Data.OpenIDs[0] != a {
		t.Errorf("OpenIDListByTag = %+v, %v; want [%s]", members, err, a)
	}
	if err := u.UpdateTag(2, "x"); err == nil || !strings.Contains(err.Error(), "45058") {
		t.Errorf("rename of a system tag: err = %v, want 45058", err)
	}

	bc := e.oa.GetBroadcast()
	res, err := bc.SendText(&broadcast.User{TagID: int64(tag.ID)}, "to the tag")
	if err != nil || res.MsgID == 0 {
		t.Fatalf("SendText to a tag = %+v, %v", res, err)
	}
	if _, err := bc.SendText(nil, "to all"); err != nil {
		t.Fatalf("SendText to all: %v", err)
	}
	if _, err := bc.SendText(&broadcast.User{OpenID: []string{a, b}}, "to two"); err != nil {
		t.Fatalf("SendText to openids: %v", err)
	}
	st, err := bc.GetMassStatus(fmt.Sprint(res.MsgID))
	if err != nil || st.MsgStatus != oaapi.MassSuccess {
		t.Errorf("GetMassStatus = %+v, %v; want SEND_SUCCESS", st, err)
	}
	if err := bc.Delete(res.MsgID, 0); err != nil {
		t.Errorf("Delete: %v", err)
	}
	if _, err := bc.Preview().SendText(&broadcast.User{OpenID: []string{a}}, "preview"); err != nil {
		t.Errorf("preview: %v", err)
	}
	count := map[string]int{}
	for _, s := range e.fake.Sent() {
		count[s.Via+":"+s.Message.Text]++
	}
	want := map[string]int{"mass:to the tag": 1, "mass:to all": 2, "mass:to two": 2, "preview:preview": 1}
	for k, n := range want {
		if count[k] != n {
			t.Errorf("%s delivered %d times, want %d (all: %v)", k, count[k], n, count)
		}
	}
	if err := u.BatchUntag([]string{a}, tag.ID); err != nil {
		t.Errorf("BatchUntag: %v", err)
	}
	if err := u.DeleteTag(tag.ID); err != nil {
		t.Errorf("DeleteTag: %v", err)
	}
}

func TestSDKUsersAndPaging(t *testing.T) {
	e := newEnv(t)
	const n = 10005 // two pages
	for i := range n {
		e.fake.Follow(appID, hongyan.UserID(5000+i), "", e.clock.Now())
	}
	u := e.oa.GetUser()
	all, err := u.ListAllUserOpenIDs()
	if err != nil || len(all) != n {
		t.Fatalf("ListAllUserOpenIDs = %d openids, %v; want %d", len(all), err, n)
	}
	p1, err := u.ListUserOpenIDs()
	if err != nil || p1.Count != oaapi.FollowerPageSize || p1.NextOpenID != p1.Data.OpenIDs[len(p1.Data.OpenIDs)-1] {
		t.Fatalf("first page: count %d, next %q, %v", p1.Count, p1.NextOpenID, err)
	}
	p2, _ := u.ListUserOpenIDs(p1.NextOpenID)
	p3, _ := u.ListUserOpenIDs(p2.NextOpenID)
	if p2.Count != 5 || p3.Count != 0 || p3.NextOpenID != "" || p3.Total != n {
		t.Errorf("pages 2 and 3: counts %d, %d, last next %q, total %d; want 5, 0, \"\", %d", p2.Count, p3.Count, p3.NextOpenID, p3.Total, n)
	}
	info, err := u.GetUserInfo(all[0])
	if err != nil || info.Subscribe != 1 || info.OpenID != all[0] || info.UnionID == "" || info.SubscribeTime == 0 {
		t.Errorf("GetUserInfo = %+v, %v", info, err)
	}
	if err := u.UpdateRemark(all[0], "班长"); err != nil {
		t.Fatalf("UpdateRemark: %v", err)
	}
	if info, _ := u.GetUserInfo(all[0]); info.Remark != "班长" {
		t.Errorf("remark = %q, want 班长", info.Remark)
	}
	if _, err := u.GetUserInfo("oNobody"); err == nil || !strings.Contains(err.Error(), "40003") {
		t.Errorf("GetUserInfo of a stranger: err = %v, want 40003", err)
	}
}

func TestSDKQR(t *testing.T) {
	e := newEnv(t)
	b := e.oa.GetBasic()
	tk, err := b.GetQRTicket(basic.NewTmpQrRequest(time.Hour, 123))
	if err != nil || tk.ExpireSeconds != 3600 || !strings.HasSuffix(tk.URL, "/q/"+tk.Ticket) {
		t.Fatalf("GetQRTicket = %+v, %v", tk, err)
	}
	perm, err := b.GetQRTicket(basic.NewLimitQrRequest("shop-7"))
	if err != nil || perm.ExpireSeconds != 0 {
		t.Fatalf("permanent GetQRTicket = %+v, %v", perm, err)
	}
	img := basic.ShowQRCode(tk)
	resp, err := util.DefaultHTTPClient.Get(img)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("showqrcode: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if _, err := jpeg.Decode(bytes.NewReader(data)); err != nil {
		t.Errorf("showqrcode image: %v", err)
	}
	e.clock.Add(time.Hour)
	resp, _ = util.DefaultHTTPClient.Get(img)
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("expired showqrcode: HTTP %d, want 404", resp.StatusCode)
	}
	if _, err := b.GetQRTicket(basic.NewLimitQrRequest(100001)); err == nil || !strings.Contains(err.Error(), "40053") {
		t.Errorf("permanent scene 100001: err = %v, want 40053", err)
	}
}

func TestSDKOAuth(t *testing.T) {
	e := newEnv(t)
	o := e.oa.GetOauth()
	ctx := context.Background()
	authURL, err := o.GetRedirectURL("https://app.example.org/cb?x=1", oaapi.ScopeUserInfo, "st8")
	if err != nil {
		t.Fatal(err)
	}
	// The browser is sent to the consent page with the request kept.
	resp, err := (&http.Client{Transport: rewrite{target: mustURL(e.srv.URL)}, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}).Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); resp.StatusCode != 302 || !strings.HasPrefix(loc, e.srv.URL+oaapi.ConsentPath+"?") {
		t.Errorf("authorize: %d to %q; want 302 to the consent page", resp.StatusCode, loc)
	}
	loc, err := e.api.Authorize(ctx, outsider, authURL, true)
	if err != nil || loc != "https://app.example.org/cb?state=st8&x=1" {
		t.Errorf("denied: %q, %v; want the redirect_uri with state alone", loc, err)
	}
	loc, err = e.api.Authorize(ctx, outsider, authURL, false)
	if err != nil {
		t.Fatal(err)
	}
	code := mustURL(loc).Query().Get("code")
	tok, err := o.GetUserAccessToken(code)
	if err != nil || tok.OpenID == "" || tok.Scope != oaapi.ScopeUserInfo || tok.RefreshToken == "" || tok.UnionID == "" {
		t.Fatalf("GetUserAccessToken = %+v, %v", tok, err)
	}
	if _, err := o.GetUserAccessToken(code); err == nil || !strings.Contains(err.Error(), "40163") {
		t.Errorf("second use of a code: err = %v, want 40163", err)
	}
	info, err := o.GetUserInfo(tok.AccessToken, tok.OpenID, "zh_CN")
	if err != nil || info.OpenID != tok.OpenID {
		t.Errorf("sns/userinfo = %+v, %v", info, err)
	}
	if ok, err := o.CheckAccessToken(tok.AccessToken, tok.OpenID); !ok || err != nil {
		t.Errorf("sns/auth = %v, %v; want true", ok, err)
	}
	ref, err := o.RefreshAccessToken(tok.RefreshToken)
	if err != nil || ref.AccessToken == "" || ref.AccessToken == tok.AccessToken {
		t.Errorf("refresh = %+v, %v; want a new token", ref, err)
	}
	// A base-scope token may not read the profile; a code lasts 5 minutes.
	baseURL, _ := o.GetRedirectURL("https://app.example.org/cb", oaapi.ScopeBase, "s")
	loc, _ = e.api.Authorize(ctx, alice, baseURL, false)
	base, err := o.GetUserAccessToken(mustURL(loc).Query().Get("code"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.GetUserInfo(base.AccessToken, base.OpenID, "en"); err == nil || !strings.Contains(err.Error(), "48001") {
		t.Errorf("userinfo with snsapi_base: err = %v, want 48001", err)
	}
	loc, _ = e.api.Authorize(ctx, alice, baseURL, false)
	e.clock.Add(5*time.Minute + time.Second)
	if _, err := o.GetUserAccessToken(mustURL(loc).Query().Get("code")); err == nil || !strings.Contains(err.Error(), "40029") {
		t.Errorf("code after 5 minutes: err = %v, want 40029", err)
	}
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

// devServer is a developer server built on the SDK's callback server.
type devServer struct {
	mu     sync.Mutex
	got    []*message.MixMessage
	reply  func(*message.MixMessage) *message.Reply
	status int
}

func (d *devServer) handler(cfg *oaconfig.Config) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if d.status != 0 {
			w.WriteHeader(d.status)
			return
		}
		oa := officialaccount.NewOfficialAccount(cfg)
		s := oa.GetServer(r, w)
		s.SetMessageHandler(func(m *message.MixMessage) *message.Reply {
			d.mu.Lock()
			d.got = append(d.got, m)
			d.mu.Unlock()
			if d.reply == nil {
				return nil
			}
			return d.reply(m)
		})
		if err := s.Serve(); err != nil {
			http.Error(w, err.Error(), http.StatusForbidden)
			return
		}
		s.Send()
	}
}

func (d *devServer) messages() []*message.MixMessage {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.got)
}

func TestSDKCallbacks(t *testing.T) {
	for _, mode := range []string{oaapi.ModePlain, oaapi.ModeCompat, oaapi.ModeSafe} {
		t.Run(mode, func(t *testing.T) {
			e := newEnv(t)
			dev := &devServer{reply: func(m *message.MixMessage) *message.Reply {
				if m.MsgType == message.MsgTypeText {
					return &message.Reply{MsgType: message.MsgTypeText, MsgData: message.NewText("echo: " + m.Content)}
				}
				return nil
			}}
			cfg := &oaconfig.Config{AppID: appID, AppSecret: secret, Token: devTok, Cache: cache.NewMemory()}
			key := ""
			if mode != oaapi.ModePlain {
				key, cfg.EncodingAESKey = aesKey, aesKey
			}
			ds := httptest.NewServer(dev.handler(cfg))
			defer ds.Close()
			server := oaapi.Server{URL: ds.URL + "/wx", Token: devTok, AESKey: key, Mode: mode}
			p := oaapi.NewPusher(e.fake, oaapi.PushOptions{AllowPrivate: true, Timeout: 2 * time.Second})
			ctx := context.Background()
			if err := p.Verify(ctx, server); err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if err := p.Verify(ctx, oaapi.Server{URL: server.URL, Token: "wrongtoken", AESKey: key, Mode: mode}); err == nil {
				t.Errorf("Verify with a wrong Token: no error")
			}
			e.fake.SetServer(appID, server)
			a := e.fake.Follow(appID, alice, "Alice", e.clock.Now())
			r, err := p.Deliver(ctx, appID, wxwire.Push{FromUserName: a, MsgType: wxwire.TypeText, Content: "你好", MsgId: 42})
			if err != nil || r == nil || r.Kind != oaapi.MsgText || r.Text != "echo: 你好" {
				t.Fatalf("Deliver text = %+v, %v; want the passive reply", r, err)
			}
			r, err = p.Deliver(ctx, appID, wxwire.Push{FromUserName: a, MsgType: wxwire.TypeEvent, Event: wxwire.EventSubscribe, EventKey: "qrscene_123", Ticket: "t"})
			if err != nil || r != nil {
				t.Errorf("Deliver subscribe = %+v, %v; want no reply", r, err)
			}
			r, err = p.Deliver(ctx, appID, wxwire.Push{FromUserName: a, MsgType: wxwire.TypeEvent, Event: wxwire.EventTemplateDone, MsgID: 77, Status: "success"})
			if err != nil || r != nil {
				t.Errorf("Deliver TEMPLATESENDJOBFINISH = %+v, %v; want no reply", r, err)
			}
			got := dev.messages()
			if len(got) != 3 {
				t.Fatalf("developer got %d pushes, want 3", len(got))
			}
			if got[0].Content != "你好" || got[0].MsgID != 42 || string(got[0].FromUserName) != a || string(got[0].ToUserName) != origID {
				t.Errorf("text push = %+v", got[0])
			}
			if got[1].Event != message.EventSubscribe || got[1].EventKey != "qrscene_123" {
				t.Errorf("subscribe push: event %q key %q", got[1].Event, got[1].EventKey)
			}
			if got[2].Event != "TEMPLATESENDJOBFINISH" || got[2].TemplateMsgID != 77 || got[2].Status != "success" {
				t.Errorf("job push: event %q msgID %d status %q", got[2].Event, got[2].TemplateMsgID, got[2].Status)
			}
		})
	}
}

func TestPushFallbackAndGuard(t *testing.T) {
	e := newEnv(t)
	var calls int
	var mu sync.Mutex
	ds := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		mu.Unlock()
		w.WriteHeader(http.StatusBadGateway)
	}))
	defer ds.Close()
	e.fake.SetServer(appID, oaapi.Server{URL: ds.URL, Token: devTok, Mode: oaapi.ModePlain})
	a := e.fake.Follow(appID, alice, "Alice", e.clock.Now())
	ctx := context.Background()
	reg := prometheus.NewRegistry()
	p := oaapi.NewPusher(e.fake, oaapi.PushOptions{AllowPrivate: true, Timeout: time.Second, Metrics: oaapi.NewMetrics(reg)})
	r, err := p.Deliver(ctx, appID, wxwire.Push{FromUserName: a, MsgType: wxwire.TypeText, Content: "hi", MsgId: 1})
	if err == nil || r == nil || r.Text != oaapi.Fallback {
		t.Errorf("failing server: reply %+v, err %v; want the fallback and an error", r, err)
	}
	if calls != 3 {
		t.Errorf("attempts = %d, want 3", calls)
	}
	if got := counter(t, reg, "hongyan_oaapi_push_retries_total"); got != 2 {
		t.Errorf("retries counted %v, want 2", got)
	}
	if got := counter(t, reg, "hongyan_oaapi_pushes_total"); got != 1 {
		t.Errorf("pushes counted %v, want 1 (failed)", got)
	}
	// Without allow_private_callbacks a loopback server is refused at dial time.
	guarded := oaapi.NewPusher(e.fake, oaapi.PushOptions{Timeout: time.Second})
	err = guarded.Verify(ctx, oaapi.Server{URL: ds.URL, Token: devTok, Mode: oaapi.ModePlain})
	if hongyan.ErrorCode(err) != hongyan.CodePrecondition || !strings.Contains(hongyan.ErrorMessage(err), "private") {
		t.Errorf("guarded Verify of loopback: %v; want a refusal naming private addresses", err)
	}
	before := calls
	if _, err := guarded.Deliver(ctx, appID, wxwire.Push{FromUserName: a, MsgType: wxwire.TypeText, Content: "x", MsgId: 2}); err == nil || calls != before {
		t.Errorf("guarded Deliver: err %v, server reached %d times; want refused, unreached", err, calls-before)
	}
	var he *hongyan.Error
	if !errors.As(err, &he) {
		t.Errorf("guarded Deliver: %T, want a *hongyan.Error", err)
	}
}

// counter sums a counter family's values in reg.
func counter(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() == name {
			for _, m := range mf.GetMetric() {
				sum += m.GetCounter().GetValue()
			}
		}
	}
	return sum
}
