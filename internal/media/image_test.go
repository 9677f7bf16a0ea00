package media

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"

	"hongyan/internal/hongyan"
)

func TestFit(t *testing.T) {
	for _, c := range []struct{ w, h, side, gw, gh int }{
		{1000, 500, 240, 240, 120},
		{500, 1000, 240, 120, 240},
		{240, 240, 240, 240, 240},
		{241, 1, 240, 240, 1},
		{1, 10000, 240, 1, 240},
		{100, 50, 240, 100, 50},
		{4000, 3000, 240, 240, 180},
	} {
		if gw, gh := fit(c.w, c.h, c.side); gw != c.gw || gh != c.gh {
			t.Errorf("fit(%d, %d, %d) = %d, %d, want %d, %d", c.w, c.h, c.side, gw, gh, c.gw, c.gh)
		}
	}
}

// TestOrient turns a 3×2 image with one marked corner each way EXIF
// knows, and checks where the corner lands.
func TestOrient(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 3, 2))
	red := color.RGBA{255, 0, 0, 255}
	img.SetRGBA(0, 0, red) // top left
	for _, c := range []struct {
		o      int
		w, h   int
		rx, ry int // where the red corner lands
	}{
		{1, 3, 2, 0, 0}, {2, 3, 2, 2, 0}, {3, 3, 2, 2, 1}, {4, 3, 2, 0, 1},
		{5, 2, 3, 0, 0}, {6, 2, 3, 1, 0}, {7, 2, 3, 1, 2}, {8, 2, 3, 0, 2},
	} {
		got := orient(img, c.o)
		if b := got.Bounds(); b.Dx() != c.w || b.Dy() != c.h {
			t.Errorf("orient(%d): got %d×%d, want %d×%d", c.o, b.Dx(), b.Dy(), c.w, c.h)
			continue
		}
		if got.RGBAAt(c.rx, c.ry) != red {
			t.Errorf("orient(%d): red corner is not at (%d, %d)", c.o, c.rx, c.ry)
		}
	}
}

func TestOrientationSegment(t *testing.T) {
	for o := 1; o <= 8; o++ {
		seg := orientationSegment(o)
		if got := exifOrientation(seg[4:]); got != o {
			t.Errorf("orientationSegment(%d) reads back as %d", o, got)
		}
	}
}

func jpegSeed() []byte {
	var b bytes.Buffer
	jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, 16, 16)), nil)
	return b.Bytes()
}

// FuzzStripJPEG: stripping never panics, and what it returns for a JPEG
// the decoder accepts is still accepted.
func FuzzStripJPEG(f *testing.F) {
	f.Add(jpegSeed())
	f.Add(append(append([]byte{0xff, 0xd8}, orientationSegment(6)...), jpegSeed()[2:]...))
	f.Add([]byte("\xff\xd8\xff\xe1\x00\x08Exif\x00\x00\xff\xd9"))
	f.Fuzz(func(t *testing.T, b []byte) {
		out, o, err := stripJPEG(b)
		if err != nil {
			return
		}
		if o < 1 || o > 8 {
			t.Fatalf("orientation %d", o)
		}
		if _, err := jpeg.DecodeConfig(bytes.NewReader(b)); err == nil {
			if _, err := jpeg.DecodeConfig(bytes.NewReader(out)); err != nil {
				t.Fatalf("stripped JPEG no longer readable: %v", err)
			}
		}
	})
}

func FuzzWAVDuration(f *testing.F) {
	f.Add([]byte("RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x40\x1f\x00\x00\x40\x1f\x00\x00\x01\x00\x08\x00data\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ms, err := wavDuration(bytes.NewReader(b), int64(len(b)))
		if err == nil && ms < 0 {
			t.Fatalf("negative duration %d", ms)
		}
	})
}

func TestJPEGFrame(t *testing.T) {
	sof := func(marker byte) []byte {
		return []byte{0xff, 0xd8, 0xff, 0xe0, 0, 4, 'J', 'F', 0xff, marker, 0, 3, 8, 0xff, 0xda, 0, 2}
	}
	for _, tt := range []struct {
		name   string
		data   []byte
		marker byte // 0: none found
	}{
		{"baseline", sof(0xc0), 0xc0},
		{"progressive", sof(0xc2), 0xc2},
		{"progressive arithmetic", sof(0xca), 0xca},
		{"encoded by Go (baseline)", jpegSeed(), 0xc0},
		{"after a Huffman table", []byte{0xff, 0xd8, 0xff, 0xc4, 0, 2, 0xff, 0xc2, 0, 3, 8}, 0xc2},
		{"truncated", []byte{0xff, 0xd8, 0xff}, 0},
		{"cut in the frame header", []byte{0xff, 0xd8, 0xff, 0xc0, 0, 9, 8}, 0},
		{"not a marker", []byte{0xff, 0xd8, 0x00, 0xc2, 0, 0}, 0},
		{"scan first", []byte{0xff, 0xd8, 0xff, 0xda, 0, 2, 0xff, 0xc0, 0, 3, 8}, 0},
	} {
		m, _, ok := jpegFrame(tt.data)
		if !ok {
			m = 0
		}
		if m != tt.marker {
			t.Errorf("%s: got marker %#x, want %#x", tt.name, m, tt.marker)
		}
	}
}

// TestDecodeBudget: an image waits for its share of Config.DecodeBytes
// before it is decoded, and one refused from its header does not wait.
func TestDecodeBudget(t *testing.T) {
	s := New(nil, nil, nil, Config{DecodeBytes: 64 << 20})
	if !s.decoding.TryAcquire(64 << 20) { // every byte of the budget in use
		t.Fatal("TryAcquire on a fresh budget failed")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // a wait ends at once
	var ok bytes.Buffer
	if err := png.Encode(&ok, image.NewRGBA(image.Rect(0, 0, 8, 8))); err != nil {
		t.Fatal(err)
	}
	if _, err := s.processImage(ctx, ok.Bytes(), "image/png"); hongyan.ErrorCode(err) != hongyan.CodeUnavailable {
		t.Errorf("a small image while the budget is in use: got %v, want unavailable (it waited)", err)
	}
	var deep bytes.Buffer
	if err := png.Encode(&deep, image.NewRGBA64(image.Rect(0, 0, 8, 8))); err != nil {
		t.Fatal(err)
	}
	tiny := New(nil, nil, nil, Config{DecodeBytes: 64 << 20, MaxDecodedBytes: 256})
	tiny.decoding.TryAcquire(64 << 20)
	if _, err := tiny.processImage(ctx, deep.Bytes(), "image/png"); hongyan.ErrorCode(err) != hongyan.CodeTooLarge {
		t.Errorf("an image over the decoded limit while the budget is in use: got %v, want too_large without waiting", err)
	}
	s.decoding.Release(64 << 20)
	if _, err := s.processImage(context.Background(), ok.Bytes(), "image/png"); err != nil {
		t.Errorf("a small image with the budget free: %v", err)
	}
}
