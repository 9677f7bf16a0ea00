package media

import (
	"crypto/rand"
	"encoding/base32"
	"time"

	"hongyan/internal/hongyan"
)

// Class is what a media object is for. It decides which content is
// accepted and which size limit applies.
type Class string

// The classes of media.
const (
	ClassImage   Class = "image"   // a picture: JPEG, PNG, GIF or WebP
	ClassVoice   Class = "voice"   // a voice clip of 1 ms to 60 s
	ClassVideo   Class = "video"   // a video: MP4, QuickTime, WebM, Matroska
	ClassFile    Class = "file"    // any file
	ClassSticker Class = "sticker" // an image sent as a sticker
)

// Valid reports whether c is one of the classes.
func (c Class) Valid() bool {
	switch c {
	case ClassImage, ClassVoice, ClassVideo, ClassFile, ClassSticker:
		return true
	}
	return false
}

// isImage reports whether c holds raster images.
func (c Class) isImage() bool { return c == ClassImage || c == ClassSticker }

// Limits of the media rules.
const (
	MaxVoiceMS   = 60_000           // longest voice clip
	MaxVideoMS   = 24 * 3600 * 1000 // longest declared video duration
	MaxName      = 255              // bytes in a file name
	ThumbSide    = 240              // longest side of a thumbnail, in pixels
	ThumbType    = "image/jpeg"     // content type of every thumbnail
	thumbQuality = 80
)

// Info describes a stored media object.
type Info struct {
	ID         string // random, 26 characters of base32; not the content hash
	Owner      hongyan.UserID
	Class      Class
	Type       string // MIME type sniffed from the content
	Size       int64  // bytes as stored (after EXIF removal)
	SHA256     string // lowercase hex SHA-256 of the stored bytes: the blob key
	Width      int    // pixels, as displayed (images)
	Height     int    // pixels, as displayed (images)
	DurationMS int    // voice and video, as declared by the uploader
	Name       string // file name given by the uploader, cleaned
	Thumbnail  bool   // a JPEG thumbnail exists (images; videos with a poster)
	Poster     string // video: ID of its poster image, "" when none
	Created    time.Time
}

// Upload is what an uploader says about content before sending it.
type Upload struct {
	Class      Class
	Name       string
	Size       int64 // bytes; required by StartUpload, ignored by Put
	DurationMS int   // voice (required, 1..60000) and video (optional)
}

// UploadState is the progress of a resumable upload: Offset bytes of Size
// have been received and are durable.
type UploadState struct {
	ID     string
	Offset int64
	Size   int64
}

// Config tunes a Service. Zero values take the defaults noted.
type Config struct {
	MaxFileBytes   int64 // voice, video, file (default 1 GiB)
	MaxImageBytes  int64 // image, sticker (default 25 MiB)
	MaxImagePixels int64 // width × height of an image (default 50,000,000)
	// MaxDecodedBytes bounds the memory decoding one image takes: width ×
	// height × the bytes a pixel takes with the decoder's working buffers
	// (8 for a 16-bit PNG or a CMYK JPEG), from its header (default 192
	// MiB).
	MaxDecodedBytes int64
	// DecodeBytes bounds the memory of the images being decoded at once
	// (their decoded pixels and thumbnails; default 256 MiB): an image
	// waits its turn until its share is free.
	DecodeBytes int64
	// MaxOpenUploads bounds the resumable uploads one user has open
	// (0: no limit).
	MaxOpenUploads int
	// UploadRate bounds the uploads a user begins, UploadMiBRate their
	// size in MiB (each rounded up to a whole MiB); the zero Rate: no
	// limit. Content the server makes (Save) is not counted.
	UploadRate, UploadMiBRate hongyan.Rate
	// TempDir holds resumable uploads in progress and content being
	// checked (default os.TempDir()). It is created when first needed. On
	// the same file system as the blob store, finished files can be moved
	// rather than copied.
	TempDir string
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Poster, when set, returns a poster frame (an image in a format Put
	// accepts, e.g. JPEG) of the video at videoPath. Node sets it to run
	// ffmpeg when ffmpeg is installed. A failure means no poster.
	Poster PosterFunc
}

// newID returns a random 128-bit ID as 26 lowercase base32 characters.
func newID() string {
	var b [16]byte
	rand.Read(b[:])
	return idEncoding.EncodeToString(b[:])
}

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// validID reports whether id has the form newID makes. IDs are checked
// before they reach storage or become part of a file name.
func validID(id string) bool {
	if len(id) != 26 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= '2' && c <= '7') {
			return false
		}
	}
	return true
}

// ValidKey reports whether key is a blob key: 64 lowercase hex digits (a
// SHA-256). Blob stores check keys with it before using them in paths.
func ValidKey(key string) bool {
	if len(key) != 64 {
		return false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
