package oaapi

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"hongyan/internal/hongyan"
	"hongyan/internal/httpmux"
)

func (a *API) oauthRoutes(mux *httpmux.Mux) {
	mux.HandleFunc("GET /connect/oauth2/authorize", a.authorizePage)
	mux.HandleFunc("GET /sns/oauth2/access_token", a.codeToToken)
	mux.HandleFunc("GET /sns/oauth2/refresh_token", a.refreshToken)
	mux.HandleFunc("GET /sns/userinfo", a.snsUserInfo)
	mux.HandleFunc("GET /sns/auth", a.snsAuth)
}

// OAuth2 scopes.
const (
	ScopeBase     = "snsapi_base"
	ScopeUserInfo = "snsapi_userinfo"
)

// ConsentPath is the web client's route that asks the signed-in user to
// authorise an account; /connect/oauth2/authorize sends browsers there
// with the request's query.
const ConsentPath = "/oauth/authorize"

// AuthRequest is a parsed OAuth2 authorize request.
type AuthRequest struct {
	AppID       string
	RedirectURI string
	Scope       string
	State       string
}

// ParseAuthorize parses and checks an authorize URL (WeChat's or this
// node's; only the query matters) or its query.
func ParseAuthorize(raw string) (AuthRequest, error) {
	if len(raw) > 4096 {
		return AuthRequest{}, hongyan.Errorf(hongyan.CodeInvalid, "the authorize URL is too long")
	}
	raw, _, _ = strings.Cut(raw, "#")
	if i := strings.IndexByte(raw, '?'); i >= 0 {
		raw = raw[i+1:]
	}
	q, err := url.ParseQuery(raw)
	if err != nil {
		return AuthRequest{}, hongyan.Errorf(hongyan.CodeInvalid, "the authorize URL's query is malformed")
	}
	return checkAuthorize(q)
}

func checkAuthorize(q url.Values) (AuthRequest, error) {
	ar := AuthRequest{AppID: q.Get("appid"), RedirectURI: q.Get("redirect_uri"), Scope: q.Get("scope"), State: q.Get("state")}
	if ar.AppID == "" || len(ar.AppID) > 64 {
		return ar, hongyan.Errorf(hongyan.CodeInvalid, "appid is missing")
	}
	if q.Get("response_type") != "code" {
		return ar, hongyan.Errorf(hongyan.CodeInvalid, "response_type must be code")
	}
	if ar.Scope != ScopeBase && ar.Scope != ScopeUserInfo {
		return ar, hongyan.Errorf(hongyan.CodeInvalid, "scope must be snsapi_base or snsapi_userinfo")
	}
	if len(ar.State) > 128 {
		return ar, hongyan.Errorf(hongyan.CodeInvalid, "state is longer than 128 bytes")
	}
	u, err := url.Parse(ar.RedirectURI)
	if err != nil || len(ar.RedirectURI) > maxURL || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return ar, hongyan.Errorf(hongyan.CodeInvalid, "redirect_uri must be an http or https URL")
	}
	return ar, nil
}

// errRedirectDomain is WeChat's refusal of a redirect_uri outside the
// account's authorised domains: the page reads "redirect_uri 参数错误" and
// the developer tools show errcode 10003.
var errRedirectDomain = hongyan.Errorf(hongyan.CodeInvalid, "redirect_uri 参数错误 (10003: redirect_uri域名与后台配置不一致, the redirect_uri's host is not the account's authorised web domain)")

// redirectAllowed applies the account's rule on OAuth2 redirect_uris.
func redirectAllowed(app App, redirectURI string) bool {
	return app.AllowsRedirect == nil || app.AllowsRedirect(redirectURI)
}

// Redirect returns where the user agent goes after the user answers: the
// redirect_uri with code and state, or with state alone when denied.
func (ar AuthRequest) Redirect(code string) string {
	u, _ := url.Parse(ar.RedirectURI)
	q := u.Query()
	if code != "" {
		q.Set("code", code)
	}
	q.Set("state", ar.State)
	u.RawQuery = q.Encode()
	u.Fragment = ""
	return u.String()
}

// Authorize answers an authorize request for a signed-in user: it issues
// a code (single use, 5 minutes) and returns where the user agent goes.
// deny sends the user agent back without a code. The client protocol calls
// it through node when a user accepts or refuses the consent screen.
func (a *API) Authorize(ctx context.Context, user hongyan.UserID, raw string, deny bool) (string, error) {
	ar, err := ParseAuthorize(raw)
	if err != nil {
		return "", err
	}
	app, err := a.p.App(ctx, ar.AppID)
	if err != nil {
		return "", err
	}
	if !redirectAllowed(app, ar.RedirectURI) {
		return "", errRedirectDomain
	}
	if deny {
		return ar.Redirect(""), nil
	}
	openid, err := a.p.OpenID(ctx, ar.AppID, user)
	if err != nil {
		return "", err
	}
	code, err := a.p.IssueCredential(ctx, Credential{Kind: KindCode, AppID: ar.AppID, OpenID: openid, Scope: ar.Scope}, CodeTTL, 0)
	if err != nil {
		return "", err
	}
	return ar.Redirect(code), nil
}

// authorizePage sends a browser to the web client's consent screen.
func (a *API) authorizePage(w http.ResponseWriter, r *http.Request) {
	ar, err := checkAuthorize(r.URL.Query())
	if err == nil {
		var app App
		if app, err = a.p.App(r.Context(), ar.AppID); err == nil && !redirectAllowed(app, ar.RedirectURI) {
			err = errRedirectDomain
		}
	}
	if err != nil {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(hongyan.ErrorMessage(err) + "\n"))
		return
	}
	q := url.Values{"appid": {ar.AppID}, "redirect_uri": {ar.RedirectURI}, "response_type": {"code"}, "scope": {ar.Scope}, "state": {ar.State}}
	http.Redirect(w, r, a.opt.PublicURL+ConsentPath+"?"+q.Encode(), http.StatusFound)
}

type snsToken struct {
	AccessToken  string `json:"access_token"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
	OpenID       string `json:"openid"`
	Scope        string `json:"scope"`
	UnionID      string `json:"unionid,omitempty"`
}

// issueUser issues an OAuth2 access_token for a code's or refresh
// token's grant.
func (a *API) issueUser(ctx context.Context, app App, grant Credential, refresh string) (snsToken, error) {
	g := Credential{Kind: KindUser, AppID: app.AppID, OpenID: grant.OpenID, Scope: grant.Scope}
	tok, err := a.p.IssueCredential(ctx, g, TokenTTL, 0)
	if err != nil {
		return snsToken{}, err
	}
	if refresh == "" {
		g.Kind = KindRefresh
		if refresh, err = a.p.IssueCredential(ctx, g, RefreshTTL, 0); err != nil {
			return snsToken{}, err
		}
	}
	out := snsToken{AccessToken: tok, ExpiresIn: int64(TokenTTL / time.Second), RefreshToken: refresh, OpenID: grant.OpenID, Scope: grant.Scope}
	if app.Bound {
		f, err := a.p.Follower(ctx, app.AppID, grant.OpenID)
		if err != nil {
			return snsToken{}, err
		}
		out.UnionID = f.UnionID
	}
	return out, nil
}

var (
	errCode     = errcode(40029, "invalid code")
	errCodeUsed = errcode(40163, "code been used")
)

func (a *API) codeToToken(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	app, e := a.login(r, q.Get("grant_type"), "authorization_code", q.Get("appid"), q.Get("secret"))
	if e != nil {
		writeErr(w, e)
		return
	}
	code := q.Get("code")
	if !urlSafe(code) {
		writeErr(w, errCode)
		return
	}
	ctx := r.Context()
	cr, err := a.p.Credential(ctx, code)
	if err != nil || cr.Kind != KindCode || cr.AppID != app.AppID || !a.opt.Now().Before(cr.Expires) {
		writeErr(w, a.wxErr(orNotFound(err), mapping{hongyan.CodeNotFound: errCode}))
		return
	}
	cr, err = a.p.RedeemCredential(ctx, code, KindCode)
	if err != nil {
		writeErr(w, a.wxErr(err, mapping{hongyan.CodeNotFound: errCode, hongyan.CodePrecondition: errCodeUsed}))
		return
	}
	out, err := a.issueUser(ctx, app, cr, "")
	if err != nil {
		writeErr(w, a.wxErr(err, userMapping))
		return
	}
	writeJSON(w, out)
}

// orNotFound turns a nil error (a credential of the wrong kind) into not
// found.
func orNotFound(err error) error {
	if err == nil {
		return hongyan.Errorf(hongyan.CodeNotFound, "no such credential")
	}
	return err
}

func (a *API) refreshToken(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("grant_type") != "refresh_token" {
		writeErr(w, errcode(40002, "invalid grant_type"))
		return
	}
	ctx := r.Context()
	app, err := a.p.App(ctx, q.Get("appid"))
	if err != nil {
		writeErr(w, a.wxErr(err, mapping{hongyan.CodeNotFound: errcode(40013, "invalid appid")}))
		return
	}
	rt := q.Get("refresh_token")
	errRefresh := errcode(40030, "invalid refresh_token")
	if !urlSafe(rt) {
		writeErr(w, errRefresh)
		return
	}
	cr, err := a.p.Credential(ctx, rt)
	if err != nil || cr.Kind != KindRefresh || cr.AppID != app.AppID {
		writeErr(w, a.wxErr(orNotFound(err), mapping{hongyan.CodeNotFound: errRefresh}))
		return
	}
	if !a.opt.Now().Before(cr.Expires) {
		writeErr(w, errcode(42002, "refresh_token expired"))
		return
	}
	out, err := a.issueUser(ctx, app, cr, rt)
	if err != nil {
		writeErr(w, a.wxErr(err, userMapping))
		return
	}
	writeJSON(w, out)
}

// userToken checks an OAuth2 access_token and the openid it is for.
func (a *API) userToken(r *http.Request) (Credential, *Errcode) {
	q := r.URL.Query()
	tok := q.Get("access_token")
	if tok == "" {
		return Credential{}, errTokenMissing
	}
	if !urlSafe(tok) {
		return Credential{}, errcode(40014, "invalid access_token")
	}
	cr, err := a.p.Credential(r.Context(), tok)
	if err != nil || cr.Kind != KindUser {
		if err != nil && hongyan.ErrorCode(err) != hongyan.CodeNotFound {
			return Credential{}, a.wxErr(err, nil)
		}
		return Credential{}, errCredential
	}
	if !a.opt.Now().Before(cr.Expires) {
		if cr.Expires.Sub(cr.Issued) < TokenTTL {
			return Credential{}, errCredential
		}
		return Credential{}, errExpired
	}
	if q.Get("openid") != cr.OpenID {
		return Credential{}, errOpenID
	}
	return cr, nil
}

func (a *API) snsUserInfo(w http.ResponseWriter, r *http.Request) {
	cr, e := a.userToken(r)
	if e != nil {
		writeErr(w, e)
		return
	}
	if cr.Scope != ScopeUserInfo {
		writeErr(w, errUnauthorized)
		return
	}
	ctx := r.Context()
	app, err := a.p.App(ctx, cr.AppID)
	if err != nil {
		writeErr(w, a.wxErr(err, nil))
		return
	}
	f, err := a.p.Follower(ctx, cr.AppID, cr.OpenID)
	if err != nil {
		writeErr(w, a.wxErr(err, userMapping))
		return
	}
	out := map[string]any{"openid": f.OpenID, "nickname": f.Nickname, "sex": 0, "province": "", "city": "", "country": "",
		"headimgurl": f.AvatarURL, "privilege": []string{}}
	if app.Bound && f.UnionID != "" {
		out["unionid"] = f.UnionID
	}
	writeJSON(w, out)
}

func (a *API) snsAuth(w http.ResponseWriter, r *http.Request) {
	if _, e := a.userToken(r); e != nil {
		writeErr(w, e)
		return
	}
	writeOK(w)
}
