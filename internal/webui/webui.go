// Package webui serves the web and mobile-web client: the single-page app
// built from web/ (embedded from dist/, so a Go build needs no Node), with
// index.html for every client route, long-lived caching for the
// content-hashed assets, and security headers on every response — a strict
// Content-Security-Policy without 'unsafe-inline' or 'unsafe-eval', nosniff,
// no framing, no referrer. Text files are sent brotli- or gzip-compressed
// to browsers that accept it, from copies made at build time
// (./precompress), with Vary: Accept-Encoding and an ETag per coding.
package webui

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"
)

//go:embed all:dist
var dist embed.FS

// CSP is the Content-Security-Policy of every response: scripts, styles
// and connections only from this origin; images and media also from blob:
// URLs (media are fetched with the session token and shown as blobs).
const CSP = "default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; connect-src 'self'; " +
	"style-src 'self'; script-src 'self'; worker-src 'self'; manifest-src 'self'; font-src 'self'; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// Routes are the path prefixes of the client's own routes (web/src/lib/
// router.ts): each is answered with index.html. A prefix ending in "/"
// matches everything under it; one without matches only itself.
var Routes = []string{
	"/", "/chats", "/login", "/register",
	"/chat/", "/contacts", "/contacts/", "/discover", "/discover/", "/me", "/me/",
	"/add/", "/qr-login/", "/join/", "/l/", "/livecode/", "/oa/", "/q/", "/oauth/", "/apps/", "/admin", "/admin/",
}

// Handler serves the embedded client.
func Handler() http.Handler {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err)
	}
	return handler(sub)
}

// file is one servable file and its compressed copies (made at build time
// by ./precompress and embedded beside it as NAME.br and NAME.gz).
type file struct {
	name string
	data []byte
	br   []byte
	gz   []byte
	etag string // strong, of the content; the copies add their coding
}

func load(files fs.FS, name string) *file {
	data, err := fs.ReadFile(files, name)
	if err != nil {
		return nil
	}
	f := &file{name: name, data: data}
	f.br, _ = fs.ReadFile(files, name+".br")
	f.gz, _ = fs.ReadFile(files, name+".gz")
	sum := sha256.Sum256(data)
	f.etag = hex.EncodeToString(sum[:12])
	return f
}

func handler(files fs.FS) http.Handler {
	index := load(files, "index.html")
	// The files are few and small: read each once.
	var mu sync.Mutex
	cache := map[string]*file{}
	lookup := func(name string) *file {
		mu.Lock()
		defer mu.Unlock()
		f, ok := cache[name]
		if !ok {
			if f = load(files, name); f != nil {
				cache[name] = f
			}
		}
		return f
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", CSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Permissions-Policy", "camera=(self), microphone=(self), geolocation=(self)")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		p := path.Clean("/" + r.URL.Path)
		if isRoute(p) {
			if index == nil {
				http.Error(w, "the web client is not built: run make web", http.StatusNotFound)
				return
			}
			h.Set("Cache-Control", "no-cache")
			serve(w, r, index)
			return
		}
		name := strings.TrimPrefix(p, "/")
		if name == "index.html" {
			http.Redirect(w, r, "/", http.StatusMovedPermanently)
			return
		}
		// The compressed copies are served only in place of their
		// originals, never by their own names.
		if strings.HasSuffix(name, ".br") || strings.HasSuffix(name, ".gz") {
			http.NotFound(w, r)
			return
		}
		f := lookup(name)
		if f == nil {
			http.NotFound(w, r)
			return
		}
		switch {
		case strings.HasPrefix(name, "assets/"):
			// Content-hashed names: a changed file gets a new name.
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		case name == "sw.js":
			h.Set("Cache-Control", "no-cache")
			h.Set("Service-Worker-Allowed", "/")
		default:
			h.Set("Cache-Control", "public, max-age=3600")
		}
		serve(w, r, f)
	})
}

// serve sends f, compressed when the browser accepts a coding that f has
// a copy in (brotli before gzip). Range requests and conditional requests
// (ETag) apply to the representation sent.
func serve(w http.ResponseWriter, r *http.Request, f *file) {
	h := w.Header()
	ctype := mime.TypeByExtension(path.Ext(f.name))
	if strings.HasSuffix(f.name, ".webmanifest") {
		ctype = "application/manifest+json"
	}
	if ctype != "" {
		h.Set("Content-Type", ctype)
	}
	data, tag := f.data, f.etag
	if f.br != nil || f.gz != nil {
		h.Add("Vary", "Accept-Encoding")
		switch enc := negotiate(r.Header.Values("Accept-Encoding"), f.br != nil, f.gz != nil); enc {
		case "br":
			data, tag = f.br, f.etag+"-br"
			h.Set("Content-Encoding", enc)
		case "gzip":
			data, tag = f.gz, f.etag+"-gz"
			h.Set("Content-Encoding", enc)
		}
	}
	h.Set("ETag", `"`+tag+`"`)
	if h.Get("Content-Encoding") != "" && r.Header.Get("Range") == "" {
		// ServeContent leaves the length out when a coding is set (for
		// writers that compress on the fly); this copy is whole.
		h.Set("Content-Length", strconv.Itoa(len(data)))
	}
	http.ServeContent(w, r, f.name, time.Time{}, bytes.NewReader(data))
}

// negotiate picks the content coding to send from Accept-Encoding: "br"
// or "gzip" when the browser accepts it (q > 0) and a copy exists, else ""
// (the file as it is). A coding the browser weights higher wins; on a tie
// brotli, which is smaller.
func negotiate(accept []string, haveBr, haveGz bool) string {
	q := map[string]float64{}
	for _, line := range accept {
		for _, part := range strings.Split(line, ",") {
			coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			coding = strings.ToLower(strings.TrimSpace(coding))
			if coding == "" {
				continue
			}
			weight := 1.0
			if k, v, ok := strings.Cut(strings.TrimSpace(params), "="); ok && strings.TrimSpace(k) == "q" {
				x, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				if err != nil || x < 0 || x > 1 {
					continue
				}
				weight = x
			}
			q[coding] = weight
		}
	}
	weight := func(c string) float64 {
		if x, ok := q[c]; ok {
			return x
		}
		if x, ok := q["*"]; ok {
			return x
		}
		return 0
	}
	br, gz := 0.0, 0.0
	if haveBr {
		br = weight("br")
	}
	if haveGz {
		gz = weight("gzip")
		if x, ok := q["x-gzip"]; ok && x > gz {
			gz = x
		}
	}
	switch {
	case br > 0 && br >= gz:
		return "br"
	case gz > 0:
		return "gzip"
	}
	return ""
}

func isRoute(p string) bool {
	for _, r := range Routes {
		if p == r || r != "/" && strings.HasSuffix(r, "/") && strings.HasPrefix(p, r) {
			return true
		}
	}
	return false
}
