package oaapi

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"hongyan/internal/hongyan"
	"hongyan/internal/linkfetch"
	"hongyan/internal/oaapi/wxwire"
)

// Fallback is what a user sees when the developer server does not answer:
// WeChat's words (in English: the account cannot provide service right
// now).
const Fallback = "该公众号暂时无法提供服务，请稍后再试"

// PushOptions tune a Pusher.
type PushOptions struct {
	// Timeout bounds each attempt (officialaccounts.push_timeout, 5 s).
	Timeout time.Duration
	// Attempts is how many times a push is tried (3).
	Attempts int
	// AllowPrivate lets pushes reach private and loopback addresses
	// (officialaccounts.allow_private_callbacks; off by default).
	AllowPrivate bool
	// Client replaces the guarded HTTP client (tests of the guard only).
	Client *http.Client
	// Metrics counts pushes (nil: none).
	Metrics *Metrics
	Now     func() time.Time
	Log     *slog.Logger
}

// Pusher delivers messages and events to developer servers and reads
// their passive replies. It is safe for concurrent use.
type Pusher struct {
	apps   Apps
	opt    PushOptions
	client *http.Client
}

// NewPusher returns a Pusher that finds accounts' servers through apps.
func NewPusher(apps Apps, opt PushOptions) *Pusher {
	if opt.Timeout <= 0 {
		opt.Timeout = 5 * time.Second
	}
	if opt.Attempts <= 0 {
		opt.Attempts = 3
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	c := opt.Client
	if c == nil {
		tr := &http.Transport{
			Proxy:                 nil, // the guard checks the address dialled, not a proxy's
			DialContext:           linkfetch.GuardedDialer(opt.Timeout, opt.AllowPrivate).DialContext,
			TLSHandshakeTimeout:   opt.Timeout,
			ResponseHeaderTimeout: opt.Timeout,
			MaxIdleConns:          256,
			MaxIdleConnsPerHost:   64,
			IdleConnTimeout:       60 * time.Second,
		}
		c = &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	return &Pusher{apps: apps, opt: opt, client: c}
}

// Reply is a developer's passive reply, in the API's terms. Transfer
// means the developer handed the conversation to customer service.
type Reply struct {
	Message
	Transfer bool
}

// CheckServer validates a developer-server configuration.
func CheckServer(s Server) error {
	u, err := url.Parse(s.URL)
	switch {
	case err != nil || len(s.URL) > maxURL || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil:
		return hongyan.Errorf(hongyan.CodeInvalid, "the server URL must be an http or https URL")
	case len(s.Token) < 3 || len(s.Token) > 32 || !alnum(s.Token):
		return hongyan.Errorf(hongyan.CodeInvalid, "the Token must be 3 to 32 letters and digits")
	}
	switch s.Mode {
	case ModePlain:
		if s.AESKey != "" && !wxwire.ValidKey(s.AESKey) {
			return hongyan.Errorf(hongyan.CodeInvalid, "the EncodingAESKey must be 43 letters and digits")
		}
	case ModeCompat, ModeSafe:
		if !wxwire.ValidKey(s.AESKey) {
			return hongyan.Errorf(hongyan.CodeInvalid, "the EncodingAESKey must be 43 letters and digits")
		}
	default:
		return hongyan.Errorf(hongyan.CodeInvalid, "the mode must be plain, compat or safe")
	}
	return nil
}

func alnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// randomDigits returns n random decimal digits (nonces, echostr).
func randomDigits(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = '0' + b[i]%10
	}
	return string(b)
}

// Verify runs the URL-verification GET against a server configuration
// before it is saved: the server must echo echostr. The GET is plain in
// every mode. The error says why it failed, in words an operator can act
// on.
func (p *Pusher) Verify(ctx context.Context, s Server) error {
	if err := CheckServer(s); err != nil {
		return err
	}
	ts := strconv.FormatInt(p.opt.Now().Unix(), 10)
	nonce := randomDigits(10)
	echo := randomDigits(19)
	q := url.Values{"signature": {wxwire.Signature(s.Token, ts, nonce)}, "timestamp": {ts}, "nonce": {nonce}, "echostr": {echo}}
	ctx, cancel := context.WithTimeout(ctx, p.opt.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, withQuery(s.URL, q), nil)
	if err != nil {
		return hongyan.Errorf(hongyan.CodeInvalid, "the server URL is malformed")
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return p.reachErr(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	if resp.StatusCode != http.StatusOK {
		return hongyan.Errorf(hongyan.CodePrecondition, "the server answered the verification with HTTP %d", resp.StatusCode)
	}
	if strings.TrimSpace(string(body)) != echo {
		return hongyan.Errorf(hongyan.CodePrecondition, "the server did not echo echostr: check the Token")
	}
	return nil
}

func (p *Pusher) reachErr(err error) error {
	switch {
	case linkfetch.IsDenied(err):
		return hongyan.Wrap(err, hongyan.CodePrecondition, "the server's address is private or loopback (officialaccounts.allow_private_callbacks is off)")
	case errors.Is(err, context.DeadlineExceeded):
		return hongyan.Wrap(err, hongyan.CodeUnavailable, "the server did not answer within %s", p.opt.Timeout)
	}
	return hongyan.Wrap(err, hongyan.CodeUnavailable, "the server could not be reached")
}

func withQuery(raw string, q url.Values) string {
	sep := "?"
	if strings.Contains(raw, "?") {
		sep = "&"
	}
	return raw + sep + q.Encode()
}

// errNoServer: developer mode is off; nothing is pushed.
var errNoServer = hongyan.Errorf(hongyan.CodePrecondition, "the account has no developer server")

// fallbackFor reports whether a user waits for an answer to push: then a
// failed delivery shows them Fallback.
func fallbackFor(push *wxwire.Push) bool {
	if push.MsgType != wxwire.TypeEvent {
		return true
	}
	switch push.Event {
	case wxwire.EventUnsubscribe, wxwire.EventTemplateDone, wxwire.EventMassDone, wxwire.EventLocation, wxwire.EventView:
		return false
	}
	return true
}

// Deliver pushes a message or event to the account's developer server
// (the push's ToUserName is set to the account's original ID) and returns
// its passive reply, nil when it chose not to reply. Each attempt is
// bounded by the timeout; a push is tried up to Attempts times, with the
// same MsgId (events: FromUserName + CreateTime) so the developer can tell
// repeats. When delivery fails, for pushes a user waits on, the Reply is
// the Fallback text, returned with the error.
func (p *Pusher) Deliver(ctx context.Context, appid string, push wxwire.Push) (*Reply, error) {
	app, err := p.apps.App(ctx, appid)
	if err != nil {
		return nil, err
	}
	if app.Server.URL == "" {
		return nil, errNoServer
	}
	push.ToUserName = app.OriginalID
	if push.CreateTime == 0 {
		push.CreateTime = p.opt.Now().Unix()
	}
	start := time.Now()
	r, err := p.deliver(ctx, app, &push)
	p.opt.Metrics.pushed(r, err, start)
	if err != nil {
		p.opt.Log.Warn("oaapi: push failed", "appid", appid, "type", push.MsgType, "event", push.Event, "err", err)
		if fallbackFor(&push) {
			return &Reply{Message: Message{Kind: MsgText, Text: Fallback}}, err
		}
		return nil, err
	}
	return r, nil
}

func (p *Pusher) deliver(ctx context.Context, app App, push *wxwire.Push) (*Reply, error) {
	s := app.Server
	var c *wxwire.Cipher
	if s.Mode == ModeCompat || s.Mode == ModeSafe {
		var err error
		if c, err = wxwire.NewCipher(s.AESKey, app.AppID); err != nil {
			return nil, hongyan.Wrap(err, hongyan.CodePrecondition, "the account's EncodingAESKey is malformed")
		}
	}
	ts := strconv.FormatInt(p.opt.Now().Unix(), 10)
	nonce := randomDigits(10)
	q := url.Values{"signature": {wxwire.Signature(s.Token, ts, nonce)}, "timestamp": {ts}, "nonce": {nonce}, "openid": {push.FromUserName}}
	body := push.Marshal()
	if c != nil {
		enc, err := c.Encrypt(body)
		if err != nil {
			return nil, err
		}
		q.Set("encrypt_type", "aes")
		q.Set("msg_signature", wxwire.Signature(s.Token, ts, nonce, enc))
		body = wxwire.SealPush(push, enc, s.Mode == ModeCompat)
	}
	target := withQuery(s.URL, q)
	var last error
	for attempt := 0; attempt < p.opt.Attempts; attempt++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if attempt > 0 {
			p.opt.Metrics.retry()
		}
		data, err := p.post(ctx, target, body)
		if err != nil {
			last = err
			continue
		}
		var r *wxwire.Reply
		if c != nil {
			r, err = wxwire.OpenReply(data, c, s.Token)
		} else {
			r, err = wxwire.ParseReply(data)
		}
		if err != nil {
			return nil, hongyan.Wrap(err, hongyan.CodeUnavailable, "the server's reply is not a valid reply")
		}
		return toReply(r, push), nil
	}
	return nil, last
}

// post makes one attempt; the error is retryable.
func (p *Pusher) post(ctx context.Context, target string, body []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, p.opt.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "text/xml")
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, p.reachErr(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, wxwire.MaxXML+1))
	if err != nil {
		return nil, p.reachErr(err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, hongyan.Errorf(hongyan.CodeUnavailable, "the server answered HTTP %d", resp.StatusCode)
	}
	if len(data) > wxwire.MaxXML {
		return nil, fmt.Errorf("oaapi: reply over %d bytes", wxwire.MaxXML)
	}
	return data, nil
}

// toReply turns a parsed reply into the API's terms. A reply to a user's
// message carries one article at most.
func toReply(r *wxwire.Reply, push *wxwire.Push) *Reply {
	if r == nil {
		return nil
	}
	out := &Reply{}
	switch r.MsgType {
	case wxwire.TypeText:
		if r.Content == "" {
			return nil
		}
		out.Kind, out.Text = MsgText, truncate(r.Content, MaxText)
	case wxwire.TypeImage, wxwire.TypeVoice:
		out.Kind, out.MediaID = r.MsgType, r.MediaID()
	case wxwire.TypeVideo:
		out.Kind, out.MediaID, out.Title, out.Description = MsgVideo, r.Video.MediaId, r.Video.Title, r.Video.Description
	case wxwire.TypeMusic:
		out.Kind, out.Title, out.Description, out.URL, out.HQURL, out.ThumbMediaID = MsgMusic, r.Music.Title, r.Music.Description, r.Music.MusicUrl, r.Music.HQMusicUrl, r.Music.ThumbMediaId
	case wxwire.TypeNews:
		out.Kind = MsgNews
		n := len(r.Articles)
		if push.MsgType != wxwire.TypeEvent && n > 1 {
			n = 1
		}
		for _, a := range r.Articles[:n] {
			out.Articles = append(out.Articles, Article{Title: truncate(a.Title, maxTitle), Description: truncate(a.Description, maxDescription), URL: a.Url, PicURL: a.PicUrl})
		}
	case wxwire.TypeTransfer:
		out.Transfer = true
	default:
		return nil
	}
	return out
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
