// Package webui serves the web and mobile-web client: the single-page app
// built from web/ (embedded from dist/, so a Go build needs no Node), with
// index.html for every client route, long-lived caching for the
// content-hashed assets, and security headers on every response — a strict
// Content-Security-Policy without 'unsafe-inline' or 'unsafe-eval', nosniff,
// no framing, no referrer.
package webui

import (
	"bytes"
	"embed"
	"io/fs"
	"net/http"
	"path"
	"strings"
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
	"/add/", "/qr-login/", "/join/",
}

// Handler serves the embedded client.
func Handler() http.Handler {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err)
	}
	return handler(sub)
}

func handler(files fs.FS) http.Handler {
	index, _ := fs.ReadFile(files, "index.html")
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
			serve(w, r, "index.html", index)
			return
		}
		name := strings.TrimPrefix(p, "/")
		if name == "index.html" {
			http.Redirect(w, r, "/", http.StatusMovedPermanently)
			return
		}
		data, err := fs.ReadFile(files, name)
		if err != nil {
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
		serve(w, r, name, data)
	})
}

func serve(w http.ResponseWriter, r *http.Request, name string, data []byte) {
	if strings.HasSuffix(name, ".webmanifest") {
		w.Header().Set("Content-Type", "application/manifest+json")
	}
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(data))
}

func isRoute(p string) bool {
	for _, r := range Routes {
		if p == r || r != "/" && strings.HasSuffix(r, "/") && strings.HasPrefix(p, r) {
			return true
		}
	}
	return false
}
