package qrscan

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"hongyan/internal/hongyan"
)

// qrPNG encodes text as a QR code of side pixels on a white margin.
func qrPNG(t testing.TB, text string, side int) []byte {
	t.Helper()
	m, err := qrcode.NewQRCodeWriter().Encode(text, gozxing.BarcodeFormat_QR_CODE, side, side, nil)
	if err != nil {
		t.Fatal(err)
	}
	img := image.NewGray(image.Rect(0, 0, side, side))
	for y := 0; y < side; y++ {
		for x := 0; x < side; x++ {
			if m.Get(x, y) {
				img.SetGray(x, y, color.Gray{0})
			} else {
				img.SetGray(x, y, color.Gray{255})
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func plainPNG(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestScanFindsQR(t *testing.T) {
	s := New(Limits{})
	got, err := s.Scan(context.Background(), qrPNG(t, "https://spam.example/win", 300))
	if err != nil {
		t.Fatal(err)
	}
	if !got.Found || got.Text != "https://spam.example/win" {
		t.Fatalf("got %+v, want the QR's text found", got)
	}
}

func TestScanLargeImageIsShrunkAndFound(t *testing.T) {
	s := New(Limits{MaxSide: 400})
	got, err := s.Scan(context.Background(), qrPNG(t, "加我微信", 1200))
	if err != nil {
		t.Fatal(err)
	}
	if !got.Found || got.Text != "加我微信" {
		t.Fatalf("got %+v, want found after shrinking", got)
	}
}

func TestScanPlainImageFindsNothing(t *testing.T) {
	got, err := New(Limits{}).Scan(context.Background(), plainPNG(t, 200, 150))
	if err != nil {
		t.Fatal(err)
	}
	if got.Found {
		t.Fatalf("got %+v, want nothing found", got)
	}
}

func TestScanBounds(t *testing.T) {
	ctx := context.Background()
	if _, err := New(Limits{MaxBytes: 10}).Scan(ctx, plainPNG(t, 20, 20)); hongyan.ErrorCode(err) != hongyan.CodeTooLarge {
		t.Fatalf("bytes over the limit: got %v, want too large", err)
	}
	if _, err := New(Limits{MaxPixels: 100}).Scan(ctx, plainPNG(t, 20, 20)); hongyan.ErrorCode(err) != hongyan.CodeTooLarge {
		t.Fatalf("pixels over the limit: got %v, want too large", err)
	}
	if _, err := New(Limits{}).Scan(ctx, []byte("not an image at all")); hongyan.ErrorCode(err) != hongyan.CodeInvalid {
		t.Fatalf("not an image: got %v, want invalid", err)
	}
	// A header that claims a huge image is refused before decoding.
	huge := plainPNG(t, 20, 20)
	huge[16], huge[17], huge[18], huge[19] = 0, 0x01, 0, 0 // width 65536
	huge[20], huge[21], huge[22], huge[23] = 0, 0x01, 0, 0 // height 65536
	if _, err := New(Limits{}).Scan(ctx, huge); hongyan.ErrorCode(err) != hongyan.CodeTooLarge && hongyan.ErrorCode(err) != hongyan.CodeInvalid {
		t.Fatalf("huge header: got %v, want refused", err)
	}
}

// deepPNG is the header of a w×h PNG of 16-bit RGBA pixels (8 bytes
// each decoded), without pixel data.
func deepPNG(w, h uint32) []byte {
	b := []byte("\x89PNG\r\n\x1a\n")
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 16, 6, 0, 0, 0)
	b = binary.BigEndian.AppendUint32(b, uint32(len(ihdr)))
	b = append(b, "IHDR"...)
	b = append(b, ihdr...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(append([]byte("IHDR"), ihdr...)))
}

// cmykJPEG is the header of a w×h baseline 4:4:4 CMYK JPEG (8 bytes a
// pixel decoded: three planes, black, then the CMYK picture), without
// scan data.
func cmykJPEG(w, h int) []byte {
	return []byte{0xff, 0xd8,
		0xff, 0xc0, 0, 20, 8, byte(h >> 8), byte(h), byte(w >> 8), byte(w), 4, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0, 4, 0x11, 0,
		0xff, 0xda, 0, 14, 4, 1, 0, 2, 0, 3, 0, 4, 0, 0, 63, 0,
		0xff, 0xd9}
}

// losslessWebP is the header of a w×h lossless WebP (up to 9 bytes a
// pixel decoded), without pixel data.
func losslessWebP(w, h int) []byte {
	b := append([]byte("RIFF\x12\x00\x00\x00WEBPVP8L"), 6, 0, 0, 0, 0x2f)
	return binary.LittleEndian.AppendUint32(b, uint32(w-1)|uint32(h-1)<<14)
}

// TestScanBoundsDecodedBytes: an image whose pixels pass the pixel limit
// but whose decoding would take more memory than MaxDecodedBytes (a
// 16-bit PNG, a CMYK JPEG: 8 bytes a pixel) is refused from its header,
// before anything is decoded, with an error that says so.
func TestScanBoundsDecodedBytes(t *testing.T) {
	ctx := context.Background()
	s := New(Limits{}) // 24 million pixels, 96 MiB decoded
	for _, c := range []struct {
		name string
		data []byte
	}{
		{"16-bit PNG of 16 Mpx (122 MiB)", deepPNG(4000, 4000)},
		{"CMYK JPEG of 16 Mpx (122 MiB)", cmykJPEG(4000, 4000)},
		{"lossless WebP of 12 Mpx (103 MiB)", losslessWebP(4000, 3000)},
	} {
		_, err := s.Scan(ctx, c.data)
		if hongyan.ErrorCode(err) != hongyan.CodeTooLarge || !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s: got %v, want ErrTooLarge", c.name, err)
		} else if !strings.Contains(err.Error(), "MiB decoded") {
			t.Errorf("%s: got %q, want it to say the memory decoding takes", c.name, err)
		}
	}
	// Within the bound, the header passes and the decoder finds nothing
	// to decode.
	for _, c := range []struct {
		name string
		data []byte
	}{
		{"16-bit PNG of 9 Mpx (69 MiB)", deepPNG(3000, 3000)},
		{"CMYK JPEG of 9 Mpx (69 MiB)", cmykJPEG(3000, 3000)},
		{"lossless WebP of 9 Mpx (77 MiB)", losslessWebP(3000, 3000)},
	} {
		if got, err := s.Scan(ctx, c.data); err != nil || got.Found {
			t.Errorf("%s: got %+v, %v; want nothing found", c.name, got, err)
		}
	}
	if _, err := New(Limits{MaxDecodedBytes: 1 << 20}).Scan(ctx, plainPNG(t, 1024, 1024)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("grey PNG of 1 MiB and a little, limit 1 MiB: got %v, want ErrTooLarge", err)
	}
}

func TestScanCancelled(t *testing.T) {
	s := New(Limits{Parallel: 1})
	s.sem <- struct{}{} // the only slot is busy
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Scan(ctx, qrPNG(t, "x", 100)); hongyan.ErrorCode(err) != hongyan.CodeUnavailable {
		t.Fatalf("got %v, want a timeout", err)
	}
}

func FuzzScan(f *testing.F) {
	f.Add(plainPNG(f, 8, 8))
	f.Add([]byte("GIF89a"))
	s := New(Limits{MaxPixels: 1 << 16})
	f.Fuzz(func(t *testing.T, data []byte) {
		s.Scan(context.Background(), data)
	})
}

// BenchmarkScan is the cost of searching one 600×600 image with a QR code
// (and one without): what screening a new account's image costs.
//
//	go test -run '^$' -bench Scan -benchmem ./internal/qrscan
func BenchmarkScan(b *testing.B) {
	s := New(Limits{Parallel: 1})
	for _, c := range []struct {
		name string
		data []byte
	}{{"qr", qrPNG(b, "https://spam.example/join", 600)}, {"plain", plainPNG(b, 600, 600)}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := s.Scan(context.Background(), c.data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
