package botapi

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"time"

	"hongyan/internal/bot"
	"hongyan/internal/linkfetch"
)

// Poster sends webhook deliveries over HTTP through the SSRF guard: every
// address dialled, after DNS, must be public unless allowPrivate is set.
// Redirects are not followed (a redirect is a failed attempt), and at most
// 64 KiB of an answer is read.
type Poster struct {
	client *http.Client
}

var _ bot.Poster = (*Poster)(nil)

// NewPoster returns a Poster whose requests take at most timeout.
func NewPoster(timeout time.Duration, allowPrivate bool) *Poster {
	dialer := linkfetch.GuardedDialer(timeout, allowPrivate)
	tr := &http.Transport{
		DialContext:           dialer.DialContext,
		Proxy:                 nil, // a proxy would dial for us, past the guard
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
	}
	return &Poster{client: &http.Client{Transport: tr, Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// Post sends r and returns the answer's status.
func (p *Poster) Post(ctx context.Context, r bot.Request) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.URL, bytes.NewReader(r.Body))
	if err != nil {
		return 0, err
	}
	for k, v := range r.Headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("User-Agent", "Hongyan-Webhooks/1")
	resp, err := p.client.Do(req)
	if err != nil {
		if linkfetch.IsDenied(err) {
			return 0, errors.New("the webhook's address is not public")
		}
		var ue interface{ Timeout() bool }
		if errors.As(err, &ue) && ue.Timeout() {
			return 0, errors.New("the webhook did not answer in time")
		}
		return 0, errors.New("the webhook could not be reached")
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return resp.StatusCode, nil
}
