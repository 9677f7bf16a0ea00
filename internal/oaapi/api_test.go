package oaapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hongyan/internal/oaapi"
	"hongyan/internal/oaapi/oafake"
)

// get calls the API directly and decodes its JSON answer.
func get(t *testing.T, h http.Handler, method, path, body string) map[string]any {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.RemoteAddr = "192.0.2.7:5555"
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Fatalf("%s %s: HTTP %d, want 200", method, path, rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("%s %s: Content-Type %q, want JSON", method, path, ct)
	}
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("%s %s: %v in %s", method, path, err, rec.Body)
	}
	return out
}

func errc(m map[string]any) int {
	n, _ := m["errcode"].(float64)
	return int(n)
}

func fixture(t testing.TB, quotas map[string]int64) (*oafake.Fake, http.Handler, *clock, *oaapi.API) {
	f := oafake.New()
	f.AddApp(oaapi.App{AppID: appID, OriginalID: origID, Type: oaapi.Subscription}, secret)
	c := &clock{t: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
	f.Now = c.Now
	api := oaapi.New(f, oaapi.Options{PublicURL: "https://hy.example", Now: c.Now, Quotas: quotas})
	return f, api.Handler(), c, api
}

func token(t *testing.T, h http.Handler) string {
	t.Helper()
	m := get(t, h, "GET", "/cgi-bin/token?grant_type=client_credential&appid="+appID+"&secret="+secret, "")
	tok, _ := m["access_token"].(string)
	if tok == "" || m["expires_in"] != float64(7200) || m["errmsg"] != nil {
		t.Fatalf("token: %v", m)
	}
	return tok
}

func TestTokenLifetimes(t *testing.T) {
	_, h, c, api := fixture(t, nil)
	for _, tc := range []struct {
		q    string
		want int
	}{
		{"grant_type=client_credential&appid=" + appID, 41004},
		{"grant_type=client_credential&secret=" + secret, 41002},
		{"grant_type=nope&appid=" + appID + "&secret=" + secret, 40002},
		{"grant_type=client_credential&appid=wxffffffffffffffff&secret=" + secret, 40013},
		{"grant_type=client_credential&appid=" + appID + "&secret=ffff", 40125},
	} {
		if got := errc(get(t, h, "GET", "/cgi-bin/token?"+tc.q, "")); got != tc.want {
			t.Errorf("token?%s: errcode %d, want %d", tc.q, got, tc.want)
		}
	}
	menuGet := func(tok string) int { return errc(get(t, h, "GET", "/cgi-bin/menu/get?access_token="+tok, "")) }
	if got := menuGet(""); got != 41001 {
		t.Errorf("no token: %d, want 41001", got)
	}
	if got := menuGet("nope"); got != 40001 {
		t.Errorf("unknown token: %d, want 40001", got)
	}
	t1 := token(t, h)
	if got := menuGet(t1); got != 46003 {
		t.Errorf("valid token: %d, want 46003 (no menu)", got)
	}
	// A new token leaves the old one 5 minutes.
	t2 := token(t, h)
	c.Add(4 * time.Minute)
	if got := menuGet(t1); got != 46003 {
		t.Errorf("old token within 5 minutes: %d, want it valid", got)
	}
	c.Add(2 * time.Minute)
	if got := menuGet(t1); got != 40001 {
		t.Errorf("old token after 5 minutes: %d, want 40001", got)
	}
	c.Add(7200*time.Second - 6*time.Minute)
	if got := menuGet(t2); got != 42001 {
		t.Errorf("token after 7200 s: %d, want 42001", got)
	}
	t3 := token(t, h)
	if err := api.ExpireApp(context.Background(), appID); err != nil {
		t.Fatal(err)
	}
	if got := menuGet(t3); got != 40001 {
		t.Errorf("token after admin expire: %d, want 40001", got)
	}
}

func TestQuotaAndAllowlist(t *testing.T) {
	f, h, c, _ := fixture(t, map[string]int64{"menu/get": 2})
	tok := token(t, h)
	path := "/cgi-bin/menu/get?access_token=" + tok
	for i := range 2 {
		if got := errc(get(t, h, "GET", path, "")); got != 46003 {
			t.Fatalf("call %d: %d, want 46003", i+1, got)
		}
	}
	if got := errc(get(t, h, "GET", path, "")); got != 45009 {
		t.Errorf("call 3: %d, want 45009", got)
	}
	if got := errc(get(t, h, "POST", "/cgi-bin/clear_quota?access_token="+tok, `{"appid":"`+appID+`"}`)); got != 0 {
		t.Errorf("clear_quota: %d", got)
	}
	if got := errc(get(t, h, "GET", path, "")); got != 46003 {
		t.Errorf("after clear_quota: %d, want 46003", got)
	}
	c.Add(24 * time.Hour) // a new day (the token has expired by then)
	tok = token(t, h)
	if got := errc(get(t, h, "GET", "/cgi-bin/menu/get?access_token="+tok, "")); got != 46003 {
		t.Errorf("next day: %d, want 46003", got)
	}
	app, _ := f.App(context.Background(), appID)
	app.IPAllowlist = []netip.Prefix{netip.MustParsePrefix("198.51.100.0/24")}
	f.AddApp(app, secret) // resets the fake's account with the allowlist
	if got := errc(get(t, h, "GET", "/cgi-bin/token?grant_type=client_credential&appid="+appID+"&secret="+secret, "")); got != 40164 {
		t.Errorf("token from outside the allowlist: %d, want 40164", got)
	}
}

func TestBadInputChangesNothing(t *testing.T) {
	f, h, _, _ := fixture(t, nil)
	tok := token(t, h)
	q := "?access_token=" + tok
	for _, tc := range []struct {
		path, body string
		want       int
	}{
		{"/cgi-bin/menu/create", "", 44002},
		{"/cgi-bin/menu/create", `{"button":[{"type":"teleport","name":"x","key":"k"}]}`, 40017},
		{"/cgi-bin/menu/create", `{"button":[{"name":"p","sub_button":[{"type":"view","name":"v","url":""}]}]}`, 40027},
		{"/cgi-bin/menu/create", `{"button":[{"name":"p","sub_button":[{},{},{},{},{},{}]}]}`, 40023},
		{"/cgi-bin/message/custom/send", `{"touser":"o/../x","msgtype":"text","text":{"content":"x"}}`, 40003},
		{"/cgi-bin/message/custom/send", `{"touser":"o1","msgtype":"wxcard"}`, 40008},
		{"/cgi-bin/message/custom/send", `{"touser":"o1","msgtype":"text","text":{"content":"` + strings.Repeat("字", 4001) + `"}}`, 45002},
		{"/cgi-bin/message/mass/send", `{"touser":["o1"],"msgtype":"text","text":{"content":"x"}}`, 40130},
		{"/cgi-bin/message/mass/sendall", `{"filter":{"tag_id":0},"msgtype":"text","text":{"content":"x"}}`, 40050},
		{"/cgi-bin/tags/create", `{"tag":{"name":"` + strings.Repeat("x", 31) + `"}}`, 45158},
		{"/cgi-bin/tags/delete", `{"tag":{"id":2}}`, 45058},
		{"/cgi-bin/tags/members/batchtagging", `{"openid_list":[],"tagid":5}`, 40032},
		{"/cgi-bin/qrcode/create", `{"action_name":"QR_SCENE","action_info":{"scene":{"scene_id":0}}}`, 40053},
		{"/cgi-bin/qrcode/create", `{"action_name":"QR_NOPE"}`, 40052},
		{"/cgi-bin/message/template/send", `{"touser":"o1","template_id":"t","data":{"k":{"value":"` + strings.Repeat("x", 1025) + `"}}}`, 47003},
	} {
		if got := errc(get(t, h, "POST", tc.path+q, tc.body)); got != tc.want {
			t.Errorf("%s %.60s: errcode %d, want %d", tc.path, tc.body, got, tc.want)
		}
	}
	if got := errc(get(t, h, "GET", "/cgi-bin/menu/get"+q, "")); got != 46003 {
		t.Errorf("a menu was stored after bad input: %d", got)
	}
	if len(f.Sent()) != 0 {
		t.Errorf("bad input delivered %v", f.Sent())
	}
	big := `{"button":[{"type":"click","name":"x","key":"` + strings.Repeat("k", oaapi.MaxBody) + `"}]}`
	if got := errc(get(t, h, "POST", "/cgi-bin/menu/create"+q, big)); got == 0 {
		t.Errorf("a body over %d bytes was accepted", oaapi.MaxBody)
	}
}

func TestMedia(t *testing.T) {
	_, h, c, _ := fixture(t, nil)
	tok := token(t, h)
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{R: 255, A: 255})
	var jpg bytes.Buffer
	jpeg.Encode(&jpg, img, nil)
	upload := func(typ string, name string, data []byte) map[string]any {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		fw, _ := mw.CreateFormFile("media", name)
		fw.Write(data)
		mw.Close()
		req := httptest.NewRequest("POST", "/cgi-bin/media/upload?access_token="+tok+"&type="+typ, &b)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var out map[string]any
		json.Unmarshal(rec.Body.Bytes(), &out)
		return out
	}
	m := upload("image", filepath.Join(os.TempDir(), "a", "b.jpg"), jpg.Bytes())
	id, _ := m["media_id"].(string)
	if id == "" || m["type"] != "image" {
		t.Fatalf("upload: %v", m)
	}
	if got := errc(upload("image", "x.txt", []byte("plain text"))); got != 40005 {
		t.Errorf("text as image: %d, want 40005", got)
	}
	if got := errc(upload("sticker", "x.jpg", jpg.Bytes())); got != 40004 {
		t.Errorf("unknown type: %d, want 40004", got)
	}
	if got := errc(upload("thumb", "x.jpg", bytes.Repeat(jpg.Bytes(), 64<<10/jpg.Len()+1))); got != 40006 {
		t.Errorf("thumb over 64 KB: %d, want 40006", got)
	}
	if th := upload("thumb", "t.jpg", jpg.Bytes()); th["thumb_media_id"] == nil {
		t.Errorf("thumb upload: %v, want thumb_media_id", th)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/cgi-bin/media/get?access_token="+tok+"&media_id="+id, nil))
	if rec.Header().Get("Content-Type") != "image/jpeg" || !bytes.Equal(rec.Body.Bytes(), jpg.Bytes()) {
		t.Errorf("media/get: %s, %d bytes", rec.Header().Get("Content-Type"), rec.Body.Len())
	}
	if cd := rec.Header().Get("Content-Disposition"); !strings.Contains(cd, id+".jpg") {
		t.Errorf("Content-Disposition %q", cd)
	}
	c.Add(3*24*time.Hour + time.Second)
	tok = token(t, h)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/cgi-bin/media/get?access_token="+tok+"&media_id="+id, nil))
	var out map[string]any
	json.NewDecoder(io.LimitReader(rec.Body, 1<<10)).Decode(&out)
	if errc(out) != 40007 {
		t.Errorf("media after 3 days: %v, want 40007", out)
	}
}

// getcallbackip and get_api_domain_ip answer the configured addresses, or
// the host's own non-loopback ones when none are configured.
func TestCallbackIPs(t *testing.T) {
	_, h, _, _ := fixture(t, nil)
	tok := token(t, h)
	want := oaapi.InterfaceIPs()
	for _, ip := range want {
		a, err := netip.ParseAddr(ip)
		if err != nil || a.IsLoopback() || a.IsLinkLocalUnicast() {
			t.Errorf("InterfaceIPs has %q; want only routable addresses", ip)
		}
	}
	for _, path := range []string{"/cgi-bin/getcallbackip", "/cgi-bin/get_api_domain_ip"} {
		m := get(t, h, "GET", path+"?access_token="+tok, "")
		got, ok := m["ip_list"].([]any)
		if !ok || len(got) != len(want) {
			t.Fatalf("%s: %v; want ip_list %v", path, m, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("%s: ip_list[%d] = %v, want %v", path, i, got[i], want[i])
			}
		}
	}
	f := oafake.New()
	f.AddApp(oaapi.App{AppID: appID, OriginalID: origID, Type: oaapi.Subscription}, secret)
	h = oaapi.New(f, oaapi.Options{CallbackIPs: []string{"203.0.113.9", "2001:db8::9"}}).Handler()
	m := get(t, h, "GET", "/cgi-bin/getcallbackip?access_token="+token(t, h), "")
	if got, _ := json.Marshal(m["ip_list"]); string(got) != `["203.0.113.9","2001:db8::9"]` {
		t.Errorf("configured getcallbackip: ip_list %s, want the configured two", got)
	}
	if m := get(t, h, "GET", "/cgi-bin/getcallbackip?access_token=nope", ""); errc(m) != 40001 {
		t.Errorf("getcallbackip with a bad token: %v, want 40001", m)
	}
}
