package media

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"

	"golang.org/x/image/draw"
	"golang.org/x/image/webp"

	"hongyan/internal/hongyan"
)

// decoders are the image formats the Service accepts, by sniffed type.
// They are called directly (not through image.Decode's registry) so that
// the sniffed type, not the format registry, decides the decoder.
var decoders = map[string]struct {
	config func([]byte) (image.Config, error)
	decode func([]byte) (image.Image, error)
}{
	"image/jpeg": {
		func(b []byte) (image.Config, error) { return jpeg.DecodeConfig(bytes.NewReader(b)) },
		func(b []byte) (image.Image, error) { return jpeg.Decode(bytes.NewReader(b)) },
	},
	"image/png": {
		func(b []byte) (image.Config, error) { return png.DecodeConfig(bytes.NewReader(b)) },
		func(b []byte) (image.Image, error) { return png.Decode(bytes.NewReader(b)) },
	},
	"image/gif": {
		func(b []byte) (image.Config, error) { return gif.DecodeConfig(bytes.NewReader(b)) },
		func(b []byte) (image.Image, error) { return gif.Decode(bytes.NewReader(b)) }, // the first frame
	},
	"image/webp": {
		func(b []byte) (image.Config, error) { return webp.DecodeConfig(bytes.NewReader(b)) },
		func(b []byte) (image.Image, error) { return webp.Decode(bytes.NewReader(b)) },
	},
}

// checkedImage is an image that passed the checks, ready to store.
type checkedImage struct {
	data          []byte // the bytes to store (metadata removed from JPEGs)
	width, height int    // as displayed, after the orientation is applied
	thumb         []byte // a JPEG of at most ThumbSide pixels a side
}

// processImage checks an image of sniffed type typ against the pixel
// limit before decoding it, removes EXIF and XMP from JPEGs, decodes it and
// makes its thumbnail.
func processImage(data []byte, typ string, maxPixels, maxDecoded int64) (checkedImage, error) {
	in, err := inspectImage(data, typ, maxPixels, maxDecoded)
	if err != nil {
		return checkedImage{}, err
	}
	return in.process()
}

// inspected is an image whose header passed the checks, ready to decode.
type inspected struct {
	data        []byte // metadata removed from JPEGs
	orientation int
	decode      func([]byte) (image.Image, error)
	// memory is the most memory decoding it and making its thumbnail
	// takes: its pixels decoded, and the thumbnail's working images.
	memory int64
}

// thumbMemory is the most memory thumbnail takes besides its source: the
// intermediate image of at most 4·ThumbSide a side (RGBA), CatmullRom's
// working rows (a [4]float64 for each pixel of the thumbnail's width by
// the intermediate's height), the thumbnail and its upright copy (RGBA),
// and half a megabyte for the kernel's weights and the JPEG encoder.
const thumbMemory = 4*ThumbSide*4*ThumbSide*4 + ThumbSide*4*ThumbSide*32 + 2*ThumbSide*ThumbSide*4 + 512<<10

// inspectImage checks an image of sniffed type typ from its header alone:
// its type, its pixels against maxPixels and the memory they take decoded
// against maxDecoded. It removes EXIF and XMP from JPEGs.
func inspectImage(data []byte, typ string, maxPixels, maxDecoded int64) (inspected, error) {
	dec, ok := decoders[typ]
	if !ok {
		return inspected{}, hongyan.Errorf(hongyan.CodeInvalid, "not a JPEG, PNG, GIF or WebP image").WithReason(hongyan.ReasonNotImage)
	}
	orientation := 1
	if typ == "image/jpeg" {
		var err error
		data, orientation, err = stripJPEG(data)
		if err != nil {
			return inspected{}, err
		}
	}
	// The header alone says how large the decoded image would be: refuse
	// a pixel flood before allocating for it.
	cfg, err := dec.config(data)
	if err != nil {
		return inspected{}, hongyan.Errorf(hongyan.CodeInvalid, "the image could not be read: %s", shortErr(err))
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return inspected{}, hongyan.Errorf(hongyan.CodeInvalid, "the image has no pixels")
	}
	if px := int64(cfg.Width) * int64(cfg.Height); px > maxPixels {
		return inspected{}, hongyan.Errorf(hongyan.CodeTooLarge, "the image is %d×%d pixels; at most %d pixels are allowed", cfg.Width, cfg.Height, maxPixels).WithReason(hongyan.ReasonImageTooLarge)
	}
	// So does the memory decoding it would take: 8 bytes a pixel for a
	// 16-bit PNG or a CMYK JPEG, more for a progressive JPEG (see
	// DecodedBytes).
	b, err := DecodedBytes(data, typ, cfg)
	if err != nil {
		return inspected{}, hongyan.Errorf(hongyan.CodeInvalid, "the image could not be read: %s", shortErr(err))
	}
	if b > maxDecoded {
		return inspected{}, hongyan.Errorf(hongyan.CodeTooLarge, "the image is %d×%d pixels, %d MiB decoded; at most %d MiB decoded are allowed",
			cfg.Width, cfg.Height, (b+1<<20-1)>>20, maxDecoded>>20).WithReason(hongyan.ReasonImageTooLarge)
	}
	return inspected{data: data, orientation: orientation, decode: dec.decode, memory: b + thumbMemory}, nil
}

// process decodes the image and makes its thumbnail.
func (in inspected) process() (checkedImage, error) {
	img, err := in.decode(in.data)
	if err != nil {
		return checkedImage{}, hongyan.Errorf(hongyan.CodeInvalid, "the image could not be decoded: %s", shortErr(err))
	}
	thumb, err := thumbnail(img, in.orientation)
	if err != nil {
		return checkedImage{}, err
	}
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	if in.orientation >= 5 {
		w, h = h, w
	}
	return checkedImage{data: in.data, width: w, height: h, thumb: thumb}, nil
}

// shortErr is an error's text cut to a length fit for a message.
func shortErr(err error) string {
	s := err.Error()
	if len(s) > 100 {
		s = s[:100]
	}
	return s
}

// fit returns the size of a w×h image scaled down so that its longer side
// is at most side, keeping the aspect ratio; smaller images keep theirs.
func fit(w, h, side int) (int, int) {
	if w <= side && h <= side {
		return w, h
	}
	if w >= h {
		return side, max(1, (h*side+w/2)/w)
	}
	return max(1, (w*side+h/2)/h), side
}

// thumbnail scales img to fit ThumbSide, flattens it on white, turns it
// upright and encodes it as JPEG.
func thumbnail(img image.Image, orientation int) ([]byte, error) {
	src := img.Bounds()
	tw, th := fit(src.Dx(), src.Dy(), ThumbSide)
	// Scaling a large picture straight down with a good kernel costs time
	// in proportion to the source, and memory: a [4]float64 for each pixel
	// of the thumbnail's width by the source's height, and weights for
	// each source row and column. A cheap pass down to at most four times
	// the thumbnail first, then the good kernel, looks the same and is
	// fast and small, even for a picture of 1×50,000,000 pixels.
	if src.Dx() > 4*tw || src.Dy() > 4*th {
		mid := image.NewRGBA(image.Rect(0, 0, min(src.Dx(), 4*tw), min(src.Dy(), 4*th)))
		draw.ApproxBiLinear.Scale(mid, mid.Bounds(), img, src, draw.Src, nil)
		img, src = mid, mid.Bounds()
	}
	dst := image.NewRGBA(image.Rect(0, 0, tw, th))
	draw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.CatmullRom.Scale(dst, dst.Bounds(), img, src, draw.Over, nil)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, orient(dst, orientation), &jpeg.Options{Quality: thumbQuality}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// orient returns img turned as EXIF orientation o (1..8) asks.
func orient(img *image.RGBA, o int) *image.RGBA {
	if o < 2 || o > 8 {
		return img
	}
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := range dh {
		for x := range dw {
			var sx, sy int
			switch o {
			case 2:
				sx, sy = w-1-x, y
			case 3:
				sx, sy = w-1-x, h-1-y
			case 4:
				sx, sy = x, h-1-y
			case 5:
				sx, sy = y, x
			case 6:
				sx, sy = y, h-1-x
			case 7:
				sx, sy = w-1-y, h-1-x
			case 8:
				sx, sy = w-1-y, x
			}
			dst.SetRGBA(x, y, img.RGBAAt(sx, sy))
		}
	}
	return dst
}

// JPEG markers stripJPEG treats specially.
const (
	markerSOI   = 0xd8
	markerEOI   = 0xd9
	markerSOS   = 0xda
	markerAPP0  = 0xe0
	markerAPP1  = 0xe1 // EXIF (with GPS position, camera serial numbers) and XMP
	markerAPP13 = 0xed // Photoshop resources, IPTC (may hold places and names)
	markerCOM   = 0xfe
)

var errBadJPEG = hongyan.Errorf(hongyan.CodeInvalid, "the image is not a well-formed JPEG")

// stripJPEG returns data without its metadata segments (APP1: EXIF and
// XMP; APP13: IPTC; comments) and without anything after the end-of-image
// marker, keeping every byte of the picture itself, so nothing is
// re-encoded. It returns the EXIF orientation (1..8, 1 when absent); when
// that is not 1 it is kept, alone, in a minimal EXIF segment so that
// viewers still show the picture upright.
func stripJPEG(data []byte) ([]byte, int, error) {
	if len(data) < 4 || data[0] != 0xff || data[1] != markerSOI {
		return nil, 0, errBadJPEG
	}
	out := make([]byte, 0, len(data))
	out = append(out, 0xff, markerSOI)
	insertAt := len(out) // where the orientation segment goes: after SOI and JFIF
	orientation := 1
	i := 2
	for {
		if i >= len(data) {
			break // no EOI: the decoder decides whether that is acceptable
		}
		if data[i] != 0xff {
			return nil, 0, errBadJPEG
		}
		for i < len(data) && data[i] == 0xff { // fill bytes
			i++
		}
		if i >= len(data) {
			return nil, 0, errBadJPEG
		}
		m := data[i]
		i++
		if m == markerEOI {
			out = append(out, 0xff, markerEOI)
			break
		}
		if m == markerSOI || m == 0 {
			return nil, 0, errBadJPEG
		}
		if m == 0x01 || m >= 0xd0 && m <= 0xd7 { // TEM, RSTn: no length
			out = append(out, 0xff, m)
			continue
		}
		if i+2 > len(data) {
			return nil, 0, errBadJPEG
		}
		n := int(binary.BigEndian.Uint16(data[i:]))
		if n < 2 || i+n > len(data) {
			return nil, 0, errBadJPEG
		}
		seg := data[i : i+n]
		i += n
		switch m {
		case markerAPP1:
			if o := exifOrientation(seg[2:]); o != 0 {
				orientation = o
			}
			continue
		case markerAPP13, markerCOM:
			continue
		}
		out = append(out, 0xff, m)
		out = append(out, seg...)
		if m == markerAPP0 && insertAt == 2 {
			insertAt = len(out)
		}
		if m == markerSOS {
			// Entropy-coded data runs to the next marker that is not a
			// stuffed zero, a restart marker or fill.
			j := i
			for j+1 < len(data) {
				if data[j] == 0xff {
					if x := data[j+1]; x != 0 && !(x >= 0xd0 && x <= 0xd7) && x != 0xff {
						break
					}
				}
				j++
			}
			if j+1 >= len(data) {
				j = len(data)
			}
			out = append(out, data[i:j]...)
			i = j
		}
	}
	if orientation != 1 {
		seg := orientationSegment(orientation)
		out = append(out[:insertAt], append(seg, out[insertAt:]...)...)
	}
	return out, orientation, nil
}

// exifOrientation reads the orientation tag (0x0112) from the first IFD of
// an APP1 payload; 0 when it is not EXIF or has none.
func exifOrientation(p []byte) int {
	if !bytes.HasPrefix(p, []byte("Exif\x00\x00")) {
		return 0
	}
	t := p[6:]
	if len(t) < 8 {
		return 0
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 0
	}
	if bo.Uint16(t[2:]) != 42 {
		return 0
	}
	off := int64(bo.Uint32(t[4:]))
	if off < 8 || off+2 > int64(len(t)) {
		return 0
	}
	count := int64(bo.Uint16(t[off:]))
	for k := range count {
		e := off + 2 + 12*k
		if e+12 > int64(len(t)) {
			return 0
		}
		if bo.Uint16(t[e:]) == 0x0112 && bo.Uint16(t[e+2:]) == 3 {
			if o := int(bo.Uint16(t[e+8:])); o >= 1 && o <= 8 {
				return o
			}
			return 0
		}
	}
	return 0
}

// orientationSegment is a complete APP1 segment holding an EXIF block with
// nothing but the orientation.
func orientationSegment(o int) []byte {
	var b []byte
	b = append(b, 0xff, markerAPP1, 0, 0)
	b = append(b, "Exif\x00\x00"...)
	b = append(b, "MM\x00\x2a"...)                      // big-endian TIFF header
	b = binary.BigEndian.AppendUint32(b, 8)             // IFD0 right after it
	b = binary.BigEndian.AppendUint16(b, 1)             // one entry:
	b = binary.BigEndian.AppendUint16(b, 0x0112)        // orientation,
	b = binary.BigEndian.AppendUint16(b, 3)             // SHORT,
	b = binary.BigEndian.AppendUint32(b, 1)             // one value,
	b = binary.BigEndian.AppendUint16(b, uint16(o))     // o, padded
	b = binary.BigEndian.AppendUint16(b, 0)             //
	b = binary.BigEndian.AppendUint32(b, 0)             // no next IFD
	binary.BigEndian.PutUint16(b[2:], uint16(len(b)-2)) // segment length
	return b
}
