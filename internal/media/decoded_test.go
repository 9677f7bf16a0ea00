package media

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color/palette"
	"image/gif"
	"image/jpeg"
	"image/png"
	"runtime"
	"testing"

	"hongyan/internal/hongyan"
)

// zeroJPEG is a baseline JPEG of w×h pixels, every block of it flat (all
// coefficients zero), whose components sample as hv says; when adobe is
// not negative it has an Adobe segment with that colour transform (0: RGB
// or CMYK, 2: YCCK). Each block takes two bits: a one-bit code for "no
// change of DC" and one for "end of block".
func zeroJPEG(w, h int, hv []byte, adobe int) []byte {
	b := []byte{0xff, 0xd8}
	seg := func(m byte, p ...byte) {
		b = append(b, 0xff, m, byte((len(p)+2)>>8), byte(len(p)+2))
		b = append(b, p...)
	}
	if adobe >= 0 {
		seg(0xee, 'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, byte(adobe))
	}
	seg(0xdb, append([]byte{0}, bytes.Repeat([]byte{1}, 64)...)...) // quantization table 0
	sof := []byte{8, byte(h >> 8), byte(h), byte(w >> 8), byte(w), byte(len(hv))}
	sos := []byte{byte(len(hv))}
	blocks := 0 // in an MCU
	for i, f := range hv {
		sof = append(sof, byte(i+1), f, 0)
		sos = append(sos, byte(i+1), 0)
		blocks += int(f>>4) * int(f&0x0f)
	}
	seg(0xc0, sof...)
	for class := range byte(2) { // one code of one bit: DC category 0; AC end of block
		seg(0xc4, append([]byte{class << 4, 1}, make([]byte, 16)...)...)
	}
	seg(0xda, append(sos, 0, 63, 0)...)
	h0, v0 := int(hv[0]>>4), int(hv[0]&0x0f)
	if len(hv) == 1 {
		h0, v0, blocks = 1, 1, 1
	}
	bits := 2 * blocks * ((w + 8*h0 - 1) / (8 * h0)) * ((h + 8*v0 - 1) / (8 * v0))
	data := make([]byte, (bits+7)/8)
	if bits%8 != 0 {
		data[len(data)-1] = 0xff >> (bits % 8) // padded with ones
	}
	b = append(b, data...)
	return append(b, 0xff, 0xd9)
}

// pngFile is a PNG of the chunks given (type, then data), after the
// signature and ending with IEND.
func pngFile(chunks ...any) []byte {
	b := []byte("\x89PNG\r\n\x1a\n")
	for i := 0; i < len(chunks); i += 2 {
		typ, data := chunks[i].(string), chunks[i+1].([]byte)
		b = binary.BigEndian.AppendUint32(b, uint32(len(data)))
		b = append(b, typ...)
		b = append(b, data...)
		b = binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	}
	return append(b, 0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82)
}

// greyPNG is a w×h 8-bit grey PNG; interlaced (Adam7) when asked, with a
// tRNS chunk (grey 0 transparent) when asked.
func greyPNG(w, h int, interlaced, trns bool) []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, uint32(w))
	ihdr = binary.BigEndian.AppendUint32(ihdr, uint32(h))
	ihdr = append(ihdr, 8, 0, 0, 0, 0)
	// The passes: offsets and steps across and down (Adam7's seven, or
	// one of every pixel).
	passes := [][4]int{{0, 1, 0, 1}}
	if interlaced {
		ihdr[12] = 1
		passes = [][4]int{{0, 8, 0, 8}, {4, 8, 0, 8}, {0, 4, 4, 8}, {2, 4, 0, 4}, {0, 2, 2, 4}, {1, 2, 0, 2}, {0, 1, 1, 2}}
	}
	var raw bytes.Buffer
	for _, p := range passes {
		pw, ph := (w-p[0]+p[1]-1)/p[1], (h-p[2]+p[3]-1)/p[3]
		if pw <= 0 || ph <= 0 {
			continue
		}
		raw.Write(make([]byte, ph*(1+pw))) // filter none, black
	}
	var idat bytes.Buffer
	z := zlib.NewWriter(&idat)
	z.Write(raw.Bytes())
	z.Close()
	chunks := []any{"IHDR", ihdr}
	if trns {
		chunks = append(chunks, "tRNS", []byte{0, 0})
	}
	return pngFile(append(chunks, "IDAT", idat.Bytes())...)
}

// vp8l is a lossless WebP of w×h pixels, all transparent black: each
// Huffman code is simple, of one symbol, so a pixel takes no bits.
func vp8l(w, h int) []byte {
	var bits []bool
	put := func(v uint32, n int) {
		for i := range n {
			bits = append(bits, v>>i&1 == 1)
		}
	}
	put(0x2f, 8)
	put(uint32(w-1), 14)
	put(uint32(h-1), 14)
	put(0, 1+3) // no alpha hint, version 0
	put(0, 1)   // no transform
	put(0, 1)   // no colour cache
	put(0, 1)   // no meta Huffman image
	for range 5 {
		put(1, 1) // simple code
		put(0, 1) // of one symbol
		put(0, 1) // of one bit
		put(0, 1) // symbol 0
	}
	data := make([]byte, (len(bits)+7)/8)
	for i, b := range bits {
		if b {
			data[i/8] |= 1 << (i % 8)
		}
	}
	if len(data)%2 == 1 {
		data = append(data, 0)
	}
	b := append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(12+len(data)))...)
	b = append(b, "WEBPVP8L"...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(data)))
	return append(b, data...)
}

// interlacedGIF is gif.Encode's w×h GIF with its frame marked interlaced
// (the same pixels, rows in another order).
func interlacedGIF(w, h int) []byte {
	var buf bytes.Buffer
	gif.Encode(&buf, image.NewPaletted(image.Rect(0, 0, w, h), palette.Plan9), nil)
	b := buf.Bytes()
	i := 13 // after the header and the logical screen descriptor
	if b[10]&0x80 != 0 {
		i += 3 << (b[10]&0x07 + 1) // the global colour table
	}
	for b[i] == 0x21 { // extensions: a label, then sub-blocks to an empty one
		for i += 2; b[i] != 0; i += int(b[i]) + 1 {
		}
		i++
	}
	b[i+9] |= 0x40 // the image descriptor's interlace flag
	return b
}

func encoded(t *testing.T, encode func(*bytes.Buffer) error) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := encode(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// allocated is the memory f allocates (live or garbage).
func allocated(f func()) int64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return int64(after.TotalAlloc - before.TotalAlloc)
}

// TestDecodedBytesFollowDecoders decodes images of each kind and compares
// what the decoder allocates with DecodedBytes's figure from the header:
// never more (beside the decoders' tables of a fixed size), and, where the
// figure is exact for the image, not much less either.
func TestDecodedBytesFollowDecoders(t *testing.T) {
	const side = 1024
	const fixed = 256 << 10 // tables, buffers and decompression windows
	rect := image.Rect(0, 0, side, side)
	jpegOf := func(img image.Image) []byte {
		return encoded(t, func(b *bytes.Buffer) error { return jpeg.Encode(b, img, nil) })
	}
	pngOf := func(img image.Image) []byte {
		return encoded(t, func(b *bytes.Buffer) error { return png.Encode(b, img) })
	}
	for _, c := range []struct {
		name  string
		typ   string
		data  []byte
		exact bool // the figure is what this image takes, not a bound for its kind
	}{
		{"grey JPEG", "image/jpeg", jpegOf(image.NewGray(rect)), true},
		{"4:2:0 YCbCr JPEG", "image/jpeg", jpegOf(image.NewRGBA(rect)), true},
		{"4:4:4 YCbCr JPEG", "image/jpeg", zeroJPEG(side, side, []byte{0x11, 0x11, 0x11}, -1), true},
		{"RGB JPEG", "image/jpeg", zeroJPEG(side, side, []byte{0x11, 0x11, 0x11}, 0), true},
		{"4:4:4 CMYK JPEG", "image/jpeg", zeroJPEG(side, side, []byte{0x11, 0x11, 0x11, 0x11}, 0), true},
		{"4:4:4 YCCK JPEG", "image/jpeg", zeroJPEG(side, side, []byte{0x11, 0x11, 0x11, 0x11}, 2), true},
		{"4:2:0 YCCK JPEG", "image/jpeg", zeroJPEG(side, side, []byte{0x22, 0x11, 0x11, 0x22}, 2), true},
		{"odd-sized 4:2:0 CMYK JPEG", "image/jpeg", zeroJPEG(side+1, side-9, []byte{0x22, 0x11, 0x11, 0x22}, 0), true},
		{"grey PNG", "image/png", greyPNG(side, side, false, false), true},
		{"grey PNG with tRNS", "image/png", greyPNG(side, side, false, true), true},
		{"interlaced grey PNG", "image/png", greyPNG(side, side, true, false), true},
		{"interlaced grey PNG with tRNS", "image/png", greyPNG(side, side, true, true), true},
		{"16-bit grey PNG", "image/png", pngOf(image.NewGray16(rect)), true},
		{"RGBA PNG", "image/png", pngOf(image.NewRGBA(rect)), true},
		{"16-bit RGBA PNG", "image/png", pngOf(image.NewRGBA64(rect)), true},
		{"paletted PNG", "image/png", pngOf(image.NewPaletted(rect, palette.Plan9)), true},
		{"1×1,000,000 grey PNG", "image/png", greyPNG(1, side*side, false, false), true},
		{"1,000,000×1 grey PNG", "image/png", greyPNG(side*side, 1, false, false), true},
		{"GIF", "image/gif", encoded(t, func(b *bytes.Buffer) error { return gif.Encode(b, image.NewPaletted(rect, palette.Plan9), nil) }), false},
		{"interlaced GIF", "image/gif", interlacedGIF(side, side), true},
		{"lossless WebP", "image/webp", vp8l(side, side), false},
	} {
		dec := decoders[c.typ]
		cfg, err := dec.config(c.data)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		figure, err := DecodedBytes(c.data, c.typ, cfg)
		if err != nil {
			t.Errorf("%s: DecodedBytes: %v", c.name, err)
			continue
		}
		var img image.Image
		got := allocated(func() { img, err = dec.decode(c.data) })
		if err != nil {
			t.Errorf("%s: decode: %v", c.name, err)
			continue
		}
		t.Logf("%s (%T): %d bytes allocated, figure %d", c.name, img, got, figure)
		if got > figure+fixed {
			t.Errorf("%s (%T): decoding allocated %d bytes; the header's figure is %d", c.name, img, got, figure)
		}
		if c.exact && figure > got+got/20 {
			t.Errorf("%s (%T): the header's figure is %d bytes; decoding allocated %d", c.name, img, figure, got)
		}
	}
}

// TestCMYKJPEGCountedInFull: a 4:4:4 CMYK JPEG takes 8 bytes a pixel
// decoded (its three planes and black, then the CMYK picture), not the 4
// of its colour model, and one over the limit so counted is refused from
// its header, before it is decoded.
func TestCMYKJPEGCountedInFull(t *testing.T) {
	const side = 1024 // 4 MiB at 4 bytes a pixel, 8 MiB at 8
	header := zeroJPEG(side, side, []byte{0x11, 0x11, 0x11, 0x11}, 0)
	sos := bytes.Index(header, []byte{0xff, 0xda})
	header = append(header[:sos+2+int(header[sos+3])], 0xff, 0xd9) // the scan's header without its data
	_, err := inspectImage(header, "image/jpeg", 50_000_000, 6<<20)
	if hongyan.ErrorCode(err) != hongyan.CodeTooLarge || hongyan.ErrorReason(err) != hongyan.ReasonImageTooLarge {
		t.Errorf("CMYK JPEG of 8 MiB decoded, limit 6 MiB: got %v, want too_large (%s) from the header", err, hongyan.ReasonImageTooLarge)
	}
	in, err := inspectImage(header, "image/jpeg", 50_000_000, 8<<20)
	if err != nil {
		t.Fatalf("CMYK JPEG of 8 MiB decoded, limit 8 MiB: %v", err)
	}
	if want := int64(8<<20 + thumbMemory); in.memory != want {
		t.Errorf("CMYK JPEG's memory: got %d, want %d (8 bytes a pixel and a thumbnail)", in.memory, want)
	}
}

// TestThumbnailMemory: whatever the source's shape, making a thumbnail
// allocates at most thumbMemory besides the source, which the decoded
// bytes count.
func TestThumbnailMemory(t *testing.T) {
	for _, size := range []image.Point{
		{1, 500_000}, {500_000, 1}, {3, 200_000}, {200_000, 7},
		{960, 960}, {961, 961}, {3000, 2000}, {5, 5},
	} {
		var src image.Image = image.NewGray(image.Rectangle{Max: size})
		if size.X == 3000 {
			src = image.NewYCbCr(image.Rectangle{Max: size}, image.YCbCrSubsampleRatio420)
		}
		for _, o := range []int{1, 6} {
			var err error
			got := allocated(func() { _, err = thumbnail(src, o) })
			if err != nil {
				t.Fatal(err)
			}
			if got > thumbMemory {
				t.Errorf("thumbnail of %d×%d (orientation %d): allocated %d bytes, want at most %d", size.X, size.Y, o, got, thumbMemory)
			}
		}
	}
}

// TestLosslessWebPCodesCounted: a lossless WebP's Huffman codes grow with
// the file, not the picture, so a file of a few pixels and 300 KB counts
// the 130 MB of trees it could hold, and is refused where that is over
// the limit; the same picture in a few bytes counts a few kilobytes.
func TestLosslessWebPCodesCounted(t *testing.T) {
	small := vp8l(16, 16)
	big := append(append([]byte(nil), small...), make([]byte, 300<<10)...)
	for _, c := range []struct {
		name     string
		data     []byte
		min, max int64
	}{
		{"16×16 in a few bytes", small, 9 * 16 * 16, 64 << 10},
		{"16×16 in 300 KB", big, 130_000_000, 140_000_000},
	} {
		cfg, err := decoders["image/webp"].config(c.data)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		got, err := DecodedBytes(c.data, "image/webp", cfg)
		if err != nil || got < c.min || got > c.max {
			t.Errorf("%s: DecodedBytes = %d, %v; want between %d and %d", c.name, got, err, c.min, c.max)
		}
	}
	if _, err := inspectImage(big, "image/webp", 50_000_000, 64<<20); hongyan.ErrorCode(err) != hongyan.CodeTooLarge {
		t.Errorf("16×16 lossless WebP of 300 KB, limit 64 MiB decoded: got %v, want too_large", err)
	}
	if _, err := inspectImage(small, "image/webp", 50_000_000, 64<<20); err != nil {
		t.Errorf("16×16 lossless WebP of %d bytes, limit 64 MiB decoded: %v", len(small), err)
	}
}
