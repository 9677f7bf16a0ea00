// Package qrscan finds QR codes in images (PNG, JPEG, GIF, WebP), bounded:
// the encoded size, the pixel count and the memory decoding would take are
// checked before anything is decoded, large images are scaled down before
// the search, the search has a deadline, and only a few searches run at
// once. Spam screening and the Group Guard use it to tell an image that
// carries a QR code.
package qrscan

import (
	"bytes"
	"context"
	"image"
	_ "image/gif" // decoders of the accepted formats
	_ "image/jpeg"
	_ "image/png"
	"time"

	_ "golang.org/x/image/webp"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"hongyan/internal/hongyan"
	"hongyan/internal/media"
)

// Limits of a Scanner.
type Limits struct {
	MaxBytes  int           // encoded image bytes (default 10 MiB)
	MaxPixels int           // width × height of the decoded image (default 24 million)
	MaxSide   int           // longest side searched; larger images are scaled down (default 1600)
	Timeout   time.Duration // one search (default 3 s)
	Parallel  int           // searches at once (default 2)
	// MaxDecodedBytes bounds the memory decoding one image takes, from its
	// header: width × height × the bytes a pixel of its format and colour
	// model takes, with the decoder's working buffers (8 for a 16-bit PNG
	// or a CMYK JPEG, more for a progressive JPEG; default 96 MiB, 24
	// million pixels of 4 bytes).
	MaxDecodedBytes int
}

// DefaultLimits are the limits of a Scanner made with zero Limits.
func DefaultLimits() Limits {
	return Limits{MaxBytes: 10 << 20, MaxPixels: 24_000_000, MaxDecodedBytes: 96 << 20, MaxSide: 1600, Timeout: 3 * time.Second, Parallel: 2}
}

// Scanner finds QR codes. It is safe for concurrent use.
type Scanner struct {
	lim Limits
	sem chan struct{}
}

// New returns a Scanner; zero fields of lim take their defaults.
func New(lim Limits) *Scanner {
	d := DefaultLimits()
	if lim.MaxBytes <= 0 {
		lim.MaxBytes = d.MaxBytes
	}
	if lim.MaxPixels <= 0 {
		lim.MaxPixels = d.MaxPixels
	}
	if lim.MaxDecodedBytes <= 0 {
		lim.MaxDecodedBytes = d.MaxDecodedBytes
	}
	if lim.MaxSide <= 0 {
		lim.MaxSide = d.MaxSide
	}
	if lim.Timeout <= 0 {
		lim.Timeout = d.Timeout
	}
	if lim.Parallel <= 0 {
		lim.Parallel = d.Parallel
	}
	return &Scanner{lim: lim, sem: make(chan struct{}, lim.Parallel)}
}

// Errors of Scan, with codes.
var (
	ErrTooLarge = hongyan.Errorf(hongyan.CodeTooLarge, "the image is too large to scan")
	ErrFormat   = hongyan.Errorf(hongyan.CodeInvalid, "not an image that can be scanned (PNG, JPEG, GIF or WebP)")
	ErrTimeout  = hongyan.Errorf(hongyan.CodeUnavailable, "scanning the image took too long")
)

// Result is what a scan found.
type Result struct {
	Found bool
	Text  string // the QR code's content, when Found
}

// Scan looks for a QR code in the encoded image data. It returns
// ErrTooLarge (or an error wrapping it, which says why) or ErrFormat
// before decoding pixels when the data is too large or not an image, and
// ErrTimeout when the search outlives the deadline (the search is
// abandoned; it holds its slot until it ends, so abandoned searches cannot
// pile up).
func (s *Scanner) Scan(ctx context.Context, data []byte) (Result, error) {
	if len(data) > s.lim.MaxBytes {
		return Result{}, ErrTooLarge
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return Result{}, ErrFormat
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return Result{}, ErrFormat
	}
	if int64(cfg.Width)*int64(cfg.Height) > int64(s.lim.MaxPixels) {
		return Result{}, ErrTooLarge
	}
	// The pixels alone do not say the memory: a 16-bit PNG takes 8 bytes
	// a pixel decoded, a progressive CMYK JPEG 24. A format whose decoding
	// has no figure (another package may register one) is not scanned.
	b, err := media.DecodedBytes(data, "image/"+format, cfg)
	if err != nil {
		return Result{}, ErrFormat
	}
	if b > int64(s.lim.MaxDecodedBytes) {
		return Result{}, hongyan.Wrap(ErrTooLarge, hongyan.CodeTooLarge, "the image is %d×%d pixels, %d MiB decoded; at most %d MiB decoded are scanned",
			cfg.Width, cfg.Height, (b+1<<20-1)>>20, s.lim.MaxDecodedBytes>>20)
	}
	ctx, cancel := context.WithTimeout(ctx, s.lim.Timeout)
	defer cancel()
	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		return Result{}, ErrTimeout
	}
	done := make(chan Result, 1)
	go func() {
		defer func() {
			if recover() != nil { // a decoder's bug on hostile input is no finding
				done <- Result{}
			}
			<-s.sem
		}()
		done <- s.search(data)
	}()
	select {
	case r := <-done:
		return r, nil
	case <-ctx.Done():
		return Result{}, ErrTimeout
	}
}

func (s *Scanner) search(data []byte) Result {
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return Result{}
	}
	img = shrink(img, s.lim.MaxSide)
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		return Result{}
	}
	hints := map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, hints)
	if err != nil {
		return Result{} // no code found (or none readable)
	}
	return Result{Found: true, Text: res.GetText()}
}

// shrink scales img down (nearest neighbour) so that its longest side is
// at most side.
func shrink(img image.Image, side int) image.Image {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w <= side && h <= side {
		return img
	}
	nw, nh := side, h*side/w
	if h > w {
		nw, nh = w*side/h, side
	}
	nw, nh = max(nw, 1), max(nh, 1)
	out := image.NewGray(image.Rect(0, 0, nw, nh))
	for y := 0; y < nh; y++ {
		sy := b.Min.Y + y*h/nh
		for x := 0; x < nw; x++ {
			out.Set(x, y, img.At(b.Min.X+x*w/nw, sy))
		}
	}
	return out
}
