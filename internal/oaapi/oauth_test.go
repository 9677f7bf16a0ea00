package oaapi_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"hongyan/internal/oaapi"
)

func TestRedirectAllowed(t *testing.T) {
	app := oaapi.App{OAuthDomains: []string{"app.example.org", "127.0.0.1:18600"}}
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
		if got := oaapi.RedirectAllowed(app, c.uri); got != c.want {
			t.Errorf("RedirectAllowed(%q) = %v, want %v", c.uri, got, c.want)
		}
	}
	if !oaapi.RedirectAllowed(oaapi.App{}, "https://anywhere.test/") {
		t.Errorf("an account without domains refused a redirect_uri; want any host allowed")
	}
}

func TestAuthorizeRefusesForeignDomain(t *testing.T) {
	e := newEnv(t)
	e.fake.SetOAuthDomains(appID, "app.example.org")
	o := e.oa.GetOauth()
	noFollow := &http.Client{Transport: rewrite{target: mustURL(e.srv.URL)}, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	bad, _ := o.GetRedirectURL("https://sub.app.example.org/cb", oaapi.ScopeBase, "s")
	resp, err := noFollow.Get(bad)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode == http.StatusFound || !strings.Contains(string(body), "redirect_uri 参数错误") || !strings.Contains(string(body), "10003") {
		t.Errorf("authorize with a foreign host: %d %q; want WeChat's redirect_uri 参数错误 (10003) and no redirect", resp.StatusCode, body)
	}
	if loc, err := e.api.Authorize(context.Background(), alice, bad, false); err == nil || loc != "" {
		t.Errorf("Authorize with a foreign host = %q, %v; want refused", loc, err)
	}
	if loc, err := e.api.Authorize(context.Background(), alice, bad, true); err == nil || loc != "" {
		t.Errorf("deny with a foreign host = %q, %v; want refused (no redirect to a foreign host)", loc, err)
	}
	good, _ := o.GetRedirectURL("https://app.example.org/cb", oaapi.ScopeBase, "s")
	resp, err = noFollow.Get(good)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Errorf("authorize with the authorised domain: %d, want 302", resp.StatusCode)
	}
	loc, err := e.api.Authorize(context.Background(), alice, good, false)
	if err != nil || !strings.HasPrefix(loc, "https://app.example.org/cb?code=") {
		t.Errorf("Authorize with the authorised domain = %q, %v", loc, err)
	}
}
