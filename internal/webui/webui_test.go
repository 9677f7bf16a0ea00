package webui

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
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
		"/add/42", "/qr-login/abcDEF_-09", "/join/XyZ", "/login", "/register", "/oauth/authorize", "/apps/authorize"} {
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
		if strings.HasSuffix(a.Name(), ".br") || strings.HasSuffix(a.Name(), ".gz") {
			continue // served only in place of their originals
		}
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

func request(t *testing.T, h http.Handler, path string, header map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, path, nil)
	for k, v := range header {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func decode(t *testing.T, coding string, b []byte) []byte {
	t.Helper()
	var r io.Reader = bytes.NewReader(b)
	switch coding {
	case "br":
		r = brotli.NewReader(r)
	case "gzip":
		zr, err := gzip.NewReader(r)
		if err != nil {
			t.Fatalf("gzip: %v", err)
		}
		r = zr
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("decoding %s: %v", coding, err)
	}
	return out
}

// The built JS, CSS and index.html go out compressed to browsers that
// accept it, with Vary: Accept-Encoding, from the copies made at build time.
func TestCompressedAssets(t *testing.T) {
	h := Handler()
	assets, err := fs.ReadDir(dist, "dist/assets")
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, a := range assets {
		if n := a.Name(); strings.HasSuffix(n, ".js") || strings.HasSuffix(n, ".css") {
			paths = append(paths, "/assets/"+n)
		}
	}
	if len(paths) < 2 {
		t.Fatalf("built assets: got %v, want the JS and CSS bundles", paths)
	}
	paths = append(paths, "/", "/chat/u/1", "/sw.js")
	for _, p := range paths {
		plain := request(t, h, p, nil)
		if plain.Code != http.StatusOK {
			t.Fatalf("GET %s = %d", p, plain.Code)
		}
		for _, c := range []struct{ accept, want string }{
			{"gzip, deflate, br, zstd", "br"},
			{"br;q=1.0, gzip;q=0.8, *;q=0.1", "br"},
			{"gzip", "gzip"},
			{"gzip;q=1, br;q=0.5", "gzip"},
			{"br;q=0, gzip", "gzip"},
			{"*", "br"},
			{"identity", ""},
			{"", ""},
			{"br;q=0, gzip;q=0", ""},
		} {
			w := request(t, h, p, map[string]string{"Accept-Encoding": c.accept})
			if got := w.Header().Get("Content-Encoding"); got != c.want {
				t.Errorf("GET %s, Accept-Encoding %q: Content-Encoding = %q, want %q", p, c.accept, got, c.want)
				continue
			}
			if got := w.Header().Get("Vary"); got != "Accept-Encoding" {
				t.Errorf("GET %s, Accept-Encoding %q: Vary = %q, want Accept-Encoding", p, c.accept, got)
			}
			body := w.Body.Bytes()
			if c.want != "" && len(body) >= plain.Body.Len() {
				t.Errorf("GET %s in %s: %d bytes, not smaller than %d", p, c.want, len(body), plain.Body.Len())
			}
			if !bytes.Equal(decode(t, c.want, body), plain.Body.Bytes()) {
				t.Errorf("GET %s in %q: does not decode to the file", p, c.want)
			}
			if got, want := w.Header().Get("Content-Type"), plain.Header().Get("Content-Type"); got != want || got == "" {
				t.Errorf("GET %s in %q: Content-Type = %q, want %q", p, c.want, got, want)
			}
			if got := w.Header().Get("Content-Length"); got != strconv.Itoa(len(body)) {
				t.Errorf("GET %s in %q: Content-Length = %q, want %d", p, c.want, got, len(body))
			}
		}
	}
	// Each coding has its own ETag; a browser holding it gets 304.
	br := request(t, h, paths[0], map[string]string{"Accept-Encoding": "br"})
	gz := request(t, h, paths[0], map[string]string{"Accept-Encoding": "gzip"})
	tag := br.Header().Get("ETag")
	if tag == "" || tag == gz.Header().Get("ETag") {
		t.Errorf("ETags: br %q, gzip %q, want two different ones", tag, gz.Header().Get("ETag"))
	}
	if w := request(t, h, paths[0], map[string]string{"Accept-Encoding": "br", "If-None-Match": tag}); w.Code != http.StatusNotModified {
		t.Errorf("GET %s with If-None-Match = %d, want 304", paths[0], w.Code)
	}
	// The copies have no URL of their own.
	if w := get(t, h, paths[0]+".br"); w.Code != http.StatusNotFound {
		t.Errorf("GET %s.br = %d, want 404", paths[0], w.Code)
	}
	// Images are sent as they are.
	if w := request(t, h, "/icon-192.png", map[string]string{"Accept-Encoding": "br, gzip"}); w.Header().Get("Content-Encoding") != "" || w.Code != http.StatusOK {
		t.Errorf("GET /icon-192.png = %d, Content-Encoding %q, want 200 and none", w.Code, w.Header().Get("Content-Encoding"))
	}
}
