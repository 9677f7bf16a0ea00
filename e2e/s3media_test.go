package e2e

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"hongyan/internal/postgres/pgtest"
)

// s3Env returns the environment that puts a node's media in one S3
// bucket: the server HONGYAN_TEST_S3 names (http://ACCESS:SECRET@host:port/bucket,
// as CI sets it for SeaweedFS), else gofakes3 in the test process.
func s3Env(t *testing.T) []string {
	t.Helper()
	endpoint, bucket, access, secret := "", "media", "test", "testsecret"
	prefix := ""
	if env := os.Getenv("HONGYAN_TEST_S3"); env != "" {
		u, err := url.Parse(env)
		if err != nil || u.Host == "" || len(u.Path) < 2 {
			t.Fatalf("HONGYAN_TEST_S3=%q is not http://ACCESS:SECRET@host:port/bucket", env)
		}
		endpoint, bucket, access = u.Scheme+"://"+u.Host, u.Path[1:], u.User.Username()
		secret, _ = u.User.Password()
		var b [6]byte
		rand.Read(b[:])
		prefix = fmt.Sprintf("e2e-%x/", b)
		c, err := minio.New(u.Host, &minio.Options{Creds: credentials.NewStaticV4(access, secret, ""), Secure: u.Scheme == "https", BucketLookup: minio.BucketLookupPath})
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := c.BucketExists(t.Context(), bucket); err != nil || !ok {
			if err := c.MakeBucket(t.Context(), bucket, minio.MakeBucketOptions{}); err != nil {
				t.Fatalf("creating bucket %s: %v", bucket, err)
			}
		}
	} else {
		backend := s3mem.New()
		if err := backend.CreateBucket(bucket); err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(gofakes3.New(backend).Server())
		t.Cleanup(srv.Close)
		endpoint = srv.URL
	}
	return []string{"HONGYAN_MEDIA_STORE=s3", "HONGYAN_MEDIA_S3_ENDPOINT=" + endpoint, "HONGYAN_MEDIA_S3_BUCKET=" + bucket,
		"HONGYAN_MEDIA_S3_ACCESS_KEY=" + access, "HONGYAN_MEDIA_S3_SECRET_KEY=" + secret, "HONGYAN_MEDIA_S3_PATH_STYLE=true",
		"HONGYAN_MEDIA_S3_PREFIX=" + prefix}
}

// httpDo makes a request with a bearer token and returns status, headers
// and body.
func httpDo(t *testing.T, method, u, token string, body []byte, header ...string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

// Two `hongyan serve` processes on one PostgreSQL schema with their media
// in one S3 bucket and data directories of their own: an upload started
// on one node is resumed and finished on the other, and either node serves
// the content (ranges too) to its owner and to no one else.
func TestS3MediaAcrossTwoNodes(t *testing.T) {
	if os.Getenv(pgtest.EnvDSN) == "" {
		t.Skipf("two nodes share a database only on PostgreSQL: set %s", pgtest.EnvDSN)
	}
	dsn := pgtest.DSN(t)
	env := append(s3Env(t), "HONGYAN_STORAGE_DRIVER=postgres", "HONGYAN_STORAGE_POSTGRES="+dsn)
	a := startServerEnv(t, t.TempDir(), "127.0.0.1:0", env)
	b := startServerEnv(t, t.TempDir(), "127.0.0.1:0", env)
	for _, s := range []*server{a, b} {
		if !ready(s.url()) {
			t.Fatalf("node %s is not ready:\n%s", s.addr, s.log)
		}
	}
	mona, stranger := register(t, a, "mona_s3"), register(t, b, "otto_s3")

	data := make([]byte, 6<<20+321)
	rand.Read(data)
	status, _, body := httpDo(t, "POST", a.url()+"/media/uploads", mona.token,
		[]byte(fmt.Sprintf(`{"kind":"file","name":"data.bin","size":%d}`, len(data))))
	var st struct {
		ID     string
		Offset int64
		Media  *struct{ ID string }
	}
	if err := json.Unmarshal(body, &st); status != http.StatusCreated || err != nil || st.ID == "" {
		t.Fatalf("POST /media/uploads on node a: %d %s", status, body)
	}
	half := len(data) / 2
	if status, _, body := httpDo(t, "PATCH", a.url()+"/media/uploads/"+st.ID, mona.token, data[:half], "Upload-Offset", "0"); status != http.StatusOK {
		t.Fatalf("PATCH 0 on node a: %d %s", status, body)
	}
	// Node b knows where the upload is, though node a received its bytes.
	status, hdr, _ := httpDo(t, "HEAD", b.url()+"/media/uploads/"+st.ID, mona.token, nil)
	if status != http.StatusOK || hdr.Get("Upload-Offset") != strconv.Itoa(half) {
		t.Fatalf("HEAD on node b: %d, Upload-Offset %q; want 200 at %d", status, hdr.Get("Upload-Offset"), half)
	}
	status, _, body = httpDo(t, "PATCH", b.url()+"/media/uploads/"+st.ID, mona.token, data[half:], "Upload-Offset", strconv.Itoa(half))
	if err := json.Unmarshal(body, &st); status != http.StatusOK || err != nil || st.Media == nil || st.Media.ID != st.ID {
		t.Fatalf("last PATCH on node b: %d %s", status, body)
	}
	for _, s := range []*server{a, b} {
		status, _, got := httpDo(t, "GET", s.url()+"/media/"+st.ID, mona.token, nil)
		if status != http.StatusOK || !bytes.Equal(got, data) {
			t.Errorf("GET on node %s: %d, %d bytes; want 200 and the %d uploaded", s.addr, status, len(got), len(data))
		}
		status, _, got = httpDo(t, "GET", s.url()+"/media/"+st.ID, mona.token, nil, "Range", "bytes=4000000-4000099")
		if status != http.StatusPartialContent || !bytes.Equal(got, data[4_000_000:4_000_100]) {
			t.Errorf("GET Range on node %s: %d, %d bytes; want 206 and those 100 bytes", s.addr, status, len(got))
		}
		if status, _, body := httpDo(t, "GET", s.url()+"/media/"+st.ID, stranger.token, nil); status != http.StatusNotFound {
			t.Errorf("GET by a stranger on node %s: %d %s, want 404", s.addr, status, body)
		}
	}
	// A one-request upload on node b is read on node a.
	small := []byte(strings.Repeat("hongyan on s3\n", 1000))
	status, _, body = httpDo(t, "POST", b.url()+"/media?kind=file&name=small.txt", mona.token, small)
	var m struct{ ID string }
	if err := json.Unmarshal(body, &m); status != http.StatusCreated && status != http.StatusOK || err != nil || m.ID == "" {
		t.Fatalf("POST /media on node b: %d %s", status, body)
	}
	if status, _, got := httpDo(t, "GET", a.url()+"/media/"+m.ID, mona.token, nil); status != http.StatusOK || !bytes.Equal(got, small) {
		t.Errorf("GET on node a of what node b stored: %d, %d bytes; want 200 and %d", status, len(got), len(small))
	}
}
