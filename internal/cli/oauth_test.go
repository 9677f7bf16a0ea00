package cli_test

import (
	"net/url"
	"strings"
	"testing"
)

// oauth authorize answers an account's authorize URL as the user: a code
// and the state, or the state alone with --deny; a URL that is not one
// is bad input.
func TestOAuthAuthorize(t *testing.T) {
	srv := startNode(t)
	op, user := newDevice(t, srv, "operator"), newDevice(t, srv, "user")
	one[session](op, "register", "oauth_owner", "password-o")
	one[session](user, "register", "oauth_user1", "password-u")
	acct := one[oaCreated](op, "oa", "create", "Library", "Reading Room")
	authURL := "https://open.weixin.qq.com/connect/oauth2/authorize?appid=" + acct.AppID +
		"&redirect_uri=" + url.QueryEscape("https://app.example/cb?x=1") + "&response_type=code&scope=snsapi_userinfo&state=s42#wechat_redirect"
	type loc struct {
		Location string `json:"location"`
	}
	got := one[loc](user, "oauth", "authorize", authURL)
	u, err := url.Parse(got.Location)
	if err != nil || u.Host != "app.example" || u.Query().Get("state") != "s42" || u.Query().Get("x") != "1" || len(u.Query().Get("code")) < 16 {
		t.Errorf("authorize: location %q; want the redirect_uri with a code and the state", got.Location)
	}
	denied := one[loc](user, "oauth", "authorize", authURL, "--deny")
	if denied.Location != "https://app.example/cb?state=s42&x=1" {
		t.Errorf("--deny: location %q; want the state alone", denied.Location)
	}
	if code, ec := user.fail("oauth", "authorize", "https://open.weixin.qq.com/connect/oauth2/authorize?appid=wx1&scope=snsapi_base"); code != 1 || ec != "invalid_argument" {
		t.Errorf("a malformed authorize URL: exit %d, %s; want invalid_argument", code, ec)
	}

	// The operator limits the account's web authorization domain: a
	// redirect_uri on another host (even a subdomain) gets no code.
	type domains struct {
		Domains []string `json:"oauth_domains"`
	}
	if got := one[domains](op, "oa", "domains", acct.AppID, "Other.example, app.example"); len(got.Domains) != 2 || got.Domains[1] != "app.example" {
		t.Errorf("oa domains: %q, want [other.example app.example]", got.Domains)
	}
	if code, ec := user.fail("oa", "domains", acct.AppID, "app.example"); code != 1 || ec != "permission_denied" {
		t.Errorf("oa domains by a non-operator: exit %d, %s; want permission_denied", code, ec)
	}
	if got := one[loc](user, "oauth", "authorize", authURL); !strings.HasPrefix(got.Location, "https://app.example/cb?code=") {
		t.Errorf("authorize to the authorised domain: location %q", got.Location)
	}
	sub := strings.Replace(authURL, url.QueryEscape("https://app.example/"), url.QueryEscape("https://www.app.example/"), 1)
	if code, ec := user.fail("oauth", "authorize", sub); code != 1 || ec != "invalid_argument" {
		t.Errorf("authorize to a subdomain: exit %d, %s; want invalid_argument (redirect_uri 参数错误)", code, ec)
	}
	if got := one[domains](op, "oa", "domains", acct.AppID, ""); len(got.Domains) != 0 {
		t.Errorf("oa domains \"\": %q, want none", got.Domains)
	}
	if got := one[loc](user, "oauth", "authorize", sub); !strings.HasPrefix(got.Location, "https://www.app.example/cb?code=") {
		t.Errorf("authorize with no domains set: location %q; want any host allowed", got.Location)
	}
}
