package officialacct_test

import (
	"net"
	"net/url"
	"strings"
	"testing"

	oa "hongyan/internal/officialacct"
)

func TestAllowsRedirect(t *testing.T) {
	a := oa.Account{Settings: oa.Settings{OAuthDomains: []string{"app.example.org", "127.0.0.1:18600"}}}
	for _, c := range []struct {
		uri  string
		want bool
	}{
		{"https://app.example.org/cb?x=1", true},
		{"http://APP.example.org:8443/cb", true},  // no port in the domain: any port
		{"https://sub.app.example.org/cb", false}, // a subdomain is another domain, as in WeChat
		{"https://example.org/cb", false},
		{"https://app.example.org.evil.test/cb", false},
		{"https://evil.test/app.example.org", false},
		{"https://evil.test/?u=https://app.example.org", false},
		{"http://127.0.0.1:18600/cb", true},
		{"http://127.0.0.1:18601/cb", false}, // the domain names a port: only that one
		{"http://127.0.0.1/cb", false},
		{"::bad", false},
	} {
		if got := oa.AllowsRedirect(a, c.uri); got != c.want {
			t.Errorf("AllowsRedirect(%q) = %v, want %v", c.uri, got, c.want)
		}
	}
	if !oa.AllowsRedirect(oa.Account{}, "https://anywhere.test/") {
		t.Errorf("an account without domains refused a redirect_uri; want any host allowed")
	}
}

// FuzzAllowsRedirect checks the OAuth2 domain rule on arbitrary
// redirect_uris and domains: an allowed URI's host is exactly the domain's
// (no subdomain, no look-alike), and its port the domain's when it has one.
func FuzzAllowsRedirect(f *testing.F) {
	f.Add("https://app.example.org/cb?x=1", "app.example.org")
	f.Add("http://a.b:81/", "a.b:81")
	f.Add("https://x.app.example.org@evil/", "app.example.org")
	f.Add("http://[::1]:80/", "[::1]:80")
	f.Add("http://%41pp.example.org/", "app.example.org")
	f.Fuzz(func(t *testing.T, uri, domain string) {
		if !oa.AllowsRedirect(oa.Account{Settings: oa.Settings{OAuthDomains: []string{domain}}}, uri) {
			return
		}
		u, err := url.Parse(uri)
		if err != nil {
			t.Fatalf("allowed an unparsable redirect_uri %q", uri)
		}
		host, port, err := net.SplitHostPort(domain)
		if err != nil {
			host, port = strings.Trim(domain, "[]"), ""
		}
		if strings.ToLower(u.Hostname()) != host || (port != "" && u.Port() != port) {
			t.Fatalf("domain %q allowed %q (host %q, port %q)", domain, uri, u.Hostname(), u.Port())
		}
	})
}
