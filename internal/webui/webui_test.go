package webui

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func get(t *testing.T, h http.Handler, path string) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
	return w
}

func TestEmbeddedIndex(t *testing.T) {
	index, err := fs.ReadFile(dist, "dist/index.html")
	if err != nil {
		t.Fatalf("dist/index.html is not embedded (run make web): %v", err)
	}
	s := string(index)
	if !strings.Contains(s, `<script type="module"`) || !strings.Contains(s, `src="/assets/`) {
		t.Errorf("index.html does not load the built bundle:\n%s", s)
	}
	// CSP: no inline scripts or styles in the shell.
	if strings.Contains(s, "<style") || strings.Contains(s, " style=") || strings.Contains(s, "<script>") {
		t.Errorf("index.html has inline script or style:\n%s", s)
	}
	for _, f := range []string{"dist/sw.js", "dist/manifest.webmanifest", "dist/icon.svg", "dist/icon-192.png"} {
		if _, err := fs.Stat(dist, f); err != nil {
			t.Errorf("%s is not embedded: %v", f, err)
		}
	}
}

func TestHeadersOnEveryResponse(t *testing.T) {
	h := Handler()
	for _, p := range []string{"/", "/chat/u/1", "/assets/none.js", "/sw.js", "/manifest.webmanifest", "/nope"} {
		w := get(t, h, p)
		csp := w.Header().Get("Content-Security-Policy")
		if csp != CSP {
			t.Errorf("%s: CSP = %q, want %q", p, csp, CSP)
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: CSP allows unsafe code: %q", p, csp)
		}
		if got := w.Header().Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options = %q", p, got)
		}
		if got := w.Header().Get("X-Frame-Options"); got != "DENY" {
			t.Errorf("%s: X-Frame-Options = %q", p, got)
		}
	}
}

func TestSPAFallback(t *testing.T) {
	h := Handler()
	index := get(t, h, "/").Body.String()
	if !strings.Contains(index, `id="app"`) {
		t.Fatalf("GET / is not index.html: %q", index)
	}
	for _, p := range []string{"/chats", "/chat/u/12", "/chat/g/7/info", "/contacts", "/contacts/new", "/discover/search", "/me", "/me/devices",
		"/add/42", "/qr-login/abcDEF_-09", "/join/XyZ", "/login", "/register"} {
		w := get(t, h, p)
		if w.Code != http.StatusOK || w.Body.String() != index {
			t.Errorf("GET %s = %d, want index.html", p, w.Code)
		}
		if cc := w.Header().Get("Cache-Control"); cc != "no-cache" {
			t.Errorf("GET %s: Cache-Control = %q, want no-cache", p, cc)
		}
		if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("GET %s: Content-Type = %q", p, ct)
		}
	}
	for _, p := range []string{"/nope", "/favicon.ico", "/chatty", "/wsx"} {
		if w := get(t, h, p); w.Code != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", p, w.Code)
		}
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/", nil))
	if w.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST / = %d, want 405", w.Code)
	}
}

func TestAssetsCache(t *testing.T) {
	h := Handler()
	assets, err := fs.ReadDir(dist, "dist/assets")
	if err != nil || len(assets) == 0 {
		t.Fatalf("no built assets: %v", err)
	}
	for _, a := range assets {
		w := get(t, h, "/assets/"+a.Name())
		if w.Code != http.StatusOK {
			t.Errorf("GET /assets/%s = %d", a.Name(), w.Code)
		}
		if cc := w.Header().Get("Cache-Control"); !strings.Contains(cc, "immutable") {
			t.Errorf("GET /assets/%s: Cache-Control = %q, want long-lived", a.Name(), cc)
		}
	}
	if cc := get(t, h, "/sw.js").Header().Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("sw.js Cache-Control = %q, want no-cache", cc)
	}
	if ct := get(t, h, "/manifest.webmanifest").Header().Get("Content-Type"); ct != "application/manifest+json" {
		t.Errorf("manifest Content-Type = %q", ct)
	}
}
