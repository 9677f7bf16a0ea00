// Command precompress writes gzip (.gz) and brotli (.br) copies of the
// built web client's text files beside them, for internal/webui to serve
// to browsers that accept them. `make web` runs it after the Vite build:
//
//	go run ./internal/webui/precompress internal/webui/dist
//
// The output is committed with the build and CI rebuilds it, so it must be
// byte-for-byte reproducible on any machine: both encoders are pure Go
// (no CPU-dependent code paths), the gzip header carries no name and no
// time, and the settings are fixed here. A copy that does not save at
// least a tenth of the file is not kept.
package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/andybalholm/brotli"
)

// compressible are the extensions of the files worth compressing (text).
var compressible = map[string]bool{
	".js": true, ".css": true, ".html": true, ".svg": true, ".webmanifest": true, ".json": true, ".txt": true,
}

// minSize: smaller files are sent as they are.
const minSize = 512

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: precompress DIR")
		os.Exit(2)
	}
	n, err := run(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "precompress:", err)
		os.Exit(1)
	}
	fmt.Printf("precompress: %d files compressed in %s\n", n, os.Args[1])
}

// run compresses every compressible file under dir and removes copies
// that are stale or no longer worth keeping. It returns how many files
// have compressed copies.
func run(dir string) (int, error) {
	var originals []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if ext := filepath.Ext(p); ext == ".gz" || ext == ".br" {
			// A copy without its original is stale.
			if _, err := os.Stat(strings.TrimSuffix(p, ext)); os.IsNotExist(err) {
				return os.Remove(p)
			}
			return nil
		}
		originals = append(originals, p)
		return nil
	})
	if err != nil {
		return 0, err
	}
	count := 0
	for _, p := range originals {
		data, err := os.ReadFile(p)
		if err != nil {
			return 0, err
		}
		variants, err := Compress(filepath.Base(p), data)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", p, err)
		}
		for _, enc := range []string{".gz", ".br"} {
			if v, ok := variants[enc]; ok {
				if err := os.WriteFile(p+enc, v, 0o644); err != nil {
					return 0, err
				}
			} else if err := os.Remove(p + enc); err != nil && !os.IsNotExist(err) {
				return 0, err
			}
		}
		if len(variants) > 0 {
			count++
		}
	}
	return count, nil
}

// Compress returns the compressed copies of a file worth keeping, by
// extension (".gz", ".br"); none for a file that is not text, is small, or
// does not compress.
func Compress(name string, data []byte) (map[string][]byte, error) {
	out := map[string][]byte{}
	if !compressible[filepath.Ext(name)] || len(data) < minSize {
		return out, nil
	}
	var gz bytes.Buffer
	zw, err := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	// The header stays empty: no name, no modification time.
	if _, err := zw.Write(data); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	var br bytes.Buffer
	bw := brotli.NewWriterOptions(&br, brotli.WriterOptions{Quality: brotli.BestCompression, LGWin: 22})
	if _, err := bw.Write(data); err != nil {
		return nil, err
	}
	if err := bw.Close(); err != nil {
		return nil, err
	}
	for enc, b := range map[string][]byte{".gz": gz.Bytes(), ".br": br.Bytes()} {
		if len(b) <= len(data)*9/10 {
			out[enc] = b
		}
	}
	return out, nil
}
