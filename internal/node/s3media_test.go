package node_test

import (
	"bytes"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"hongyan/internal/config"
	"hongyan/internal/wsclient"
)

// fakeS3 starts an S3 server (gofakes3) in the test process with a bucket
// "media" and returns the configuration that reaches it.
func fakeS3(t testing.TB) config.S3 {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket("media"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	return config.S3{Endpoint: srv.URL, Bucket: "media", AccessKey: "test", SecretKey: "testsecret", PathStyle: true}
}

// With media.store = "s3", nothing of an upload stays on the node's disk:
// a resumable upload's parts are in the bucket, and the node answers
// /readyz only while the bucket can be reached.
func TestMediaOnS3(t *testing.T) {
	cfg := config.Default()
	cfg.Data = t.TempDir()
	cfg.Media.Store, cfg.Media.S3 = "s3", fakeS3(t)
	srv := startMediaNode(t, cfg, nil)
	alice := registerUser(t, srv, "alice_s3")
	if r := request(t, "GET", srv.URL+"/readyz", "", nil); r.status != http.StatusOK {
		t.Fatalf("/readyz: %d %s, want 200", r.status, r.body)
	}
	big := mediaContent(wsclient.SingleUploadMax + 2*wsclient.UploadChunk + 777)
	info, err := wsclient.Upload(t.Context(), srv.URL, alice.token, "file", "big.bin", bytes.NewReader(big), int64(len(big)), 0)
	if err != nil {
		t.Fatalf("wsclient.Upload: %v", err)
	}
	var files []string
	filepath.WalkDir(cfg.Data, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.Contains(path, filepath.Join("media", "")) {
			files = append(files, path)
		}
		return nil
	})
	if len(files) != 0 {
		t.Errorf("files left under the node's media directory: %v, want none (all in the bucket)", files)
	}
	part := request(t, "GET", srv.URL+"/media/"+info.ID, alice.token, nil, "Range", "bytes=5000000-5000999")
	if part.status != http.StatusPartialContent || !bytes.Equal(part.body, big[5_000_000:5_001_000]) {
		t.Errorf("GET Range: %d, %d bytes; want 206 with those 1000 bytes", part.status, len(part.body))
	}
	if got, want := part.header.Get("Content-Range"), fmt.Sprintf("bytes 5000000-5000999/%d", len(big)); got != want {
		t.Errorf("GET Range: Content-Range %q, want %q", got, want)
	}

	// A node whose bucket does not exist is not ready.
	cfg2 := config.Default()
	cfg2.Data = t.TempDir()
	cfg2.Media.Store, cfg2.Media.S3 = "s3", fakeS3(t)
	cfg2.Media.S3.Bucket = "nosuchbucket"
	srv2 := startMediaNode(t, cfg2, nil)
	if r := request(t, "GET", srv2.URL+"/readyz", "", nil); r.status != http.StatusServiceUnavailable || !strings.Contains(string(r.body), "media") {
		t.Errorf("/readyz without a bucket: %d %s, want 503 naming the media store", r.status, r.body)
	}
}
