package media_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"sync"
	"testing"
	"time"

	"hongyan/internal/hongyan"
	"hongyan/internal/media"
)

// stagedBlobs is memBlobs that also keeps the parts of resumable uploads
// (media.UploadStager), as s3blob does in its bucket.
type stagedBlobs struct {
	*memBlobs
	pmu   sync.Mutex
	parts map[string]map[int64][]byte // upload → from → bytes
}

func newStagedBlobs() *stagedBlobs {
	return &stagedBlobs{memBlobs: newMemBlobs(), parts: map[string]map[int64][]byte{}}
}

func (b *stagedBlobs) PutPart(_ context.Context, id string, from, to int64, r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if int64(len(data)) != to-from {
		return hongyan.Errorf(hongyan.CodeInvalid, "part of %d bytes, not %d", len(data), to-from)
	}
	b.pmu.Lock()
	defer b.pmu.Unlock()
	if b.parts[id] == nil {
		b.parts[id] = map[int64][]byte{}
	}
	b.parts[id][from] = data
	return nil
}

func (b *stagedBlobs) OpenParts(_ context.Context, id string, size int64) (io.ReadCloser, error) {
	b.pmu.Lock()
	defer b.pmu.Unlock()
	var all []byte
	for int64(len(all)) < size {
		p, ok := b.parts[id][int64(len(all))]
		if !ok {
			return nil, notFound("parts")
		}
		all = append(all, p...)
	}
	return io.NopCloser(bytes.NewReader(all[:size])), nil
}

func (b *stagedBlobs) DeleteParts(_ context.Context, id string) error {
	b.pmu.Lock()
	defer b.pmu.Unlock()
	delete(b.parts, id)
	return nil
}

func (b *stagedBlobs) partCount() int {
	b.pmu.Lock()
	defer b.pmu.Unlock()
	n := 0
	for _, ps := range b.parts {
		n += len(ps)
	}
	return n
}

// twoNodes is two Services on one store and one staging blob store, each
// with a temporary directory of its own: two nodes of a cluster.
func twoNodes(t *testing.T) (a, b *media.Service, blobs *stagedBlobs, dirs [2]string) {
	store, blobs := newMemStore(), newStagedBlobs()
	now := time.UnixMilli(1_760_000_000_000).UTC()
	var s [2]*media.Service
	for i := range s {
		dirs[i] = t.TempDir()
		s[i] = media.New(store, blobs, nil, media.Config{TempDir: dirs[i], Now: func() time.Time { return now }})
	}
	return s[0], s[1], blobs, dirs
}

func emptyDir(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("left in the node's temporary directory: %s", e.Name())
	}
}

// With a blob store that keeps upload parts, an upload started on one
// node is continued and finished on another, and nothing stays on either
// node's disk.
func TestStagedUploadAcrossNodes(t *testing.T) {
	a, b, blobs, dirs := twoNodes(t)
	ctx := t.Context()
	data := content(300_000)
	st, err := a.StartUpload(ctx, alice, media.Upload{Class: media.ClassFile, Name: "x.bin", Size: int64(len(data))})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.WriteChunk(ctx, alice, st.ID, 0, bytes.NewReader(data[:100_000])); err != nil {
		t.Fatalf("chunk 1 on node a: %v", err)
	}
	_, _, err = b.WriteChunk(ctx, alice, st.ID, 50_000, bytes.NewReader(data[50_000:]))
	wantCode(t, "chunk at a stale offset on node b", err, hongyan.CodePrecondition)
	_, _, err = b.WriteChunk(ctx, bob, st.ID, 100_000, bytes.NewReader(data[100_000:]))
	wantCode(t, "chunk by another user on node b", err, hongyan.CodeNotFound)
	if _, _, err := b.WriteChunk(ctx, alice, st.ID, 100_000, bytes.NewReader(data[100_000:200_000])); err != nil {
		t.Fatalf("chunk 2 on node b: %v", err)
	}
	_, info, err := a.WriteChunk(ctx, alice, st.ID, 200_000, bytes.NewReader(data[200_000:]))
	if err != nil || info == nil || info.Size != int64(len(data)) {
		t.Fatalf("last chunk on node a: %+v, %v", info, err)
	}
	_, rc, err := b.Open(ctx, alice, info.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(got, data) {
		t.Errorf("content read on node b: %d bytes differ from the %d uploaded", len(got), len(data))
	}
	if n := blobs.partCount(); n != 0 {
		t.Errorf("%d parts left after the upload finished, want 0", n)
	}
	// Finishing again (the answer was lost) gives the same media.
	if _, again, err := b.WriteChunk(ctx, alice, st.ID, int64(len(data)), bytes.NewReader(nil)); err != nil || again == nil || again.ID != info.ID {
		t.Errorf("empty chunk at the end on node b: %+v, %v; want media %s", again, err, info.ID)
	}
	emptyDir(t, dirs[0])
	emptyDir(t, dirs[1])
}

// Parts that are gone end the upload with not_found; an abandoned upload's
// parts are deleted with it.
func TestStagedUploadLostAndCleaned(t *testing.T) {
	a, b, blobs, _ := twoNodes(t)
	ctx := t.Context()
	data := content(1000)
	lost, err := a.StartUpload(ctx, alice, media.Upload{Class: media.ClassFile, Size: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.WriteChunk(ctx, alice, lost.ID, 0, bytes.NewReader(data[:500])); err != nil {
		t.Fatal(err)
	}
	blobs.DeleteParts(ctx, lost.ID)
	_, _, err = b.WriteChunk(ctx, alice, lost.ID, 500, bytes.NewReader(data[500:]))
	wantCode(t, "finishing an upload whose parts are gone", err, hongyan.CodeNotFound)
	_, err = a.Upload(ctx, alice, lost.ID)
	wantCode(t, "Upload(lost)", err, hongyan.CodeNotFound)

	old, err := a.StartUpload(ctx, alice, media.Upload{Class: media.ClassFile, Size: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.WriteChunk(ctx, alice, old.ID, 0, bytes.NewReader(data[:300])); err != nil {
		t.Fatal(err)
	}
	if n := blobs.partCount(); n == 0 {
		t.Fatalf("no part stored for a chunk")
	}
	n, err := b.CleanUploads(ctx, -time.Hour) // everything counts as abandoned
	if err != nil || n != 1 {
		t.Fatalf("CleanUploads: got %d, %v; want 1", n, err)
	}
	if n := blobs.partCount(); n != 0 {
		t.Errorf("%d parts left after CleanUploads, want 0", n)
	}
}
