package botapi

import (
	"bytes"
	"testing"

	"hongyan/internal/hongyan"
)

// FuzzDecodeJSON feeds request bodies to the API's decoder: it returns a
// coded error or a value, never panics, and accepts nothing with trailing
// data or unknown fields.
func FuzzDecodeJSON(f *testing.F) {
	f.Add([]byte(`{"chat":{"type":"group","id":1},"text":"hi","client_id":"c1"}`))
	f.Add([]byte(`{"users":[1,2,3]}`))
	f.Add([]byte(`{"text":"x"} {"text":"y"}`))
	f.Add([]byte(`{"chat":{"type":"direct","id":-1},"sudo":true}`))
	f.Add([]byte(`[`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var s SendBody
		err := DecodeJSON(bytes.NewReader(body), &s)
		if err != nil {
			if c := hongyan.ErrorCode(err); c != hongyan.CodeInvalid && c != hongyan.CodeTooLarge {
				t.Fatalf("error code %q for %q", c, body)
			}
			return
		}
		if len(s.Text) > len(body) || len(s.ClientID) > len(body) {
			t.Fatalf("decoded more text than the body held: %q", body)
		}
	})
}

func TestDecodeJSON(t *testing.T) {
	for _, tc := range []struct {
		body string
		code hongyan.Code
	}{
		{`{"chat":{"type":"group","id":1},"text":"hi"}`, ""},
		{`{"text":"hi","extra":1}`, hongyan.CodeInvalid},
		{`{"text":"hi"} {}`, hongyan.CodeInvalid},
		{`not json`, hongyan.CodeInvalid},
		{``, hongyan.CodeInvalid},
	} {
		var s SendBody
		err := DecodeJSON(bytes.NewReader([]byte(tc.body)), &s)
		if got := hongyan.ErrorCode(err); (err == nil) != (tc.code == "") || (err != nil && got != tc.code) {
			t.Errorf("DecodeJSON(%q) = %v, want code %q", tc.body, err, tc.code)
		}
	}
}
