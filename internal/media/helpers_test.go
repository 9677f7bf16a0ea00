package media_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"testing"
	"time"

	"hongyan/internal/hongyan"
	"hongyan/internal/media"
)

// env is a Service over the in-memory fakes, with a clock the test moves.
type env struct {
	s     *media.Service
	store *memStore
	blobs *memBlobs
	tmp   string
	now   time.Time
}

var (
	alice = hongyan.Caller{User: 1, Device: 11}
	bob   = hongyan.Caller{User: 2, Device: 21}
	carol = hongyan.Caller{User: 3, Device: 31}
)

func newEnv(t *testing.T, cfg media.Config, r media.Readers) *env {
	t.Helper()
	e := &env{store: newMemStore(), blobs: newMemBlobs(), tmp: t.TempDir(), now: time.UnixMilli(1_760_000_000_000).UTC()}
	cfg.TempDir = e.tmp
	cfg.Now = func() time.Time { return e.now }
	e.s = media.New(e.store, e.blobs, r, cfg)
	return e
}

func wantCode(t *testing.T, what string, err error, code hongyan.Code) {
	t.Helper()
	if got := hongyan.ErrorCode(err); got != code {
		t.Errorf("%s: got error %v (code %q), want code %q", what, err, got, code)
	}
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// picture is a w×h image with a gradient, so that scaling has work to do.
func picture(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), 128, 255})
		}
	}
	return img
}

func pngBytes(w, h int) []byte {
	var b bytes.Buffer
	png.Encode(&b, picture(w, h))
	return b.Bytes()
}

func jpegBytes(w, h int) []byte {
	var b bytes.Buffer
	jpeg.Encode(&b, picture(w, h), &jpeg.Options{Quality: 90})
	return b.Bytes()
}

func gifBytes(w, h int) []byte {
	var b bytes.Buffer
	gif.Encode(&b, picture(w, h), nil)
	return b.Bytes()
}

// webpBytes is a 1×1 lossless WebP.
var webpBytes = []byte("RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00")

// floodPNG is a PNG of a few dozen bytes whose header declares w×h pixels.
func floodPNG(w, h uint32) []byte { return floodPNGDepth(w, h, 8) }

// floodPNGDepth is floodPNG of RGBA pixels of depth bits a channel.
func floodPNGDepth(w, h uint32, depth byte) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		b.WriteString(typ)
		b.Write(data)
		binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	}
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, depth, 6, 0, 0, 0) // RGBA
	chunk("IHDR", ihdr)
	chunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})
	chunk("IEND", nil)
	return b.Bytes()
}

// wavBytes is an 8 kHz, 8-bit mono WAV of ms milliseconds whose header
// claims headerMS (a WAV that lies when they differ).
func wavBytes(ms, headerMS int) []byte {
	n := 8 * ms
	var b bytes.Buffer
	le := binary.LittleEndian
	b.WriteString("RIFF")
	binary.Write(&b, le, uint32(36+n))
	b.WriteString("WAVEfmt ")
	binary.Write(&b, le, uint32(16))
	binary.Write(&b, le, uint16(1))    // PCM
	binary.Write(&b, le, uint16(1))    // mono
	binary.Write(&b, le, uint32(8000)) // sample rate
	binary.Write(&b, le, uint32(8000)) // byte rate
	binary.Write(&b, le, uint16(1))    // block align
	binary.Write(&b, le, uint16(8))    // bits per sample
	b.WriteString("data")
	binary.Write(&b, le, uint32(8*headerMS))
	b.Write(bytes.Repeat([]byte{0x80}, n))
	return b.Bytes()
}

// webmBytes is the start of a WebM file: enough to sniff.
func webmBytes() []byte {
	return append([]byte("\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08\x42\x82\x84webm"), bytes.Repeat([]byte{0}, 1000)...)
}

// mp4Bytes is the start of an MP4 file: enough to sniff.
func mp4Bytes() []byte {
	return append([]byte("\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isommp42"), bytes.Repeat([]byte{1}, 5000)...)
}

// exifSegment is an APP1 EXIF segment with an orientation (when not 0) and
// a GPS block holding secret as its processing method.
func exifSegment(orientation int, secret string) []byte {
	le := binary.LittleEndian
	entry := func(t []byte, tag, typ uint16, count, value uint32) []byte {
		t = le.AppendUint16(t, tag)
		t = le.AppendUint16(t, typ)
		t = le.AppendUint32(t, count)
		return le.AppendUint32(t, value)
	}
	n := 1
	if orientation > 0 {
		n = 2
	}
	gpsOff := uint32(8 + 2 + 12*n + 4)
	dataOff := gpsOff + 2 + 12*2 + 4
	t := []byte("II\x2a\x00")
	t = le.AppendUint32(t, 8)
	t = le.AppendUint16(t, uint16(n))
	if orientation > 0 {
		t = entry(t, 0x0112, 3, 1, uint32(orientation))
	}
	t = entry(t, 0x8825, 4, 1, gpsOff) // GPS IFD pointer
	t = le.AppendUint32(t, 0)
	t = le.AppendUint16(t, 2)
	t = entry(t, 0x0001, 2, 2, 'N')                       // GPSLatitudeRef "N"
	t = entry(t, 0x001b, 7, uint32(len(secret)), dataOff) // GPSProcessingMethod
	t = le.AppendUint32(t, 0)
	t = append(t, secret...)
	return segment(0xe1, append([]byte("Exif\x00\x00"), t...))
}

// segment is a JPEG marker segment.
func segment(marker byte, payload []byte) []byte {
	s := []byte{0xff, marker, 0, 0}
	binary.BigEndian.PutUint16(s[2:], uint16(len(payload)+2))
	return append(s, payload...)
}

// withMetadata inserts segments after the SOI of a JPEG and appends a
// trailer after its end.
func withMetadata(jpg []byte, trailer string, segs ...[]byte) []byte {
	out := append([]byte{}, jpg[:2]...)
	for _, s := range segs {
		out = append(out, s...)
	}
	out = append(out, jpg[2:]...)
	return append(out, trailer...)
}

// readAll opens media id as c and reads it.
func readAll(t *testing.T, s *media.Service, c hongyan.Caller, id string, thumb bool) (media.Info, []byte) {
	t.Helper()
	info, rc, err := s.Open(t.Context(), c, id, thumb)
	if err != nil {
		t.Fatalf("Open(%s, thumb=%v): %v", id, thumb, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("reading %s: %v", id, err)
	}
	return info, data
}

func mustPut(t *testing.T, s *media.Service, c hongyan.Caller, u media.Upload, data []byte) media.Info {
	t.Helper()
	info, err := s.Put(t.Context(), c, u, bytes.NewReader(data))
	if err != nil {
		t.Fatalf("Put(%s %q): %v", u.Class, u.Name, err)
	}
	return info
}

// failAfter yields n bytes of r and then fails, like a cut connection.
type failAfter struct {
	r io.Reader
	n int
}

func (f *failAfter) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, io.ErrUnexpectedEOF
	}
	if len(p) > f.n {
		p = p[:f.n]
	}
	n, err := f.r.Read(p)
	f.n -= n
	return n, err
}
