package cli

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseArgs(t *testing.T) {
	tests := []struct {
		args      []string
		allowed   []string
		wantPos   []string
		wantFlags map[string]string
		wantErr   bool
	}{
		{
			args:      []string{"alice_01", "pw", "--nickname", "Al", "--phone=123"},
			allowed:   []string{"nickname", "phone"},
			wantPos:   []string{"alice_01", "pw"},
			wantFlags: map[string]string{"nickname": "Al", "phone": "123"},
		},
		{
			args:      []string{"--server", "http://x", "-profile", "/p", "me"},
			wantPos:   []string{"me"},
			wantFlags: map[string]string{"server": "http://x", "profile": "/p"},
		},
		{
			args:      []string{"bob", "--", "--not-a-flag", "-"},
			wantPos:   []string{"bob", "--not-a-flag", "-"},
			wantFlags: map[string]string{},
		},
		{
			args:      []string{"bob", "-", "--greeting="},
			allowed:   []string{"greeting"},
			wantPos:   []string{"bob", "-"},
			wantFlags: map[string]string{"greeting": ""},
		},
		{args: []string{"--nickname", "x"}, wantErr: true},
		{args: []string{"--nickname"}, allowed: []string{"nickname"}, wantErr: true},
	}
	for _, tt := range tests {
		pos, flags, err := parseArgs(tt.args, tt.allowed...)
		if tt.wantErr {
			if err == nil {
				t.Errorf("parseArgs(%q) = %q, %v, want an error", tt.args, pos, flags)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseArgs(%q): %v", tt.args, err)
			continue
		}
		if !slices.Equal(pos, tt.wantPos) {
			t.Errorf("parseArgs(%q) positional = %q, want %q", tt.args, pos, tt.wantPos)
		}
		if diff := cmp.Diff(tt.wantFlags, flags); diff != "" {
			t.Errorf("parseArgs(%q) flags (-want +got):\n%s", tt.args, diff)
		}
	}
}

// errorOutput is the JSON error object the CLI prints on stderr.
type errorOutput struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// runErr runs the CLI expecting failure and returns the exit status and the
// error code printed.
func runErr(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := Main(t.Context(), args, &stdout, &stderr)
	if stdout.Len() != 0 {
		t.Errorf("%q printed on stdout: %s", args, stdout.String())
	}
	var e errorOutput
	if err := json.Unmarshal(stderr.Bytes(), &e); err != nil || strings.Count(stderr.String(), "\n") != 1 {
		t.Errorf("%q: stderr is not one JSON error line: %q", args, stderr.String())
	}
	return code, e.Error.Code
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	prof := t.TempDir()
	for _, args := range [][]string{
		{},
		{"frobnicate"},
		{"--profile", prof, "frobnicate"},
		{"--bogus", "x", "me"},
		{"--profile", prof, "me", "extra"},
		{"--profile", prof, "register", "alice_01"},
		{"--profile", prof, "register", "alice_01", "pw", "--colour", "red"},
		{"--profile", prof, "send", "bob"},
		{"--profile", prof, "sync", "--wait", "soon"},
		{"--profile", prof, "sync", "--until", "-1"},
		{"--profile", prof, "profile", "set"},
		{"--profile", prof, "profile", "set", "--gender", "other"},
		{"--profile", prof, "profile", "get"},
		{"--profile", prof, "friends", "poke", "bob"},
		{"--profile", prof, "friends"},
		{"--profile", prof, "devices", "revoke", "x"},
		{"--profile", prof, "qr-login", "scan"},
		{"--profile", prof, "--server"},
	} {
		code, ecode := runErr(t, args...)
		if code != 2 || ecode != "usage" {
			t.Errorf("Main(%q) = exit %d, code %q; want exit 2, code usage", args, code, ecode)
		}
	}
}

func TestHelp(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}} {
		var stdout, stderr bytes.Buffer
		if code := Main(t.Context(), args, &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "usage:") {
			t.Errorf("Main(%q) = %d, stdout %q; want 0 and the usage", args, code, stdout.String())
		}
	}
}

func TestNotSignedIn(t *testing.T) {
	t.Parallel()
	prof := t.TempDir()
	for _, args := range [][]string{{"me"}, {"sync"}, {"send", "me", "hi"}, {"friends", "list"}, {"qr-login", "confirm", "x"}} {
		code, ecode := runErr(t, append([]string{"--profile", prof, "--server", "http://127.0.0.1:1"}, args...)...)
		if code != 1 || ecode != "unauthenticated" {
			t.Errorf("Main(%q) without a session = exit %d, code %q; want exit 1, unauthenticated", args, code, ecode)
		}
	}
}

func TestServerUnreachable(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler()) // no WebSocket here
	defer srv.Close()
	prof := t.TempDir()
	code, ecode := runErr(t, "--profile", prof, "--server", srv.URL, "login", "alice_01", "password1")
	if code != 1 || ecode != "unavailable" {
		t.Errorf("login to a server without /ws = exit %d, code %q; want exit 1, unavailable", code, ecode)
	}
	// send retries, then reports the same.
	p := profile{dir: prof}
	if err := p.saveSession(session{Server: srv.URL, Token: "t", User: 1, Device: 1}); err != nil {
		t.Fatal(err)
	}
	code, ecode = runErr(t, "--profile", prof, "send", "me", "hi")
	if code != 1 || ecode != "unavailable" {
		t.Errorf("send to a server without /ws = exit %d, code %q; want exit 1, unavailable", code, ecode)
	}
}

func TestProfileFiles(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "new", "profile")
	p := profile{dir: dir}
	if _, err := p.loadSession(); err != errNoSession {
		t.Errorf("loadSession on a new profile = %v, want errNoSession", err)
	}
	if c, err := p.loadCursor(); c != 0 || err != nil {
		t.Errorf("loadCursor on a new profile = %d, %v, want 0, nil", c, err)
	}
	want := session{Server: "http://s", Token: "tok", User: 1, Device: 2}
	if err := p.saveSession(want); err != nil {
		t.Fatal(err)
	}
	if err := p.saveCursor(41); err != nil {
		t.Fatal(err)
	}
	if err := p.saveCursor(42); err != nil {
		t.Fatal(err)
	}
	got, err := p.loadSession()
	if err != nil || got != want {
		t.Errorf("loadSession = %+v, %v, want %+v", got, err, want)
	}
	if c, err := p.loadCursor(); c != 42 || err != nil {
		t.Errorf("loadCursor = %d, %v, want 42", c, err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
		info, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		if mode := info.Mode().Perm(); mode != 0o600 {
			t.Errorf("%s has mode %v, want 0600", e.Name(), mode)
		}
	}
	if want := []string{cursorFile, sessionFile}; !slices.Equal(names, want) {
		t.Errorf("profile holds %q, want %q (no temporary files left)", names, want)
	}
	// A new session is a new device: its cursor starts over.
	if err := p.saveSession(session{Server: "http://s", Token: "tok2", User: 1, Device: 3}); err != nil {
		t.Fatal(err)
	}
	if c, err := p.loadCursor(); c != 0 || err != nil {
		t.Errorf("loadCursor after a new session = %d, %v, want 0", c, err)
	}
	if err := p.clear(); err != nil {
		t.Fatal(err)
	}
	if _, err := p.loadSession(); err != errNoSession {
		t.Errorf("loadSession after clear = %v, want errNoSession", err)
	}
}
