// Package adminapi is the administrator console's HTTP API under
// /admin/api/ (JSON): sign-in with TOTP enrolment, the reports queue,
// penalties and appeals, users, the audit log and administrators. A
// session is a cookie (HttpOnly, SameSite=Strict) and every change also
// carries the session's CSRF token in the X-CSRF-Token header and a JSON
// body. The rules — who may do what — are the moderation feature's; this
// package converts.
package adminapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strconv"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"hongyan/internal/account"
	"hongyan/internal/group"
	"hongyan/internal/hongyan"
	"hongyan/internal/httpmux"
	"hongyan/internal/moderation"
	"hongyan/internal/officialacct"
)

// Cookie is the session cookie's name.
const Cookie = "hy_admin"

// MaxBody bounds a request body.
const MaxBody = 16 << 10

// Options configure the API.
type Options struct {
	Moderation *moderation.Service
	Accounts   *account.Service
	// Groups: nil, no group routes.
	Groups *group.Service
	// OfficialAccounts: nil, no official-account routes.
	OfficialAccounts *officialacct.Service
	// ClientAddr is a request's client address (for sign-in limits).
	ClientAddr func(*http.Request) string
	// Secure marks the cookie Secure (the node is served over TLS).
	Secure bool
	// Config returns the configuration view super admins see (no secrets).
	Config func() any
}

type api struct{ Options }

// Handler returns the API's handler, for the paths under /admin/api/.
func Handler(o Options) http.Handler {
	if o.ClientAddr == nil {
		o.ClientAddr = func(r *http.Request) string { return r.RemoteAddr }
	}
	a := &api{o}
	mux := httpmux.New()
	mux.HandleFunc("POST /admin/api/sign-in", a.signIn)
	a.route(mux, "GET /admin/api/me", setupOK, a.me)
	a.route(mux, "POST /admin/api/sign-out", setupOK, a.signOut)
	a.route(mux, "GET /admin/api/setup", setupOK, a.enrol)
	a.route(mux, "POST /admin/api/setup", setupOK, a.setup)
	a.route(mux, "GET /admin/api/reports", 0, a.reports)
	a.route(mux, "GET /admin/api/reports/{id}", 0, a.report)
	a.route(mux, "POST /admin/api/reports/{id}/dismiss", 0, a.dismiss)
	a.route(mux, "GET /admin/api/penalties", 0, a.penalties)
	a.route(mux, "POST /admin/api/penalties", 0, a.penalize)
	a.route(mux, "POST /admin/api/penalties/{id}/lift", 0, a.lift)
	a.route(mux, "POST /admin/api/penalties/{id}/appeal", 0, a.decide)
	a.route(mux, "GET /admin/api/users", 0, a.findUser)
	a.route(mux, "GET /admin/api/users/{id}", 0, a.user)
	a.route(mux, "POST /admin/api/users/{id}/sign-out", 0, a.signOutUser)
	a.route(mux, "POST /admin/api/users/{id}/reset-password", 0, a.resetPassword)
	a.route(mux, "GET /admin/api/audit", 0, a.audit)
	a.route(mux, "GET /admin/api/admins", 0, a.admins)
	a.route(mux, "POST /admin/api/admins", 0, a.createAdmin)
	a.route(mux, "POST /admin/api/admins/{id}", 0, a.updateAdmin)
	a.route(mux, "GET /admin/api/config", 0, a.config)
	a.route(mux, "GET /admin/api/groups/{id}", 0, a.group)
	a.route(mux, "GET /admin/api/oa", 0, a.oaSearch)
	a.route(mux, "POST /admin/api/oa/{id}/verified", 0, a.oaVerify)
	a.route(mux, "GET /admin/api/stats", 0, a.stats)
	a.route(mux, "GET /admin/api/suspensions/{kind}/{target}", 0, a.suspension)
	a.route(mux, "POST /admin/api/suspensions/{kind}/{target}", 0, a.suspend)
	a.route(mux, "POST /admin/api/suspensions/{kind}/{target}/lift", 0, a.liftSuspension)
	mux.HandleFunc("/admin/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, hongyan.Errorf(hongyan.CodeNotFound, "no such API"))
	})
	return httpmux.WithRoutes(headers(mux), mux)
}

// headers: API answers are never cached nor framed.
func headers(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("X-Frame-Options", "DENY")
		h.ServeHTTP(w, r)
	})
}

type flag int

const setupOK flag = 1 // allowed to a session still in setup

// req is an authenticated request.
type req struct {
	*http.Request
	sess  moderation.Session
	admin moderation.Admin
	p     moderation.Principal
}

func (a *api) route(mux *httpmux.Mux, pattern string, f flag, h func(w http.ResponseWriter, r req) error) {
	mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if err := a.serve(w, r, f, h); err != nil {
			writeError(w, err)
		}
	})
}

func (a *api) serve(w http.ResponseWriter, r *http.Request, f flag, h func(w http.ResponseWriter, r req) error) error {
	c, err := r.Cookie(Cookie)
	if err != nil {
		return hongyan.Errorf(hongyan.CodeUnauth, "sign in first")
	}
	sess, admin, err := a.Moderation.Authenticate(r.Context(), c.Value)
	if err != nil {
		return err
	}
	if r.Method != http.MethodGet {
		if err := moderation.CheckCSRF(sess, r.Header.Get("X-CSRF-Token")); err != nil {
			return err
		}
		if err := jsonBody(r); err != nil {
			return err
		}
	}
	if sess.Stage != moderation.StageFull && f != setupOK {
		return hongyan.Errorf(hongyan.CodePrecondition, "finish setting up two-factor sign-in first")
	}
	return h(w, req{Request: r, sess: sess, admin: admin, p: moderation.Principal{Admin: admin.ID, Name: admin.Name, Role: admin.Role}})
}

// jsonBody refuses a change whose body is not JSON: a cross-site form
// cannot send one without the browser asking first.
func jsonBody(r *http.Request) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return hongyan.Errorf(hongyan.CodeInvalid, "send a JSON body (Content-Type: application/json)")
	}
	return nil
}

func decode(r *http.Request, v any) error {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	if err != nil {
		return hongyan.Wrap(err, hongyan.CodeInvalid, "cannot read the body")
	}
	if len(body) > MaxBody {
		return hongyan.Errorf(hongyan.CodeTooLarge, "the body is over %d bytes", MaxBody)
	}
	d := json.NewDecoder(bytes.NewReader(body))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return hongyan.Errorf(hongyan.CodeInvalid, "bad JSON: %v", err)
	}
	return nil
}

func writeJSON(w http.ResponseWriter, v any) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	return json.NewEncoder(w).Encode(v)
}

func status(code hongyan.Code) int {
	switch code {
	case hongyan.CodeInvalid:
		return http.StatusBadRequest
	case hongyan.CodeNotFound:
		return http.StatusNotFound
	case hongyan.CodeExists, hongyan.CodePrecondition:
		return http.StatusConflict
	case hongyan.CodeUnauth:
		return http.StatusUnauthorized
	case hongyan.CodeDenied:
		return http.StatusForbidden
	case hongyan.CodeRateLimited:
		return http.StatusTooManyRequests
	case hongyan.CodeTooLarge:
		return http.StatusRequestEntityTooLarge
	case hongyan.CodeUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// writeError answers {"error":{"code","message","reason"}}.
func writeError(w http.ResponseWriter, err error) {
	code := hongyan.ErrorCode(err)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status(code))
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{
		"code": string(code), "message": hongyan.ErrorMessage(err), "reason": string(hongyan.ErrorReason(err))}})
}

func pathID(r req) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, hongyan.Errorf(hongyan.CodeInvalid, "bad ID")
	}
	return id, nil
}

func queryInt(r req, name string) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, hongyan.Errorf(hongyan.CodeInvalid, "%s must be a non-negative number", name)
	}
	return n, nil
}

// ---- Sessions ----

type adminJSON struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Role     string `json:"role"`
	TOTP     bool   `json:"totp"`
	Disabled bool   `json:"disabled"`
	Created  int64  `json:"created"`
}

func adminOut(a moderation.Admin) adminJSON {
	return adminJSON{ID: int64(a.ID), Name: a.Name, Role: string(a.Role), TOTP: a.TOTPEnrolled, Disabled: a.Disabled, Created: a.Created.UnixMilli()}
}

type meJSON struct {
	Admin      adminJSON `json:"admin"`
	Stage      string    `json:"stage"`
	CSRF       string    `json:"csrf"`
	MustChange bool      `json:"must_change"` // setup asks for a new password
	Expires    int64     `json:"expires"`
}

func meOut(s moderation.Session, a moderation.Admin) meJSON {
	return meJSON{Admin: adminOut(a), Stage: string(s.Stage), CSRF: s.CSRF, MustChange: a.MustChange, Expires: s.Expires.UnixMilli()}
}

func (a *api) signIn(w http.ResponseWriter, r *http.Request) {
	err := func() error {
		if err := jsonBody(r); err != nil {
			return err
		}
		var in struct{ Name, Password, Code string }
		if err := decode(r, &in); err != nil {
			return err
		}
		res, err := a.Moderation.SignIn(r.Context(), in.Name, in.Password, in.Code, a.ClientAddr(r))
		if err != nil {
			return err
		}
		http.SetCookie(w, &http.Cookie{Name: Cookie, Value: res.Token, Path: "/admin/", HttpOnly: true, Secure: a.Secure,
			SameSite: http.SameSiteStrictMode, Expires: res.Session.Expires})
		return writeJSON(w, meOut(res.Session, res.Admin))
	}()
	if err != nil {
		writeError(w, err)
	}
}

func (a *api) me(w http.ResponseWriter, r req) error { return writeJSON(w, meOut(r.sess, r.admin)) }

func (a *api) signOut(w http.ResponseWriter, r req) error {
	if err := a.Moderation.SignOut(r.Context(), r.sess); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: Cookie, Value: "", Path: "/admin/", HttpOnly: true, Secure: a.Secure, SameSite: http.SameSiteStrictMode, MaxAge: -1})
	return writeJSON(w, struct{}{})
}

func (a *api) enrol(w http.ResponseWriter, r req) error {
	e, err := a.Moderation.Enrol(r.Context(), r.sess)
	if err != nil {
		return err
	}
	png, err := qrcode.Encode(e.URL, qrcode.Medium, 256)
	if err != nil {
		return hongyan.Wrap(err, hongyan.CodeInternal, "QR code")
	}
	return writeJSON(w, map[string]string{"secret": e.Secret, "url": e.URL, "qr": "data:image/png;base64," + base64.StdEncoding.EncodeToString(png)})
}

func (a *api) setup(w http.ResponseWriter, r req) error {
	var in struct {
		NewPassword string `json:"new_password"`
		Code        string `json:"code"`
	}
	if err := decode(r.Request, &in); err != nil {
		return err
	}
	if err := a.Moderation.Setup(r.Context(), r.sess, in.NewPassword, in.Code); err != nil {
		return err
	}
	r.sess.Stage = moderation.StageFull
	r.admin.MustChange = false
	r.admin.TOTPEnrolled = true
	return writeJSON(w, meOut(r.sess, r.admin))
}

// ---- Reports ----

type reportJSON struct {
	ID        int64  `json:"id"`
	Reporter  int64  `json:"reporter"`
	Kind      string `json:"kind"`
	Target    string `json:"target"`
	Reason    string `json:"reason"`
	Owner     int64  `json:"owner"`
	Title     string `json:"title"`
	Text      string `json:"text"`
	State     string `json:"state"`
	Created   int64  `json:"created"`
	HandledBy int64  `json:"handled_by"`
	Handled   int64  `json:"handled"`
	Note      string `json:"note"`
}

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func reportOut(x moderation.Report) reportJSON {
	return reportJSON{ID: x.ID, Reporter: int64(x.Reporter), Kind: string(x.Kind), Target: x.Target, Reason: x.Reason,
		Owner: int64(x.Snapshot.Owner), Title: x.Snapshot.Title, Text: x.Snapshot.Text, State: string(x.State),
		Created: ms(x.Created), HandledBy: int64(x.HandledBy), Handled: ms(x.Handled), Note: x.Note}
}

func (a *api) reports(w http.ResponseWriter, r req) error {
	before, err := queryInt(r, "before")
	if err != nil {
		return err
	}
	rs, err := a.Moderation.Reports(r.Context(), r.p, moderation.ReportState(r.URL.Query().Get("state")), before, 50)
	if err != nil {
		return err
	}
	out := make([]reportJSON, 0, len(rs))
	for _, x := range rs {
		out = append(out, reportOut(x))
	}
	return writeJSON(w, map[string]any{"reports": out})
}

func (a *api) report(w http.ResponseWriter, r req) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	x, err := a.Moderation.GetReport(r.Context(), r.p, id)
	if err != nil {
		return err
	}
	return writeJSON(w, reportOut(x))
}

type reasonJSON struct {
	Reason string `json:"reason"`
}

func (a *api) dismiss(w http.ResponseWriter, r req) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in reasonJSON
	if err := decode(r.Request, &in); err != nil {
		return err
	}
	if err := a.Moderation.Dismiss(r.Context(), r.p, id, in.Reason); err != nil {
		return err
	}
	return writeJSON(w, struct{}{})
}

// ---- Penalties ----

type penaltyJSON struct {
	ID         int64  `json:"id"`
	User       int64  `json:"user"`
	Kind       string `json:"kind"`
	Reason     string `json:"reason"`
	Report     int64  `json:"report"`
	By         int64  `json:"by"`
	Start      int64  `json:"start"`
	End        int64  `json:"end"`
	Active     bool   `json:"active"`
	Appeal     string `json:"appeal"`
	AppealText string `json:"appeal_text"`
	AppealAt   int64  `json:"appeal_at"`
}

func penaltiesOut(ps []moderation.Penalty) []penaltyJSON {
	now := time.Now()
	out := make([]penaltyJSON, 0, len(ps))
	for _, p := range ps {
		out = append(out, penaltyJSON{ID: p.ID, User: int64(p.User), Kind: string(p.Kind), Reason: p.Reason, Report: p.Report, By: int64(p.By),
			Start: ms(p.Start), End: ms(p.End), Active: p.Active(now), Appeal: string(p.Appeal), AppealText: p.AppealText, AppealAt: ms(p.AppealAt)})
	}
	return out
}

func (a *api) penalties(w http.ResponseWriter, r req) error {
	before, err := queryInt(r, "before")
	if err != nil {
		return err
	}
	ps, err := a.Moderation.Penalties(r.Context(), r.p, r.URL.Query().Get("appeals") == "1", before, 50)
	if err != nil {
		return err
	}
	return writeJSON(w, map[string]any{"penalties": penaltiesOut(ps)})
}

func (a *api) penalize(w http.ResponseWriter, r req) error {
	var in struct {
		User   string `json:"user"` // numeric ID or account ID
		Kind   string `json:"kind"`
		For    string `json:"for"` // a Go duration: "72h", "30m"
		Reason string `json:"reason"`
		Report int64  `json:"report"`
	}
	if err := decode(r.Request, &in); err != nil {
		return err
	}
	if err := a.Moderation.Allow(r.p, moderation.RoleModerator); err != nil {
		return err
	}
	d, err := ParseDuration(in.For)
	if err != nil {
		return err
	}
	user, err := a.Moderation.ResolveUser(r.Context(), in.User)
	if err != nil {
		return err
	}
	p, err := a.Moderation.Penalize(r.Context(), r.p, moderation.PenaltyInput{User: user, Kind: moderation.Kind(in.Kind), For: d, Reason: in.Reason, Report: in.Report})
	if err != nil {
		return err
	}
	return writeJSON(w, penaltiesOut([]moderation.Penalty{p})[0])
}

// ParseDuration reads a penalty's duration: a Go duration ("90m",
// "72h") or a number of days ("7d").
func ParseDuration(s string) (time.Duration, error) {
	bad := hongyan.Errorf(hongyan.CodeInvalid, "a duration is like 30m, 72h or 7d")
	if len(s) > 16 || s == "" {
		return 0, bad
	}
	if s[len(s)-1] == 'd' {
		n, err := strconv.Atoi(s[:len(s)-1])
		if err != nil || n <= 0 || n > 36500 {
			return 0, bad
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, bad
	}
	return d, nil
}

func (a *api) lift(w http.ResponseWriter, r req) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in reasonJSON
	if err := decode(r.Request, &in); err != nil {
		return err
	}
	if err := a.Moderation.Lift(r.Context(), r.p, id, in.Reason); err != nil {
		return err
	}
	return writeJSON(w, struct{}{})
}

func (a *api) decide(w http.ResponseWriter, r req) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in struct {
		Accept bool   `json:"accept"`
		Reason string `json:"reason"`
	}
	if err := decode(r.Request, &in); err != nil {
		return err
	}
	if err := a.Moderation.DecideAppeal(r.Context(), r.p, id, in.Accept, in.Reason); err != nil {
		return err
	}
	return writeJSON(w, struct{}{})
}

// ---- Users ----

type userJSON struct {
	ID        int64         `json:"id"`
	AccountID string        `json:"account_id"`
	Nickname  string        `json:"nickname"`
	Region    string        `json:"region"`
	Signature string        `json:"signature"`
	Phone     string        `json:"phone"`
	Email     string        `json:"email"`
	Penalties []penaltyJSON `json:"penalties"`
}

func (a *api) userOut(ctx context.Context, p moderation.Principal, acc account.Account) (userJSON, error) {
	ps, err := a.Moderation.UserPenalties(ctx, p, acc.ID)
	if err != nil {
		return userJSON{}, err
	}
	return userJSON{ID: int64(acc.ID), AccountID: acc.AccountID, Nickname: acc.Profile.Nickname, Region: acc.Profile.Region,
		Signature: acc.Profile.Signature, Phone: acc.Phone, Email: acc.Email, Penalties: penaltiesOut(ps)}, nil
}

func (a *api) findUser(w http.ResponseWriter, r req) error {
	if err := a.Moderation.Allow(r.p, moderation.RoleViewer); err != nil {
		return err
	}
	q := r.URL.Query().Get("q")
	out := []userJSON{}
	if q != "" && len(q) <= 64 {
		acc, err := a.Accounts.Lookup(r.Context(), q)
		if err == nil {
			u, err := a.userOut(r.Context(), r.p, acc)
			if err != nil {
				return err
			}
			out = append(out, u)
		} else if hongyan.ErrorCode(err) != hongyan.CodeNotFound {
			return err
		}
	}
	return writeJSON(w, map[string]any{"users": out})
}

func (a *api) lookup(r req) (account.Account, error) {
	if err := a.Moderation.Allow(r.p, moderation.RoleViewer); err != nil {
		return account.Account{}, err
	}
	acc, err := a.Accounts.Lookup(r.Context(), r.PathValue("id"))
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
		return acc, hongyan.Errorf(hongyan.CodeNotFound, "no such user")
	}
	return acc, err
}

func (a *api) user(w http.ResponseWriter, r req) error {
	acc, err := a.lookup(r)
	if err != nil {
		return err
	}
	u, err := a.userOut(r.Context(), r.p, acc)
	if err != nil {
		return err
	}
	return writeJSON(w, u)
}

func (a *api) signOutUser(w http.ResponseWriter, r req) error {
	var in reasonJSON
	if err := decode(r.Request, &in); err != nil {
		return err
	}
	acc, err := a.lookup(r)
	if err != nil {
		return err
	}
	if err := a.Moderation.SignOutUser(r.Context(), r.p, acc.ID, in.Reason); err != nil {
		return err
	}
	return writeJSON(w, struct{}{})
}

func (a *api) resetPassword(w http.ResponseWriter, r req) error {
	var in reasonJSON
	if err := decode(r.Request, &in); err != nil {
		return err
	}
	acc, err := a.lookup(r)
	if err != nil {
		return err
	}
	pw, err := a.Moderation.ResetPassword(r.Context(), r.p, acc.ID, in.Reason)
	if err != nil {
		return err
	}
	return writeJSON(w, map[string]string{"password": pw})
}

// ---- Audit log, administrators, configuration ----

func (a *api) audit(w http.ResponseWriter, r req) error {
	before, err := queryInt(r, "before")
	if err != nil {
		return err
	}
	log, err := a.Moderation.AuditLog(r.Context(), r.p, before, 50)
	if err != nil {
		return err
	}
	type entry struct {
		ID     int64  `json:"id"`
		Admin  int64  `json:"admin"`
		Name   string `json:"name"`
		Action string `json:"action"`
		Target string `json:"target"`
		Reason string `json:"reason"`
		At     int64  `json:"at"`
	}
	out := make([]entry, 0, len(log))
	for _, e := range log {
		out = append(out, entry{ID: e.ID, Admin: int64(e.Admin), Name: e.Name, Action: e.Action, Target: e.Target, Reason: e.Reason, At: ms(e.At)})
	}
	return writeJSON(w, map[string]any{"entries": out})
}

func (a *api) admins(w http.ResponseWriter, r req) error {
	as, err := a.Moderation.Admins(r.Context(), r.p)
	if err != nil {
		return err
	}
	out := make([]adminJSON, 0, len(as))
	for _, x := range as {
		out = append(out, adminOut(x))
	}
	return writeJSON(w, map[string]any{"admins": out})
}

func (a *api) createAdmin(w http.ResponseWriter, r req) error {
	var in struct{ Name, Role string }
	if err := decode(r.Request, &in); err != nil {
		return err
	}
	x, pw, err := a.Moderation.CreateAdmin(r.Context(), r.p, in.Name, moderation.Role(in.Role))
	if err != nil {
		return err
	}
	return writeJSON(w, map[string]any{"admin": adminOut(x), "password": pw})
}

func (a *api) updateAdmin(w http.ResponseWriter, r req) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in struct {
		Role     string `json:"role"`
		Disabled bool   `json:"disabled"`
		Reason   string `json:"reason"`
	}
	if err := decode(r.Request, &in); err != nil {
		return err
	}
	x, err := a.Moderation.UpdateAdmin(r.Context(), r.p, moderation.AdminID(id), moderation.Role(in.Role), in.Disabled, in.Reason)
	if err != nil {
		return err
	}
	return writeJSON(w, adminOut(x))
}

func (a *api) config(w http.ResponseWriter, r req) error {
	if err := a.Moderation.Allow(r.p, moderation.RoleSuper); err != nil {
		return err
	}
	if a.Config == nil {
		return writeJSON(w, struct{}{})
	}
	return writeJSON(w, a.Config())
}

func (a *api) stats(w http.ResponseWriter, r req) error {
	days, err := queryInt(r, "days")
	if err != nil {
		return err
	}
	if days == 0 {
		days = 14
	}
	d, err := a.Moderation.Dashboard(r.Context(), r.p, int(min(days, 1000)))
	if err != nil {
		return err
	}
	ms := make([]int64, len(d.Days))
	for i, t := range d.Days {
		ms[i] = t.UnixMilli()
	}
	return writeJSON(w, map[string]any{"days": ms, "users": d.Users, "active_devices": d.ActiveDevices, "messages": d.Messages,
		"reports": d.Reports, "penalties": d.Penalties, "open_reports": d.OpenReports, "pending_appeals": d.PendingAppeals,
		"active_penalties": d.ActivePenalties})
}

// ---- Official accounts ----

type oaJSON struct {
	ID       int64  `json:"id"`
	AppID    string `json:"appid"`
	Name     string `json:"name"`
	Intro    string `json:"intro"`
	Verified bool   `json:"verified"`
	Created  int64  `json:"created"`
}

func oaOut(a officialacct.Account) oaJSON {
	return oaJSON{ID: int64(a.ID), AppID: a.AppID, Name: a.Name, Intro: a.Intro, Verified: a.Verified, Created: ms(a.Created)}
}

func (a *api) oaSearch(w http.ResponseWriter, r req) error {
	if err := a.Moderation.Allow(r.p, moderation.RoleViewer); err != nil {
		return err
	}
	if a.OfficialAccounts == nil {
		return hongyan.Errorf(hongyan.CodeNotFound, "no official accounts on this server")
	}
	as, err := a.OfficialAccounts.Search(r.Context(), r.URL.Query().Get("q"))
	if err != nil {
		return err
	}
	out := make([]oaJSON, 0, len(as))
	for _, x := range as {
		out = append(out, oaOut(x))
	}
	return writeJSON(w, map[string]any{"accounts": out})
}

func (a *api) oaVerify(w http.ResponseWriter, r req) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in struct {
		Verified bool   `json:"verified"`
		Reason   string `json:"reason"`
	}
	if err := decode(r.Request, &in); err != nil {
		return err
	}
	if err := a.Moderation.Allow(r.p, moderation.RoleModerator); err != nil {
		return err
	}
	if err := hongyan.ValidText("reason", in.Reason, moderation.MaxReason); err != nil {
		return err
	}
	if a.OfficialAccounts == nil {
		return hongyan.Errorf(hongyan.CodeNotFound, "no official accounts on this server")
	}
	x, err := a.OfficialAccounts.SetVerified(r.Context(), officialacct.AccountID(id), in.Verified)
	if err != nil {
		return err
	}
	action := "oa.unverify"
	if in.Verified {
		action = "oa.verify"
	}
	if err := a.Moderation.Record(r.Context(), r.p, action, "oa:"+strconv.FormatInt(id, 10), in.Reason); err != nil {
		return err
	}
	return writeJSON(w, oaOut(x))
}

// ---- Groups ----

func (a *api) group(w http.ResponseWriter, r req) error {
	if err := a.Moderation.Allow(r.p, moderation.RoleViewer); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if a.Groups == nil {
		return hongyan.Errorf(hongyan.CodeNotFound, "no groups on this server")
	}
	g, err := a.Groups.Inspect(r.Context(), hongyan.ConversationID(id))
	if err != nil {
		return err
	}
	return writeJSON(w, map[string]any{"id": int64(g.ID), "name": g.Name, "owner": int64(g.Owner), "members": g.Members,
		"announcement": g.Announcement, "dissolved": g.Dissolved, "created": ms(g.Created)})
}
