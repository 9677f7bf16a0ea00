package media

import (
	"bytes"
	"encoding/binary"
	"strings"
	"unicode/utf8"
)

// sniffLen is how many leading bytes Sniff looks at.
const sniffLen = 512

// Sniff returns the MIME type of content from its first bytes (up to 512
// are used), never from a name: the raster images, audio and video formats
// phones and browsers make, PDF and ZIP, and HTML, SVG and XML so that they
// are recognised and never served as something else. Text that is none of
// these is "text/plain; charset=utf-8"; anything else is
// "application/octet-stream".
func Sniff(b []byte) string {
	if len(b) > sniffLen {
		b = b[:sniffLen]
	}
	for _, m := range magics {
		if t := m(b); t != "" {
			return t
		}
	}
	if t := sniffMarkup(b); t != "" {
		return t
	}
	if isText(b) {
		return "text/plain; charset=utf-8"
	}
	return "application/octet-stream"
}

// magics are the binary signatures, most specific first.
var magics = []func(b []byte) string{
	prefix("\xff\xd8\xff", "image/jpeg"),
	prefix("\x89PNG\r\n\x1a\n", "image/png"),
	prefix("GIF87a", "image/gif"),
	prefix("GIF89a", "image/gif"),
	riff("WEBP", "image/webp"),
	riff("WAVE", "audio/wav"),
	riff("AVI ", "video/x-msvideo"),
	sniffBMP,
	sniffFtyp,
	sniffEBML,
	prefix("OggS\x00", "audio/ogg"),
	prefix("fLaC", "audio/flac"),
	prefix("ID3", "audio/mpeg"),
	prefix("#!AMR\n", "audio/amr"),
	prefix("#!AMR-WB\n", "audio/amr-wb"),
	sniffFrameSync,
	prefix("%PDF-", "application/pdf"),
	prefix("PK\x03\x04", "application/zip"),
	prefix("PK\x05\x06", "application/zip"),
	prefix("\x1f\x8b\x08", "application/gzip"),
	prefix("7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"),
	prefix("Rar!\x1a\x07", "application/vnd.rar"),
}

func prefix(sig, typ string) func([]byte) string {
	return func(b []byte) string {
		if bytes.HasPrefix(b, []byte(sig)) {
			return typ
		}
		return ""
	}
}

// riff matches a RIFF container of the given form type.
func riff(form, typ string) func([]byte) string {
	return func(b []byte) string {
		if len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == form {
			return typ
		}
		return ""
	}
}

// sniffBMP matches "BM" only when a known DIB header size follows, since
// two letters alone start plenty of text.
func sniffBMP(b []byte) string {
	if len(b) < 18 || b[0] != 'B' || b[1] != 'M' {
		return ""
	}
	switch binary.LittleEndian.Uint32(b[14:18]) {
	case 12, 40, 52, 56, 64, 108, 124:
		return "image/bmp"
	}
	return ""
}

// sniffFtyp matches the ISO base media file format (MP4, QuickTime, M4A,
// 3GP, HEIF) by the major brand of its leading ftyp box.
func sniffFtyp(b []byte) string {
	if len(b) < 12 || string(b[4:8]) != "ftyp" {
		return ""
	}
	if n := binary.BigEndian.Uint32(b[:4]); n < 12 || n%4 != 0 {
		return ""
	}
	switch brand := string(b[8:12]); {
	case brand == "qt  ":
		return "video/quicktime"
	case brand == "M4A " || brand == "M4B " || brand == "M4P " || brand == "F4A ":
		return "audio/mp4"
	case strings.HasPrefix(brand, "3g2"):
		return "video/3gpp2"
	case strings.HasPrefix(brand, "3gp") || strings.HasPrefix(brand, "3ge") || strings.HasPrefix(brand, "3gg"):
		return "video/3gpp"
	case brand == "heic" || brand == "heix" || brand == "heim" || brand == "heis" || brand == "hevc" || brand == "mif1" || brand == "msf1":
		return "image/heic"
	case brand == "avif" || brand == "avis":
		return "image/avif"
	}
	return "video/mp4"
}

// sniffEBML matches Matroska and WebM by the EBML header and its DocType.
func sniffEBML(b []byte) string {
	if !bytes.HasPrefix(b, []byte("\x1a\x45\xdf\xa3")) {
		return ""
	}
	// DocType element 0x4282, then a one-byte size, then the name.
	if i := bytes.Index(b, []byte("\x42\x82")); i >= 0 && i+3 <= len(b) {
		name := b[i+3:]
		if bytes.HasPrefix(name, []byte("webm")) {
			return "video/webm"
		}
	}
	return "video/x-matroska"
}

// sniffFrameSync matches MPEG audio (MP3) and AAC in ADTS by their frame
// headers: eleven set sync bits, then layer bits that tell them apart.
func sniffFrameSync(b []byte) string {
	if len(b) < 4 || b[0] != 0xff || b[1]&0xe0 != 0xe0 {
		return ""
	}
	version, layer := b[1]>>3&3, b[1]>>1&3
	if b[1]&0xf6 == 0xf0 {
		return "audio/aac" // ADTS: MPEG-2/4 with layer 00
	}
	bitrate, rate := b[2]>>4, b[2]>>2&3
	if version == 1 || layer == 0 || bitrate == 0xf || rate == 3 {
		return ""
	}
	return "audio/mpeg"
}

// htmlTags start an HTML document when followed by a space or '>' (the
// WHATWG sniffing list).
var htmlTags = []string{
	"<!doctype html", "<html", "<head", "<script", "<iframe", "<h1", "<div", "<font",
	"<table", "<a", "<style", "<title", "<b", "<body", "<br", "<p", "<!--",
}

// sniffMarkup recognises HTML, SVG and XML after leading white space and a
// byte-order mark.
func sniffMarkup(b []byte) string {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	b = bytes.TrimLeft(b, "\t\n\x0c\r ")
	lower := bytes.ToLower(b)
	if bytes.HasPrefix(lower, []byte("<svg")) {
		return "image/svg+xml"
	}
	if bytes.HasPrefix(lower, []byte("<?xml")) {
		if bytes.Contains(lower, []byte("<svg")) {
			return "image/svg+xml"
		}
		if bytes.Contains(lower, []byte("<html")) {
			return "text/html; charset=utf-8"
		}
		return "text/xml; charset=utf-8"
	}
	// SVG often begins with a comment or a DOCTYPE.
	if bytes.HasPrefix(lower, []byte("<!doctype svg")) || bytes.HasPrefix(lower, []byte("<!--")) && bytes.Contains(lower, []byte("<svg")) {
		return "image/svg+xml"
	}
	for _, tag := range htmlTags {
		if bytes.HasPrefix(lower, []byte(tag)) && len(lower) > len(tag) {
			if c := lower[len(tag)]; c == ' ' || c == '>' || c == '\t' || c == '\n' || c == '\r' || c == '\x0c' {
				return "text/html; charset=utf-8"
			}
		}
	}
	return ""
}

// isText reports whether b looks like UTF-8 text: valid UTF-8 (a character
// cut off at the end of b is allowed) without control characters other
// than white space and escape.
func isText(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			if !utf8.FullRune(b[i:]) {
				break // cut off by the sniff window
			}
			return false
		}
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' && r != '\x0c' && r != '\x1b' || r == 0x7f {
			return false
		}
		i += n
	}
	return true
}

// isRaster reports whether typ is an image the Service decodes and may
// serve inline.
func isRaster(typ string) bool {
	switch typ {
	case "image/jpeg", "image/png", "image/gif", "image/webp":
		return true
	}
	return false
}

// isAudio reports whether typ is audio.
func isAudio(typ string) bool { return strings.HasPrefix(typ, "audio/") }

// isVideo reports whether typ is video.
func isVideo(typ string) bool { return strings.HasPrefix(typ, "video/") }

// Inline reports whether content of type typ may be shown by a browser
// from our origin: raster images, audio and video. Everything else (HTML,
// SVG, XML, PDF, text, unknown) is served only as a download.
func Inline(typ string) bool {
	return isRaster(typ) || typ == "image/bmp" || isAudio(typ) || isVideo(typ)
}
