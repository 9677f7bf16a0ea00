// Package oafake is an in-memory oaapi.Platform for tests of the developer
// API: a few accounts, their followers, and everything the API stores.
// Messages sent are recorded in Sent.
package oafake

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"hongyan/internal/hongyan"
	"hongyan/internal/oaapi"
)

// Sent is a message the fake delivered.
type Sent struct {
	AppID, OpenID string
	Via           string // custom, template, mass, preview
	Message       oaapi.Message
	Template      oaapi.TemplateMessage
}

// Fake is an in-memory platform. Zero values are not usable; call New.
type Fake struct {
	mu     sync.Mutex
	apps   map[string]*app
	creds  map[string]*cred
	calls  map[string]int64
	qrs    map[string]oaapi.QRCode
	media  map[string]oaapi.MediaFile
	nextID int64
	sent   []Sent
	// Now is the fake's clock (time.Now); share it with the API's.
	Now func() time.Time
	// OnJobFinish, when set, receives the JOBFINISH events of template
	// and mass sends (after the lock is released).
	OnJobFinish func(appid string, ev JobFinish)
}

// JobFinish is a finished template or mass send.
type JobFinish struct {
	Mass   bool
	MsgID  int64
	OpenID string // template sends
	Total  int64
	Sent   int64
}

type cred struct {
	oaapi.Credential
	used bool
}

type app struct {
	oaapi.App
	secret    string
	followers map[string]*follower // by openid
	byUser    map[hongyan.UserID]string
	menu      []oaapi.Button
	tags      map[int64]*oaapi.Tag
	templates []oaapi.Template
	mass      map[int64]string
}

type follower struct {
	oaapi.Follower
	user hongyan.UserID
}

// New returns an empty fake.
func New() *Fake {
	return &Fake{apps: map[string]*app{}, creds: map[string]*cred{}, calls: map[string]int64{},
		qrs: map[string]oaapi.QRCode{}, media: map[string]oaapi.MediaFile{}, nextID: 100, Now: time.Now}
}

// AddApp adds an account with its secret.
func (f *Fake) AddApp(a oaapi.App, secret string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.apps[a.AppID] = &app{App: a, secret: secret, followers: map[string]*follower{}, byUser: map[hongyan.UserID]string{},
		tags: map[int64]*oaapi.Tag{2: {ID: 2, Name: "星标组"}}, mass: map[int64]string{}}
}

// SetServer changes an account's developer server.
func (f *Fake) SetServer(appid string, s oaapi.Server) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.apps[appid].Server = s
}

// SetOAuthDomains makes the account accept only redirect_uris whose host
// is one of domains (a fake's rule: the host alone, exactly; the real one
// is officialacct.AllowsRedirect).
func (f *Fake) SetOAuthDomains(appid string, domains ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.apps[appid].AllowsRedirect = func(uri string) bool {
		u, err := url.Parse(uri)
		return err == nil && slices.Contains(domains, strings.ToLower(u.Hostname()))
	}
}

// Follow makes user follow the account and returns their openid.
func (f *Fake) Follow(appid string, user hongyan.UserID, nickname string, at time.Time) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.apps[appid]
	id := f.openid(a, user)
	fl := a.followers[id]
	fl.Subscribed, fl.Since, fl.Nickname = true, at, nickname
	return id
}

// Unfollow makes user unfollow the account.
func (f *Fake) Unfollow(appid string, user hongyan.UserID) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.apps[appid]
	if id, ok := a.byUser[user]; ok {
		a.followers[id].Subscribed = false
	}
}

func (f *Fake) openid(a *app, user hongyan.UserID) string {
	if id, ok := a.byUser[user]; ok {
		return id
	}
	id := fmt.Sprintf("o%s_%020d", a.AppID[2:8], user)
	a.byUser[user] = id
	fl := &follower{user: user}
	fl.OpenID = id
	if a.Bound {
		fl.UnionID = fmt.Sprintf("u_org_%020d", user)
	}
	a.followers[id] = fl
	return id
}

// Sent returns what was delivered so far.
func (f *Fake) Sent() []Sent {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.sent)
}

func notFound(what string) error { return hongyan.Errorf(hongyan.CodeNotFound, "no such %s", what) }

func (f *Fake) get(appid string) (*app, error) {
	a, ok := f.apps[appid]
	if !ok {
		return nil, notFound("account")
	}
	return a, nil
}

func (f *Fake) App(_ context.Context, appid string) (oaapi.App, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, err := f.get(appid)
	if err != nil {
		return oaapi.App{}, err
	}
	return a.App, nil
}

func (f *Fake) CheckSecret(_ context.Context, appid, secret string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, err := f.get(appid)
	if err != nil {
		return false, err
	}
	return a.secret == secret, nil
}

func (f *Fake) token() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func hash(t string) string {
	h := sha256.Sum256([]byte(t))
	return hex.EncodeToString(h[:])
}

func (f *Fake) IssueCredential(_ context.Context, c oaapi.Credential, ttl, grace time.Duration) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.Now()
	if grace > 0 {
		until := now.Add(grace)
		for _, o := range f.creds {
			if o.AppID == c.AppID && o.Kind == c.Kind && o.Expires.After(until) {
				o.Expires = until
			}
		}
	}
	tok := f.token()
	c.Issued, c.Expires, c.Value = now, now.Add(ttl), ""
	if c.Kind == oaapi.KindStable {
		c.Value = tok
	}
	f.creds[hash(tok)] = &cred{Credential: c}
	return tok, nil
}

func (f *Fake) Credential(_ context.Context, token string) (oaapi.Credential, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.creds[hash(token)]
	if !ok {
		return oaapi.Credential{}, notFound("credential")
	}
	return c.Credential, nil
}

func (f *Fake) LatestCredential(_ context.Context, appid, kind string) (oaapi.Credential, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.Now()
	var best *cred
	for _, c := range f.creds {
		if c.AppID == appid && c.Kind == kind && now.Before(c.Expires) && (best == nil || c.Issued.After(best.Issued)) {
			best = c
		}
	}
	if best == nil {
		return oaapi.Credential{}, notFound("credential")
	}
	return best.Credential, nil
}

func (f *Fake) RedeemCredential(_ context.Context, token, kind string) (oaapi.Credential, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.creds[hash(token)]
	if !ok || c.Kind != kind {
		return oaapi.Credential{}, notFound("credential")
	}
	if c.used || !f.Now().Before(c.Expires) {
		return oaapi.Credential{}, hongyan.Errorf(hongyan.CodePrecondition, "used or expired").WithReason(hongyan.ReasonCodeExpired)
	}
	c.used = true
	return c.Credential, nil
}

func (f *Fake) ExpireCredentials(_ context.Context, appid string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	at := f.Now()
	for _, c := range f.creds {
		if c.AppID == appid && c.Expires.After(at) {
			c.Expires = at
		}
	}
	return nil
}

func (f *Fake) CountCall(_ context.Context, appid, api string, n int64) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := appid + " " + api + " " + f.Now().UTC().Format(time.DateOnly)
	f.calls[k] += n
	return f.calls[k], nil
}

func (f *Fake) SetMenu(_ context.Context, appid string, b []oaapi.Button) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, err := f.get(appid)
	if err != nil {
		return err
	}
	a.menu = b
	return nil
}

func (f *Fake) Menu(_ context.Context, appid string) ([]oaapi.Button, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, err := f.get(appid)
	if err != nil {
		return nil, err
	}
	if a.menu == nil {
		return nil, notFound("menu")
	}
	return a.menu, nil
}

func (f *Fake) DeleteMenu(_ context.Context, appid string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, err := f.get(appid)
	if err != nil {
		return err
	}
	a.menu = nil
	return nil
}

func (f *Fake) follower(appid, openid string) (*app, *follower, error) {
	a, err := f.get(appid)
	if err != nil {
		return nil, nil, err
	}
	fl, ok := a.followers[openid]
	if !ok {
		return nil, nil, notFound("follower")
	}
	return a, fl, nil
}

func (f *Fake) SendCustom(_ context.Context, appid, openid string, m oaapi.Message) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, fl, err := f.follower(appid, openid)
	if err != nil {
		return err
	}
	if !fl.Subscribed {
		return hongyan.Errorf(hongyan.CodePrecondition, "not following")
	}
	f.sent = append(f.sent, Sent{AppID: appid, OpenID: openid, Via: "custom", Message: m})
	return nil
}

func (f *Fake) AddTemplate(_ context.Context, appid, short string, kw []string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, err := f.get(appid)
	if err != nil {
		return "", err
	}
	f.nextID++
	id := fmt.Sprintf("tpl_%s_%d", short, f.nextID)
	a.templates = append(a.templates, oaapi.Template{ID: id, Title: short, Content: "{{first.DATA}}"})
	return id, nil
}

func (f *Fake) Templates(_ context.Context, appid string) ([]oaapi.Template, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, err := f.get(appid)
	if err != nil {
		return nil, err
	}
	return slices.Clone(a.templates), nil
}

func (f *Fake) DeleteTemplate(_ context.Context, appid, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, err := f.get(appid)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(a.templates, func(t oaapi.Template) bool { return t.ID == id })
	if i < 0 {
		return notFound("template")
	}
	a.templates = slices.Delete(a.templates, i, i+1)
	return nil
}

func (f *Fake) SendTemplate(_ context.Context, appid, openid string, t oaapi.TemplateMessage) (int64, error) {
	f.mu.Lock()
	a, fl, err := f.follower(appid, openid)
	if err != nil {
		f.mu.Unlock()
		return 0, hongyan.Errorf(hongyan.CodeInvalid, "%v", err)
	}
	if !slices.ContainsFunc(a.templates, func(x oaapi.Template) bool { return x.ID == t.TemplateID }) {
		f.mu.Unlock()
		return 0, notFound("template")
	}
	if !fl.Subscribed {
		f.mu.Unlock()
		return 0, hongyan.Errorf(hongyan.CodePrecondition, "not following")
	}
	f.nextID++
	id := f.nextID
	f.sent = append(f.sent, Sent{AppID: appid, OpenID: openid, Via: "template", Template: t})
	hook := f.OnJobFinish
	f.mu.Unlock()
	if hook != nil {
		hook(appid, JobFinish{MsgID: id, OpenID: openid, Total: 1, Sent: 1})
	}
	return id, nil
}

func (f *Fake) MassSend(_ context.Context, appid string, to oaapi.Audience, m oaapi.Message, _ string) (int64, error) {
	f.mu.Lock()
	a, err := f.get(appid)
	if err != nil {
		f.mu.Unlock()
		return 0, err
	}
	var targets []string
	switch {
	case to.All:
		for id, fl := range a.followers {
			if fl.Subscribed {
				targets = append(targets, id)
			}
		}
	case to.TagID != 0:
		if _, ok := a.tags[to.TagID]; !ok {
			f.mu.Unlock()
			return 0, notFound("tag")
		}
		for id, fl := range a.followers {
			if fl.Subscribed && slices.Contains(fl.TagIDs, to.TagID) {
				targets = append(targets, id)
			}
		}
	default:
		for _, id := range to.OpenIDs {
			if fl, ok := a.followers[id]; ok && fl.Subscribed {
				targets = append(targets, id)
			}
		}
	}
	slices.Sort(targets)
	for _, id := range targets {
		f.sent = append(f.sent, Sent{AppID: appid, OpenID: id, Via: "mass", Message: m})
	}
	f.nextID++
	id := f.nextID
	a.mass[id] = oaapi.MassSuccess
	hook := f.OnJobFinish
	f.mu.Unlock()
	if hook != nil {
		hook(appid, JobFinish{Mass: true, MsgID: id, Total: int64(len(targets)), Sent: int64(len(targets))})
	}
	return id, nil
}

func (f *Fake) MassPreview(_ context.Context, appid, openid string, m oaapi.Message) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, fl, err := f.follower(appid, openid)
	if err != nil {
		return 0, err
	}
	if !fl.Subscribed {
		return 0, hongyan.Errorf(hongyan.CodePrecondition, "not following")
	}
	f.nextID++
	f.sent = append(f.sent, Sent{AppID: appid, OpenID: openid, Via: "preview", Message: m})
	return f.nextID, nil
}

func (f *Fake) MassStatus(_ context.Context, appid string, id int64) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, err := f.get(appid)
	if err != nil {
		return "", err
	}
	st, ok := a.mass[id]
	if !ok {
		return "", notFound("broadcast")
	}
	return st, nil
}

func (f *Fake) MassDelete(_ context.Context, appid string, id int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, err := f.get(appid)
	if err != nil {
		return err
	}
	if _, ok := a.mass[id]; !ok {
		return notFound("broadcast")
	}
	a.mass[id] = oaapi.MassDeleted
	return nil
}

func (f *Fake) Follower(_ context.Context, appid, openid string) (oaapi.Follower, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, fl, err := f.follower(appid, openid)
	if err != nil {
		return oaapi.Follower{}, err
	}
	out := fl.Follower
	out.TagIDs = slices.Clone(fl.TagIDs)
	return out, nil
}

func (f *Fake) SetRemark(_ context.Context, appid, openid, remark string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, fl, err := f.follower(appid, openid)
	if err != nil {
		return err
	}
	fl.Remark = remark
	return nil
}

func (f *Fake) FollowerPage(_ context.Context, appid, after string, limit int) (int, []string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, err := f.get(appid)
	if err != nil {
		return 0, nil, err
	}
	var all []string
	for id, fl := range a.followers {
		if fl.Subscribed {
			all = append(all, id)
		}
	}
	return len(all), pageAfter(all, after, limit), nil
}

func pageAfter(ids []string, after string, limit int) []string {
	slices.Sort(ids)
	i, _ := slices.BinarySearch(ids, after)
	if after != "" && i < len(ids) && ids[i] == after {
		i++
	}
	ids = ids[i:]
	if len(ids) > limit {
		ids = ids[:limit]
	}
	return slices.Clone(ids)
}

func (f *Fake) OpenID(_ context.Context, appid string, user hongyan.UserID) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, err := f.get(appid)
	if err != nil {
		return "", err
	}
	return f.openid(a, user), nil
}

func (f *Fake) CreateTag(_ context.Context, appid, name string) (oaapi.Tag, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, err := f.get(appid)
	if err != nil {
		return oaapi.Tag{}, err
	}
	for _, t := range a.tags {
		if t.Name == name {
			return oaapi.Tag{}, hongyan.Errorf(hongyan.CodeExists, "tag name taken")
		}
	}
	if len(a.tags) >= 100 {
		return oaapi.Tag{}, hongyan.Errorf(hongyan.CodePrecondition, "too many tags")
	}
	f.nextID++
	t := &oaapi.Tag{ID: f.nextID, Name: name}
	a.tags[t.ID] = t
	return *t, nil
}

func (f *Fake) Tags(_ context.Context, appid string) ([]oaapi.Tag, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, err := f.get(appid)
	if err != nil {
		return nil, err
	}
	var out []oaapi.Tag
	for _, t := range a.tags {
		n := 0
		for _, fl := range a.followers {
			if fl.Subscribed && slices.Contains(fl.TagIDs, t.ID) {
				n++
			}
		}
		out = append(out, oaapi.Tag{ID: t.ID, Name: t.Name, Count: n})
	}
	slices.SortFunc(out, func(x, y oaapi.Tag) int { return cmp.Compare(x.ID, y.ID) })
	return out, nil
}

func (f *Fake) RenameTag(_ context.Context, appid string, id int64, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, err := f.get(appid)
	if err != nil {
		return err
	}
	t, ok := a.tags[id]
	if !ok {
		return notFound("tag")
	}
	t.Name = name
	return nil
}

func (f *Fake) DeleteTag(_ context.Context, appid string, id int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, err := f.get(appid)
	if err != nil {
		return err
	}
	if _, ok := a.tags[id]; !ok {
		return notFound("tag")
	}
	delete(a.tags, id)
	for _, fl := range a.followers {
		fl.TagIDs = slices.DeleteFunc(fl.TagIDs, func(x int64) bool { return x == id })
	}
	return nil
}

func (f *Fake) TagFollowers(_ context.Context, appid string, id int64, openids []string, remove bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, err := f.get(appid)
	if err != nil {
		return err
	}
	if _, ok := a.tags[id]; !ok {
		return notFound("tag")
	}
	for _, o := range openids {
		fl, ok := a.followers[o]
		if !ok {
			return hongyan.Errorf(hongyan.CodeInvalid, "no such follower")
		}
		has := slices.Contains(fl.TagIDs, id)
		switch {
		case remove && has:
			fl.TagIDs = slices.DeleteFunc(fl.TagIDs, func(x int64) bool { return x == id })
		case !remove && !has:
			if len(fl.TagIDs) >= 20 {
				return hongyan.Errorf(hongyan.CodePrecondition, "too many tags")
			}
			fl.TagIDs = append(fl.TagIDs, id)
		}
	}
	return nil
}

func (f *Fake) TagMembers(_ context.Context, appid string, id int64, after string, limit int) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, err := f.get(appid)
	if err != nil {
		return nil, err
	}
	if _, ok := a.tags[id]; !ok {
		return nil, notFound("tag")
	}
	var all []string
	for o, fl := range a.followers {
		if fl.Subscribed && slices.Contains(fl.TagIDs, id) {
			all = append(all, o)
		}
	}
	return pageAfter(all, after, limit), nil
}

func (f *Fake) CreateQR(_ context.Context, q oaapi.QRCode) (oaapi.QRCode, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	q.Ticket = f.token()
	if !q.Permanent && q.Expires.IsZero() {
		q.Expires = f.Now().Add(60 * time.Second)
	}
	f.qrs[q.Ticket] = q
	return q, nil
}

func (f *Fake) QR(_ context.Context, ticket string) (oaapi.QRCode, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	q, ok := f.qrs[ticket]
	if !ok {
		return oaapi.QRCode{}, notFound("QR code")
	}
	return q, nil
}

func (f *Fake) PutMedia(_ context.Context, m oaapi.MediaFile) (oaapi.MediaFile, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m.ID, m.Created = f.token(), f.Now()
	f.media[m.ID] = m
	return m, nil
}

func (f *Fake) Media(_ context.Context, appid, id string) (oaapi.MediaFile, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m, ok := f.media[id]
	if !ok || m.AppID != appid {
		return oaapi.MediaFile{}, notFound("media")
	}
	return m, nil
}

var _ oaapi.Platform = (*Fake)(nil)
