package httpmux

import (
	"net/http"
	"slices"
	"testing"
)

func TestMuxListsMountedRoutes(t *testing.T) {
	inner := New()
	inner.HandleFunc("GET /api/a", func(http.ResponseWriter, *http.Request) {})
	inner.Handle("POST /api/b", http.NotFoundHandler())
	outer := New()
	wrapped := WithRoutes(http.StripPrefix("", inner), inner)
	outer.Handle("/api/", wrapped)
	outer.Handle("/api", wrapped) // mounted twice: listed once
	outer.HandleFunc("GET /healthz", func(http.ResponseWriter, *http.Request) {})
	outer.Handle("/", http.NotFoundHandler())
	got, want := outer.Routes(), []string{"GET /api/a", "POST /api/b", "GET /healthz", "/"}
	if !slices.Equal(got, want) {
		t.Errorf("routes: got %q, want %q", got, want)
	}
}
