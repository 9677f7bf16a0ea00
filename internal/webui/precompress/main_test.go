package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
)

const dist = "../dist"

// The committed compressed copies are exactly what Compress makes of the
// committed build (the CI rebuild depends on it), and each holds its
// original.
func TestCommittedCopiesAreReproduced(t *testing.T) {
	seen := 0
	err := filepath.WalkDir(dist, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		ext := filepath.Ext(p)
		if ext == ".gz" || ext == ".br" {
			if _, err := os.Stat(strings.TrimSuffix(p, ext)); err != nil {
				t.Errorf("%s has no original: %v", p, err)
			}
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		want, err := Compress(filepath.Base(p), data)
		if err != nil {
			t.Fatalf("Compress(%s): %v", p, err)
		}
		for _, enc := range []string{".gz", ".br"} {
			got, err := os.ReadFile(p + enc)
			w, ok := want[enc]
			switch {
			case !ok && err == nil:
				t.Errorf("%s%s is committed but not worth keeping: run make web", p, enc)
			case ok && err != nil:
				t.Errorf("%s%s is missing: run make web", p, enc)
			case ok && !bytes.Equal(got, w):
				t.Errorf("%s%s differs from what the build makes (%d bytes, want %d): run make web", p, enc, len(got), len(w))
			case ok:
				seen++
				if plain := decompress(t, enc, got); !bytes.Equal(plain, data) {
					t.Errorf("%s%s does not decompress to its original", p, enc)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen < 4 {
		t.Errorf("found %d compressed copies; the build's JS and CSS should have them (run make web)", seen)
	}
}

func decompress(t *testing.T, enc string, b []byte) []byte {
	t.Helper()
	var r io.Reader
	if enc == ".gz" {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("gzip: %v", err)
		}
		if zr.Name != "" || !zr.ModTime.IsZero() {
			t.Errorf("gzip header carries name %q, time %v: not reproducible", zr.Name, zr.ModTime)
		}
		r = zr
	} else {
		r = brotli.NewReader(bytes.NewReader(b))
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("%s: %v", enc, err)
	}
	return out
}

func TestCompressChoosesWhatIsWorthIt(t *testing.T) {
	text := bytes.Repeat([]byte("function hello() { return 'world'; }\n"), 100)
	random := make([]byte, 4096)
	rand.NewChaCha8([32]byte{1}).Read(random)
	for _, c := range []struct {
		name string
		data []byte
		want int
	}{
		{"app.js", text, 2},
		{"app.css", text, 2},
		{"tiny.js", []byte("let a = 1;"), 0},
		{"icon.png", text, 0},
		{"noise.js", random, 0},
	} {
		got, err := Compress(c.name, c.data)
		if err != nil {
			t.Fatalf("Compress(%s): %v", c.name, err)
		}
		if len(got) != c.want {
			t.Errorf("Compress(%s): got %d copies, want %d", c.name, len(got), c.want)
		}
		again, _ := Compress(c.name, c.data)
		for enc, b := range got {
			if !bytes.Equal(b, again[enc]) {
				t.Errorf("Compress(%s)%s: two runs differ", c.name, enc)
			}
		}
	}
}
