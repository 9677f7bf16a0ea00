package media

import (
	"encoding/binary"
	"errors"
	"io"
)

// errNotWAV says that content which sniffed as WAV has no readable header.
var errNotWAV = errors.New("not a readable WAV file")

// wavDuration reads the duration of a WAV file of size bytes from its
// header: the data chunk's size over the format's byte rate. A data size
// that runs past the end of the file (streamed recordings write
// 0xFFFFFFFF) counts only the bytes present.
func wavDuration(r io.ReaderAt, size int64) (ms int64, err error) {
	var hdr [12]byte
	if _, err := r.ReadAt(hdr[:], 0); err != nil {
		return 0, errNotWAV
	}
	if string(hdr[:4]) != "RIFF" || string(hdr[8:]) != "WAVE" {
		return 0, errNotWAV
	}
	var byteRate uint32
	off := int64(12)
	for range 64 { // a real file has a handful of chunks
		var ch [8]byte
		if _, err := r.ReadAt(ch[:], off); err != nil {
			return 0, errNotWAV
		}
		n := int64(binary.LittleEndian.Uint32(ch[4:]))
		body := off + 8
		switch string(ch[:4]) {
		case "fmt ":
			var f [12]byte
			if n < 16 {
				return 0, errNotWAV
			}
			if _, err := r.ReadAt(f[:], body); err != nil {
				return 0, errNotWAV
			}
			byteRate = binary.LittleEndian.Uint32(f[8:])
		case "data":
			if byteRate == 0 {
				return 0, errNotWAV
			}
			n = min(n, size-body)
			return n * 1000 / int64(byteRate), nil
		}
		off = body + n + n&1 // chunks are padded to an even size
		if off >= size {
			break
		}
	}
	return 0, errNotWAV
}
