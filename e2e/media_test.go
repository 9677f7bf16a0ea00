package e2e

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// Files through the CLI: an image and a large file (resumable upload) sent
// into a group arrive with their media; members download the exact bytes,
// a non-member cannot.
func TestSendFileThroughTheCLI(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, filepath.Join(dir, "data"), "127.0.0.1:0")
	p := func(name string) string { return filepath.Join(dir, name) }
	for _, u := range []string{"mona_001", "nora_001", "otto_001", "paul_001"} {
		cli(t, s, p(u), "register", u, u+"-password")
	}
	for _, u := range []string{"nora_001", "otto_001"} {
		cli(t, s, p("mona_001"), "friends", "request", u)
		cli(t, s, p(u), "friends", "accept", "mona_001")
	}
	g := cli(t, s, p("mona_001"), "groups", "create", "照片", "nora_001", "otto_001")
	target := fmt.Sprint("group:", num(g[0], "group"))

	img := image.NewRGBA(image.Rect(0, 0, 640, 480))
	for i := range img.Pix {
		img.Pix[i] = byte(i)
	}
	img.Set(0, 0, color.White)
	var pngData bytes.Buffer
	if err := png.Encode(&pngData, img); err != nil {
		t.Fatal(err)
	}
	big := make([]byte, 9<<20+123) // above the single-request limit: sent in chunks
	rand.Read(big)
	files := map[string][]byte{"photo.png": pngData.Bytes(), "data.bin": big}
	for name, b := range files {
		if err := os.WriteFile(p(name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cli(t, s, p("mona_001"), "send-file", target, p("photo.png"), "--kind", "image")
	cli(t, s, p("mona_001"), "send-file", target, p("data.bin"))
	if code := cliErr(t, s, p("mona_001"), "send-file", target, p("data.bin"), "--kind", "image"); code != "invalid_argument" {
		t.Errorf("a binary file sent as an image: got %q, want invalid_argument", code)
	}

	got := map[string]map[string]any{}
	for _, obj := range cli(t, s, p("nora_001"), "sync") {
		if m, ok := obj["message"].(map[string]any); ok {
			if md, ok := m["media"].(map[string]any); ok {
				got[m["kind"].(string)] = md
			}
		}
	}
	imgMedia, fileMedia := got["image"], got["file"]
	if imgMedia == nil || fileMedia == nil {
		t.Fatalf("nora's messages carry media %v, want an image and a file", got)
	}
	if num(imgMedia, "width") != 640 || imgMedia["thumbnail"] != true || imgMedia["type"] != "image/png" {
		t.Errorf("image media: got %v", imgMedia)
	}
	if fileMedia["name"] != "data.bin" || num(fileMedia, "size") != int64(len(big)) {
		t.Errorf("file media: got %v", fileMedia)
	}
	for kind, md := range map[string]map[string]any{"photo.png": imgMedia, "data.bin": fileMedia} {
		out := p("nora-" + kind)
		cli(t, s, p("nora_001"), "download", md["id"].(string), out)
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b, files[kind]) {
			t.Errorf("%s downloaded by a member: %d bytes, not the %d sent", kind, len(b), len(files[kind]))
		}
		if code := cliErr(t, s, p("paul_001"), "download", md["id"].(string), p("paul-"+kind)); code != "not_found" {
			t.Errorf("%s downloaded by a non-member: got %q, want not_found", kind, code)
		}
	}
}
