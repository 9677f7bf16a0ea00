package node_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"hongyan/internal/config"
	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/node"
	"hongyan/internal/postgres/pgtest"
	"hongyan/internal/testenv"
	"hongyan/internal/wsclient"
)

// startMediaNode starts a node on cfg whose handler is wrapped by wrap
// (when not nil), with its data (media included) in a temporary directory.
func startMediaNode(t testing.TB, cfg config.Config, wrap func(http.Handler) http.Handler) *httptest.Server {
	t.Helper()
	cfg.Limits = config.Limits{}
	cfg.PasswordCost = config.TestPasswordCost
	n, err := node.New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("node.New: %v", err)
	}
	h := n.Handler()
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		srv.Close()
		n.Close()
	})
	return srv
}

// forEachMediaEngine runs fn against a fresh node on SQLite, on
// PostgreSQL (when HONGYAN_TEST_POSTGRES is set), and on SQLite with its
// content in an S3 bucket, its configuration changed by mod and its
// handler wrapped by wrap (either may be nil).
func forEachMediaEngine(t *testing.T, mod func(*config.Config), wrap func(http.Handler) http.Handler, fn func(t *testing.T, srv *httptest.Server)) {
	for _, engine := range []string{"sqlite", "postgres", "s3"} {
		t.Run(engine, func(t *testing.T) {
			cfg := config.Default()
			cfg.Data = t.TempDir()
			if engine == "postgres" {
				cfg.Storage.Driver = "postgres"
				cfg.Storage.Postgres = pgtest.DSN(t)
			}
			if engine == "s3" {
				cfg.Media.Store, cfg.Media.S3 = "s3", fakeS3(t)
			}
			if mod != nil {
				mod(&cfg)
			}
			fn(t, startMediaNode(t, cfg, wrap))
		})
	}
}

// reply is an HTTP response, read.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// code is the error code of a JSON error reply.
func (r reply) code() string {
	var e struct{ Code string }
	json.Unmarshal(r.body, &e)
	return e.Code
}

// media decodes a JSON media reply.
func (r reply) media(t *testing.T) wsclient.MediaInfo {
	t.Helper()
	var m wsclient.MediaInfo
	if err := json.Unmarshal(r.body, &m); err != nil || m.ID == "" {
		t.Fatalf("reply %d %s: not a media object (%v)", r.status, r.body, err)
	}
	return m
}

// request makes an HTTP request with token (none when "") and header
// pairs; a body of type io.Reader other than *bytes.Reader is sent chunked.
func request(t *testing.T, method, url, token string, body io.Reader, header ...string) reply {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, url, err)
	}
	return reply{resp.StatusCode, resp.Header, b}
}

func upload(t *testing.T, srv *httptest.Server, token, query string, data []byte) reply {
	t.Helper()
	return request(t, "POST", srv.URL+"/media?"+query, token, bytes.NewReader(data))
}

// mediaPNG is a w×h PNG with a gradient.
func mediaPNG(w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), uint8(x ^ y), 255})
		}
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}

// floodPNG is a tiny PNG whose header declares w×h pixels.
func floodPNG(w, h uint32) []byte {
	ihdr := []byte("\x00\x00\x00\x0dIHDR")
	ihdr = append(ihdr, byte(w>>24), byte(w>>16), byte(w>>8), byte(w), byte(h>>24), byte(h>>16), byte(h>>8), byte(h), 8, 6, 0, 0, 0)
	crc := crc32IEEE(ihdr[4:])
	ihdr = append(ihdr, byte(crc>>24), byte(crc>>16), byte(crc>>8), byte(crc))
	return append(append([]byte("\x89PNG\r\n\x1a\n"), ihdr...), []byte("\x00\x00\x00\x00IEND\xae\x42\x60\x82")...)
}

func crc32IEEE(b []byte) uint32 {
	crc := ^uint32(0)
	for _, c := range b {
		crc ^= uint32(c)
		for range 8 {
			if crc&1 != 0 {
				crc = crc>>1 ^ 0xedb88320
			} else {
				crc >>= 1
			}
		}
	}
	return ^crc
}

// wantDownloadHeaders checks the headers every download carries.
func wantDownloadHeaders(t *testing.T, what string, r reply, disposition string) {
	t.Helper()
	if got := r.header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("%s: X-Content-Type-Options %q, want nosniff", what, got)
	}
	if got := r.header.Get("Content-Disposition"); !strings.HasPrefix(got, disposition) {
		t.Errorf("%s: Content-Disposition %q, want %s", what, got, disposition)
	}
	if got := r.header.Get("Content-Security-Policy"); !strings.Contains(got, "sandbox") {
		t.Errorf("%s: Content-Security-Policy %q, want sandbox", what, got)
	}
	if r.status < 300 && !strings.Contains(r.header.Get("Cache-Control"), "private") {
		t.Errorf("%s: Cache-Control %q, want private", what, r.header.Get("Cache-Control"))
	}
}

func TestMediaHTTP(t *testing.T) {
	forEachMediaEngine(t, nil, nil, func(t *testing.T, srv *httptest.Server) {
		alice, bob, carol := registerUser(t, srv, "alice_media"), registerUser(t, srv, "bob_media"), registerUser(t, srv, "carol_media")
		befriend(t, srv, alice, bob)
		pic := mediaPNG(1000, 600)

		// Upload.
		r := upload(t, srv, alice.token, "kind=image&name="+strings.ReplaceAll("照片 1.png", " ", "%20"), pic)
		if r.status != http.StatusOK {
			t.Fatalf("POST /media: %d %s", r.status, r.body)
		}
		img := r.media(t)
		if img.Type != "image/png" || img.Width != 1000 || img.Height != 600 || !img.Thumbnail || img.Size != int64(len(pic)) || img.Name != "照片 1.png" {
			t.Errorf("uploaded image: got %+v", img)
		}

		// Download, whole and in ranges.
		get := request(t, "GET", srv.URL+"/media/"+img.ID, alice.token, nil)
		if get.status != http.StatusOK || !bytes.Equal(get.body, pic) || get.header.Get("Content-Type") != "image/png" {
			t.Fatalf("GET: %d, %d bytes, type %q", get.status, len(get.body), get.header.Get("Content-Type"))
		}
		wantDownloadHeaders(t, "GET image", get, "inline")
		if got, want := get.header.Get("Content-Disposition"), "filename*=UTF-8''%E7%85%A7%E7%89%87%201.png"; !strings.Contains(got, want) {
			t.Errorf("GET image: Content-Disposition %q, want it to hold %q", got, want)
		}
		part := request(t, "GET", srv.URL+"/media/"+img.ID, alice.token, nil, "Range", "bytes=100-1099")
		if part.status != http.StatusPartialContent || !bytes.Equal(part.body, pic[100:1100]) {
			t.Errorf("GET Range bytes=100-1099: %d, %d bytes; want 206 with those 1000 bytes", part.status, len(part.body))
		}
		if got, want := part.header.Get("Content-Range"), fmt.Sprintf("bytes 100-1099/%d", len(pic)); got != want {
			t.Errorf("GET Range: Content-Range %q, want %q", got, want)
		}
		wantDownloadHeaders(t, "GET Range", part, "inline")
		tail := request(t, "GET", srv.URL+"/media/"+img.ID, alice.token, nil, "Range", "bytes=-10")
		if tail.status != http.StatusPartialContent || !bytes.Equal(tail.body, pic[len(pic)-10:]) {
			t.Errorf("GET Range bytes=-10: %d %q", tail.status, tail.body)
		}

		// Thumbnail.
		th := request(t, "GET", srv.URL+"/media/"+img.ID+"/thumb", alice.token, nil)
		wantDownloadHeaders(t, "GET thumb", th, "inline")
		if th.status != http.StatusOK || th.header.Get("Content-Type") != "image/jpeg" {
			t.Fatalf("GET thumb: %d, type %q", th.status, th.header.Get("Content-Type"))
		}
		if cfg, err := jpeg.DecodeConfig(bytes.NewReader(th.body)); err != nil || cfg.Width != 240 || cfg.Height != 144 {
			t.Errorf("thumbnail: %d×%d, %v; want a 240×144 JPEG", cfg.Width, cfg.Height, err)
		}

		// HTML never passes for an image, and as a file it is only ever
		// an attachment of no particular type.
		html := []byte("<!DOCTYPE html><html><body><script>alert(document.domain)</script>")
		if r := upload(t, srv, alice.token, "kind=image&name=cat.png", html); r.status != http.StatusBadRequest || r.code() != "invalid_argument" {
			t.Errorf("HTML as an image: %d %s, want 400 invalid_argument", r.status, r.body)
		}
		for _, c := range []struct{ name, data string }{
			{"page.html", string(html)},
			{"drawing.svg", `<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`},
			{"notes.txt", "just text"},
			{"feed.xml", `<?xml version="1.0"?><rss/>`},
		} {
			r := upload(t, srv, alice.token, "kind=file&name="+c.name, []byte(c.data))
			if r.status != http.StatusOK {
				t.Fatalf("%s as a file: %d %s", c.name, r.status, r.body)
			}
			d := request(t, "GET", srv.URL+"/media/"+r.media(t).ID, alice.token, nil)
			wantDownloadHeaders(t, "GET "+c.name, d, "attachment")
			if got := d.header.Get("Content-Type"); got != "application/octet-stream" {
				t.Errorf("GET %s: Content-Type %q, want application/octet-stream", c.name, got)
			}
			if !strings.Contains(d.header.Get("Content-Disposition"), `filename="`+c.name+`"`) {
				t.Errorf("GET %s: Content-Disposition %q does not name the file", c.name, d.header.Get("Content-Disposition"))
			}
		}

		// A pixel flood is refused from its header.
		if r := upload(t, srv, alice.token, "kind=image", floodPNG(100_000, 100_000)); r.status != http.StatusRequestEntityTooLarge || r.code() != "too_large" {
			t.Errorf("pixel flood: %d %s, want 413 too_large", r.status, r.body)
		}
		// Voice needs its duration.
		wav := append([]byte("RIFF\x2c\x1f\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x40\x1f\x00\x00\x40\x1f\x00\x00\x01\x00\x08\x00data\x40\x1f\x00\x00"), make([]byte, 8000)...)
		if r := upload(t, srv, alice.token, "kind=voice", wav); r.status != http.StatusBadRequest {
			t.Errorf("voice without a duration: %d %s, want 400", r.status, r.body)
		}
		if r := upload(t, srv, alice.token, "kind=voice&duration_ms=1000", wav); r.status != http.StatusOK || r.media(t).Type != "audio/wav" {
			t.Errorf("voice: %d %s", r.status, r.body)
		}

		// No token, a bad token: 401 on every endpoint.
		for _, tok := range []string{"", "not-a-session"} {
			for _, c := range []struct{ method, path string }{
				{"POST", "/media?kind=image"}, {"GET", "/media/" + img.ID}, {"GET", "/media/" + img.ID + "/thumb"},
				{"POST", "/media/uploads"}, {"PATCH", "/media/uploads/" + img.ID}, {"HEAD", "/media/uploads/" + img.ID},
			} {
				r := request(t, c.method, srv.URL+c.path, tok, bytes.NewReader(pic))
				if r.status != http.StatusUnauthorized || c.method != "HEAD" && r.code() != "unauthenticated" {
					t.Errorf("%s %s with token %q: %d %s, want 401 unauthenticated", c.method, c.path, tok, r.status, r.body)
				}
			}
		}

		// Other users do not see it, until it is sent to them.
		for _, u := range []user{bob, carol} {
			for _, p := range []string{"", "/thumb"} {
				r := request(t, "GET", srv.URL+"/media/"+img.ID+p, u.token, nil)
				if r.status != http.StatusNotFound || r.code() != "not_found" {
					t.Errorf("GET %s%s as %s: %d %s, want 404 not_found", img.ID, p, u.account, r.status, r.body)
				}
				wantDownloadHeaders(t, "404", r, "attachment")
			}
		}
		if r := request(t, "GET", srv.URL+"/media/aaaaaaaaaaaaaaaaaaaaaaaaaa", alice.token, nil); r.status != http.StatusNotFound {
			t.Errorf("GET of a media that does not exist: %d, want 404", r.status)
		}
		sent := call(t, session(t, srv, alice), &pb.ClientFrame{Req: &pb.ClientFrame_Send{Send: &pb.SendRequest{
			Peer: bob.id, ClientId: "img-1", Kind: pb.MessageKind_MESSAGE_KIND_IMAGE, Media: img.ID}}})
		if sent.GetSent().GetId() == 0 {
			t.Fatalf("sending the image: %v", sent)
		}
		if r := request(t, "GET", srv.URL+"/media/"+img.ID, bob.token, nil); r.status != http.StatusOK || !bytes.Equal(r.body, pic) {
			t.Errorf("GET as bob after alice sent it to him: %d, want 200 with the image", r.status)
		}
		if r := request(t, "GET", srv.URL+"/media/"+img.ID, carol.token, nil); r.status != http.StatusNotFound {
			t.Errorf("GET as carol after alice sent it to bob: %d, want 404", r.status)
		}
		// carol cannot send what she cannot see.
		if code := callCode(session(t, srv, carol), &pb.ClientFrame{Req: &pb.ClientFrame_Send{Send: &pb.SendRequest{
			Peer: carol.id, ClientId: "steal", Kind: pb.MessageKind_MESSAGE_KIND_IMAGE, Media: img.ID}}}); code != "not_found" {
			t.Errorf("carol sending alice's image to herself: code %q, want not_found", code)
		}
	})
}

func TestMediaTooLarge(t *testing.T) {
	forEachMediaEngine(t, func(c *config.Config) { c.Media.MaxImageBytes = 1 << 20 }, nil, func(t *testing.T, srv *httptest.Server) {
		alice := registerUser(t, srv, "alice_large")
		big := append(mediaPNG(64, 64), make([]byte, 1<<20)...)
		if r := upload(t, srv, alice.token, "kind=image", big); r.status != http.StatusRequestEntityTooLarge || r.code() != "too_large" {
			t.Errorf("image over the limit (with Content-Length): %d %s, want 413 too_large", r.status, r.body)
		}
		// Without a Content-Length the limit bites while reading.
		chunked := struct{ io.Reader }{bytes.NewReader(big)}
		if r := request(t, "POST", srv.URL+"/media?kind=sticker", alice.token, chunked); r.status != http.StatusRequestEntityTooLarge || r.code() != "too_large" {
			t.Errorf("sticker over the limit (chunked): %d %s, want 413 too_large", r.status, r.body)
		}
		if r := request(t, "POST", srv.URL+"/media/uploads", alice.token, strings.NewReader(`{"kind":"image","size":1048577}`)); r.status != http.StatusRequestEntityTooLarge {
			t.Errorf("resumable image over the limit: %d %s, want 413", r.status, r.body)
		}
		// Files have their own, larger limit.
		if r := upload(t, srv, alice.token, "kind=file", big); r.status != http.StatusOK {
			t.Errorf("the same bytes as a file: %d %s, want 200", r.status, r.body)
		}
	})
}

// mediaContent is n bytes that differ from position to position.
func mediaContent(n int) []byte {
	b := make([]byte, n)
	var x uint32 = 2463534242
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}

func TestMediaResumable(t *testing.T) {
	forEachMediaEngine(t, nil, nil, func(t *testing.T, srv *httptest.Server) {
		alice, bob := registerUser(t, srv, "alice_resume"), registerUser(t, srv, "bob_resume")
		data := mediaContent(3_000_000)
		r := request(t, "POST", srv.URL+"/media/uploads", alice.token,
			strings.NewReader(fmt.Sprintf(`{"kind":"file","name":"data.bin","size":%d}`, len(data))))
		if r.status != http.StatusCreated {
			t.Fatalf("POST /media/uploads: %d %s", r.status, r.body)
		}
		var st struct {
			ID     string
			Offset int64
			Size   int64
			Media  *wsclient.MediaInfo
		}
		json.Unmarshal(r.body, &st)
		if st.ID == "" || st.Offset != 0 || st.Size != int64(len(data)) {
			t.Fatalf("upload started: %s", r.body)
		}
		u := srv.URL + "/media/uploads/" + st.ID
		patch := func(token string, off int, chunk []byte, header ...string) reply {
			if header == nil {
				header = []string{"Upload-Offset", strconv.Itoa(off)}
			}
			return request(t, "PATCH", u, token, bytes.NewReader(chunk), header...)
		}
		head := func(token string) reply { return request(t, "HEAD", u, token, nil) }

		if r := patch(alice.token, 0, data[:1000], "X-Nothing", "1"); r.status != http.StatusBadRequest {
			t.Errorf("PATCH without Upload-Offset: %d, want 400", r.status)
		}
		if r := patch(alice.token, 0, data[:1_000_000]); r.status != http.StatusOK {
			t.Fatalf("PATCH 0: %d %s", r.status, r.body)
		}
		r = patch(alice.token, 500, data[500:2_000_000])
		if r.status != http.StatusConflict || r.code() != "failed_precondition" || r.header.Get("Upload-Offset") != "1000000" {
			t.Errorf("PATCH at a wrong offset: %d %s, Upload-Offset %q; want 409 failed_precondition at 1000000", r.status, r.body, r.header.Get("Upload-Offset"))
		}
		if r := patch(bob.token, 1_000_000, data[1_000_000:2_000_000]); r.status != http.StatusNotFound {
			t.Errorf("PATCH by another user: %d, want 404", r.status)
		}
		if r := head(bob.token); r.status != http.StatusNotFound {
			t.Errorf("HEAD by another user: %d, want 404", r.status)
		}
		if r := head(alice.token); r.status != http.StatusOK || r.header.Get("Upload-Offset") != "1000000" || r.header.Get("Upload-Length") != "3000000" {
			t.Errorf("HEAD: %d, Upload-Offset %q, Upload-Length %q", r.status, r.header.Get("Upload-Offset"), r.header.Get("Upload-Length"))
		}
		if r := patch(alice.token, 1_000_000, append(data[1_000_000:], 'x')); r.status != http.StatusRequestEntityTooLarge {
			t.Errorf("PATCH past the size: %d %s, want 413", r.status, r.body)
		}
		if r := patch(alice.token, 1_000_000, data[1_000_000:2_000_000]); r.status != http.StatusOK {
			t.Fatalf("PATCH 1000000: %d %s", r.status, r.body)
		}
		r = patch(alice.token, 2_000_000, data[2_000_000:])
		json.Unmarshal(r.body, &st)
		if r.status != http.StatusOK || st.Offset != 3_000_000 || st.Media == nil || st.Media.ID != st.ID || st.Media.Size != 3_000_000 {
			t.Fatalf("last PATCH: %d %s", r.status, r.body)
		}
		if d := request(t, "GET", srv.URL+"/media/"+st.ID, alice.token, nil); !bytes.Equal(d.body, data) {
			t.Errorf("download of the resumed upload: %d bytes differ from the %d uploaded", len(d.body), len(data))
		}

		// The client does the same in 4 MiB chunks.
		big := mediaContent(wsclient.SingleUploadMax + wsclient.UploadChunk + 12345)
		info, err := wsclient.Upload(t.Context(), srv.URL, alice.token, "video", "clip.webm",
			io.MultiReader(bytes.NewReader([]byte("\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm")), bytes.NewReader(big[16:])), int64(len(big)), 0)
		if err != nil {
			t.Fatalf("wsclient.Upload: %v", err)
		}
		if info.Type != "video/webm" || info.Size != int64(len(big)) {
			t.Errorf("wsclient.Upload: got %+v", info)
		}
		var got bytes.Buffer
		if err := wsclient.Download(t.Context(), srv.URL, alice.token, info.ID, &got); err != nil {
			t.Fatalf("wsclient.Download: %v", err)
		}
		want := append([]byte("\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm"), big[16:]...)
		if !bytes.Equal(got.Bytes(), want) {
			t.Errorf("wsclient.Download: %d bytes differ from the %d uploaded", got.Len(), len(want))
		}
		err = wsclient.Download(t.Context(), srv.URL, bob.token, info.ID, io.Discard)
		if wsclient.ErrorCode(err) != "not_found" {
			t.Errorf("wsclient.Download by another user: %v, want not_found", err)
		}
	})
}

// flaky breaks the PATCH requests it is told to: "cut" passes on half the
// body and then the connection drops (the server keeps nothing of the
// chunk); "lost" passes the whole chunk on and drops the connection before
// the answer (the server kept it; the client does not know).
func flaky(faults map[int]string, patches *atomic.Int32) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != "PATCH" {
				next.ServeHTTP(w, r)
				return
			}
			fault := faults[int(patches.Add(1))]
			if fault == "" {
				next.ServeHTTP(w, r)
				return
			}
			if fault == "cut" {
				r.Body = io.NopCloser(io.MultiReader(io.LimitReader(r.Body, r.ContentLength/2), errReader{}))
			}
			next.ServeHTTP(httptest.NewRecorder(), r)
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
		})
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }

// TestMediaResumeAfterFailures: chunks whose connection drops half way,
// and chunks whose answer is lost, are resumed from the server's offset.
func TestMediaResumeAfterFailures(t *testing.T) {
	var patches atomic.Int32
	faults := map[int]string{2: "cut", 4: "lost", 5: "lost"}
	forEachMediaEngine(t, nil, flaky(faults, &patches), func(t *testing.T, srv *httptest.Server) {
		patches.Store(0)
		alice := registerUser(t, srv, "alice_flaky")
		data := mediaContent(3*wsclient.UploadChunk + 1000) // 4 chunks
		info, err := wsclient.Upload(t.Context(), srv.URL, alice.token, "file", "flaky.bin", bytes.NewReader(data), int64(len(data)), 0)
		if err != nil {
			t.Fatalf("wsclient.Upload through failures: %v", err)
		}
		var got bytes.Buffer
		if err := wsclient.Download(t.Context(), srv.URL, alice.token, info.ID, &got); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), data) {
			t.Errorf("content after resuming: %d bytes differ from the %d uploaded", got.Len(), len(data))
		}
		// 4 chunks, the second sent twice after the cut, and an empty
		// PATCH at the end that fetches the media (the answer to the last
		// chunk was lost). The third chunk's lost answer costs no resend.
		if n := patches.Load(); n != 6 {
			t.Errorf("PATCH requests: %d, want 6", n)
		}
	})
}

// TestMediaPoster makes a real video with ffmpeg and checks the node made
// its poster (the node uses ffmpeg when it is installed).
func TestMediaPoster(t *testing.T) {
	ffmpeg, err := exec.LookPath("ffmpeg")
	if err != nil {
		testenv.Missing(t, "ffmpeg is not installed")
	}
	video := filepath.Join(t.TempDir(), "clip.mp4")
	out, err := exec.Command(ffmpeg, "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=duration=1:size=320x240:rate=10",
		"-pix_fmt", "yuv420p", video).CombinedOutput()
	if err != nil {
		t.Fatalf("making a test video: %v\n%s", err, out)
	}
	data, err := os.ReadFile(video)
	if err != nil {
		t.Fatal(err)
	}
	forEachMediaEngine(t, nil, nil, func(t *testing.T, srv *httptest.Server) {
		alice := registerUser(t, srv, "alice_video")
		r := upload(t, srv, alice.token, "kind=video&duration_ms=1000&name=clip.mp4", data)
		if r.status != http.StatusOK {
			t.Fatalf("upload video: %d %s", r.status, r.body)
		}
		v := r.media(t)
		if v.Type != "video/mp4" || v.Poster == "" || !v.Thumbnail {
			t.Fatalf("video: got %+v, want a poster and a thumbnail", v)
		}
		p := request(t, "GET", srv.URL+"/media/"+v.Poster, alice.token, nil)
		if cfg, err := jpeg.DecodeConfig(bytes.NewReader(p.body)); p.status != http.StatusOK || err != nil || cfg.Width != 320 || cfg.Height != 240 {
			t.Errorf("poster: %d, %d×%d, %v; want a 320×240 JPEG", p.status, cfg.Width, cfg.Height, err)
		}
		if th := request(t, "GET", srv.URL+"/media/"+v.ID+"/thumb", alice.token, nil); th.status != http.StatusOK || th.header.Get("Content-Type") != "image/jpeg" {
			t.Errorf("video thumbnail: %d %q", th.status, th.header.Get("Content-Type"))
		}
		d := request(t, "GET", srv.URL+"/media/"+v.ID, alice.token, nil, "Range", "bytes=0-99")
		if d.status != http.StatusPartialContent || !bytes.Equal(d.body, data[:100]) || d.header.Get("Content-Type") != "video/mp4" {
			t.Errorf("video range: %d, type %q", d.status, d.header.Get("Content-Type"))
		}
		wantDownloadHeaders(t, "video", d, "inline")
	})
}
