// Package linkfetch fetches web pages for link previews: the title,
// description and image a page declares (Open Graph, else <title> and
// meta description). It is an SSRF guard as much as a fetcher: every
// connection it makes, including those of redirects and of the preview
// image, is checked at dial time against the address actually dialled, so
// neither DNS answers that change between check and use (rebinding) nor
// redirects can reach loopback, private, link-local or other internal
// addresses.
package linkfetch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/charset"

	"hongyan/internal/hongyan"
)

// Options tune a Fetcher. Zero values take the defaults noted.
type Options struct {
	// Timeout bounds each request, its body included (default 5 s).
	Timeout time.Duration
	// MaxBytes is how much of a page is read (default 1 MiB); the head of
	// a page, where previews are declared, comes first.
	MaxBytes int64
	// MaxImageBytes is the largest preview image fetched (default 5 MiB).
	MaxImageBytes int64
	// AllowPrivate turns the address guard off. For tests only.
	AllowPrivate bool
	// UserAgent is sent with every request (default "HongyanLinkPreview/1").
	UserAgent string
}

// MaxRedirects is how many redirects a fetch follows.
const MaxRedirects = 3

// Lengths a preview's texts are cut to, in characters.
const (
	MaxTitle       = 200
	MaxDescription = 500
)

// Page is what a page declares for its preview.
type Page struct {
	URL         string // the page's final URL, after redirects
	Title       string
	Description string
	Image       []byte // the preview image, nil when none could be fetched
	ImageType   string // its sniffed type: image/jpeg, image/png, image/gif or image/webp
}

// Fetcher fetches previews. It is safe for concurrent use.
type Fetcher struct {
	opt    Options
	client *http.Client
	// allow decides which dialled addresses are acceptable; tests replace
	// it to treat some loopback addresses as internal.
	allow func(netip.Addr) bool
}

// New returns a Fetcher.
func New(opt Options) *Fetcher {
	if opt.Timeout <= 0 {
		opt.Timeout = 5 * time.Second
	}
	if opt.MaxBytes <= 0 {
		opt.MaxBytes = 1 << 20
	}
	if opt.MaxImageBytes <= 0 {
		opt.MaxImageBytes = 5 << 20
	}
	if opt.UserAgent == "" {
		opt.UserAgent = "HongyanLinkPreview/1"
	}
	f := &Fetcher{opt: opt, allow: Public}
	if opt.AllowPrivate {
		f.allow = func(netip.Addr) bool { return true }
	}
	d := &net.Dialer{Timeout: opt.Timeout, Control: f.control}
	tr := &http.Transport{
		Proxy:                 nil, // a proxy would be the address checked, not the target
		DialContext:           d.DialContext,
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   opt.Timeout,
		ResponseHeaderTimeout: opt.Timeout,
		MaxIdleConns:          16,
		IdleConnTimeout:       30 * time.Second,
	}
	f.client = &http.Client{
		Transport: tr,
		Timeout:   opt.Timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > MaxRedirects {
				return errTooManyRedirects
			}
			return checkURL(req.URL)
		},
	}
	return f
}

var errTooManyRedirects = hongyan.Errorf(hongyan.CodeUnavailable, "the link redirects more than %d times", MaxRedirects)

// deniedError is the guard's refusal of an address.
type deniedError struct{ addr string }

func (e *deniedError) Error() string { return "linkfetch: address " + e.addr + " is not public" }

// control is the dialer's check of the address about to be connected to:
// after DNS, for every connection, redirects and images included.
func (f *Fetcher) control(network, address string, _ syscall.RawConn) error {
	return checkDial(f.allow, network, address)
}

func checkDial(allow func(netip.Addr) bool, network, address string) error {
	if network != "tcp4" && network != "tcp6" && network != "tcp" {
		return &deniedError{addr: network + " " + address}
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil || !allow(ap.Addr()) {
		return &deniedError{addr: address}
	}
	return nil
}

// GuardedDialer returns a dialer for other outbound HTTP (webhooks,
// developer-server callbacks) with the same guard: every address it
// connects to, after DNS, must be Public unless allowPrivate is set.
func GuardedDialer(timeout time.Duration, allowPrivate bool) *net.Dialer {
	allow := Public
	if allowPrivate {
		allow = func(netip.Addr) bool { return true }
	}
	return &net.Dialer{Timeout: timeout, Control: func(network, address string, _ syscall.RawConn) error {
		return checkDial(allow, network, address)
	}}
}

// IsDenied reports whether err is the guard's refusal of an address.
func IsDenied(err error) bool {
	var d *deniedError
	return errors.As(err, &d)
}

// Public reports whether ip is an address on the public internet: not
// loopback, private (RFC 1918, fc00::/7), link-local (169.254/16 with the
// cloud metadata service, fe80::/10), multicast, unspecified, CGNAT
// (100.64/10), "this network" (0/8), reserved or documentation ranges, nor
// an IPv6 form that embeds such an IPv4 address (IPv4-mapped, NAT64,
// 6to4).
func Public(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.Zone() != "" {
		return false
	}
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return false
	}
	for _, p := range blocked {
		if p.Contains(ip) {
			return false
		}
	}
	if ip.Is6() {
		b := ip.As16()
		switch {
		case nat64.Contains(ip): // 64:ff9b::a.b.c.d reaches a.b.c.d
			return Public(netip.AddrFrom4([4]byte(b[12:16])))
		case sixToFour.Contains(ip): // 2002:aabb:ccdd::/48 reaches a.b.c.d
			return Public(netip.AddrFrom4([4]byte(b[2:6])))
		}
	}
	return true
}

var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
	// blocked are the special ranges the netip predicates do not cover.
	blocked = []netip.Prefix{
		netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
		netip.MustParsePrefix("100.64.0.0/10"),   // carrier-grade NAT
		netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
		netip.MustParsePrefix("192.0.2.0/24"),    // documentation
		netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
		netip.MustParsePrefix("198.51.100.0/24"), // documentation
		netip.MustParsePrefix("203.0.113.0/24"),  // documentation
		netip.MustParsePrefix("240.0.0.0/4"),     // reserved, broadcast
		netip.MustParsePrefix("::/96"),           // IPv4-compatible (deprecated)
		netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use NAT64
		netip.MustParsePrefix("100::/64"),        // discard-only
		netip.MustParsePrefix("2001::/23"),       // IETF protocol assignments (Teredo, …)
		netip.MustParsePrefix("2001:db8::/32"),   // documentation
		netip.MustParsePrefix("fec0::/10"),       // site-local (deprecated)
	}
)

// checkURL accepts http and https URLs with a host and no credentials.
func checkURL(u *url.URL) error {
	if u.Scheme != "http" && u.Scheme != "https" {
		return hongyan.Errorf(hongyan.CodeInvalid, "only http and https links have previews")
	}
	if u.Hostname() == "" {
		return hongyan.Errorf(hongyan.CodeInvalid, "the link has no host")
	}
	if u.User != nil {
		return hongyan.Errorf(hongyan.CodeInvalid, "links with a user name or password are not fetched")
	}
	return nil
}

// Fetch fetches the page at rawURL and what its preview declares. Errors
// carry codes: CodeInvalid for a URL that is not http(s), CodeDenied for an
// address that is not public, CodeUnavailable when the page cannot be had
// (timeout, failure, an error status, too many redirects).
func (f *Fetcher) Fetch(ctx context.Context, rawURL string) (Page, error) {
	if len(rawURL) > 4096 {
		return Page{}, hongyan.Errorf(hongyan.CodeInvalid, "the link is too long")
	}
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil {
		return Page{}, hongyan.Errorf(hongyan.CodeInvalid, "not a link: %v", err)
	}
	if err := checkURL(u); err != nil {
		return Page{}, err
	}
	resp, err := f.get(ctx, u.String(), "text/html,application/xhtml+xml;q=0.9,image/*;q=0.8")
	if err != nil {
		return Page{}, err
	}
	defer resp.Body.Close()
	page := Page{URL: resp.Request.URL.String()}
	ctype := resp.Header.Get("Content-Type")
	mt, _, _ := mime.ParseMediaType(ctype)
	switch {
	case strings.HasPrefix(mt, "image/"):
		page.Image, page.ImageType = f.readImage(resp.Body)
		return page, nil
	case mt != "" && mt != "text/html" && mt != "application/xhtml+xml":
		return page, nil // a PDF, a download: no preview beyond the URL
	}
	r, err := charset.NewReader(io.LimitReader(resp.Body, f.opt.MaxBytes), ctype)
	if err != nil {
		return page, nil // an unknown encoding: no texts
	}
	meta := parseHead(r)
	page.Title = clean(first(meta.ogTitle, meta.title), MaxTitle)
	page.Description = clean(first(meta.ogDescription, meta.description), MaxDescription)
	if meta.image != "" {
		if iu, err := resp.Request.URL.Parse(meta.image); err == nil && checkURL(iu) == nil {
			page.Image, page.ImageType = f.fetchImage(ctx, iu.String())
		}
	}
	return page, nil
}

// get makes a guarded GET and returns a 2xx response.
func (f *Fetcher) get(ctx context.Context, u, accept string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, hongyan.Errorf(hongyan.CodeInvalid, "not a link: %v", err)
	}
	req.Header.Set("User-Agent", f.opt.UserAgent)
	req.Header.Set("Accept", accept)
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, classify(err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		resp.Body.Close()
		return nil, hongyan.Errorf(hongyan.CodeUnavailable, "the page answered %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	return resp, nil
}

// classify gives a fetch failure its code.
func classify(err error) error {
	var denied *deniedError
	var he *hongyan.Error
	var ne net.Error
	switch {
	case errors.As(err, &denied):
		return &hongyan.Error{Code: hongyan.CodeDenied, Message: "links to local or private addresses are not fetched"}
	case errors.As(err, &he):
		return he
	case errors.As(err, &ne) && ne.Timeout(), errors.Is(err, context.DeadlineExceeded):
		return hongyan.Errorf(hongyan.CodeUnavailable, "the page took too long to answer")
	}
	return fmt.Errorf("%w: %v", hongyan.Errorf(hongyan.CodeUnavailable, "the page could not be fetched"), err)
}

// fetchImage fetches a preview image; any failure means no image.
func (f *Fetcher) fetchImage(ctx context.Context, u string) ([]byte, string) {
	resp, err := f.get(ctx, u, "image/*")
	if err != nil {
		return nil, ""
	}
	defer resp.Body.Close()
	return f.readImage(resp.Body)
}

// readImage reads an image of at most MaxImageBytes and sniffs its type;
// anything else is no image.
func (f *Fetcher) readImage(r io.Reader) ([]byte, string) {
	b, err := io.ReadAll(io.LimitReader(r, f.opt.MaxImageBytes+1))
	if err != nil || int64(len(b)) > f.opt.MaxImageBytes {
		return nil, ""
	}
	switch t := http.DetectContentType(b); t {
	case "image/jpeg", "image/png", "image/gif", "image/webp":
		return b, t
	}
	return nil, ""
}

// head is what parseHead found.
type head struct {
	title, description            string
	ogTitle, ogDescription, image string
}

// parseHead reads the title and preview metadata from the head of an
// HTML document, stopping at its body.
func parseHead(r io.Reader) head {
	var h head
	z := html.NewTokenizer(r)
	inTitle := false
	var title strings.Builder
	for {
		switch z.Next() {
		case html.ErrorToken:
			h.title = title.String()
			return h
		case html.TextToken:
			if inTitle && title.Len() < 4*MaxTitle {
				title.Write(z.Text())
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "title":
				inTitle = false
			case "head":
				h.title = title.String()
				return h
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			switch string(name) {
			case "title":
				inTitle = title.Len() == 0
			case "body":
				h.title = title.String()
				return h
			case "meta":
				if hasAttr {
					h.meta(z)
				}
			}
		}
	}
}

// meta records one <meta> tag's preview data.
func (h *head) meta(z *html.Tokenizer) {
	var key, content string
	for {
		k, v, more := z.TagAttr()
		switch string(bytes.ToLower(k)) {
		case "property", "name":
			if key == "" {
				key = strings.ToLower(string(v))
			}
		case "content":
			content = string(v)
		}
		if !more {
			break
		}
	}
	set := func(p *string) {
		if *p == "" {
			*p = content
		}
	}
	switch key {
	case "og:title", "twitter:title":
		set(&h.ogTitle)
	case "og:description", "twitter:description":
		set(&h.ogDescription)
	case "description":
		set(&h.description)
	case "og:image", "og:image:url", "og:image:secure_url", "twitter:image":
		set(&h.image)
	}
}

func first(a, b string) string {
	if strings.TrimSpace(a) != "" {
		return a
	}
	return b
}

// clean collapses white space, drops control characters and cuts s to n
// characters.
func clean(s string, n int) string {
	s = strings.ToValidUTF8(s, "")
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' || r == '\u00a0' || r == '\u3000'
	}), " ")
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
	if utf8.RuneCountInString(s) > n {
		s = string([]rune(s)[:n])
	}
	return s
}
