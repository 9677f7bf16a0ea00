package main

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// HONGYAN_CONFIG names the configuration file when --config is not given.
func TestConfigFileFromEnv(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hongyan.toml")
	if err := os.WriteFile(path, []byte("listen = \"127.0.0.1:18999\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HONGYAN_CONFIG", path)
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	nf := addNodeFlags(fs)
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	cfg, _, err := nf.load(io.Discard)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if got, want := cfg.Listen, "127.0.0.1:18999"; got != want {
		t.Errorf("listen with HONGYAN_CONFIG=%s: got %q, want %q", path, got, want)
	}
}
