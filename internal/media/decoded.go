package media

import (
	"encoding/binary"
	"errors"
	"image"
	"image/color"
)

// errHeader is the error of DecodedBytes for a header it cannot read
// although the decoder's DecodeConfig could, or a format it does not know.
var errHeader = errors.New("unreadable header")

// DecodedBytes is the most memory the decoder of sniffed type typ
// ("image/jpeg", "image/png", "image/gif" or "image/webp")
// allocates, in proportion to the image's size, decoding data whose header
// said cfg: the picture it returns and every buffer of its size it holds
// on the way there. Buffers of a fixed size (Huffman and LZW tables,
// decompression windows: tens of kilobytes) are left out. What cfg does
// not say it reads from the header.
//
// The figures follow the decoders: image/jpeg, image/png and image/gif
// of the standard library, golang.org/x/image/webp. Other code that
// decodes images a client sent (the QR scanner) bounds its memory with it.
func DecodedBytes(data []byte, typ string, cfg image.Config) (int64, error) {
	w, h := int64(cfg.Width), int64(cfg.Height)
	switch typ {
	case "image/jpeg":
		return jpegDecoded(data, w, h, cfg.ColorModel)
	case "image/png":
		return pngDecoded(data, w, h)
	case "image/gif":
		// The first frame, a byte a pixel of at most the screen (the
		// decoder refuses a larger frame), and an interlaced frame's
		// copy while its rows are put in order.
		return 2 * w * h, nil
	case "image/webp":
		return webpDecoded(data, w, h)
	}
	return 0, errHeader
}

// jpegDecoded is DecodedBytes of a JPEG. image/jpeg decodes each component
// into a plane of its own, a byte a sample, padded to whole MCUs (Y, Cb
// and Cr in an image.YCbCr, the black of a 4-component JPEG beside it); a
// progressive JPEG first holds every component's coefficients too (a
// block of 64 int32: 4 bytes a sample). At the end an RGB JPEG (model
// RGBA) and a 4-component one (CMYK or YCCK) are converted into a new
// image of 4 bytes a pixel while the planes are still held. So a 4:2:0
// YCbCr JPEG takes 1.5 bytes a pixel, a 4:4:4 one 3, a 4:4:4 CMYK one 8,
// and 24 when it is progressive.
func jpegDecoded(data []byte, w, h int64, model color.Model) (int64, error) {
	marker, sof, ok := jpegFrame(data)
	if !ok || len(sof) < 6 {
		return 0, errHeader
	}
	n := int(sof[5])
	if n != 1 && n != 3 && n != 4 || len(sof) < 6+3*n {
		return 0, errHeader
	}
	progressive := marker == 0xc2 || marker == 0xca
	// factors is component i's sampling factors. The decoder refuses a
	// JPEG whose first component does not sample the most, and takes a
	// lone component's as 1×1.
	factors := func(i int) (int64, int64) {
		if n == 1 {
			return 1, 1
		}
		hv := sof[7+3*i]
		return int64(hv >> 4), int64(hv & 0x0f)
	}
	h0, v0 := factors(0)
	if h0 < 1 || v0 < 1 {
		return 0, errHeader
	}
	mcusX, mcusY := (w+8*h0-1)/(8*h0), (h+8*v0-1)/(8*v0)
	var b int64
	for i := range n {
		hi, vi := factors(i)
		samples := mcusX * hi * 8 * mcusY * vi * 8
		b += samples
		if progressive {
			b += 4 * samples
		}
	}
	if n == 4 || model == color.RGBAModel {
		b += 4 * w * h
	}
	return b, nil
}

// jpegFrame returns the JPEG data's frame header (the first SOFn segment
// before a scan): its marker and its contents after the length. Like the
// decoder, it skips bytes between segments that are not a marker.
func jpegFrame(data []byte) (marker byte, sof []byte, ok bool) {
	for i := 2; i+1 < len(data); {
		if data[i] != 0xff {
			i++
			continue
		}
		m := data[i+1]
		switch {
		case m == 0xff: // fill
			i++
			continue
		case m == 0x00, m == 0x01, m >= 0xd0 && m <= 0xd7: // not a marker; TEM, RSTn: no length
			i += 2
			continue
		case m == 0xda || m == 0xd9: // SOS, EOI
			return 0, nil, false
		}
		if i+4 > len(data) {
			return 0, nil, false
		}
		n := int(binary.BigEndian.Uint16(data[i+2:]))
		if m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc { // not DHT, JPG, DAC
			if n < 2 || i+2+n > len(data) {
				return 0, nil, false
			}
			return m, data[i+4 : i+2+n], true
		}
		i += 2 + n
	}
	return 0, nil, false
}

// pngDecoded is DecodedBytes of a PNG. image/png decodes into one image of
// the colour type's model (but a grey or truecolour one with a tRNS chunk
// becomes NRGBA or NRGBA64: 4 or 8 bytes a pixel, where DecodeConfig,
// which stops at the header, says Gray or Gray16); an interlaced (Adam7)
// one also into an image for each of its seven passes, together as large
// as the picture. It keeps two encoded rows at a time (with the passes,
// together less than three full rows wide).
func pngDecoded(data []byte, w, h int64) (int64, error) {
	// IHDR comes first: the signature (8 bytes), the chunk's length and
	// type (8), width and height (8), bit depth, colour type,
	// compression, filter, interlace.
	if len(data) < 29 || string(data[12:16]) != "IHDR" {
		return 0, errHeader
	}
	depth, colour, interlaced := int64(data[24]), data[25], data[28] == 1
	wide := int64(1) // bytes a channel decoded
	if depth == 16 {
		wide = 2
	}
	var channels, pixel int64
	switch colour {
	case 0: // grey
		channels, pixel = 1, wide
		if pngHasTRNS(data) {
			pixel = 4 * wide
		}
	case 2: // truecolour
		channels, pixel = 3, 4*wide
	case 3: // paletted: a byte a pixel, whatever the depth
		channels, pixel = 1, 1
	case 4: // grey and alpha
		channels, pixel = 2, 4*wide
	case 6: // truecolour and alpha
		channels, pixel = 4, 4*wide
	default:
		return 0, errHeader
	}
	b := pixel * w * h
	rows := 2 * ((channels*depth*w+7)/8 + 1)
	if interlaced {
		b *= 2
		rows *= 3
	}
	return b + rows, nil
}

// pngHasTRNS reports whether the PNG data has a tRNS chunk before its
// image data (the decoder refuses one after).
func pngHasTRNS(data []byte) bool {
	for i := int64(8); i+8 <= int64(len(data)); {
		n := int64(binary.BigEndian.Uint32(data[i:]))
		switch string(data[i+4 : i+8]) {
		case "tRNS":
			return true
		case "IDAT":
			return false
		}
		i += 12 + n // length, type, data, CRC
	}
	return false
}

// webpDecoded is DecodedBytes of a WebP. golang.org/x/image/webp decodes a
// lossy picture (VP8) into a 4:2:0 image.YCbCr padded to whole 16×16
// macroblocks, 1.5 bytes a pixel; a lossless one (VP8L) into NRGBA pixels
// (4 bytes), which a colour-indexing transform expands into a second such
// buffer, beside its predictor, colour and entropy images (at most a
// quarter of a byte a pixel each): 9 bytes a pixel in all. An alpha
// channel (ALPH, before a lossy picture) is a byte a pixel more, and a
// compressed one is decoded as a lossless picture first.
//
// A lossless picture also holds its Huffman codes, which grow with the
// file rather than the pixels (webpCodes).
func webpDecoded(data []byte, w, h int64) (int64, error) {
	lossy := (w + 15) / 16 * 16 * ((h + 15) / 16 * 16) * 3 / 2
	lossless := 9*w*h + webpCodes(int64(len(data)))
	var alpha int64
	// RIFF chunks follow "RIFF", the size and "WEBP": a type, a
	// little-endian length, the data and a pad byte to an even length.
	for i := int64(12); i+8 <= int64(len(data)); {
		n := int64(binary.LittleEndian.Uint32(data[i+4:]))
		switch string(data[i : i+4]) {
		case "VP8 ":
			return alpha + lossy, nil
		case "VP8L":
			return alpha + lossless, nil
		case "ALPH":
			alpha = w * h
			if i+8 < int64(len(data)) && data[i+8]&0x03 == 1 { // compressed
				alpha += lossless
			}
		}
		i += 8 + n + n&1
	}
	return 0, errHeader
}

// webpCodes bounds the memory of the Huffman codes of a lossless WebP of n
// bytes. The decoder takes up to 2,600 groups of five codes; a group is
// 2,680 bytes of tables (a 128-entry look-up table and the nodes' slice
// for each code) and two 8-byte nodes a symbol its codes hold: at most
// 50,136 bytes of nodes when every alphabet is full (a 2,048-entry colour
// cache makes the green one 2,328 symbols). What the file must say for
// them bounds both: a group takes at least 20 bits (five one-symbol
// codes of 4 bits), and a code's lengths at least a third of a bit each
// (a code-length code of the one symbol "repeat the last length", which
// takes no bits, and its 2 extra bits say six lengths) — so at most 48
// nodes, 384 bytes, a byte of the file; 512 are counted. A hostile file
// of 350 KB could so make 130 MB of trees for a picture of a few pixels.
func webpCodes(n int64) int64 {
	const maxGroups, groupBytes, groupNodes, nodesPerByte = 2_600, 2_680, 50_136, 512
	return min(n*8/20, maxGroups)*groupBytes + min(n*nodesPerByte, maxGroups*groupNodes)
}
