// Package oaapi is the WeChat-compatible official-account developer API:
// WeChat's own paths (/cgi-bin/…, /sns/…, /connect/oauth2/authorize,
// /cgi-bin/showqrcode), JSON shapes and error codes, so that an existing
// SDK works once its host is rewritten; and the pushes of messages and
// events to a developer's server (Pusher). It holds no product rules: it
// speaks the protocol and calls the Platform port, which node fills from
// the official-accounts feature.
package oaapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"hongyan/internal/hongyan"
	"hongyan/internal/httpmux"
)

// Lifetimes of the protocol.
const (
	TokenTTL   = 7200 * time.Second // access_token, stable_token, OAuth2 access_token
	TokenGrace = 5 * time.Minute    // an access_token outlives its successor's issue by this
	CodeTTL    = 5 * time.Minute    // an OAuth2 code
	RefreshTTL = 30 * 24 * time.Hour
	MediaTTL   = 3 * 24 * time.Hour
)

// MaxBody bounds a JSON request body.
const MaxBody = 1 << 20

// Options tune an API.
type Options struct {
	// PublicURL is how users reach this node (QR code URLs, the OAuth2
	// consent page).
	PublicURL string
	// CallbackIPs are the addresses pushes come from (getcallbackip,
	// get_api_domain_ip). Empty: the host's non-loopback, non-link-local
	// interface addresses, read at each call.
	CallbackIPs []string
	// Quotas overrides the daily call quotas per API (DefaultQuotas).
	Quotas map[string]int64
	// Now is the clock (time.Now).
	Now func() time.Time
	// Log receives what developers cannot see (nil: slog.Default()).
	Log *slog.Logger
	// ClientAddr returns the caller's address for the IP allowlist
	// (nil: the peer's address; node passes the trusted-proxy resolver's).
	ClientAddr func(*http.Request) string
	// Metrics counts calls (nil: none).
	Metrics *Metrics
}

// DefaultQuotas are the daily calls per account of each API, WeChat's.
var DefaultQuotas = map[string]int64{
	"token": 2000, "stable_token": 2000,
	"menu/create": 1000, "menu/get": 10000, "menu/delete": 1000,
	"message/custom/send": 500000, "message/template/send": 100000,
	"template/api_add_template": 1000, "template/get_all_private_template": 10000, "template/del_private_template": 1000,
	"message/mass/sendall": 1000, "message/mass/send": 1000, "message/mass/preview": 1000,
	"message/mass/get": 10000, "message/mass/delete": 1000,
	"user/info": 5000000, "user/info/batchget": 5000000, "user/info/updateremark": 10000, "user/get": 5000,
	"tags": 100000, "qrcode/create": 100000, "media/upload": 100000, "media/get": 100000, "getcallbackip": 1000,
}

// API serves the developer API.
type API struct {
	p   Platform
	opt Options
	log *slog.Logger
}

// New returns an API over the platform.
func New(p Platform, opt Options) *API {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	q := make(map[string]int64, len(DefaultQuotas))
	for k, v := range DefaultQuotas {
		q[k] = v
	}
	for k, v := range opt.Quotas {
		q[k] = v
	}
	opt.Quotas = q
	opt.PublicURL = strings.TrimRight(opt.PublicURL, "/")
	log := opt.Log
	if log == nil {
		log = slog.Default()
	}
	return &API{p: p, opt: opt, log: log}
}

// Paths lists the path prefixes the API serves, for the node's mux.
var Paths = []string{"/cgi-bin/", "/sns/", "/connect/oauth2/"}

// Handler serves the API's paths.
func (a *API) Handler() http.Handler {
	mux := httpmux.New()
	a.tokenRoutes(mux)
	a.menuRoutes(mux)
	a.messageRoutes(mux)
	a.userRoutes(mux)
	a.qrRoutes(mux)
	a.oauthRoutes(mux)
	a.mediaRoutes(mux)
	mux.HandleFunc("/cgi-bin/", func(w http.ResponseWriter, r *http.Request) {
		writeErr(w, errcode(48001, "api unauthorized"))
	})
	mux.HandleFunc("/sns/", func(w http.ResponseWriter, r *http.Request) {
		writeErr(w, errcode(48001, "api unauthorized"))
	})
	return mux
}

// Errcode is a WeChat error: an errcode and its errmsg.
type Errcode struct {
	Code int
	Msg  string
}

func (e *Errcode) Error() string { return strconv.Itoa(e.Code) + " " + e.Msg }

func errcode(code int, msg string) *Errcode { return &Errcode{Code: code, Msg: msg} }

// Common errors.
var (
	errSystem       = errcode(-1, "system error")
	errCredential   = errcode(40001, "invalid credential, access_token is invalid or not latest")
	errTokenMissing = errcode(41001, "access_token missing")
	errExpired      = errcode(42001, "access_token expired")
	errOpenID       = errcode(40003, "invalid openid")
	errBadJSON      = errcode(47001, "data format error")
	errEmptyPost    = errcode(44002, "empty post data")
	errArgument     = errcode(40035, "invalid args")
	errQuota        = errcode(45009, "reach max api daily quota limit")
	errUnauthorized = errcode(48001, "api unauthorized")
)

// mapping chooses the WeChat code of a hongyan.Error's code, per endpoint.
type mapping map[hongyan.Code]*Errcode

// wxErr turns a platform error into a WeChat error.
func (a *API) wxErr(err error, m mapping) *Errcode {
	var ec *Errcode
	if errors.As(err, &ec) {
		return ec
	}
	var he *hongyan.Error
	if errors.As(err, &he) {
		if e, ok := m[he.Code]; ok {
			return e
		}
		if he.Reason == hongyan.ReasonSuspended {
			return errcode(48004, "api forbidden: "+he.Message) // WeChat's "banned"
		}
		switch he.Code {
		case hongyan.CodeInvalid, hongyan.CodeTooLarge:
			return errArgument
		case hongyan.CodeRateLimited:
			return errQuota
		case hongyan.CodeDenied:
			return errUnauthorized
		case hongyan.CodeNotFound:
			return errArgument
		}
	}
	if !errors.Is(err, context.Canceled) {
		a.log.Error("oaapi: platform error", "err", err)
	}
	return errSystem
}

func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		b = []byte(`{"errcode":-1,"errmsg":"system error"}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; encoding=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK) // errors too: SDKs read errcode only from a 200
	w.Write(b)
}

func writeErr(w http.ResponseWriter, e *Errcode) {
	writeJSON(w, map[string]any{"errcode": e.Code, "errmsg": e.Msg})
}

func writeOK(w http.ResponseWriter) { writeErr(w, &Errcode{Code: 0, Msg: "ok"}) }

// readJSON decodes a bounded JSON body into v; any Content-Type.
func readJSON(r *http.Request, v any) *Errcode {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	if err != nil {
		return errBadJSON
	}
	if len(body) > MaxBody {
		return errcode(40006, "invalid file size")
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return errEmptyPost
	}
	if err := json.Unmarshal(body, v); err != nil {
		return errBadJSON
	}
	return nil
}

// maxToken bounds a token, code or ticket read from a request.
const maxToken = 512

// urlSafe reports whether s is a plausible server-issued string.
func urlSafe(s string) bool {
	if s == "" || len(s) > maxToken {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// call is an authenticated API call: the account and the request.
type call struct {
	app App
	ctx context.Context
}

// authed wraps an endpoint that takes an access_token: it checks the
// token, the account's IP allowlist and the endpoint's daily quota.
func (a *API) authed(api string, h func(w http.ResponseWriter, r *http.Request, c call)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok := r.URL.Query().Get("access_token")
		if tok == "" {
			writeErr(w, errTokenMissing)
			return
		}
		if !urlSafe(tok) {
			writeErr(w, errcode(40014, "invalid access_token"))
			return
		}
		ctx := r.Context()
		cr, err := a.p.Credential(ctx, tok)
		if err != nil || (cr.Kind != KindAccess && cr.Kind != KindStable) {
			if err != nil && hongyan.ErrorCode(err) != hongyan.CodeNotFound {
				writeErr(w, a.wxErr(err, nil))
				return
			}
			writeErr(w, errCredential)
			return
		}
		now := a.opt.Now()
		if !now.Before(cr.Expires) {
			if cr.Expires.Sub(cr.Issued) < TokenTTL {
				writeErr(w, errCredential) // superseded or expired by the operator
			} else {
				writeErr(w, errExpired)
			}
			return
		}
		app, err := a.p.App(ctx, cr.AppID)
		if err != nil {
			writeErr(w, a.wxErr(err, mapping{hongyan.CodeNotFound: errCredential}))
			return
		}
		if e := a.checkIP(r, app); e != nil {
			writeErr(w, e)
			return
		}
		if e := a.quota(ctx, app.AppID, api, now); e != nil {
			writeErr(w, e)
			return
		}
		a.opt.Metrics.call(api)
		h(w, r, call{app: app, ctx: ctx})
	}
}

// checkIP enforces an account's IP allowlist.
func (a *API) checkIP(r *http.Request, app App) *Errcode {
	if len(app.IPAllowlist) == 0 {
		return nil
	}
	addr := r.RemoteAddr
	if a.opt.ClientAddr != nil {
		addr = a.opt.ClientAddr(r)
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	ip, err := netip.ParseAddr(host)
	if err == nil {
		ip = ip.Unmap()
		for _, p := range app.IPAllowlist {
			if p.Contains(ip) {
				return nil
			}
		}
	}
	return errcode(40164, "invalid ip "+host+" ipv6 ::ffff:"+host+", not in whitelist")
}

// quota counts a call against the account's daily quota of api.
func (a *API) quota(ctx context.Context, appid, api string, now time.Time) *Errcode {
	limit, ok := a.opt.Quotas[api]
	if !ok || limit <= 0 {
		return nil
	}
	n, err := a.p.CountCall(ctx, appid, api, 1)
	if err != nil {
		return a.wxErr(err, nil)
	}
	if n > limit {
		return errQuota
	}
	return nil
}

func secondsDur(s int64) time.Duration { return time.Duration(s) * time.Second }
