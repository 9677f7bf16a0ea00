package officialacct

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"hongyan/internal/hongyan"
)

func TestValidMenu(t *testing.T) {
	click := Button{Name: "Today", Type: "click", Key: "K1"}
	view := Button{Name: "Site", Type: "view", URL: "https://example.org/"}
	five := []Button{click, click, click, click, view}
	for _, tc := range []struct {
		name string
		m    Menu
		ok   bool
	}{
		{"one click", Menu{Buttons: []Button{click}}, true},
		{"3 × 5", Menu{Buttons: []Button{{Name: "a", Sub: five}, {Name: "b", Sub: five}, {Name: "c", Sub: five}}}, true},
		{"empty", Menu{}, false},
		{"four buttons", Menu{Buttons: []Button{click, click, click, click}}, false},
		{"six sub-buttons", Menu{Buttons: []Button{{Name: "a", Sub: append(five, click)}}}, false},
		{"nested too deep", Menu{Buttons: []Button{{Name: "a", Sub: []Button{{Name: "b", Sub: []Button{click}}}}}}, false},
		{"long top name", Menu{Buttons: []Button{{Name: strings.Repeat("长", 6), Type: "click", Key: "k"}}}, false},
		{"unknown type", Menu{Buttons: []Button{{Name: "x", Type: "miniprogram", Key: "k"}}}, false},
		{"click without key", Menu{Buttons: []Button{{Name: "x", Type: "click"}}}, false},
		{"view to javascript", Menu{Buttons: []Button{{Name: "x", Type: "view", URL: "javascript:alert(1)"}}}, false},
		{"long key", Menu{Buttons: []Button{{Name: "x", Type: "click", Key: strings.Repeat("k", 129)}}}, false},
	} {
		err := ValidMenu(tc.m)
		if got := err == nil; got != tc.ok {
			t.Errorf("%s: got %v, want ok %v", tc.name, err, tc.ok)
		}
		if err != nil && hongyan.ErrorCode(err) != hongyan.CodeInvalid {
			t.Errorf("%s: got code %s, want invalid_argument", tc.name, hongyan.ErrorCode(err))
		}
	}
}

func TestMatchRule(t *testing.T) {
	rules := []Rule{
		{ID: 1, Keyword: "hi", Match: MatchExact, Priority: 0},
		{ID: 2, Keyword: "价格", Match: MatchContains, Priority: 0},
		{ID: 3, Keyword: "price", Match: MatchContains, Priority: 5},
		{ID: 4, Keyword: "Price list", Match: MatchExact, Priority: 1},
		{ID: 5, Keyword: "价格", Match: MatchContains, Priority: 0},
	}
	for _, tc := range []struct {
		text string
		want int64
	}{
		{"hi", 1},
		{" HI ", 1},
		{"hi there", 0},
		{"请问价格多少", 2},     // equal priority: the older rule
		{"price list", 3}, // higher priority wins over an exact match
		{"nothing", 0},
	} {
		r, ok := MatchRule(rules, tc.text)
		if got := map[bool]int64{true: r.ID}[ok]; got != tc.want {
			t.Errorf("MatchRule(%q): got rule %d, want %d", tc.text, got, tc.want)
		}
	}
}

func TestFillTemplate(t *testing.T) {
	got := FillTemplate("Order {{no.DATA}} ships {{when.DATA}}; {{no.DATA}}", []Field{{"no", "42"}, {"when", "today"}})
	if want := "Order 42 ships today; 42"; got != want {
		t.Errorf("FillTemplate: got %q, want %q", got, want)
	}
}

func TestParseTicket(t *testing.T) {
	for in, want := range map[string]string{
		"abc_-1":                       "abc_-1",
		"https://hy.example/q/abc?x=1": "abc",
		"http://h/cgi-bin/showqrcode?ticket=T1&x": "T1",
		" T2 ": "T2",
	} {
		if got := ParseTicket(in); got != want {
			t.Errorf("ParseTicket(%q): got %q, want %q", in, got, want)
		}
	}
}

func TestQuota(t *testing.T) {
	now := time.Date(2026, 12, 4, 15, 30, 0, 0, time.UTC)
	if n, since := Quota(KindSubscription, now); n != 1 || !since.Equal(time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("subscription quota: got %d since %v, want 1 since the day began", n, since)
	}
	if n, since := Quota(KindService, now); n != 4 || !since.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("service quota: got %d since %v, want 4 since the month began", n, since)
	}
}

func TestValidContent(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    Content
		ok   bool
	}{
		{"text", Content{Kind: ContentText, Text: "你好\n第二行"}, true},
		{"blank text", Content{Kind: ContentText, Text: "  "}, false},
		{"long text", Content{Kind: ContentText, Text: strings.Repeat("字", MaxText+1)}, false},
		{"control character", Content{Kind: ContentText, Text: "a\x00b"}, false},
		{"image", Content{Kind: ContentImage, MediaID: "m_1-x"}, true},
		{"image with a bad ID", Content{Kind: ContentImage, MediaID: "../x"}, false},
		{"news", Content{Kind: ContentNews, Articles: []NewsItem{{Title: "t", URL: "https://e.org/"}}}, true},
		{"news too many", Content{Kind: ContentNews, Articles: make([]NewsItem, MaxNews+1)}, false},
		{"news to javascript", Content{Kind: ContentNews, Articles: []NewsItem{{Title: "t", URL: "javascript:x"}}}, false},
		{"template", Content{Kind: ContentTemplate, TemplateID: "t", Fields: []Field{{"no", "1"}}}, true},
		{"template with a bad field", Content{Kind: ContentTemplate, TemplateID: "t", Fields: []Field{{"a b", "1"}}}, false},
		{"voice", Content{Kind: ContentVoice, MediaID: "v1", Format: "amr"}, true},
		{"voice without media", Content{Kind: ContentVoice}, false},
		{"voice with a bad format", Content{Kind: ContentVoice, MediaID: "v1", Format: "a/b"}, false},
		{"video", Content{Kind: ContentVideo, MediaID: "v1", ThumbMediaID: "t1", Title: "片", Text: "说明"}, true},
		{"video with a bad thumb", Content{Kind: ContentVideo, MediaID: "v1", ThumbMediaID: "../t"}, false},
		{"music", Content{Kind: ContentMusic, Title: "歌", URL: "https://e.org/a.mp3", HQURL: "https://e.org/hq.mp3", ThumbMediaID: "t1"}, true},
		{"music without a URL", Content{Kind: ContentMusic, Title: "歌"}, false},
		{"music to javascript", Content{Kind: ContentMusic, URL: "https://e.org/a.mp3", HQURL: "javascript:x"}, false},
		{"unknown", Content{Kind: "shortvideo"}, false},
	} {
		if err := ValidContent(tc.c); (err == nil) != tc.ok {
			t.Errorf("%s: got %v, want ok %v", tc.name, err, tc.ok)
		}
	}
}

func TestAllowsIP(t *testing.T) {
	a := Account{Settings: Settings{IPAllow: []string{"10.0.0.0/8", "192.168.1.5"}}}
	for ip, want := range map[string]bool{"10.1.2.3": true, "192.168.1.5": true, "::ffff:10.0.0.1": true, "192.168.1.6": false, "8.8.8.8": false} {
		if got := AllowsIP(a, netip.MustParseAddr(ip)); got != want {
			t.Errorf("AllowsIP(%s): got %v, want %v", ip, got, want)
		}
	}
	if !AllowsIP(Account{}, netip.MustParseAddr("8.8.8.8")) {
		t.Errorf("an empty allowlist refused an address")
	}
}

func TestValidDomain(t *testing.T) {
	for d, want := range map[string]bool{
		"app.example.org": true, "localhost:8080": true, "127.0.0.1:18600": true, "[::1]:80": true, "xn--fiq228c.cn": true,
		"": false, "https://app.example.org": false, "app.example.org/cb": false, "a..b": false, "-a.org": false,
		"App.example.org": false, "a.org:0": false, "a.org:65536": false, "a.org:08": false, "a b.org": false,
	} {
		if got := ValidDomain(d); got != want {
			t.Errorf("ValidDomain(%q): got %v, want %v", d, got, want)
		}
	}
}

func TestToken(t *testing.T) {
	a, b := Token(32), Token(32)
	if len(a) != 32 || a == b || !urlSafe(a) {
		t.Errorf("Token: got %q and %q; want two different URL-safe 32-character strings", a, b)
	}
	if o := newOpenID(); len(o) != 28 || o[0] != 'o' || !urlSafe(o) {
		t.Errorf("openid %q: want 28 URL-safe characters starting with o", o)
	}
}
