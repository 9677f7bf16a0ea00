package oaapi_test

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"hongyan/internal/hongyan"
	"hongyan/internal/oaapi"
)

// FuzzRequests sends arbitrary bodies and queries to the JSON endpoints:
// every answer is HTTP 200 with a JSON object, and nothing panics.
func FuzzRequests(f *testing.F) {
	paths := []string{"/cgi-bin/menu/create", "/cgi-bin/message/custom/send", "/cgi-bin/message/template/send",
		"/cgi-bin/message/mass/sendall", "/cgi-bin/message/mass/send", "/cgi-bin/message/mass/get",
		"/cgi-bin/tags/create", "/cgi-bin/tags/members/batchtagging", "/cgi-bin/user/tag/get",
		"/cgi-bin/user/info/batchget", "/cgi-bin/qrcode/create", "/cgi-bin/stable_token", "/cgi-bin/clear_quota"}
	f.Add(uint8(0), `{"button":[{"type":"click","name":"a","key":"k","sub_button":[]}]}`, "")
	f.Add(uint8(1), `{"touser":"o1","msgtype":"news","news":{"articles":[{"title":"t"}]}}`, "")
	f.Add(uint8(3), `{"filter":{"is_to_all":false,"tag_id":"2"},"msgtype":"text","text":{"content":"x"}}`, "")
	f.Add(uint8(5), `{"msg_id":"18446744073709551616"}`, "")
	f.Add(uint8(10), `{"action_name":"QR_SCENE","expire_seconds":-1,"action_info":{"scene":{"scene_id":"x"}}}`, "")
	f.Add(uint8(11), `{"grant_type":"client_credential","appid":"`+appID+`","secret":"`+secret+`"}`, "")
	f.Add(uint8(0), "", "next_openid=%zz&lang=\x00")
	fx, h, _, _ := fixture(f, nil)
	uid := hongyan.UserID(7)
	fx.Follow(appID, uid, "", fx.Now())
	req := httptest.NewRequest("GET", "/cgi-bin/token?grant_type=client_credential&appid="+appID+"&secret="+secret, nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	json.Unmarshal(rec.Body.Bytes(), &tok)
	f.Fuzz(func(t *testing.T, which uint8, body, query string) {
		path := paths[int(which)%len(paths)]
		req := httptest.NewRequest("POST", path, strings.NewReader(body))
		req.URL.RawQuery = "access_token=" + tok.AccessToken
		if query != "" {
			req.URL.RawQuery += "&" + query
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			t.Fatalf("%s: HTTP %d", path, rec.Code)
		}
		var out map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("%s: answer is not a JSON object: %q", path, rec.Body.String())
		}
	})
}

// FuzzParseAuthorize: any authorize URL is parsed or refused, and an
// accepted one redirects to its own redirect_uri.
func FuzzParseAuthorize(f *testing.F) {
	f.Add("https://open.weixin.qq.com/connect/oauth2/authorize?appid=wx1&redirect_uri=https%3A%2F%2Fa.example%2Fcb&response_type=code&scope=snsapi_base&state=s#wechat_redirect")
	f.Add("?appid=x&redirect_uri=javascript:alert(1)&response_type=code&scope=snsapi_base")
	f.Fuzz(func(t *testing.T, raw string) {
		ar, err := oaapi.ParseAuthorize(raw)
		if err != nil {
			return
		}
		loc := ar.Redirect("c0de")
		if !strings.HasPrefix(loc, "http://") && !strings.HasPrefix(loc, "https://") {
			t.Fatalf("redirect to %q", loc)
		}
	})
}
