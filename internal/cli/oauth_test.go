package cli_test

import (
	"net/url"
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
}
