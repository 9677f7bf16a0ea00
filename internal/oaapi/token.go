package oaapi

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"time"

	"hongyan/internal/hongyan"
	"hongyan/internal/httpmux"
)

func (a *API) tokenRoutes(mux *httpmux.Mux) {
	mux.HandleFunc("GET /cgi-bin/token", a.token)
	mux.HandleFunc("POST /cgi-bin/stable_token", a.stableToken)
	mux.HandleFunc("POST /cgi-bin/clear_quota", a.authed("", a.clearQuota))
	mux.HandleFunc("GET /cgi-bin/getcallbackip", a.authed("getcallbackip", a.callbackIP))
	mux.HandleFunc("GET /cgi-bin/get_api_domain_ip", a.authed("getcallbackip", a.callbackIP))
}

// login checks an appid and secret and the caller's address.
func (a *API) login(r *http.Request, grant, want, appid, secret string) (App, *Errcode) {
	ctx := r.Context()
	switch {
	case grant != want:
		return App{}, errcode(40002, "invalid grant_type")
	case appid == "":
		return App{}, errcode(41002, "appid missing")
	case secret == "":
		return App{}, errcode(41004, "appsecret missing")
	case len(appid) > 64 || len(secret) > 128:
		return App{}, errcode(40013, "invalid appid")
	}
	app, err := a.p.App(ctx, appid)
	if err != nil {
		return App{}, a.wxErr(err, mapping{hongyan.CodeNotFound: errcode(40013, "invalid appid")})
	}
	if e := a.checkIP(r, app); e != nil {
		return App{}, e
	}
	ok, err := a.p.CheckSecret(ctx, appid, secret)
	if err != nil {
		return App{}, a.wxErr(err, nil)
	}
	if !ok {
		return App{}, errcode(40125, "invalid appsecret")
	}
	return app, nil
}

type tokenReply struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
}

func (a *API) token(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	app, e := a.login(r, q.Get("grant_type"), "client_credential", q.Get("appid"), q.Get("secret"))
	if e != nil {
		writeErr(w, e)
		return
	}
	now := a.opt.Now()
	if e := a.quota(r.Context(), app.AppID, "token", now); e != nil {
		writeErr(w, e)
		return
	}
	tok, err := a.p.IssueCredential(r.Context(), Credential{Kind: KindAccess, AppID: app.AppID}, TokenTTL, TokenGrace)
	if err != nil {
		writeErr(w, a.wxErr(err, nil))
		return
	}
	writeJSON(w, tokenReply{AccessToken: tok, ExpiresIn: int64(TokenTTL / time.Second)})
}

func (a *API) stableToken(w http.ResponseWriter, r *http.Request) {
	var req struct {
		GrantType    string `json:"grant_type"`
		AppID        string `json:"appid"`
		Secret       string `json:"secret"`
		ForceRefresh bool   `json:"force_refresh"`
	}
	if e := readJSON(r, &req); e != nil {
		writeErr(w, e)
		return
	}
	app, e := a.login(r, req.GrantType, "client_credential", req.AppID, req.Secret)
	if e != nil {
		writeErr(w, e)
		return
	}
	ctx := r.Context()
	now := a.opt.Now()
	if e := a.quota(ctx, app.AppID, "stable_token", now); e != nil {
		writeErr(w, e)
		return
	}
	if !req.ForceRefresh {
		c, err := a.p.LatestCredential(ctx, app.AppID, KindStable)
		switch {
		case err == nil && c.Value != "":
			writeJSON(w, tokenReply{AccessToken: c.Value, ExpiresIn: int64(c.Expires.Sub(now) / time.Second)})
			return
		case err != nil && hongyan.ErrorCode(err) != hongyan.CodeNotFound:
			writeErr(w, a.wxErr(err, nil))
			return
		}
	}
	tok, err := a.p.IssueCredential(ctx, Credential{Kind: KindStable, AppID: app.AppID}, TokenTTL, TokenGrace)
	if err != nil {
		writeErr(w, a.wxErr(err, nil))
		return
	}
	writeJSON(w, tokenReply{AccessToken: tok, ExpiresIn: int64(TokenTTL / time.Second)})
}

func (a *API) clearQuota(w http.ResponseWriter, r *http.Request, c call) {
	var req struct {
		AppID string `json:"appid"`
	}
	if e := readJSON(r, &req); e != nil {
		writeErr(w, e)
		return
	}
	if req.AppID != c.app.AppID {
		writeErr(w, errcode(40013, "invalid appid"))
		return
	}
	for api := range a.opt.Quotas {
		n, err := a.p.CountCall(c.ctx, c.app.AppID, api, 0)
		if err == nil && n > 0 {
			_, err = a.p.CountCall(c.ctx, c.app.AppID, api, -n)
		}
		if err != nil {
			writeErr(w, a.wxErr(err, nil))
			return
		}
	}
	writeOK(w)
}

func (a *API) callbackIP(w http.ResponseWriter, r *http.Request, c call) {
	ips := a.opt.CallbackIPs
	if len(ips) == 0 {
		ips = InterfaceIPs()
	}
	writeJSON(w, map[string]any{"ip_list": ips})
}

// InterfaceIPs returns the host's interface addresses that another host
// could see pushes come from: not loopback, link-local or unspecified
// (never nil).
func InterfaceIPs() []string {
	ips := []string{}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return ips
	}
	for _, ad := range addrs {
		pfx, err := netip.ParsePrefix(ad.String())
		if err != nil {
			continue
		}
		ip := pfx.Addr().Unmap()
		if ip.IsLoopback() || ip.IsLinkLocalUnicast() || ip.IsUnspecified() || ip.IsMulticast() {
			continue
		}
		ips = append(ips, ip.String())
	}
	return ips
}

// ExpireApp expires every access_token and OAuth2 credential of an
// account now (`hongyan admin oa expire APPID`).
func (a *API) ExpireApp(ctx context.Context, appid string) error {
	if _, err := a.p.App(ctx, appid); err != nil {
		return err
	}
	return a.p.ExpireCredentials(ctx, appid)
}
