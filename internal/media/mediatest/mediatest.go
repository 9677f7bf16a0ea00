// Package mediatest is the conformance suite of media.Store,
// media.BlobStore and media.UploadStager: every storage engine and every
// blob store runs it.
package mediatest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"hongyan/internal/hongyan"
	"hongyan/internal/media"
)

// Run runs the Store suite; open returns a fresh, empty store for each
// test.
func Run(t *testing.T, open func(t *testing.T) media.Store) {
	t.Run("Media", func(t *testing.T) { testMedia(t, open(t)) })
	t.Run("Refs", func(t *testing.T) { testRefs(t, open(t)) })
	t.Run("Keeps", func(t *testing.T) { testKeeps(t, open(t)) })
	t.Run("Erase", func(t *testing.T) { testErase(t, open(t)) })
	t.Run("Uploads", func(t *testing.T) { testUploads(t, open(t)) })
	t.Run("AdvanceRace", func(t *testing.T) { testAdvanceRace(t, open(t)) })
	t.Run("StaleUploads", func(t *testing.T) { testStaleUploads(t, open(t)) })
	t.Run("OpenUploadLimit", func(t *testing.T) { testOpenUploadLimit(t, open(t)) })
}

// T0 is a time with millisecond precision, as stores keep times.
var T0 = time.UnixMilli(1_760_000_000_123).UTC()

// ID returns a media or upload ID of the form the Service makes (26
// characters of base32), distinct for each n ≥ 0.
func ID(n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz234567"
	b := []byte("mediatestmediatestmediates")
	for i := len(b) - 1; n > 0; i-- {
		b[i] = alphabet[n%32]
		n /= 32
	}
	return string(b)
}

func wantCode(t *testing.T, what string, err error, code hongyan.Code) {
	t.Helper()
	if got := hongyan.ErrorCode(err); got != code {
		t.Errorf("%s: got error %v (code %q), want code %q", what, err, got, code)
	}
}

func key(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func record(n int, owner hongyan.UserID) media.Record {
	return media.Record{Info: media.Info{
		ID: ID(n), Owner: owner, Class: media.ClassImage, Type: "image/jpeg", Size: 12345, SHA256: key(fmt.Sprint(n)),
		Width: 640, Height: 480, Name: "照片 1.jpg", Thumbnail: true, Created: T0,
	}, Thumb: key(fmt.Sprint("thumb", n))}
}

func testMedia(t *testing.T, s media.Store) {
	ctx := t.Context()
	img := record(1, 7)
	video := media.Record{Info: media.Info{
		ID: ID(2), Owner: 7, Class: media.ClassVideo, Type: "video/mp4", Size: 1 << 40, SHA256: key("v"),
		DurationMS: 12_345, Name: "", Poster: ID(1), Thumbnail: true, Created: T0.Add(time.Second),
	}, Thumb: img.Thumb}
	file := media.Record{Info: media.Info{
		ID: ID(3), Owner: 8, Class: media.ClassFile, Type: "application/pdf", Size: 1, SHA256: img.SHA256, Created: T0,
	}}
	for _, r := range []media.Record{img, video, file} {
		if err := s.CreateMedia(ctx, r); err != nil {
			t.Fatalf("CreateMedia(%s): %v", r.ID, err)
		}
	}
	for _, want := range []media.Record{img, video, file} {
		got, err := s.Media(ctx, want.ID)
		if err != nil {
			t.Fatalf("Media(%s): %v", want.ID, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Media(%s) (-want +got):\n%s", want.ID, diff)
		}
	}
	_, err := s.Media(ctx, ID(99))
	wantCode(t, "Media(missing)", err, hongyan.CodeNotFound)

	// An ID is stored once; the first record stays.
	dup := record(1, 9)
	wantCode(t, "CreateMedia(same ID)", s.CreateMedia(ctx, dup), hongyan.CodeExists)
	if got, err := s.Media(ctx, img.ID); err != nil || got.Owner != img.Owner {
		t.Errorf("Media after a duplicate create: got owner %d, %v; want %d", got.Owner, err, img.Owner)
	}
}

func testRefs(t *testing.T, s media.Store) {
	ctx := t.Context()
	for n := range 2 {
		if err := s.CreateMedia(ctx, record(n+1, 7)); err != nil {
			t.Fatalf("CreateMedia: %v", err)
		}
	}
	got, err := s.Refs(ctx, ID(1))
	if err != nil || len(got) != 0 {
		t.Fatalf("Refs(no refs): got %v, %v; want none", got, err)
	}
	for _, conv := range []hongyan.ConversationID{30, 10, 20, 10, 30} {
		if err := s.AddRef(ctx, ID(1), conv); err != nil {
			t.Fatalf("AddRef(%d): %v", conv, err)
		}
	}
	if err := s.AddRef(ctx, ID(2), 40); err != nil {
		t.Fatalf("AddRef: %v", err)
	}
	for _, c := range []struct {
		id   string
		want []hongyan.ConversationID
	}{
		{ID(1), []hongyan.ConversationID{10, 20, 30}},
		{ID(2), []hongyan.ConversationID{40}},
		{ID(3), nil},
	} {
		got, err := s.Refs(ctx, c.id)
		if err != nil {
			t.Fatalf("Refs(%s): %v", c.id, err)
		}
		if diff := cmp.Diff(c.want, got, cmpEmpty); diff != "" {
			t.Errorf("Refs(%s) (-want +got):\n%s", c.id, diff)
		}
	}
	wantCode(t, "AddRef(missing media)", s.AddRef(ctx, ID(99), 10), hongyan.CodeNotFound)
}

func testKeeps(t *testing.T, s media.Store) {
	ctx := t.Context()
	for n := range 2 {
		if err := s.CreateMedia(ctx, record(n+1, 7)); err != nil {
			t.Fatalf("CreateMedia: %v", err)
		}
	}
	for range 2 { // twice: the same
		if err := s.AddKeep(ctx, ID(1), 8); err != nil {
			t.Fatalf("AddKeep: %v", err)
		}
	}
	for _, c := range []struct {
		id   string
		user hongyan.UserID
		want bool
	}{{ID(1), 8, true}, {ID(1), 9, false}, {ID(2), 8, false}, {ID(99), 8, false}} {
		if got, err := s.Kept(ctx, c.id, c.user); err != nil || got != c.want {
			t.Errorf("Kept(%s, %d): got %v, %v; want %v", c.id, c.user, got, err, c.want)
		}
	}
	wantCode(t, "AddKeep(missing media)", s.AddKeep(ctx, ID(99), 8), hongyan.CodeNotFound)
}

// cmpEmpty treats nil and empty slices alike.
var cmpEmpty = cmp.Comparer(func(a, b []hongyan.ConversationID) bool {
	if len(a) == 0 && len(b) == 0 {
		return true
	}
	return cmp.Equal([]hongyan.ConversationID(a), []hongyan.ConversationID(b))
})

func session(n int, owner hongyan.UserID, at time.Time) media.UploadSession {
	return media.UploadSession{ID: ID(n), Owner: owner, Created: at,
		Upload: media.Upload{Class: media.ClassVoice, Name: "语音.m4a", Size: 10 << 20, DurationMS: 59_000}}
}

func testUploads(t *testing.T, s media.Store) {
	ctx := t.Context()
	u := session(1, 5, T0)
	if err := s.CreateUpload(ctx, u, 0); err != nil {
		t.Fatalf("CreateUpload: %v", err)
	}
	wantCode(t, "CreateUpload(same ID)", s.CreateUpload(ctx, session(1, 6, T0), 0), hongyan.CodeExists)
	got, err := s.Upload(ctx, u.ID)
	if err != nil {
		t.Fatalf("Upload: %v", err)
	}
	if diff := cmp.Diff(u, got); diff != "" {
		t.Fatalf("Upload (-want +got):\n%s", diff)
	}
	_, err = s.Upload(ctx, ID(99))
	wantCode(t, "Upload(missing)", err, hongyan.CodeNotFound)

	steps := []struct {
		from, to int64
		code     hongyan.Code
		offset   int64 // stored afterwards
	}{
		{0, 4 << 20, "", 4 << 20},
		{0, 4 << 20, hongyan.CodePrecondition, 4 << 20}, // a retry of the same chunk
		{8 << 20, 9 << 20, hongyan.CodePrecondition, 4 << 20},
		{4 << 20, 10 << 20, "", 10 << 20},
	}
	for _, st := range steps {
		err := s.AdvanceUpload(ctx, u.ID, st.from, st.to)
		wantCode(t, fmt.Sprintf("AdvanceUpload(%d→%d)", st.from, st.to), err, st.code)
		got, err := s.Upload(ctx, u.ID)
		if err != nil {
			t.Fatalf("Upload: %v", err)
		}
		if got.Offset != st.offset {
			t.Errorf("after AdvanceUpload(%d→%d): got offset %d, want %d", st.from, st.to, got.Offset, st.offset)
		}
	}
	wantCode(t, "AdvanceUpload(missing)", s.AdvanceUpload(ctx, ID(99), 0, 1), hongyan.CodeNotFound)

	if err := s.DeleteUpload(ctx, u.ID); err != nil {
		t.Fatalf("DeleteUpload: %v", err)
	}
	_, err = s.Upload(ctx, u.ID)
	wantCode(t, "Upload(deleted)", err, hongyan.CodeNotFound)
	wantCode(t, "DeleteUpload(again)", s.DeleteUpload(ctx, u.ID), hongyan.CodeNotFound)
}

// testAdvanceRace advances one upload from the same offset at once from
// many goroutines: exactly one wins.
func testAdvanceRace(t *testing.T, s media.Store) {
	ctx := t.Context()
	u := session(1, 5, T0)
	if err := s.CreateUpload(ctx, u, 0); err != nil {
		t.Fatalf("CreateUpload: %v", err)
	}
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = s.AdvanceUpload(ctx, u.ID, 0, int64(i+1)) })
	}
	wg.Wait()
	won := -1
	for i, err := range errs {
		switch hongyan.ErrorCode(err) {
		case "":
			if won >= 0 {
				t.Fatalf("AdvanceUpload from offset 0 succeeded twice (%d and %d)", won, i)
			}
			won = i
		case hongyan.CodePrecondition:
		default:
			t.Fatalf("AdvanceUpload: %v", err)
		}
	}
	if won < 0 {
		t.Fatalf("no AdvanceUpload from offset 0 succeeded")
	}
	got, err := s.Upload(ctx, u.ID)
	if err != nil || got.Offset != int64(won+1) {
		t.Fatalf("Upload after the race: got offset %d, %v; want %d", got.Offset, err, won+1)
	}
}

// testOpenUploadLimit: an owner at the limit of open uploads cannot open
// another until one is gone; other owners are not affected.
func testOpenUploadLimit(t *testing.T, s media.Store) {
	ctx := t.Context()
	for i := range 3 {
		if err := s.CreateUpload(ctx, session(i+1, 5, T0), 3); err != nil {
			t.Fatalf("CreateUpload %d of 3: %v", i+1, err)
		}
	}
	wantCode(t, "CreateUpload(4th of 3)", s.CreateUpload(ctx, session(4, 5, T0), 3), hongyan.CodeRateLimited)
	if _, err := s.Upload(ctx, ID(4)); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Errorf("Upload(refused): got %v, want not_found", err)
	}
	if err := s.CreateUpload(ctx, session(5, 6, T0), 3); err != nil {
		t.Errorf("CreateUpload(another owner): %v", err)
	}
	if err := s.CreateUpload(ctx, session(6, 5, T0), 0); err != nil {
		t.Errorf("CreateUpload(no limit): %v", err)
	}
	if err := s.DeleteUpload(ctx, ID(1)); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteUpload(ctx, ID(6)); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateUpload(ctx, session(7, 5, T0), 3); err != nil {
		t.Errorf("CreateUpload after one was deleted: %v", err)
	}
	// A finished session (offset at its size) is not open.
	if err := s.AdvanceUpload(ctx, ID(2), 0, 10<<20); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateUpload(ctx, session(8, 5, T0), 3); err != nil {
		t.Errorf("CreateUpload after one was finished: %v", err)
	}
	wantCode(t, "CreateUpload(4th open of 3)", s.CreateUpload(ctx, session(9, 5, T0), 3), hongyan.CodeRateLimited)
}

func testStaleUploads(t *testing.T, s media.Store) {
	ctx := t.Context()
	var all []media.UploadSession
	for i := range 5 {
		u := session(i+1, 5, T0.Add(time.Duration(4-i)*time.Minute)) // later IDs are older
		if err := s.CreateUpload(ctx, u, 0); err != nil {
			t.Fatalf("CreateUpload: %v", err)
		}
		all = append(all, u)
	}
	for _, c := range []struct {
		before time.Time
		limit  int
		want   []media.UploadSession
	}{
		{T0, 10, nil},
		{T0.Add(time.Minute), 10, []media.UploadSession{all[4]}},
		{T0.Add(3*time.Minute + time.Millisecond), 10, []media.UploadSession{all[4], all[3], all[2], all[1]}},
		{T0.Add(time.Hour), 2, []media.UploadSession{all[4], all[3]}},
	} {
		got, err := s.StaleUploads(ctx, c.before, c.limit)
		if err != nil {
			t.Fatalf("StaleUploads: %v", err)
		}
		if diff := cmp.Diff(c.want, got, cmp.Comparer(func(a, b []media.UploadSession) bool {
			return len(a) == 0 && len(b) == 0 || cmp.Equal([]media.UploadSession(a), []media.UploadSession(b))
		})); diff != "" {
			t.Errorf("StaleUploads(%v, %d) (-want +got):\n%s", c.before.Sub(T0), c.limit, diff)
		}
	}
	_, err := s.StaleUploads(ctx, T0, 0)
	wantCode(t, "StaleUploads(limit 0)", err, hongyan.CodeInvalid)
}

// RunBlobStore runs the BlobStore suite; open returns a fresh, empty
// blob store for each test.
func RunBlobStore(t *testing.T, open func(t *testing.T) media.BlobStore) {
	t.Run("PutOpen", func(t *testing.T) { testPutOpen(t, open(t)) })
	t.Run("PutIdempotent", func(t *testing.T) { testPutIdempotent(t, open(t)) })
	t.Run("PutRefusesWrongHash", func(t *testing.T) { testPutWrongHash(t, open(t)) })
	t.Run("PutFailingReader", func(t *testing.T) { testPutFailingReader(t, open(t)) })
	t.Run("BadKeys", func(t *testing.T) { testBadKeys(t, open(t)) })
	t.Run("Delete", func(t *testing.T) { testDelete(t, open(t)) })
	t.Run("ConcurrentPuts", func(t *testing.T) { testConcurrentPuts(t, open(t)) })
}

func mustPut(t *testing.T, b media.BlobStore, data []byte) string {
	t.Helper()
	k := key(string(data))
	if err := b.Put(t.Context(), k, bytes.NewReader(data)); err != nil {
		t.Fatalf("Put(%d bytes): %v", len(data), err)
	}
	return k
}

func read(t *testing.T, b media.BlobStore, k string) []byte {
	t.Helper()
	rc, size, err := b.Open(t.Context(), k)
	if err != nil {
		t.Fatalf("Open(%s): %v", k, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("reading %s: %v", k, err)
	}
	if int64(len(data)) != size {
		t.Errorf("Open(%s): size %d, but %d bytes read", k, size, len(data))
	}
	return data
}

func testPutOpen(t *testing.T, b media.BlobStore) {
	big := bytes.Repeat([]byte("0123456789abcdef"), 300_000) // 4.8 MB
	for _, data := range [][]byte{[]byte("x"), []byte("你好，世界"), big} {
		k := mustPut(t, b, data)
		if got := read(t, b, k); !bytes.Equal(got, data) {
			t.Errorf("Open(%s): got %d bytes, want the %d put", k, len(got), len(data))
		}
	}
	// Seeking works: a range read as HTTP Range requests make.
	k := key(string(big))
	rc, _, err := b.Open(t.Context(), k)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer rc.Close()
	for _, off := range []int64{1_000_001, 17, 4_799_990} {
		if _, err := rc.Seek(off, io.SeekStart); err != nil {
			t.Fatalf("Seek(%d): %v", off, err)
		}
		got := make([]byte, 10)
		if _, err := io.ReadFull(rc, got); err != nil {
			t.Fatalf("read at %d: %v", off, err)
		}
		if want := big[off : off+10]; !bytes.Equal(got, want) {
			t.Errorf("read at %d: got %q, want %q", off, got, want)
		}
	}
	if end, err := rc.Seek(0, io.SeekEnd); err != nil || end != int64(len(big)) {
		t.Errorf("Seek(end): got %d, %v; want %d", end, err, len(big))
	}
	_, _, err = b.Open(t.Context(), key("never put"))
	wantCode(t, "Open(missing)", err, hongyan.CodeNotFound)
}

// failingReader fails every read: a Put that needs no content must not
// read it.
type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("read should not happen") }

func testPutIdempotent(t *testing.T, b media.BlobStore) {
	data := []byte("the same content twice")
	k := mustPut(t, b, data)
	if err := b.Put(t.Context(), k, bytes.NewReader(data)); err != nil {
		t.Fatalf("Put(again): %v", err)
	}
	if err := b.Put(t.Context(), k, io.MultiReader(bytes.NewReader(data), failingReader{})); err != nil {
		t.Errorf("Put(stored key, reader failing after the content): %v", err)
	}
	if got := read(t, b, k); !bytes.Equal(got, data) {
		t.Errorf("after putting twice: got %q, want %q", got, data)
	}
}

func testPutWrongHash(t *testing.T, b media.BlobStore) {
	k := key("what was promised")
	if err := b.Put(t.Context(), k, bytes.NewReader([]byte("something else"))); err == nil {
		t.Errorf("Put(content not matching its key): got nil error, want a refusal")
	}
	_, _, err := b.Open(t.Context(), k)
	wantCode(t, "Open(after a refused Put)", err, hongyan.CodeNotFound)
}

func testPutFailingReader(t *testing.T, b media.BlobStore) {
	data := []byte("cut off half way")
	k := key(string(data))
	if err := b.Put(t.Context(), k, io.MultiReader(bytes.NewReader(data[:5]), failingReader{})); err == nil {
		t.Errorf("Put(reader failing): got nil error")
	}
	_, _, err := b.Open(t.Context(), k)
	wantCode(t, "Open(after a failed Put)", err, hongyan.CodeNotFound)
	// The key is still free for the real content.
	mustPut(t, b, data)
	if got := read(t, b, k); !bytes.Equal(got, data) {
		t.Errorf("after a failed and a good Put: got %q, want %q", got, data)
	}
}

func testBadKeys(t *testing.T, b media.BlobStore) {
	for _, k := range []string{"", "../../etc/passwd", "ab", key("x")[:63] + "/", key("x")[:63] + "G", "ABCDEF" + key("x")[6:]} {
		err := b.Put(t.Context(), k, bytes.NewReader([]byte("x")))
		wantCode(t, fmt.Sprintf("Put(%q)", k), err, hongyan.CodeInvalid)
		_, _, err = b.Open(t.Context(), k)
		if c := hongyan.ErrorCode(err); c != hongyan.CodeInvalid && c != hongyan.CodeNotFound {
			t.Errorf("Open(%q): got %v, want invalid_argument or not_found", k, err)
		}
	}
}

func testDelete(t *testing.T, b media.BlobStore) {
	k := mustPut(t, b, []byte("to be deleted"))
	keep := mustPut(t, b, []byte("to be kept"))
	if err := b.Delete(t.Context(), k); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	_, _, err := b.Open(t.Context(), k)
	wantCode(t, "Open(deleted)", err, hongyan.CodeNotFound)
	if err := b.Delete(t.Context(), k); err != nil {
		t.Errorf("Delete(missing): %v, want nil", err)
	}
	if got := read(t, b, keep); string(got) != "to be kept" {
		t.Errorf("other blob after Delete: got %q", got)
	}
	// Deleted content can be put again.
	mustPut(t, b, []byte("to be deleted"))
}

func testConcurrentPuts(t *testing.T, b media.BlobStore) {
	data := bytes.Repeat([]byte("concurrent "), 100_000)
	k := key(string(data))
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() { errs[i] = b.Put(t.Context(), k, bytes.NewReader(data)) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("concurrent Put %d: %v", i, err)
		}
	}
	if got := read(t, b, k); !bytes.Equal(got, data) {
		t.Errorf("after concurrent Puts: got %d bytes, want %d", len(got), len(data))
	}
}

// RunUploadStager runs the suite of blob stores that keep the parts of
// resumable uploads; open returns a fresh, empty store for each test.
func RunUploadStager(t *testing.T, open func(t *testing.T) media.UploadStager) {
	t.Run("Parts", func(t *testing.T) { testParts(t, open(t)) })
	t.Run("PartsLostRace", func(t *testing.T) { testPartsLostRace(t, open(t)) })
	t.Run("PartsMissing", func(t *testing.T) { testPartsMissing(t, open(t)) })
	t.Run("PartsBadInput", func(t *testing.T) { testPartsBadInput(t, open(t)) })
}

func putPart(t *testing.T, s media.UploadStager, id string, from int64, data string) {
	t.Helper()
	if err := s.PutPart(t.Context(), id, from, from+int64(len(data)), bytes.NewReader([]byte(data))); err != nil {
		t.Fatalf("PutPart(%s, %d, %q): %v", id, from, data, err)
	}
}

func readParts(t *testing.T, s media.UploadStager, id string, size int64) (string, error) {
	t.Helper()
	rc, err := s.OpenParts(t.Context(), id, size)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	return string(data), err
}

func testParts(t *testing.T, s media.UploadStager) {
	id, other := ID(1), ID(2)
	putPart(t, s, id, 0, "hello, ")
	putPart(t, s, id, 7, "world")
	putPart(t, s, other, 0, "someone else's")
	if got, err := readParts(t, s, id, 12); err != nil || got != "hello, world" {
		t.Errorf("OpenParts: got %q, %v; want %q", got, err, "hello, world")
	}
	// A part stored again with the same bounds replaces the first (a
	// chunk retried after its commit was lost).
	putPart(t, s, id, 7, "there")
	if got, err := readParts(t, s, id, 12); err != nil || got != "hello, there" {
		t.Errorf("OpenParts after a part was replaced: got %q, %v; want %q", got, err, "hello, there")
	}
	// Parts of many chunks, larger than one read.
	big := bytes.Repeat([]byte("0123456789"), 200_000)
	for off := 0; off < len(big); off += 300_000 {
		putPart(t, s, ID(3), int64(off), string(big[off:min(off+300_000, len(big))]))
	}
	if got, err := readParts(t, s, ID(3), int64(len(big))); err != nil || got != string(big) {
		t.Errorf("OpenParts(big): got %d bytes, %v; want %d", len(got), err, len(big))
	}
	if err := s.DeleteParts(t.Context(), id); err != nil {
		t.Fatalf("DeleteParts: %v", err)
	}
	_, err := readParts(t, s, id, 12)
	wantCode(t, "OpenParts(deleted)", err, hongyan.CodeNotFound)
	if err := s.DeleteParts(t.Context(), id); err != nil {
		t.Errorf("DeleteParts(none left): %v, want nil", err)
	}
	if got, err := readParts(t, s, other, 14); err != nil || got != "someone else's" {
		t.Errorf("other upload after DeleteParts: got %q, %v", got, err)
	}
}

// testPartsLostRace: parts whose offset was never committed (a chunk that
// lost the race to another node, a commit that failed) are skipped.
func testPartsLostRace(t *testing.T, s media.UploadStager) {
	id := ID(4)
	putPart(t, s, id, 0, "abc")    // lost: the offset never moved to 3
	putPart(t, s, id, 0, "abcdef") // committed: 0 → 6
	putPart(t, s, id, 6, "gh")     // lost
	putPart(t, s, id, 6, "ghij")   // committed: 6 → 10
	if got, err := readParts(t, s, id, 10); err != nil || got != "abcdefghij" {
		t.Errorf("OpenParts: got %q, %v; want %q", got, err, "abcdefghij")
	}
	// A lost part longer than the committed one leads nowhere.
	id = ID(7)
	putPart(t, s, id, 0, "vwxyz") // lost
	putPart(t, s, id, 0, "ab")
	putPart(t, s, id, 2, "cdef")
	if got, err := readParts(t, s, id, 6); err != nil || got != "abcdef" {
		t.Errorf("OpenParts: got %q, %v; want %q", got, err, "abcdef")
	}
}

func testPartsMissing(t *testing.T, s media.UploadStager) {
	id := ID(5)
	_, err := readParts(t, s, id, 5)
	wantCode(t, "OpenParts(no parts)", err, hongyan.CodeNotFound)
	putPart(t, s, id, 0, "abc")
	putPart(t, s, id, 5, "fg")
	_, err = readParts(t, s, id, 7)
	wantCode(t, "OpenParts(a gap)", err, hongyan.CodeNotFound)
	_, err = readParts(t, s, id, 8)
	wantCode(t, "OpenParts(short of size)", err, hongyan.CodeNotFound)
}

func testPartsBadInput(t *testing.T, s media.UploadStager) {
	for _, id := range []string{"", "../../blobs", ID(1) + "/x", "ABCDEFGHIJKLMNOPQRSTUVWXYZ"} {
		err := s.PutPart(t.Context(), id, 0, 1, bytes.NewReader([]byte("x")))
		wantCode(t, fmt.Sprintf("PutPart(%q)", id), err, hongyan.CodeInvalid)
		_, err = s.OpenParts(t.Context(), id, 1)
		wantCode(t, fmt.Sprintf("OpenParts(%q)", id), err, hongyan.CodeInvalid)
		err = s.DeleteParts(t.Context(), id)
		wantCode(t, fmt.Sprintf("DeleteParts(%q)", id), err, hongyan.CodeInvalid)
	}
	for _, b := range [][2]int64{{-1, 0}, {3, 3}, {5, 2}} {
		err := s.PutPart(t.Context(), ID(6), b[0], b[1], bytes.NewReader(nil))
		wantCode(t, fmt.Sprintf("PutPart(bounds %d-%d)", b[0], b[1]), err, hongyan.CodeInvalid)
	}
}

// BenchBlobStore measures Put (new content each time, hashing included)
// and Open with a full read, for blobs of 64 KiB and 4 MiB, in bytes per
// second.
func BenchBlobStore(b *testing.B, s media.BlobStore) {
	for _, size := range []int{64 << 10, 4 << 20} {
		data := bytes.Repeat([]byte("hongyan!"), size/8)
		b.Run(fmt.Sprintf("Put/%dKiB", size>>10), func(b *testing.B) {
			b.SetBytes(int64(size))
			i := 0
			for b.Loop() {
				i++
				copy(data, fmt.Sprintf("%016d%d", i, time.Now().UnixNano()))
				h := sha256.Sum256(data)
				if err := s.Put(b.Context(), hex.EncodeToString(h[:]), bytes.NewReader(data)); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("Get/%dKiB", size>>10), func(b *testing.B) {
			h := sha256.Sum256(data)
			k := hex.EncodeToString(h[:])
			if err := s.Put(b.Context(), k, bytes.NewReader(data)); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(size))
			for b.Loop() {
				rc, _, err := s.Open(b.Context(), k)
				if err != nil {
					b.Fatal(err)
				}
				n, err := io.Copy(io.Discard, rc)
				rc.Close()
				if err != nil || n != int64(size) {
					b.Fatalf("read %d bytes, %v; want %d", n, err, size)
				}
			}
		})
	}
}

// testErase: a user's media listed by owner in ID order from a cursor,
// who keeps a copy listed, and deleting one reports the blobs no other
// medium uses (a blob two media share stays until the second goes).
func testErase(t *testing.T, s media.Store) {
	ctx := t.Context()
	for n := 1; n <= 4; n++ {
		owner := hongyan.UserID(7)
		if n == 4 {
			owner = 8
		}
		r := record(n, owner)
		if n == 3 {
			r.SHA256 = record(1, 7).SHA256 // the same bytes as medium 1
		}
		if err := s.CreateMedia(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.OwnedMedia(ctx, 7, "", 10)
	if err != nil || len(got) != 3 || got[0].ID != ID(1) || got[2].ID != ID(3) {
		t.Fatalf("OwnedMedia(7): got %d records, %v; want media 1–3", len(got), err)
	}
	if got, _ := s.OwnedMedia(ctx, 7, ID(1), 1); len(got) != 1 || got[0].ID != ID(2) {
		t.Errorf("OwnedMedia(7) after 1, limit 1: got %v, want medium 2", got)
	}
	if err := s.AddKeep(ctx, ID(2), 9); err != nil {
		t.Fatal(err)
	}
	if err := s.AddRef(ctx, ID(1), 5); err != nil {
		t.Fatal(err)
	}
	if k, err := s.Keepers(ctx, ID(2)); err != nil || len(k) != 1 || k[0] != 9 {
		t.Errorf("Keepers(2): got %v, %v; want [9]", k, err)
	}
	unused, err := s.DeleteMedia(ctx, ID(1))
	if err != nil {
		t.Fatal(err)
	}
	// Medium 3 still uses medium 1's content; its thumbnail is free.
	if len(unused) != 1 || unused[0] != record(1, 7).Thumb {
		t.Errorf("DeleteMedia(1): unused %v, want only its thumbnail", unused)
	}
	if _, err := s.Media(ctx, ID(1)); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Errorf("Media(1) after delete: got %v, want not_found", err)
	}
	if refs, _ := s.Refs(ctx, ID(1)); len(refs) != 0 {
		t.Errorf("Refs(1) after delete: got %v, want none", refs)
	}
	unused, err = s.DeleteMedia(ctx, ID(3))
	if err != nil || len(unused) != 2 {
		t.Errorf("DeleteMedia(3): unused %v, %v; want its content and thumbnail", unused, err)
	}
	if _, err := s.DeleteMedia(ctx, ID(3)); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Errorf("DeleteMedia(3) again: got %v, want not_found", err)
	}
	if got, _ := s.OwnedMedia(ctx, 8, "", 10); len(got) != 1 {
		t.Errorf("another owner's media: got %d, want 1 untouched", len(got))
	}
}
