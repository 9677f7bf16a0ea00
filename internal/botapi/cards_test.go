package botapi

import (
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"hongyan/internal/hongyan"
)

// TestCheckCardURL: only absolute http(s) links with a host and no user
// info, within 2048 bytes.
func TestCheckCardURL(t *testing.T) {
	for u, ok := range map[string]bool{
		"https://a.example/":                                true,
		"http://a.example:8080/p?q=1#f":                     true,
		"https://例子.example/路径":                             true,
		"https://a.example/" + strings.Repeat("a", 2048-18): true,
		"https://a.example/" + strings.Repeat("a", 2048-17): false,
		"":                                   false,
		"javascript:alert(1)":                false,
		"data:text/html,<b>":                 false,
		"ftp://a.example/":                   false,
		"https://user:pw@a.example/":         false,
		"https://bank.example@evil.example/": false,
		"//a.example/":                       false,
		"/relative":                          false,
		"https:///nohost":                    false,
		"https://a.example/a b":              false,
		"https://a.example/\n":               false,
		"https:a.example":                    false,
	} {
		err := CheckCardURL(u)
		if (err == nil) != ok {
			t.Errorf("CheckCardURL(%q) = %v, want ok %v", u, err, ok)
		}
		if err != nil && hongyan.ErrorCode(err) != hongyan.CodeInvalid {
			t.Errorf("CheckCardURL(%q): code %q, want invalid_argument", u, hongyan.ErrorCode(err))
		}
	}
}

// FuzzCheckCard: whatever a card holds, CheckCard answers ok or
// invalid_argument without panicking, and what it accepts keeps to the
// limits (an http(s) link with a host and no user info, or none).
func FuzzCheckCard(f *testing.F) {
	f.Add("Forecast", "Sunny\nWindy", "https://w.example/today", "")
	f.Add("", "", "javascript:alert(1)", "a b")
	f.Add(strings.Repeat("标", 65), "x\x00", "https://u@h/", "m_1")
	f.Fuzz(func(t *testing.T, title, desc, link, image string) {
		err := CheckCard(CardBody{Title: title, Description: desc, URL: link, Image: image})
		if err != nil {
			if c := hongyan.ErrorCode(err); c != hongyan.CodeInvalid {
				t.Fatalf("code %q for %q %q %q %q", c, title, desc, link, image)
			}
			return
		}
		if utf8.RuneCountInString(title) > MaxCardTitle || utf8.RuneCountInString(desc) > MaxCardDescription || len(link) > MaxCardURL {
			t.Fatalf("accepted over the limits: %q %q %q", title, desc, link)
		}
		if link != "" {
			u, err := url.Parse(link)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
				t.Fatalf("accepted the link %q", link)
			}
		}
	})
}
