package localblob_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"hongyan/internal/localblob"
	"hongyan/internal/media"
	"hongyan/internal/media/mediatest"
)

func TestBlobStore(t *testing.T) {
	mediatest.RunBlobStore(t, func(t *testing.T) media.BlobStore {
		return localblob.New(filepath.Join(t.TempDir(), "media"))
	})
}

// TestLayout checks where blobs live, and that nothing is left behind but
// the blob.
func TestLayout(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "media")
	s := localblob.New(dir)
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("New created %s before any blob was put (stat: %v)", dir, err)
	}
	data := []byte("layout")
	sum := sha256.Sum256(data)
	key := hex.EncodeToString(sum[:])
	if err := s.Put(t.Context(), key, bytes.NewReader(data)); err != nil {
		t.Fatalf("Put: %v", err)
	}
	got, err := os.ReadFile(filepath.Join(dir, key[:2], key[2:]))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("blob file: got %q, %v; want %q", got, err, data)
	}
	entries, err := os.ReadDir(filepath.Join(dir, key[:2]))
	if err != nil || len(entries) != 1 {
		t.Errorf("directory %s: got %d entries, %v; want only the blob", key[:2], len(entries), err)
	}
}

// TestPutFile moves a file into place.
func TestPutFile(t *testing.T) {
	tmp := t.TempDir()
	s := localblob.New(filepath.Join(tmp, "media"))
	data := []byte("moved, not copied")
	sum := sha256.Sum256(data)
	key := hex.EncodeToString(sum[:])
	src := filepath.Join(tmp, "staged")
	if err := os.WriteFile(src, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.PutFile(t.Context(), key, src); err != nil {
		t.Fatalf("PutFile: %v", err)
	}
	if _, err := os.Stat(src); !os.IsNotExist(err) {
		t.Errorf("staged file after PutFile: stat error %v, want it moved away", err)
	}
	rc, size, err := s.Open(t.Context(), key)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer rc.Close()
	if size != int64(len(data)) {
		t.Errorf("size: got %d, want %d", size, len(data))
	}
	// A second PutFile of stored content leaves its file alone.
	if err := os.WriteFile(src, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.PutFile(t.Context(), key, src); err != nil {
		t.Fatalf("PutFile(again): %v", err)
	}
	if _, err := os.Stat(src); err != nil {
		t.Errorf("staged file after PutFile of a stored key: %v, want it left", err)
	}
}

var _ media.FileMover = (*localblob.Store)(nil)

// BenchmarkBlobStore: put (fsync and rename) and get on the local disk,
// to compare with s3blob's.
//
//	go test ./internal/localblob -run '^$' -bench . -benchtime 2s
func BenchmarkBlobStore(b *testing.B) {
	mediatest.BenchBlobStore(b, localblob.New(filepath.Join(b.TempDir(), "media")))
}
