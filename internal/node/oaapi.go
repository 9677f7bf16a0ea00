package node

import (
	"context"
	"net/http"
	"net/netip"
	"time"

	"hongyan/internal/account"
	"hongyan/internal/hongyan"
	"hongyan/internal/oaapi"
	"hongyan/internal/oaapi/wxwire"
	"hongyan/internal/officialacct"
)

// oaPlatform is the developer API's Platform port filled from the
// official-accounts service (and the accounts service for the nicknames
// OAuth2's sns/userinfo shows).
type oaPlatform struct {
	s        *officialacct.Service
	accounts *account.Service
	public   string // the node's public URL, for avatar links
}

var _ oaapi.Platform = oaPlatform{}

func (p oaPlatform) app(ctx context.Context, appid string) (*officialacct.App, error) {
	return p.s.App(ctx, appid)
}

func (p oaPlatform) App(ctx context.Context, appid string) (oaapi.App, error) {
	a, err := p.app(ctx, appid)
	if err != nil {
		return oaapi.App{}, err
	}
	return toOAApp(a.Account), nil
}

func toOAApp(a officialacct.Account) oaapi.App {
	out := oaapi.App{AppID: a.AppID, OriginalID: a.OriginalID, Name: a.Name, Type: oaapi.Subscription, Bound: a.Org != 0,
		Server: oaapi.Server{URL: a.Server.URL, Token: a.Server.Token, AESKey: a.Server.AESKey, Mode: string(a.Server.Mode)}}
	if a.Kind == officialacct.KindService {
		out.Type = oaapi.Service
	}
	for _, s := range a.IPAllow {
		if pr, err := netip.ParsePrefix(s); err == nil {
			out.IPAllowlist = append(out.IPAllowlist, pr)
		} else if ad, err := netip.ParseAddr(s); err == nil {
			out.IPAllowlist = append(out.IPAllowlist, netip.PrefixFrom(ad.Unmap(), ad.Unmap().BitLen()))
		}
	}
	out.AllowsRedirect = func(uri string) bool { return officialacct.AllowsRedirect(a, uri) }
	if len(a.IPAllow) > 0 && len(out.IPAllowlist) == 0 {
		// An allowlist of nothing parseable still allows nobody.
		out.IPAllowlist = []netip.Prefix{netip.PrefixFrom(netip.IPv6Unspecified(), 128)}
	}
	return out
}

func (p oaPlatform) CheckSecret(ctx context.Context, appid, secret string) (bool, error) {
	a, err := p.app(ctx, appid)
	if err != nil {
		return false, err
	}
	return officialacct.CheckSecret(a.Account, secret), nil
}

var grantKinds = map[string]officialacct.GrantKind{
	oaapi.KindAccess: officialacct.GrantAccessToken, oaapi.KindStable: officialacct.GrantStableToken,
	oaapi.KindCode: officialacct.GrantOAuthCode, oaapi.KindUser: officialacct.GrantOAuthToken, oaapi.KindRefresh: officialacct.GrantOAuthRenew,
}

func kindName(k officialacct.GrantKind) string {
	for n, v := range grantKinds {
		if v == k {
			return n
		}
	}
	return ""
}

// credential turns a grant into the API's terms (openid for OAuth2 grants).
func (p oaPlatform) credential(ctx context.Context, g officialacct.Grant) (oaapi.Credential, error) {
	a, err := p.s.AppOf(ctx, g.Account)
	if err != nil {
		return oaapi.Credential{}, err
	}
	c := oaapi.Credential{Kind: kindName(g.Kind), AppID: a.Account.AppID, Scope: g.Scope, Value: g.Value, Issued: g.Created, Expires: g.Expires}
	if g.User != 0 {
		f, err := a.UserFan(ctx, g.User)
		if err != nil {
			return oaapi.Credential{}, err
		}
		c.OpenID = f.OpenID
	}
	return c, nil
}

func (p oaPlatform) IssueCredential(ctx context.Context, c oaapi.Credential, ttl, grace time.Duration) (string, error) {
	a, err := p.app(ctx, c.AppID)
	if err != nil {
		return "", err
	}
	kind, ok := grantKinds[c.Kind]
	if !ok {
		return "", hongyan.Errorf(hongyan.CodeInvalid, "unknown credential kind %q", c.Kind)
	}
	var user hongyan.UserID
	if c.OpenID != "" {
		f, err := a.Fan(ctx, c.OpenID)
		if err != nil {
			return "", err
		}
		user = f.User
	}
	tok, _, err := a.Issue(ctx, kind, user, c.Scope, ttl, grace)
	return tok, err
}

func (p oaPlatform) Credential(ctx context.Context, token string) (oaapi.Credential, error) {
	g, err := p.s.Grant(ctx, token)
	if err != nil {
		return oaapi.Credential{}, err
	}
	return p.credential(ctx, g)
}

func (p oaPlatform) LatestCredential(ctx context.Context, appid, kind string) (oaapi.Credential, error) {
	a, err := p.app(ctx, appid)
	if err != nil {
		return oaapi.Credential{}, err
	}
	g, err := a.LatestGrant(ctx, grantKinds[kind])
	if err != nil {
		return oaapi.Credential{}, err
	}
	return p.credential(ctx, g)
}

func (p oaPlatform) RedeemCredential(ctx context.Context, token, kind string) (oaapi.Credential, error) {
	g, err := p.s.UseGrant(ctx, token, grantKinds[kind], true)
	if err != nil {
		return oaapi.Credential{}, err
	}
	return p.credential(ctx, g)
}

func (p oaPlatform) ExpireCredentials(ctx context.Context, appid string) error {
	a, err := p.app(ctx, appid)
	if err != nil {
		return err
	}
	return a.Expire(ctx)
}

func (p oaPlatform) CountCall(ctx context.Context, appid, api string, n int64) (int64, error) {
	a, err := p.app(ctx, appid)
	if err != nil {
		return 0, err
	}
	return a.CountCall(ctx, api, n)
}

func (p oaPlatform) SetMenu(ctx context.Context, appid string, buttons []oaapi.Button) error {
	a, err := p.app(ctx, appid)
	if err != nil {
		return err
	}
	m := &officialacct.Menu{}
	for _, b := range buttons {
		top, err := toButton(b)
		if err != nil {
			return err
		}
		for _, s := range b.Sub {
			sub, err := toButton(s)
			if err != nil {
				return err
			}
			top.Sub = append(top.Sub, sub)
		}
		m.Buttons = append(m.Buttons, top)
	}
	return a.SetMenu(ctx, m)
}

// toButton converts a button; the feature's menus have click and view
// buttons only.
func toButton(b oaapi.Button) (officialacct.Button, error) {
	switch b.Type {
	case "", "click", "view":
		return officialacct.Button{Name: b.Name, Type: b.Type, Key: b.Key, URL: b.URL}, nil
	}
	return officialacct.Button{}, &oaapi.Errcode{Code: 40017, Msg: "invalid button type"}
}

func (p oaPlatform) Menu(ctx context.Context, appid string) ([]oaapi.Button, error) {
	a, err := p.app(ctx, appid)
	if err != nil {
		return nil, err
	}
	if a.Account.Menu == nil || len(a.Account.Menu.Buttons) == 0 {
		return nil, hongyan.Errorf(hongyan.CodeNotFound, "no menu")
	}
	var out []oaapi.Button
	for _, b := range a.Account.Menu.Buttons {
		top := oaapi.Button{Type: b.Type, Name: b.Name, Key: b.Key, URL: b.URL}
		for _, s := range b.Sub {
			top.Sub = append(top.Sub, oaapi.Button{Type: s.Type, Name: s.Name, Key: s.Key, URL: s.URL})
		}
		out = append(out, top)
	}
	return out, nil
}

func (p oaPlatform) DeleteMenu(ctx context.Context, appid string) error {
	a, err := p.app(ctx, appid)
	if err != nil {
		return err
	}
	return a.SetMenu(ctx, nil)
}

// toContent converts a message; the feature's messages are text, images,
// voice, video, music and news.
func toContent(m oaapi.Message) (officialacct.Content, error) {
	switch m.Kind {
	case oaapi.MsgText:
		return officialacct.Content{Kind: officialacct.ContentText, Text: m.Text}, nil
	case oaapi.MsgImage:
		return officialacct.Content{Kind: officialacct.ContentImage, MediaID: m.MediaID}, nil
	case oaapi.MsgVoice:
		return officialacct.Content{Kind: officialacct.ContentVoice, MediaID: m.MediaID}, nil
	case oaapi.MsgVideo:
		return officialacct.Content{Kind: officialacct.ContentVideo, MediaID: m.MediaID, ThumbMediaID: m.ThumbMediaID, Title: m.Title, Text: m.Description}, nil
	case oaapi.MsgMusic:
		return officialacct.Content{Kind: officialacct.ContentMusic, Title: m.Title, Text: m.Description, URL: m.URL, HQURL: m.HQURL, ThumbMediaID: m.ThumbMediaID}, nil
	case oaapi.MsgNews:
		c := officialacct.Content{Kind: officialacct.ContentNews}
		for _, a := range m.Articles {
			c.Articles = append(c.Articles, officialacct.NewsItem{Title: a.Title, Description: a.Description, URL: a.URL, PicURL: a.PicURL})
		}
		return c, nil
	}
	return officialacct.Content{}, &oaapi.Errcode{Code: 40008, Msg: "invalid message type"}
}

// wxCodes turns the feature's refusals of an openid or a template into
// WeChat's codes.
func wxCodes(err error) error {
	if hongyan.ErrorCode(err) == hongyan.CodeInvalid {
		switch hongyan.ErrorMessage(err) {
		case "invalid openid":
			return &oaapi.Errcode{Code: 40003, Msg: "invalid openid"}
		case "invalid template_id":
			return &oaapi.Errcode{Code: 40037, Msg: "invalid template_id"}
		}
	}
	return err
}

func (p oaPlatform) SendCustom(ctx context.Context, appid, openid string, m oaapi.Message) error {
	a, err := p.app(ctx, appid)
	if err != nil {
		return err
	}
	c, err := toContent(m)
	if err != nil {
		return err
	}
	_, err = a.SendCustom(ctx, openid, c)
	return wxCodes(err)
}

func (p oaPlatform) AddTemplate(ctx context.Context, appid, shortID string, keywords []string) (string, error) {
	a, err := p.app(ctx, appid)
	if err != nil {
		return "", err
	}
	content := "{{first.DATA}}"
	for _, k := range keywords {
		content += "\n" + k + "：{{" + k + ".DATA}}"
	}
	t, err := a.AddTemplate(ctx, shortID, content)
	return t.ID, err
}

func (p oaPlatform) Templates(ctx context.Context, appid string) ([]oaapi.Template, error) {
	a, err := p.app(ctx, appid)
	if err != nil {
		return nil, err
	}
	ts, err := a.Templates(ctx)
	out := make([]oaapi.Template, 0, len(ts))
	for _, t := range ts {
		out = append(out, oaapi.Template{ID: t.ID, Title: t.Title, Content: t.Content})
	}
	return out, err
}

func (p oaPlatform) DeleteTemplate(ctx context.Context, appid, id string) error {
	a, err := p.app(ctx, appid)
	if err != nil {
		return err
	}
	return a.DeleteTemplate(ctx, id)
}

func (p oaPlatform) SendTemplate(ctx context.Context, appid, openid string, t oaapi.TemplateMessage) (int64, error) {
	a, err := p.app(ctx, appid)
	if err != nil {
		return 0, err
	}
	fields := make([]officialacct.Field, 0, len(t.Fields))
	for _, f := range t.Fields {
		fields = append(fields, officialacct.Field{Name: f.Name, Value: f.Value})
	}
	m, err := a.SendTemplate(ctx, openid, t.TemplateID, t.URL, fields)
	return m.ID, wxCodes(err)
}

func (p oaPlatform) MassSend(ctx context.Context, appid string, to oaapi.Audience, m oaapi.Message, _ string) (int64, error) {
	a, err := p.app(ctx, appid)
	if err != nil {
		return 0, err
	}
	c, err := toContent(m)
	if err != nil {
		return 0, err
	}
	b, err := a.MassSend(ctx, to.All, to.TagID, to.OpenIDs, c)
	return b.ID, wxCodes(err)
}

func (p oaPlatform) MassPreview(ctx context.Context, appid, openid string, m oaapi.Message) (int64, error) {
	a, err := p.app(ctx, appid)
	if err != nil {
		return 0, err
	}
	c, err := toContent(m)
	if err != nil {
		return 0, err
	}
	msg, err := a.Preview(ctx, openid, c)
	return msg.ID, wxCodes(err)
}

func (p oaPlatform) MassStatus(ctx context.Context, appid string, id int64) (string, error) {
	a, err := p.app(ctx, appid)
	if err != nil {
		return "", err
	}
	b, err := a.MassStatus(ctx, id)
	switch {
	case err != nil:
		return "", err
	case b.Deleted:
		return oaapi.MassDeleted, nil
	}
	return oaapi.MassSuccess, nil // broadcasts are delivered when they are accepted
}

func (p oaPlatform) MassDelete(ctx context.Context, appid string, id int64) error {
	a, err := p.app(ctx, appid)
	if err != nil {
		return err
	}
	return a.MassDelete(ctx, id)
}

func (p oaPlatform) follower(ctx context.Context, f officialacct.Fan) oaapi.Follower {
	out := oaapi.Follower{OpenID: f.OpenID, UnionID: f.UnionID, Subscribed: f.Following && !f.Blocked, Since: f.Since,
		Remark: f.Remark, TagIDs: f.Tags, Scene: f.Scene, QRScene: f.QRScene, QRSceneStr: f.QRSceneStr}
	if u, err := p.accounts.Account(ctx, f.User); err == nil {
		out.Nickname = u.Profile.Nickname
		if u.Profile.Avatar != "" {
			out.AvatarURL = p.public + "/avatar/" + u.Profile.Avatar
		}
	}
	return out
}

func (p oaPlatform) Follower(ctx context.Context, appid, openid string) (oaapi.Follower, error) {
	a, err := p.app(ctx, appid)
	if err != nil {
		return oaapi.Follower{}, err
	}
	f, err := a.Fan(ctx, openid)
	if err != nil {
		if hongyan.ErrorCode(err) == hongyan.CodeInvalid {
			return oaapi.Follower{}, hongyan.Errorf(hongyan.CodeNotFound, "invalid openid")
		}
		return oaapi.Follower{}, err
	}
	return p.follower(ctx, f), nil
}

func (p oaPlatform) SetRemark(ctx context.Context, appid, openid, remark string) error {
	a, err := p.app(ctx, appid)
	if err != nil {
		return err
	}
	return wxCodes(a.SetRemark(ctx, openid, remark))
}

func openids(fs []officialacct.Fan) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.OpenID
	}
	return out
}

func (p oaPlatform) FollowerPage(ctx context.Context, appid, after string, limit int) (int, []string, error) {
	a, err := p.app(ctx, appid)
	if err != nil {
		return 0, nil, err
	}
	fs, total, err := a.Followers(ctx, after, limit)
	return total, openids(fs), err
}

func (p oaPlatform) OpenID(ctx context.Context, appid string, user hongyan.UserID) (string, error) {
	a, err := p.app(ctx, appid)
	if err != nil {
		return "", err
	}
	f, err := a.OpenID(ctx, user)
	return f.OpenID, err
}

func (p oaPlatform) CreateTag(ctx context.Context, appid, name string) (oaapi.Tag, error) {
	a, err := p.app(ctx, appid)
	if err != nil {
		return oaapi.Tag{}, err
	}
	t, err := a.CreateTag(ctx, name)
	return oaapi.Tag{ID: t.ID, Name: t.Name, Count: t.Count}, err
}

func (p oaPlatform) Tags(ctx context.Context, appid string) ([]oaapi.Tag, error) {
	a, err := p.app(ctx, appid)
	if err != nil {
		return nil, err
	}
	ts, err := a.Tags(ctx)
	out := make([]oaapi.Tag, 0, len(ts))
	for _, t := range ts {
		out = append(out, oaapi.Tag{ID: t.ID, Name: t.Name, Count: t.Count})
	}
	return out, err
}

func (p oaPlatform) RenameTag(ctx context.Context, appid string, id int64, name string) error {
	a, err := p.app(ctx, appid)
	if err != nil {
		return err
	}
	return a.RenameTag(ctx, id, name)
}

func (p oaPlatform) DeleteTag(ctx context.Context, appid string, id int64) error {
	a, err := p.app(ctx, appid)
	if err != nil {
		return err
	}
	return a.DeleteTag(ctx, id)
}

func (p oaPlatform) TagFollowers(ctx context.Context, appid string, id int64, ids []string, remove bool) error {
	a, err := p.app(ctx, appid)
	if err != nil {
		return err
	}
	return wxCodes(a.TagOpenIDs(ctx, id, ids, !remove))
}

func (p oaPlatform) TagMembers(ctx context.Context, appid string, id int64, after string, limit int) ([]string, error) {
	a, err := p.app(ctx, appid)
	if err != nil {
		return nil, err
	}
	fs, err := a.TagFollowers(ctx, id, after, limit)
	return openids(fs), err
}

func (p oaPlatform) CreateQR(ctx context.Context, q oaapi.QRCode) (oaapi.QRCode, error) {
	a, err := p.app(ctx, q.AppID)
	if err != nil {
		return oaapi.QRCode{}, err
	}
	var expire time.Duration
	if !q.Permanent && !q.Expires.IsZero() {
		expire = time.Until(q.Expires).Round(time.Second)
	}
	r, err := a.CreateQR(ctx, q.SceneID, q.SceneStr, q.Permanent, expire)
	if err != nil {
		return oaapi.QRCode{}, err
	}
	return oaapi.QRCode{Ticket: r.Ticket, AppID: q.AppID, SceneID: r.SceneID, SceneStr: r.SceneStr, Permanent: r.Permanent, Expires: r.Expires}, nil
}

func (p oaPlatform) QR(ctx context.Context, ticket string) (oaapi.QRCode, error) {
	q, a, err := p.s.QRInfo(ctx, ticket)
	if err != nil {
		return oaapi.QRCode{}, err
	}
	return oaapi.QRCode{Ticket: q.Ticket, AppID: a.AppID, SceneID: q.SceneID, SceneStr: q.SceneStr, Permanent: q.Permanent, Expires: q.Expires}, nil
}

func (p oaPlatform) PutMedia(ctx context.Context, m oaapi.MediaFile) (oaapi.MediaFile, error) {
	a, err := p.app(ctx, m.AppID)
	if err != nil {
		return oaapi.MediaFile{}, err
	}
	r, err := a.PutMedia(ctx, m.Type, m.Name, m.ContentType, m.Data)
	if err != nil {
		return oaapi.MediaFile{}, err
	}
	m.ID, m.Created = r.ID, r.Created
	return m, nil
}

func (p oaPlatform) Media(ctx context.Context, appid, id string) (oaapi.MediaFile, error) {
	a, err := p.app(ctx, appid)
	if err != nil {
		return oaapi.MediaFile{}, err
	}
	m, err := a.Media(ctx, id)
	if err != nil {
		return oaapi.MediaFile{}, err
	}
	return oaapi.MediaFile{ID: m.ID, AppID: appid, Type: m.Type, Name: m.Name, ContentType: m.ContentType, Data: m.Data, Created: m.Created}, nil
}

// oaSink delivers the feature's pushes through the developer API's Pusher
// and verifies server configurations with it.
type oaSink struct{ p *oaapi.Pusher }

func (s oaSink) Verify(ctx context.Context, _ officialacct.Account, srv officialacct.Server) error {
	return s.p.Verify(ctx, oaapi.Server{URL: srv.URL, Token: srv.Token, AESKey: srv.AESKey, Mode: string(srv.Mode)})
}

func (s oaSink) Push(ctx context.Context, p officialacct.Push) (*officialacct.Content, error) {
	w := wxwire.Push{FromUserName: p.OpenID, CreateTime: p.Created.Unix()}
	switch {
	case p.Event != "":
		w.MsgType, w.Event, w.EventKey, w.Ticket = wxwire.TypeEvent, p.Event, p.EventKey, p.Ticket
		if p.Event == wxwire.EventTemplateDone || p.Event == wxwire.EventMassDone {
			w.MsgID, w.Status = p.MsgID, p.Status
			w.TotalCount, w.FilterCount, w.SentCount, w.ErrorCount = int64(p.Total), int64(p.Filtered), int64(p.Sent), int64(p.ErrorsCount)
		}
	case p.Message != nil:
		w.MsgId = p.MsgID
		switch p.Message.Kind {
		case officialacct.ContentImage:
			w.MsgType, w.MediaId = wxwire.TypeImage, p.Message.MediaID
		case officialacct.ContentVoice:
			w.MsgType, w.MediaId, w.Format = wxwire.TypeVoice, p.Message.MediaID, p.Message.Format
		case officialacct.ContentVideo:
			w.MsgType, w.MediaId, w.ThumbMediaId = wxwire.TypeVideo, p.Message.MediaID, p.Message.ThumbMediaID
		default:
			w.MsgType, w.Content = wxwire.TypeText, p.Message.Text
		}
	default:
		return nil, nil
	}
	r, err := s.p.Deliver(ctx, p.Account.AppID, w)
	if err != nil || r == nil || r.Transfer {
		return nil, err // the feature shows its own fallback on an error
	}
	c, err := toContent(r.Message)
	if err != nil {
		return nil, nil // a kind the chat has no place for (msgmenu) is no reply
	}
	return &c, nil
}

// developerAPI builds the developer API and its pusher over the
// official-accounts service and installs the pusher as the service's sink.
func developerAPI(s *officialacct.Service, accounts *account.Service, public string, clientAddr func(*http.Request) string, callbackIPs []string, opt oaapi.PushOptions) *oaapi.API {
	if opt.Metrics == nil {
		opt.Metrics = oaapi.NewMetrics(nil)
	}
	p := oaPlatform{s: s, accounts: accounts, public: public}
	pusher := oaapi.NewPusher(p, opt)
	s.SetDeveloper(oaSink{pusher}, oaSink{pusher})
	return oaapi.New(p, oaapi.Options{PublicURL: public, Log: opt.Log, ClientAddr: clientAddr, Metrics: opt.Metrics, CallbackIPs: callbackIPs})
}
