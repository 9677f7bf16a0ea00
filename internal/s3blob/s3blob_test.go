package s3blob_test

import (
	"crypto/rand"
	"encoding/hex"
	"net/http/httptest"
	"net/url"
	"os"
	"sync"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"hongyan/internal/media"
	"hongyan/internal/media/mediatest"
	"hongyan/internal/s3blob"
)

// servers lists the S3 servers the suites run against: gofakes3 in
// process always, and the server HONGYAN_TEST_S3 names
// (http://ACCESS:SECRET@host:port/bucket; the bucket is created if
// missing) when it is set: CI's S3 step starts SeaweedFS
// (scripts/s3-server) and sets it.
func servers(t testing.TB) map[string]func(t testing.TB) *s3blob.Store {
	m := map[string]func(t testing.TB) *s3blob.Store{"gofakes3": fake}
	if env := os.Getenv("HONGYAN_TEST_S3"); env != "" {
		m["real"] = func(t testing.TB) *s3blob.Store { return real(t, env) }
	}
	return m
}

// fake starts gofakes3 with one bucket for t.
func fake(t testing.TB) *s3blob.Store {
	backend := s3mem.New()
	if err := backend.CreateBucket("media"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	s, err := s3blob.New(s3blob.Config{Endpoint: srv.URL, Bucket: "media", AccessKey: "test", SecretKey: "testsecret", PathStyle: true, TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// real returns a store on the server env names, under a prefix of its
// own so that tests do not see each other's objects.
func real(t testing.TB, env string) *s3blob.Store {
	u, err := url.Parse(env)
	if err != nil || u.Host == "" || len(u.Path) < 2 {
		t.Fatalf("HONGYAN_TEST_S3=%q is not http://ACCESS:SECRET@host:port/bucket", env)
	}
	var b [8]byte
	rand.Read(b[:])
	secret, _ := u.User.Password()
	s, err := s3blob.New(s3blob.Config{
		Endpoint: u.Scheme + "://" + u.Host, Bucket: u.Path[1:], AccessKey: u.User.Username(), SecretKey: secret,
		PathStyle: true, Prefix: "test-" + hex.EncodeToString(b[:]) + "/", TempDir: t.TempDir(),
	})
	if err != nil {
		t.Fatal(err)
	}
	ensureBucket(t, u.Scheme == "https", u.Host, u.User.Username(), secret, u.Path[1:])
	if err := s.Ping(t.Context()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	return s
}

var madeBucket sync.Once

// ensureBucket creates the test bucket on a fresh server (an operator
// creates theirs; s3blob never does).
func ensureBucket(t testing.TB, secure bool, host, access, secret, bucket string) {
	madeBucket.Do(func() {
		c, err := minio.New(host, &minio.Options{Creds: credentials.NewStaticV4(access, secret, ""), Secure: secure, BucketLookup: minio.BucketLookupPath})
		if err != nil {
			t.Fatal(err)
		}
		ok, err := c.BucketExists(t.Context(), bucket)
		if err == nil && !ok {
			err = c.MakeBucket(t.Context(), bucket, minio.MakeBucketOptions{})
		}
		if err != nil {
			t.Fatalf("creating bucket %s: %v", bucket, err)
		}
	})
}

func TestBlobStore(t *testing.T) {
	for name, open := range servers(t) {
		t.Run(name, func(t *testing.T) {
			mediatest.RunBlobStore(t, func(t *testing.T) media.BlobStore { return open(t) })
		})
	}
}

func TestUploadStager(t *testing.T) {
	for name, open := range servers(t) {
		t.Run(name, func(t *testing.T) {
			mediatest.RunUploadStager(t, func(t *testing.T) media.UploadStager { return open(t) })
		})
	}
}

// BenchmarkBlobStore: put and get through S3 (gofakes3 in this process,
// and the server of HONGYAN_TEST_S3 when set).
//
//	HONGYAN_TEST_S3=http://KEY:SECRET@127.0.0.1:8333/bucket go test ./internal/s3blob -run '^$' -bench . -benchtime 2s
func BenchmarkBlobStore(b *testing.B) {
	for name, open := range servers(b) {
		b.Run(name, func(b *testing.B) { mediatest.BenchBlobStore(b, open(b)) })
	}
}
