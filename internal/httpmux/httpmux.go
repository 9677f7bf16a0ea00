// Package httpmux is an http.ServeMux that lists its routes, so that every
// HTTP route a node serves can be enumerated (the authorisation matrix
// checks that each has a row).
package httpmux

import (
	"net/http"
	"slices"
)

// A Mux is an http.ServeMux that remembers the patterns registered on it.
// A handler mounted on it that lists routes of its own (a Router) is
// recorded by those routes rather than by its mount pattern.
type Mux struct {
	http.ServeMux
	patterns []string
}

// A Router is a handler that can list the patterns it serves.
type Router interface {
	http.Handler
	Routes() []string
}

// New returns an empty Mux.
func New() *Mux { return &Mux{} }

// Handle registers h for pattern, as http.ServeMux.Handle does.
func (m *Mux) Handle(pattern string, h http.Handler) {
	m.ServeMux.Handle(pattern, h)
	if r, ok := h.(Router); ok {
		for _, p := range r.Routes() {
			if !slices.Contains(m.patterns, p) {
				m.patterns = append(m.patterns, p)
			}
		}
		return
	}
	m.patterns = append(m.patterns, pattern)
}

// HandleFunc registers f for pattern, as http.ServeMux.HandleFunc does.
func (m *Mux) HandleFunc(pattern string, f func(http.ResponseWriter, *http.Request)) {
	m.ServeMux.HandleFunc(pattern, f)
	m.patterns = append(m.patterns, pattern)
}

// Routes returns the patterns registered, in order.
func (m *Mux) Routes() []string { return slices.Clone(m.patterns) }

// WithRoutes returns h (typically middleware around routes) as a Router
// that lists the routes of routes.
func WithRoutes(h http.Handler, routes Router) Router { return routed{h, routes} }

type routed struct {
	http.Handler
	of Router
}

func (r routed) Routes() []string { return r.of.Routes() }
