package node_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"hongyan/internal/config"
	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/wsclient"
)

// benchMediaSize is the size of the file the media benchmarks move.
const benchMediaSize = 50 << 20

// benchMediaNode starts a node on SQLite in a temporary directory and
// returns it with a signed-in user's token.
func benchMediaNode(b *testing.B) (*httptest.Server, string) {
	b.Helper()
	cfg := config.Default()
	cfg.Data = b.TempDir()
	srv := startMediaNode(b, cfg, nil)
	c, err := wsclient.Dial(context.Background(), srv.URL)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	sess, err := c.Register(context.Background(), &pb.RegisterRequest{AccountId: "bench_media", Password: "password-bench"})
	if err != nil {
		b.Fatal(err)
	}
	return srv, sess.Token
}

// BenchmarkUpload50MB uploads a 50 MiB file (kind file) through real HTTP
// on loopback, its bytes made different each time so that nothing is
// deduplicated: in one request (single), and through wsclient.Upload, which
// sends it in 4 MiB chunks, each synced before it is acknowledged
// (resumable). Each upload is hashed, synced and moved into the blob store
// before it is answered.
func BenchmarkUpload50MB(b *testing.B) {
	data := mediaContent(benchMediaSize)
	for _, mode := range []string{"single", "resumable"} {
		b.Run(mode, func(b *testing.B) {
			srv, token := benchMediaNode(b)
			b.SetBytes(benchMediaSize)
			b.ResetTimer()
			for i := range b.N {
				binary.LittleEndian.PutUint64(data, uint64(i)+1)
				var err error
				if mode == "single" {
					err = benchPost(srv.URL, token, data)
				} else {
					_, err = wsclient.Upload(context.Background(), srv.URL, token, "file", "bench.bin", bytes.NewReader(data), benchMediaSize, 0)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func benchPost(base, token string, data []byte) error {
	req, err := http.NewRequest("POST", base+"/media?kind=file&name=bench.bin", bytes.NewReader(data))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("POST /media: %s", resp.Status)
	}
	return nil
}

// BenchmarkDownload50MB downloads a 50 MiB file through real HTTP on
// loopback (from the page cache, as a popular file would be).
func BenchmarkDownload50MB(b *testing.B) {
	srv, token := benchMediaNode(b)
	info, err := wsclient.Upload(context.Background(), srv.URL, token, "file", "bench.bin", bytes.NewReader(mediaContent(benchMediaSize)), benchMediaSize, 0)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(benchMediaSize)
	b.ResetTimer()
	for range b.N {
		var n countWriter
		if err := wsclient.Download(context.Background(), srv.URL, token, info.ID, &n); err != nil {
			b.Fatal(err)
		}
		if n != benchMediaSize {
			b.Fatalf("downloaded %d bytes, want %d", n, benchMediaSize)
		}
	}
}

// countWriter counts what is written to it.
type countWriter int64

func (c *countWriter) Write(p []byte) (int, error) {
	*c += countWriter(len(p))
	return len(p), nil
}
