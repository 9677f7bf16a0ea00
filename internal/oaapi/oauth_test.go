package oaapi_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"hongyan/internal/oaapi"
)

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
