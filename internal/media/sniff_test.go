package media_test

import (
	"strings"
	"testing"

	"hongyan/internal/media"
)

func TestSniff(t *testing.T) {
	for _, c := range []struct {
		name string
		in   string
		want string
	}{
		{"jpeg", "\xff\xd8\xff\xe0\x00\x10JFIF\x00", "image/jpeg"},
		{"png", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png"},
		{"gif87", "GIF87a\x01\x00", "image/gif"},
		{"gif89", "GIF89a\x01\x00", "image/gif"},
		{"webp", "RIFF\x1a\x00\x00\x00WEBPVP8L", "image/webp"},
		{"bmp", "BM\x36\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00\x28\x00\x00\x00", "image/bmp"},
		{"text starting BM", "BMW is a car maker, founded in 1916.", "text/plain; charset=utf-8"},
		{"wav", "RIFF\x24\x00\x00\x00WAVEfmt ", "audio/wav"},
		{"avi", "RIFF\x24\x00\x00\x00AVI LIST", "video/x-msvideo"},
		{"mp4", "\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isommp42", "video/mp4"},
		{"mp4 mp42", "\x00\x00\x00\x1cftypmp42\x00\x00\x00\x00", "video/mp4"},
		{"quicktime", "\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00", "video/quicktime"},
		{"m4a", "\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00", "audio/mp4"},
		{"3gp", "\x00\x00\x00\x14ftyp3gp4\x00\x00\x00\x00", "video/3gpp"},
		{"heic", "\x00\x00\x00\x18ftypheic\x00\x00\x00\x00", "image/heic"},
		{"ftyp with a bad box size", "\x00\x00\x00\x05ftypisom", "application/octet-stream"},
		{"webm", "\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08\x42\x82\x84webm", "video/webm"},
		{"matroska", "\x1a\x45\xdf\xa3\xa3\x42\x86\x81\x01\x42\x82\x88matroska", "video/x-matroska"},
		{"ogg", "OggS\x00\x02\x00\x00", "audio/ogg"},
		{"flac", "fLaC\x00\x00\x00\x22", "audio/flac"},
		{"mp3 id3", "ID3\x04\x00\x00\x00\x00\x00", "audio/mpeg"},
		{"mp3 frame", "\xff\xfb\x90\x64\x00", "audio/mpeg"},
		{"mp3 reserved version", "\xff\xeb\x90\x64\x00", "application/octet-stream"},
		{"aac adts", "\xff\xf1\x50\x80\x02\x1f\xfc", "audio/aac"},
		{"amr", "#!AMR\n\x3c", "audio/amr"},
		{"amr-wb", "#!AMR-WB\n\x04", "audio/amr-wb"},
		{"pdf", "%PDF-1.7\n", "application/pdf"},
		{"zip", "PK\x03\x04\x14\x00", "application/zip"},
		{"empty zip", "PK\x05\x06\x00\x00", "application/zip"},
		{"html doctype", "<!DOCTYPE html><html><body>", "text/html; charset=utf-8"},
		{"html after white space and BOM", "\xef\xbb\xbf \r\n\t<HTML>", "text/html; charset=utf-8"},
		{"html script", "<script>alert(1)</script>", "text/html; charset=utf-8"},
		{"html comment", "<!-- x --><p>hi", "text/html; charset=utf-8"},
		{"html body tag", "<body onload=x()>", "text/html; charset=utf-8"},
		{"svg", "<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\">", "image/svg+xml"},
		{"svg with xml declaration", "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"/>", "image/svg+xml"},
		{"svg after a comment", "<!-- drawn by hand -->\n<svg/>", "image/svg+xml"},
		{"svg doctype", "<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\">", "image/svg+xml"},
		{"xhtml", "<?xml version=\"1.0\"?><html xmlns=\"http://www.w3.org/1999/xhtml\">", "text/html; charset=utf-8"},
		{"xml", "<?xml version=\"1.0\"?><note/>", "text/xml; charset=utf-8"},
		{"text", "hello, world\n", "text/plain; charset=utf-8"},
		{"chinese text", "你好，世界。红雁", "text/plain; charset=utf-8"},
		{"text cut mid-character", strings.Repeat("a", 511) + "你", "text/plain; charset=utf-8"},
		{"angle bracket text", "<3 you", "text/plain; charset=utf-8"},
		{"binary", "\x00\x01\x02\x03garbage", "application/octet-stream"},
		{"invalid utf-8", "caf\xe9 au lait", "application/octet-stream"},
		{"empty", "", "application/octet-stream"},
	} {
		if got := media.Sniff([]byte(c.in)); got != c.want {
			t.Errorf("Sniff(%s %q): got %q, want %q", c.name, c.in, got, c.want)
		}
	}
}

// A name or an extension never enters into it, and HTML never passes for
// something that may be shown inline.
func TestInline(t *testing.T) {
	for _, c := range []struct {
		typ  string
		want bool
	}{
		{"image/jpeg", true}, {"image/png", true}, {"image/gif", true}, {"image/webp", true},
		{"audio/mpeg", true}, {"audio/webm", true}, {"video/mp4", true}, {"video/webm", true},
		{"image/svg+xml", false}, {"text/html; charset=utf-8", false}, {"text/xml; charset=utf-8", false},
		{"application/pdf", false}, {"text/plain; charset=utf-8", false}, {"application/octet-stream", false},
		{"image/heic", false},
	} {
		if got := media.Inline(c.typ); got != c.want {
			t.Errorf("Inline(%q): got %v, want %v", c.typ, got, c.want)
		}
	}
}

func FuzzSniff(f *testing.F) {
	for _, s := range []string{"\xff\xd8\xff", "\x00\x00\x00\x18ftypisom", "<svg", "\x1a\x45\xdf\xa3", "\xff\xf1"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if typ := media.Sniff(b); typ == "" {
			t.Fatalf("Sniff(%q) = \"\"", b)
		}
	})
}
