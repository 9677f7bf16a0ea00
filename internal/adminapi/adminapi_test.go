package adminapi

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"hongyan/internal/hongyan"
)

func TestParseDuration(t *testing.T) {
	for _, c := range []struct {
		in   string
		want time.Duration
		code hongyan.Code
	}{
		{"30m", 30 * time.Minute, ""},
		{"72h", 72 * time.Hour, ""},
		{"7d", 7 * 24 * time.Hour, ""},
		{"1h30m", 90 * time.Minute, ""},
		{"", 0, hongyan.CodeInvalid},
		{"0s", 0, hongyan.CodeInvalid},
		{"-1h", 0, hongyan.CodeInvalid},
		{"0d", 0, hongyan.CodeInvalid},
		{"36501d", 0, hongyan.CodeInvalid},
		{"d", 0, hongyan.CodeInvalid},
		{"soon", 0, hongyan.CodeInvalid},
		{strings.Repeat("1", 17) + "s", 0, hongyan.CodeInvalid},
	} {
		got, err := ParseDuration(c.in)
		if got != c.want || hongyan.ErrorCode(err) != c.code {
			t.Errorf("ParseDuration(%q): got %v, %v; want %v, code %q", c.in, got, err, c.want, c.code)
		}
	}
}

func TestDecodeBounds(t *testing.T) {
	var v struct{ Name string }
	for _, c := range []struct {
		body string
		code hongyan.Code
	}{
		{`{"Name":"x"}`, ""},
		{`{"Name":"x","Role":"super"}`, hongyan.CodeInvalid}, // unknown field
		{`{"Name":`, hongyan.CodeInvalid},
		{`{"Name":"` + strings.Repeat("x", MaxBody) + `"}`, hongyan.CodeTooLarge},
	} {
		r := httptest.NewRequest("POST", "/admin/api/x", strings.NewReader(c.body))
		if err := decode(r, &v); hongyan.ErrorCode(err) != c.code {
			t.Errorf("decode %.30q: got %v, want code %q", c.body, err, c.code)
		}
	}
}

// FuzzDecode: whatever a client sends as a body, decoding it neither
// panics nor reads past the bound.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"user":"a","kind":"ban","for":"1h","reason":"x","report":1}`, `{}`, `[`, `{"accept":true}`, "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var in struct {
			User   string `json:"user"`
			Kind   string `json:"kind"`
			For    string `json:"for"`
			Reason string `json:"reason"`
			Report int64  `json:"report"`
		}
		r := httptest.NewRequest("POST", "/admin/api/penalties", strings.NewReader(body))
		err := decode(r, &in)
		if len(body) > MaxBody && hongyan.ErrorCode(err) != hongyan.CodeTooLarge {
			t.Fatalf("a %d-byte body: got %v, want too_large", len(body), err)
		}
		if err == nil {
			ParseDuration(in.For)
		}
	})
}
