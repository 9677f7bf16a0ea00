package media_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/jpeg"
	"os"
	"runtime"
	"strings"
	"testing"

	"hongyan/internal/hongyan"
	"hongyan/internal/media"
)

func TestPutKinds(t *testing.T) {
	e := newEnv(t, media.Config{}, nil)
	html := []byte("<!DOCTYPE html><html><script>alert(document.cookie)</script></html>")
	svg := []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`)
	for _, c := range []struct {
		name     string
		u        media.Upload
		data     []byte
		code     hongyan.Code
		wantType string
	}{
		{"png image", media.Upload{Class: media.ClassImage, Name: "a.png"}, pngBytes(32, 16), "", "image/png"},
		{"jpeg image", media.Upload{Class: media.ClassImage}, jpegBytes(32, 16), "", "image/jpeg"},
		{"gif sticker", media.Upload{Class: media.ClassSticker}, gifBytes(20, 20), "", "image/gif"},
		{"webp sticker", media.Upload{Class: media.ClassSticker}, webpBytes, "", "image/webp"},
		{"png named .jpg keeps its real type", media.Upload{Class: media.ClassImage, Name: "photo.jpg"}, pngBytes(8, 8), "", "image/png"},
		{"html renamed .png", media.Upload{Class: media.ClassImage, Name: "cat.png"}, html, hongyan.CodeInvalid, ""},
		{"svg as image", media.Upload{Class: media.ClassImage, Name: "logo.svg"}, svg, hongyan.CodeInvalid, ""},
		{"html as sticker", media.Upload{Class: media.ClassSticker}, html, hongyan.CodeInvalid, ""},
		{"truncated png", media.Upload{Class: media.ClassImage}, pngBytes(64, 64)[:60], hongyan.CodeInvalid, ""},
		{"png header then junk", media.Upload{Class: media.ClassImage}, append(pngBytes(4, 4)[:33], bytes.Repeat([]byte{7}, 100)...), hongyan.CodeInvalid, ""},
		{"pdf as image", media.Upload{Class: media.ClassImage}, []byte("%PDF-1.4\n..."), hongyan.CodeInvalid, ""},
		{"html as file", media.Upload{Class: media.ClassFile, Name: "page.html"}, html, "", "text/html; charset=utf-8"},
		{"svg as file", media.Upload{Class: media.ClassFile}, svg, "", "image/svg+xml"},
		{"pdf as file", media.Upload{Class: media.ClassFile, Name: "合同.pdf"}, []byte("%PDF-1.4\n..."), "", "application/pdf"},
		{"wav voice", media.Upload{Class: media.ClassVoice, DurationMS: 1500}, wavBytes(1500, 1500), "", "audio/wav"},
		{"webm voice is audio", media.Upload{Class: media.ClassVoice, DurationMS: 3000}, webmBytes(), "", "audio/webm"},
		{"mp4 voice is audio", media.Upload{Class: media.ClassVoice, DurationMS: 3000}, mp4Bytes(), "", "audio/mp4"},
		{"amr voice", media.Upload{Class: media.ClassVoice, DurationMS: 3000}, []byte("#!AMR\n\x3c\x00\x00"), "", "audio/amr"},
		{"png as voice", media.Upload{Class: media.ClassVoice, DurationMS: 1000}, pngBytes(4, 4), hongyan.CodeInvalid, ""},
		{"mp4 video", media.Upload{Class: media.ClassVideo, DurationMS: 4000}, mp4Bytes(), "", "video/mp4"},
		{"webm video", media.Upload{Class: media.ClassVideo}, webmBytes(), "", "video/webm"},
		{"wav as video", media.Upload{Class: media.ClassVideo}, wavBytes(100, 100), hongyan.CodeInvalid, ""},
		{"unknown kind", media.Upload{Class: "document"}, []byte("x"), hongyan.CodeInvalid, ""},
		{"empty", media.Upload{Class: media.ClassFile}, nil, hongyan.CodeInvalid, ""},
		{"name not utf-8", media.Upload{Class: media.ClassFile, Name: "caf\xe9"}, []byte("x"), hongyan.CodeInvalid, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			info, err := e.s.Put(t.Context(), alice, c.u, bytes.NewReader(c.data))
			wantCode(t, "Put", err, c.code)
			if err != nil {
				if c.code == hongyan.CodeInvalid && strings.Contains(c.name, "html") && !strings.Contains(hongyan.ErrorMessage(err), "HTML") {
					t.Errorf("Put: message %q does not say the content is HTML", hongyan.ErrorMessage(err))
				}
				return
			}
			if info.Type != c.wantType {
				t.Errorf("Put: got type %q, want %q", info.Type, c.wantType)
			}
			if info.Class != c.u.Class || info.Owner != alice.User || info.Size <= 0 || len(info.ID) != 26 {
				t.Errorf("Put: got %+v", info)
			}
			if info.ID == info.SHA256 || strings.Contains(info.SHA256, info.ID) {
				t.Errorf("Put: ID %s is derived from the content hash", info.ID)
			}
			got, data := readAll(t, e.s, alice, info.ID, false)
			if got != info {
				t.Errorf("Open: got %+v, want %+v", got, info)
			}
			if sum(data) != info.SHA256 || int64(len(data)) != info.Size {
				t.Errorf("Open: content of %d bytes with hash %s, want %d bytes with %s", len(data), sum(data), info.Size, info.SHA256)
			}
		})
	}
}

// TestNoLeftovers: staged files are gone after every upload, stored or
// refused.
func TestNoLeftovers(t *testing.T) {
	e := newEnv(t, media.Config{MaxFileBytes: 1000}, nil)
	for _, c := range []struct {
		u    media.Upload
		data []byte
	}{
		{media.Upload{Class: media.ClassImage}, pngBytes(10, 10)},
		{media.Upload{Class: media.ClassImage}, []byte("<html>")},
		{media.Upload{Class: media.ClassFile}, make([]byte, 1001)},
		{media.Upload{Class: media.ClassFile}, []byte("fine")},
	} {
		e.s.Put(t.Context(), alice, c.u, bytes.NewReader(c.data))
	}
	if entries, err := os.ReadDir(e.tmp); err != nil || len(entries) != 0 {
		t.Errorf("temporary directory after uploads: %d entries (%v), want none", len(entries), err)
	}
}

func TestNames(t *testing.T) {
	e := newEnv(t, media.Config{}, nil)
	for _, c := range []struct{ in, want string }{
		{"report.pdf", "report.pdf"},
		{"  年度报告 2026.pdf ", "年度报告 2026.pdf"},
		{"../../etc/passwd", "passwd"},
		{`C:\Users\me\photo.jpg`, "photo.jpg"},
		{"evil\u202egpj.exe", "evilgpj.exe"},
		{"line\nbreak\x00.txt", "linebreak.txt"},
		{"..", ""},
		{strings.Repeat("长", 100), strings.Repeat("长", 85)}, // 255 bytes: 85 three-byte characters
	} {
		info := mustPut(t, e.s, alice, media.Upload{Class: media.ClassFile, Name: c.in}, []byte("content"))
		if info.Name != c.want {
			t.Errorf("Put(name %q): got name %q, want %q", c.in, info.Name, c.want)
		}
	}
}

func TestDedupe(t *testing.T) {
	e := newEnv(t, media.Config{}, nil)
	data := pngBytes(50, 50)
	a := mustPut(t, e.s, alice, media.Upload{Class: media.ClassImage}, data)
	before := e.blobs.count()
	b := mustPut(t, e.s, bob, media.Upload{Class: media.ClassImage}, data)
	if a.ID == b.ID {
		t.Fatalf("two uploads got one ID %s", a.ID)
	}
	if a.SHA256 != b.SHA256 {
		t.Errorf("same content, different hashes %s and %s", a.SHA256, b.SHA256)
	}
	if got := e.blobs.count(); got != before {
		t.Errorf("blobs after uploading the same bytes again: got %d, want %d", got, before)
	}
}

func TestLimits(t *testing.T) {
	e := newEnv(t, media.Config{MaxImageBytes: 10_000, MaxFileBytes: 20_000, MaxImagePixels: 1000 * 1000}, nil)
	ctx := t.Context()
	for _, c := range []struct {
		name string
		u    media.Upload
		data []byte
		code hongyan.Code
	}{
		{"image at the limit's edge", media.Upload{Class: media.ClassImage}, pngBytes(4, 4), ""},
		{"image over the byte limit", media.Upload{Class: media.ClassImage}, append(pngBytes(4, 4), make([]byte, 10_000)...), hongyan.CodeTooLarge},
		{"sticker over the byte limit", media.Upload{Class: media.ClassSticker}, append(pngBytes(4, 4), make([]byte, 10_000)...), hongyan.CodeTooLarge},
		{"file under the file limit", media.Upload{Class: media.ClassFile}, make([]byte, 20_000), ""},
		{"file over the file limit", media.Upload{Class: media.ClassFile}, make([]byte, 20_001), hongyan.CodeTooLarge},
		{"image over the pixel limit", media.Upload{Class: media.ClassImage}, floodPNG(1001, 1000), hongyan.CodeTooLarge},
		{"image at the pixel limit passes that check", media.Upload{Class: media.ClassImage}, floodPNG(1000, 1000), hongyan.CodeInvalid},
	} {
		_, err := e.s.Put(ctx, alice, c.u, bytes.NewReader(c.data))
		wantCode(t, c.name, err, c.code)
	}
	_, err := e.s.StartUpload(ctx, alice, media.Upload{Class: media.ClassImage, Size: 10_001})
	wantCode(t, "StartUpload(image over the limit)", err, hongyan.CodeTooLarge)
	_, err = e.s.StartUpload(ctx, alice, media.Upload{Class: media.ClassFile, Size: 20_001})
	wantCode(t, "StartUpload(file over the limit)", err, hongyan.CodeTooLarge)
	_, err = e.s.StartUpload(ctx, alice, media.Upload{Class: media.ClassFile})
	wantCode(t, "StartUpload(no size)", err, hongyan.CodeInvalid)
}

// TestPixelFlood: a PNG of a few dozen bytes that declares 10^10 pixels is
// refused from its header, before anything is allocated for its pixels.
func TestPixelFlood(t *testing.T) {
	e := newEnv(t, media.Config{}, nil)
	flood := floodPNG(100_000, 100_000)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := e.s.Put(t.Context(), alice, media.Upload{Class: media.ClassImage, Name: "flood.png"}, bytes.NewReader(flood))
	runtime.ReadMemStats(&after)
	wantCode(t, "Put(pixel flood)", err, hongyan.CodeTooLarge)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
		t.Errorf("Put(pixel flood) allocated %d bytes; want it refused before decoding", alloc)
	}
	if !strings.Contains(hongyan.ErrorMessage(err), "100000×100000") {
		t.Errorf("Put(pixel flood): message %q does not give the size", hongyan.ErrorMessage(err))
	}
}

// TestDecodedBytesBounded: a 16-bit PNG within the pixel limit but whose
// pixels would take 288 MB decoded is refused from its header.
func TestDecodedBytesBounded(t *testing.T) {
	e := newEnv(t, media.Config{}, nil)
	deep := floodPNGDepth(6000, 6000, 16)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := e.s.Put(t.Context(), alice, media.Upload{Class: media.ClassImage, Name: "deep.png"}, bytes.NewReader(deep))
	runtime.ReadMemStats(&after)
	wantCode(t, "Put(16-bit PNG of 36 Mpx)", err, hongyan.CodeTooLarge)
	if hongyan.ErrorReason(err) != hongyan.ReasonImageTooLarge {
		t.Errorf("Put(16-bit PNG of 36 Mpx): reason %q, want %q", hongyan.ErrorReason(err), hongyan.ReasonImageTooLarge)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
		t.Errorf("Put(16-bit PNG of 36 Mpx) allocated %d bytes; want it refused before decoding", alloc)
	}
	// A lower limit refuses a smaller image; the default lets it through
	// to the decoder (which finds it has no pixel data).
	_, err = e.s.Put(t.Context(), alice, media.Upload{Class: media.ClassImage}, bytes.NewReader(floodPNG(600, 600)))
	wantCode(t, "Put(1.4 MB decoded)", err, hongyan.CodeInvalid)
	small := newEnv(t, media.Config{MaxDecodedBytes: 1 << 20}, nil)
	_, err = small.s.Put(t.Context(), alice, media.Upload{Class: media.ClassImage}, bytes.NewReader(floodPNG(600, 600)))
	wantCode(t, "Put(1.4 MB decoded, limit 1 MiB)", err, hongyan.CodeTooLarge)
}

func TestVoiceDuration(t *testing.T) {
	e := newEnv(t, media.Config{}, nil)
	for _, c := range []struct {
		name     string
		declared int
		data     []byte
		code     hongyan.Code
	}{
		{"no duration", 0, wavBytes(1000, 1000), hongyan.CodeInvalid},
		{"negative", -5, wavBytes(1000, 1000), hongyan.CodeInvalid},
		{"one millisecond", 1, []byte("#!AMR\n\x3c"), ""},
		{"sixty seconds", 60_000, wavBytes(60_000, 60_000), ""},
		{"over sixty seconds", 60_001, wavBytes(60_000, 60_000), hongyan.CodeInvalid},
		{"wav within a second of the declared", 2000, wavBytes(2900, 2900), ""},
		{"wav longer than declared", 2000, wavBytes(3100, 3100), hongyan.CodeInvalid},
		{"wav shorter than declared", 5000, wavBytes(2000, 2000), hongyan.CodeInvalid},
		{"wav header past the data", 3000, wavBytes(3000, 3_000_000), ""},
		{"wav without a data chunk", 1000, wavBytes(1000, 1000)[:36], hongyan.CodeInvalid},
	} {
		_, err := e.s.Put(t.Context(), alice, media.Upload{Class: media.ClassVoice, DurationMS: c.declared}, bytes.NewReader(c.data))
		wantCode(t, c.name, err, c.code)
	}
}

func TestImages(t *testing.T) {
	e := newEnv(t, media.Config{}, nil)
	for _, c := range []struct {
		name           string
		data           []byte
		width, height  int
		thumbW, thumbH int
	}{
		{"wide png", pngBytes(1000, 500), 1000, 500, 240, 120},
		{"tall jpeg", jpegBytes(300, 1200), 300, 1200, 60, 240},
		{"small png keeps its size", pngBytes(100, 50), 100, 50, 100, 50},
		{"large jpeg", jpegBytes(3000, 2000), 3000, 2000, 240, 160},
		{"gif", gifBytes(480, 480), 480, 480, 240, 240},
		{"webp", webpBytes, 1, 1, 1, 1},
		{"jpeg turned by EXIF", withMetadata(jpegBytes(400, 200), "", exifSegment(6, "")), 200, 400, 120, 240},
	} {
		info := mustPut(t, e.s, alice, media.Upload{Class: media.ClassImage}, c.data)
		if info.Width != c.width || info.Height != c.height || !info.Thumbnail {
			t.Errorf("%s: got %d×%d thumbnail=%v, want %d×%d with a thumbnail", c.name, info.Width, info.Height, info.Thumbnail, c.width, c.height)
		}
		ti, thumb := readAll(t, e.s, alice, info.ID, true)
		if ti.Type != "image/jpeg" || ti.Size != int64(len(thumb)) || ti.SHA256 != sum(thumb) {
			t.Errorf("%s: thumbnail info %+v does not describe the thumbnail", c.name, ti)
		}
		img, err := jpeg.Decode(bytes.NewReader(thumb))
		if err != nil {
			t.Fatalf("%s: thumbnail does not decode as JPEG: %v", c.name, err)
		}
		if b := img.Bounds(); b.Dx() != c.thumbW || b.Dy() != c.thumbH {
			t.Errorf("%s: thumbnail is %d×%d, want %d×%d", c.name, b.Dx(), b.Dy(), c.thumbW, c.thumbH)
		}
	}
	// Files have no thumbnail, even when they are pictures.
	f := mustPut(t, e.s, alice, media.Upload{Class: media.ClassFile}, pngBytes(10, 10))
	_, _, err := e.s.Open(t.Context(), alice, f.ID, true)
	wantCode(t, "Open(thumbnail of a file)", err, hongyan.CodeNotFound)
}

// TestStripEXIF uploads a JPEG carrying a GPS position in EXIF, XMP, IPTC,
// a comment and data after its end: what is stored has none of them, the
// orientation alone is kept, and the picture decodes to the same pixels.
func TestStripEXIF(t *testing.T) {
	e := newEnv(t, media.Config{}, nil)
	plain := jpegBytes(64, 48)
	secrets := []string{"GPS-31.2304N-121.4737E", "XMP-secret-place", "IPTC-secret-name", "comment-secret", "trailer-secret"}
	for _, orientation := range []int{0, 1, 6, 8} {
		in := withMetadata(plain, "trailer-secret",
			exifSegment(orientation, "GPS-31.2304N-121.4737E"),
			segment(0xe1, []byte("http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta>XMP-secret-place</x:xmpmeta>")),
			segment(0xed, []byte("Photoshop 3.0\x008BIM\x04\x04IPTC-secret-name")),
			segment(0xfe, []byte("comment-secret")),
		)
		info := mustPut(t, e.s, alice, media.Upload{Class: media.ClassImage, Name: "IMG_0001.JPG"}, in)
		_, stored := readAll(t, e.s, alice, info.ID, false)
		for _, s := range secrets {
			if bytes.Contains(stored, []byte(s)) {
				t.Errorf("orientation %d: stored image still holds %q", orientation, s)
			}
		}
		if info.SHA256 != sum(stored) || info.Size != int64(len(stored)) {
			t.Errorf("orientation %d: Info says %d bytes %s, stored %d bytes %s", orientation, info.Size, info.SHA256, len(stored), sum(stored))
		}
		wantOrientation := 0
		if orientation > 1 {
			wantOrientation = orientation
		}
		gotOrientation := 0
		if len(stored) > 6 && stored[2] == 0xff && stored[3] == 0xe1 {
			n := int(stored[4])<<8 | int(stored[5])
			gotOrientation = media.ExifOrientation(stored[6 : 4+n])
		}
		if gotOrientation != wantOrientation {
			t.Errorf("orientation %d: stored EXIF orientation %d, want %d", orientation, gotOrientation, wantOrientation)
		}
		a, err := jpeg.Decode(bytes.NewReader(plain))
		if err != nil {
			t.Fatal(err)
		}
		b, err := jpeg.Decode(bytes.NewReader(stored))
		if err != nil {
			t.Fatalf("orientation %d: stored image does not decode: %v", orientation, err)
		}
		if !bytes.Equal(a.(*image.YCbCr).Y, b.(*image.YCbCr).Y) || !bytes.Equal(a.(*image.YCbCr).Cb, b.(*image.YCbCr).Cb) {
			t.Errorf("orientation %d: stored pixels differ from the original's", orientation)
		}
	}
}

func TestAuthorization(t *testing.T) {
	// bob reads conversation 10, carol reads 20.
	e := newEnv(t, media.Config{}, readers{10: {alice.User, bob.User}, 20: {bob.User, carol.User}})
	ctx := t.Context()
	info := mustPut(t, e.s, alice, media.Upload{Class: media.ClassImage}, pngBytes(8, 8))
	open := func(c hongyan.Caller) error {
		_, rc, err := e.s.Open(ctx, c, info.ID, false)
		if err == nil {
			rc.Close()
		}
		return err
	}
	wantCode(t, "owner", open(alice), "")
	wantCode(t, "bob before it was sent", open(bob), hongyan.CodeNotFound)
	_, err := e.s.Attach(ctx, bob.User, info.ID, 10)
	wantCode(t, "Attach by bob, who cannot read it", err, hongyan.CodeNotFound)

	if _, err := e.s.Attach(ctx, alice.User, info.ID, 10); err != nil {
		t.Fatalf("Attach by the owner: %v", err)
	}
	if _, err := e.s.Attach(ctx, alice.User, info.ID, 10); err != nil {
		t.Fatalf("Attach again: %v", err)
	}
	wantCode(t, "bob, a reader of conversation 10", open(bob), "")
	wantCode(t, "carol, a stranger", open(carol), hongyan.CodeNotFound)
	_, _, err = e.s.Open(ctx, carol, info.ID, true)
	wantCode(t, "carol, thumbnail", err, hongyan.CodeNotFound)

	// bob forwards it into conversation 20: now carol may read it.
	if _, err := e.s.Attach(ctx, bob.User, info.ID, 20); err != nil {
		t.Fatalf("Attach (forward) by bob: %v", err)
	}
	wantCode(t, "carol after the forward", open(carol), "")

	// Not found looks the same whether or not the media exists.
	for _, id := range []string{"aaaaaaaaaaaaaaaaaaaaaaaaaa", "../../etc/passwd", "", strings.ToUpper(info.ID)} {
		_, _, err := e.s.Open(ctx, alice, id, false)
		wantCode(t, "Open("+id+")", err, hongyan.CodeNotFound)
	}
}

// failingReaders fails for one conversation.
type failingReaders struct{ readers }

func (f failingReaders) CanReadMedia(ctx context.Context, user hongyan.UserID, conv hongyan.ConversationID, id string) (bool, error) {
	if conv == 99 {
		return false, errors.New("chat unavailable")
	}
	return f.readers.CanReadMedia(ctx, user, conv, id)
}

func TestAuthorizationErrors(t *testing.T) {
	e := newEnv(t, media.Config{}, failingReaders{readers{10: {bob.User}}})
	ctx := t.Context()
	info := mustPut(t, e.s, alice, media.Upload{Class: media.ClassFile}, []byte("x"))
	for _, conv := range []hongyan.ConversationID{99, 10} {
		if _, err := e.s.Attach(ctx, alice.User, info.ID, conv); err != nil {
			t.Fatal(err)
		}
	}
	// A failure for one conversation does not hide a grant from another.
	if _, rc, err := e.s.Open(ctx, bob, info.ID, false); err != nil {
		t.Errorf("Open by bob: %v", err)
	} else {
		rc.Close()
	}
	// Where no conversation grants it, the failure is reported, not hidden
	// as not found.
	_, _, err := e.s.Open(ctx, carol, info.ID, false)
	wantCode(t, "Open by carol", err, hongyan.CodeInternal)
}

func TestPoster(t *testing.T) {
	poster := jpegBytes(320, 180)
	var gotPath string
	e := newEnv(t, media.Config{Poster: func(ctx context.Context, path string) ([]byte, error) {
		gotPath = path
		return poster, nil
	}}, readers{10: {bob.User}})
	ctx := t.Context()
	v := mustPut(t, e.s, alice, media.Upload{Class: media.ClassVideo, DurationMS: 5000}, mp4Bytes())
	if gotPath == "" || v.Poster == "" || !v.Thumbnail {
		t.Fatalf("video with a poster hook: got %+v (hook saw %q), want a poster and a thumbnail", v, gotPath)
	}
	p, _ := readAll(t, e.s, alice, v.Poster, false)
	if p.Class != media.ClassImage || p.Owner != alice.User || p.Width != 320 || p.Height != 180 {
		t.Errorf("poster: got %+v", p)
	}
	if _, thumb := readAll(t, e.s, alice, v.ID, true); len(thumb) == 0 {
		t.Errorf("video thumbnail is empty")
	}
	// Sending the video lets its readers see the poster too.
	if _, err := e.s.Attach(ctx, alice.User, v.ID, 10); err != nil {
		t.Fatal(err)
	}
	readAll(t, e.s, bob, v.Poster, false)

	// A failing hook means no poster, not a failed upload.
	f := newEnv(t, media.Config{Poster: func(ctx context.Context, path string) ([]byte, error) {
		return nil, errors.New("ffmpeg: invalid data")
	}}, nil)
	v = mustPut(t, f.s, alice, media.Upload{Class: media.ClassVideo}, mp4Bytes())
	if v.Poster != "" || v.Thumbnail {
		t.Errorf("video with a failing poster hook: got %+v, want no poster", v)
	}
	// So does a hook that returns something that is not an image.
	g := newEnv(t, media.Config{Poster: func(ctx context.Context, path string) ([]byte, error) {
		return []byte("<html>"), nil
	}}, nil)
	if v = mustPut(t, g.s, alice, media.Upload{Class: media.ClassVideo}, mp4Bytes()); v.Poster != "" {
		t.Errorf("video with an HTML poster: got poster %s, want none", v.Poster)
	}
}

func TestSave(t *testing.T) {
	e := newEnv(t, media.Config{}, nil)
	info, err := e.s.Save(t.Context(), bob.User, media.ClassImage, "preview.png", pngBytes(600, 300))
	if err != nil {
		t.Fatalf("Save: %v", err)
	}
	if info.Owner != bob.User || info.Width != 600 || !info.Thumbnail {
		t.Errorf("Save: got %+v", info)
	}
	_, err = e.s.Save(t.Context(), bob.User, media.ClassImage, "preview.png", []byte("<html>not an image</html>"))
	wantCode(t, "Save(html as image)", err, hongyan.CodeInvalid)
}

// TestPutCutOff: an upload whose body fails half way stores nothing.
func TestPutCutOff(t *testing.T) {
	e := newEnv(t, media.Config{}, nil)
	_, err := e.s.Put(t.Context(), alice, media.Upload{Class: media.ClassFile}, &failAfter{r: bytes.NewReader(make([]byte, 1000)), n: 500})
	wantCode(t, "Put(cut off)", err, hongyan.CodeInvalid)
	if n := e.blobs.count(); n != 0 {
		t.Errorf("blobs after a cut-off upload: %d, want 0", n)
	}
}
