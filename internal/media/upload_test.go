package media_test

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"hongyan/internal/hongyan"
	"hongyan/internal/media"
)

// content is n bytes that differ from position to position.
func content(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

func TestResumableUpload(t *testing.T) {
	e := newEnv(t, media.Config{}, nil)
	ctx := t.Context()
	data := content(10_000)
	st, err := e.s.StartUpload(ctx, alice, media.Upload{Class: media.ClassFile, Name: "big.bin", Size: int64(len(data))})
	if err != nil {
		t.Fatalf("StartUpload: %v", err)
	}
	if st.Offset != 0 || st.Size != 10_000 || len(st.ID) != 26 {
		t.Fatalf("StartUpload: got %+v", st)
	}
	chunk := func(c hongyan.Caller, off int64, b []byte) (media.UploadState, *media.Info, error) {
		return e.s.WriteChunk(ctx, c, st.ID, off, bytes.NewReader(b))
	}
	steps := []struct {
		name       string
		c          hongyan.Caller
		off        int64
		data       []byte
		code       hongyan.Code
		wantOffset int64
	}{
		{"first chunk", alice, 0, data[:3000], "", 3000},
		{"the same chunk again (a retry)", alice, 0, data[:3000], hongyan.CodePrecondition, 3000},
		{"a chunk from too far on", alice, 6000, data[6000:7000], hongyan.CodePrecondition, 3000},
		{"someone else's upload", bob, 3000, data[3000:4000], hongyan.CodeNotFound, 3000},
		{"a chunk past the declared size", alice, 3000, append(data[3000:], 'x'), hongyan.CodeTooLarge, 3000},
		{"an empty chunk", alice, 3000, nil, "", 3000},
		{"second chunk", alice, 3000, data[3000:8000], "", 8000},
	}
	for _, s := range steps {
		got, info, err := chunk(s.c, s.off, s.data)
		wantCode(t, s.name, err, s.code)
		if info != nil {
			t.Errorf("%s: got media %+v before the upload was complete", s.name, info)
		}
		if s.code == hongyan.CodePrecondition && !strings.Contains(hongyan.ErrorMessage(err), fmt.Sprint(s.wantOffset)) {
			t.Errorf("%s: message %q does not give the offset %d", s.name, hongyan.ErrorMessage(err), s.wantOffset)
		}
		now, err := e.s.Upload(ctx, alice, st.ID)
		if err != nil {
			t.Fatalf("Upload: %v", err)
		}
		if now.Offset != s.wantOffset || s.code == "" && got.Offset != s.wantOffset {
			t.Errorf("%s: offset %d (returned %d), want %d", s.name, now.Offset, got.Offset, s.wantOffset)
		}
	}
	_, err = e.s.Upload(ctx, bob, st.ID)
	wantCode(t, "Upload(someone else's)", err, hongyan.CodeNotFound)

	// The connection drops half way through the last chunk: nothing of it
	// is kept, and the chunk is sent again whole.
	_, _, err = e.s.WriteChunk(ctx, alice, st.ID, 8000, &failAfter{r: bytes.NewReader(data[8000:]), n: 1000})
	wantCode(t, "cut-off chunk", err, hongyan.CodeInvalid)
	now, err := e.s.Upload(ctx, alice, st.ID)
	if err != nil || now.Offset != 8000 {
		t.Fatalf("after a cut-off chunk: offset %d, %v; want 8000", now.Offset, err)
	}
	got, info, err := chunk(alice, now.Offset, data[8000:])
	if err != nil || info == nil {
		t.Fatalf("last chunk: %v, media %v", err, info)
	}
	if got.Offset != 10_000 || info.ID != st.ID || info.Size != 10_000 || info.SHA256 != sum(data) || info.Name != "big.bin" {
		t.Errorf("last chunk: state %+v, media %+v", got, info)
	}
	_, stored := readAll(t, e.s, alice, info.ID, false)
	if !bytes.Equal(stored, data) {
		t.Errorf("stored content differs from what was uploaded")
	}
	// The answer to the last chunk was lost: an empty chunk at the end
	// gets the same media again, and nothing is stored twice.
	_, again, err := chunk(alice, 10_000, nil)
	if err != nil || again == nil || *again != *info {
		t.Errorf("empty chunk after completion: got %v, %v; want %+v", again, err, info)
	}
	if _, err := os.Stat(e.s.UploadPath(st.ID)); !os.IsNotExist(err) {
		t.Errorf("upload file after completion: stat %v, want it removed", err)
	}
}

// TestResumeAfterCrash plays a crash between a chunk's fsync and the
// commit of its offset: the file holds bytes the store never counted. The
// next chunk, sent from the committed offset, replaces them.
func TestResumeAfterCrash(t *testing.T) {
	e := newEnv(t, media.Config{}, nil)
	ctx := t.Context()
	data := content(5000)
	st, err := e.s.StartUpload(ctx, alice, media.Upload{Class: media.ClassFile, Size: 5000})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.s.WriteChunk(ctx, alice, st.ID, 0, bytes.NewReader(data[:2000])); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(e.s.UploadPath(st.ID), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatalf("upload file: %v", err)
	}
	f.Write(bytes.Repeat([]byte("lost chunk"), 100)) // synced, never committed
	f.Close()
	now, err := e.s.Upload(ctx, alice, st.ID)
	if err != nil || now.Offset != 2000 {
		t.Fatalf("after the crash: offset %d, %v; want 2000", now.Offset, err)
	}
	_, info, err := e.s.WriteChunk(ctx, alice, st.ID, 2000, bytes.NewReader(data[2000:]))
	if err != nil || info == nil {
		t.Fatalf("resumed chunk: %v, %v", info, err)
	}
	if _, stored := readAll(t, e.s, alice, info.ID, false); !bytes.Equal(stored, data) {
		t.Errorf("content after resuming: differs from what was uploaded")
	}
}

// TestResumableChecks: a finished upload goes through the same checks as
// Put, and content that fails them ends the upload.
func TestResumableChecks(t *testing.T) {
	e := newEnv(t, media.Config{}, nil)
	ctx := t.Context()
	html := []byte("<html><body><script>steal()</script></body></html>")
	st, err := e.s.StartUpload(ctx, alice, media.Upload{Class: media.ClassImage, Name: "cat.png", Size: int64(len(html))})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = e.s.WriteChunk(ctx, alice, st.ID, 0, bytes.NewReader(html))
	wantCode(t, "HTML uploaded in chunks as an image", err, hongyan.CodeInvalid)
	_, err = e.s.Upload(ctx, alice, st.ID)
	wantCode(t, "Upload(refused)", err, hongyan.CodeNotFound)

	img := pngBytes(500, 400)
	st, err = e.s.StartUpload(ctx, alice, media.Upload{Class: media.ClassImage, Size: int64(len(img))})
	if err != nil {
		t.Fatal(err)
	}
	half := int64(len(img) / 2)
	if _, _, err := e.s.WriteChunk(ctx, alice, st.ID, 0, bytes.NewReader(img[:half])); err != nil {
		t.Fatal(err)
	}
	_, info, err := e.s.WriteChunk(ctx, alice, st.ID, half, bytes.NewReader(img[half:]))
	if err != nil || info == nil || info.Width != 500 || !info.Thumbnail {
		t.Fatalf("image in two chunks: got %+v, %v", info, err)
	}
	_, err = e.s.StartUpload(ctx, alice, media.Upload{Class: media.ClassVoice, Size: 100})
	wantCode(t, "StartUpload(voice without duration)", err, hongyan.CodeInvalid)
}

func TestCleanUploads(t *testing.T) {
	e := newEnv(t, media.Config{}, nil)
	ctx := t.Context()
	old, err := e.s.StartUpload(ctx, alice, media.Upload{Class: media.ClassFile, Size: 100})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.s.WriteChunk(ctx, alice, old.ID, 0, bytes.NewReader(content(50))); err != nil {
		t.Fatal(err)
	}
	e.now = e.now.Add(2 * time.Hour)
	fresh, err := e.s.StartUpload(ctx, alice, media.Upload{Class: media.ClassFile, Size: 100})
	if err != nil {
		t.Fatal(err)
	}
	n, err := e.s.CleanUploads(ctx, time.Hour)
	if err != nil || n != 1 {
		t.Fatalf("CleanUploads: got %d, %v; want 1", n, err)
	}
	_, err = e.s.Upload(ctx, alice, old.ID)
	wantCode(t, "Upload(cleaned)", err, hongyan.CodeNotFound)
	if _, err := os.Stat(e.s.UploadPath(old.ID)); !os.IsNotExist(err) {
		t.Errorf("file of a cleaned upload: stat %v, want it removed", err)
	}
	if _, err := e.s.Upload(ctx, alice, fresh.ID); err != nil {
		t.Errorf("Upload(fresh): %v", err)
	}
}

// TestConcurrentChunks sends the same chunk many times at once: exactly
// one is taken, and the content is intact.
func TestConcurrentChunks(t *testing.T) {
	e := newEnv(t, media.Config{}, nil)
	ctx := t.Context()
	data := content(64 << 10)
	st, err := e.s.StartUpload(ctx, alice, media.Upload{Class: media.ClassFile, Size: int64(len(data))})
	if err != nil {
		t.Fatal(err)
	}
	const n = 8
	type result struct {
		info *media.Info
		err  error
	}
	results := make(chan result, n)
	for range n {
		go func() {
			_, info, err := e.s.WriteChunk(ctx, alice, st.ID, 0, bytes.NewReader(data))
			results <- result{info, err}
		}()
	}
	ok := 0
	for range n {
		r := <-results
		if r.info != nil {
			ok++
		} else if hongyan.ErrorCode(r.err) != hongyan.CodePrecondition {
			t.Errorf("concurrent chunk: %v", r.err)
		}
	}
	if ok != 1 {
		t.Fatalf("concurrent identical chunks: %d taken, want 1", ok)
	}
	if _, stored := readAll(t, e.s, alice, st.ID, false); !bytes.Equal(stored, data) {
		t.Errorf("content after concurrent chunks differs")
	}
}

// TestOpenUploadsPerUser: a user cannot hold more resumable uploads open
// than the limit (each may reserve up to the file limit on disk).
func TestOpenUploadsPerUser(t *testing.T) {
	e := newEnv(t, media.Config{MaxOpenUploads: 2}, nil)
	ctx := t.Context()
	var ids []string
	for i := range 2 {
		st, err := e.s.StartUpload(ctx, alice, media.Upload{Class: media.ClassFile, Name: "small.bin", Size: 4})
		if err != nil {
			t.Fatalf("upload %d of 2: %v", i+1, err)
		}
		ids = append(ids, st.ID)
	}
	_, err := e.s.StartUpload(ctx, alice, media.Upload{Class: media.ClassFile, Name: "big.bin", Size: 1 << 30})
	wantCode(t, "StartUpload(3rd of 2)", err, hongyan.CodeRateLimited)
	if _, err := e.s.StartUpload(ctx, bob, media.Upload{Class: media.ClassFile, Name: "b.bin", Size: 10}); err != nil {
		t.Fatalf("another user's upload: %v", err)
	}
	// Finishing one makes room.
	if _, info, err := e.s.WriteChunk(ctx, alice, ids[0], 0, bytes.NewReader([]byte("abcd"))); err != nil || info == nil {
		t.Fatalf("last chunk: %v, %v", info, err)
	}
	if _, err := e.s.StartUpload(ctx, alice, media.Upload{Class: media.ClassFile, Name: "big.bin", Size: 1 << 30}); err != nil {
		t.Fatalf("an upload after one finished: %v", err)
	}
}
