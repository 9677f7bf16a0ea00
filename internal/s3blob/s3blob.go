// Package s3blob is the media.BlobStore on S3-compatible object storage
// (AWS S3, MinIO, SeaweedFS, Ceph RGW…), so that every node of a cluster
// reads and writes the same media.
//
// A blob is the object <prefix>blobs/<sha256>. An S3 PUT is atomic (the
// object is wholly there or not at all) and durable when it is
// acknowledged, so Put hashes the content before it is sent: content that
// does not hash to its key never reaches the bucket. Open reads with ranged
// GETs, so seeking (HTTP Range requests) does not download what is
// skipped. The parts of resumable uploads are objects of their own,
// <prefix>uploads/<id>/<from>-<to>, which lets any node continue or finish
// an upload another node started (media.UploadStager).
package s3blob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"hongyan/internal/hongyan"
	"hongyan/internal/media"
)

// Config says where the bucket is and how to reach it.
type Config struct {
	// Endpoint is the S3 server: "https://s3.example.com", or
	// "http://127.0.0.1:8333" for one on a trusted network. A bare
	// "host:port" means https.
	Endpoint string
	// Bucket must exist; Region may be empty when the server does not
	// care (most S3-compatible servers).
	Bucket, Region string
	// AccessKey and SecretKey sign requests; both empty sends them
	// unsigned (a server that allows anonymous access, for tests).
	AccessKey, SecretKey string
	// PathStyle addresses the bucket as <endpoint>/<bucket> rather than
	// <bucket>.<endpoint>; most self-hosted servers need it.
	PathStyle bool
	// Prefix is put before every object name (say "hongyan/"), for a
	// bucket shared with other data.
	Prefix string
	// TempDir holds content that Put must read once to hash before
	// sending it (an unseekable reader). Empty: os.TempDir().
	TempDir string
	// Transport, when set, carries the requests (tests).
	Transport http.RoundTripper
}

// Store keeps blobs in one bucket. It is safe for concurrent use, also by
// several nodes sharing the bucket.
type Store struct {
	c      *minio.Client
	bucket string
	prefix string
	tmp    string
}

var (
	_ media.BlobStore    = (*Store)(nil)
	_ media.FileMover    = (*Store)(nil)
	_ media.UploadStager = (*Store)(nil)
)

// Objects up to maxSinglePut bytes (S3's limit for one PUT) are sent in
// one streamed request, which buffers nothing; larger ones in a multipart
// upload of partSize parts, one part buffered at a time.
const (
	maxSinglePut = 5 << 30
	partSize     = 64 << 20
)

// New returns a Store on cfg's bucket. It does not contact the server:
// Ping does.
func New(cfg Config) (*Store, error) {
	if cfg.Endpoint == "" || cfg.Bucket == "" {
		return nil, errors.New("s3blob: an endpoint and a bucket are needed")
	}
	host, secure := cfg.Endpoint, true
	if strings.Contains(host, "://") {
		u, err := url.Parse(host)
		if err != nil || u.Host == "" || (u.Path != "" && u.Path != "/") || (u.Scheme != "http" && u.Scheme != "https") {
			return nil, fmt.Errorf("s3blob: endpoint %q is not http(s)://host[:port]", cfg.Endpoint)
		}
		host, secure = u.Host, u.Scheme == "https"
	}
	if (cfg.AccessKey == "") != (cfg.SecretKey == "") {
		return nil, errors.New("s3blob: give both an access key and a secret key, or neither")
	}
	lookup := minio.BucketLookupAuto
	if cfg.PathStyle {
		lookup = minio.BucketLookupPath
	}
	opts := &minio.Options{
		Creds:        credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure:       secure,
		Region:       cfg.Region,
		BucketLookup: lookup,
		Transport:    cfg.Transport,
	}
	c, err := minio.New(host, opts)
	if err != nil {
		return nil, fmt.Errorf("s3blob: %w", err)
	}
	tmp := cfg.TempDir
	if tmp == "" {
		tmp = os.TempDir()
	}
	return &Store{c: c, bucket: cfg.Bucket, prefix: cfg.Prefix, tmp: tmp}, nil
}

// Ping checks that the bucket can be reached and exists.
func (s *Store) Ping(ctx context.Context) error {
	ok, err := s.c.BucketExists(ctx, s.bucket)
	if err != nil {
		return fmt.Errorf("s3blob: bucket %s: %w", s.bucket, err)
	}
	if !ok {
		return fmt.Errorf("s3blob: bucket %s does not exist", s.bucket)
	}
	return nil
}

func (s *Store) object(key string) (string, error) {
	if !media.ValidKey(key) {
		return "", hongyan.Errorf(hongyan.CodeInvalid, "invalid blob key")
	}
	return s.prefix + "blobs/" + key, nil
}

// exists reports whether the object is stored.
func (s *Store) exists(ctx context.Context, name string) (bool, error) {
	_, err := s.c.StatObject(ctx, s.bucket, name, minio.StatObjectOptions{})
	if err == nil {
		return true, nil
	}
	if notFound(err) {
		return false, nil
	}
	return false, fmt.Errorf("s3blob: %w", err)
}

func notFound(err error) bool {
	r := minio.ToErrorResponse(err)
	return r.StatusCode == http.StatusNotFound || r.Code == minio.NoSuchKey
}

// Put stores r's content under key, refusing content whose SHA-256 is not
// key. The content is hashed before anything is sent: a seekable r is read
// twice, anything else is spooled to a temporary file first.
func (s *Store) Put(ctx context.Context, key string, r io.Reader) error {
	name, err := s.object(key)
	if err != nil {
		return err
	}
	if ok, err := s.exists(ctx, name); err != nil || ok {
		return err
	}
	rs, ok := r.(io.ReadSeeker)
	if !ok {
		f, err := os.CreateTemp(s.tmp, "s3blob-*")
		if err != nil {
			return err
		}
		defer func() {
			f.Close()
			os.Remove(f.Name())
		}()
		if _, err := io.Copy(f, contextReader{ctx, r}); err != nil {
			return err
		}
		rs = f
	}
	if _, err := rs.Seek(0, io.SeekStart); err != nil {
		return err
	}
	h := sha256.New()
	size, err := io.Copy(h, contextReader{ctx, rs})
	if err != nil {
		return err
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != key {
		return fmt.Errorf("s3blob: content hashes to %s, not to its key %s", got, key)
	}
	if _, err := rs.Seek(0, io.SeekStart); err != nil {
		return err
	}
	return s.upload(ctx, name, rs, size)
}

// PutFile stores the file at path under key, leaving the file where it is.
// The caller vouches that key is the file's SHA-256.
func (s *Store) PutFile(ctx context.Context, key, path string) error {
	name, err := s.object(key)
	if err != nil {
		return err
	}
	if ok, err := s.exists(ctx, name); err != nil || ok {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	return s.upload(ctx, name, f, fi.Size())
}

// upload PUTs size bytes of r as object name; the object exists, whole,
// once it returns nil.
func (s *Store) upload(ctx context.Context, name string, r io.Reader, size int64) error {
	_, err := s.c.PutObject(ctx, s.bucket, name, r, size, minio.PutObjectOptions{
		ContentType:      "application/octet-stream",
		PartSize:         partSize,
		NumThreads:       1,
		DisableMultipart: size <= maxSinglePut,
	})
	if err != nil {
		return fmt.Errorf("s3blob: put %s: %w", name, err)
	}
	return nil
}

// Open opens blob key. The reader fetches what is read with ranged GETs.
func (s *Store) Open(ctx context.Context, key string) (io.ReadSeekCloser, int64, error) {
	name, err := s.object(key)
	if err != nil {
		return nil, 0, err
	}
	obj, err := s.c.GetObject(ctx, s.bucket, name, minio.GetObjectOptions{})
	if err != nil {
		return nil, 0, fmt.Errorf("s3blob: %w", err)
	}
	info, err := obj.Stat()
	if err != nil {
		obj.Close()
		if notFound(err) {
			return nil, 0, hongyan.Errorf(hongyan.CodeNotFound, "no such blob")
		}
		return nil, 0, fmt.Errorf("s3blob: %w", err)
	}
	return obj, info.Size, nil
}

// Delete removes blob key.
func (s *Store) Delete(ctx context.Context, key string) error {
	name, err := s.object(key)
	if err != nil {
		return err
	}
	return s.remove(ctx, name)
}

func (s *Store) remove(ctx context.Context, name string) error {
	err := s.c.RemoveObject(ctx, s.bucket, name, minio.RemoveObjectOptions{})
	if err != nil && !notFound(err) {
		return fmt.Errorf("s3blob: delete %s: %w", name, err)
	}
	return nil
}

// validUpload reports whether id has the form of media's upload IDs.
func validUpload(id string) bool {
	if len(id) != 26 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !(c >= 'a' && c <= 'z' || c >= '2' && c <= '7') {
			return false
		}
	}
	return true
}

func (s *Store) uploadPrefix(id string) (string, error) {
	if !validUpload(id) {
		return "", hongyan.Errorf(hongyan.CodeInvalid, "invalid upload ID")
	}
	return s.prefix + "uploads/" + id + "/", nil
}

// partName is the object of bytes [from, to) of an upload: fixed-width
// offsets, so names sort by offset.
func partName(prefix string, from, to int64) string {
	return fmt.Sprintf("%s%020d-%020d", prefix, from, to)
}

// PutPart stores bytes [from, to) of upload id.
func (s *Store) PutPart(ctx context.Context, id string, from, to int64, r io.Reader) error {
	p, err := s.uploadPrefix(id)
	if err != nil {
		return err
	}
	if from < 0 || to <= from {
		return hongyan.Errorf(hongyan.CodeInvalid, "invalid part bounds %d-%d", from, to)
	}
	return s.upload(ctx, partName(p, from, to), r, to-from)
}

type part struct {
	name     string
	from, to int64
}

// parts lists the parts of upload id.
func (s *Store) parts(ctx context.Context, prefix string) ([]part, error) {
	var ps []part
	for o := range s.c.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if o.Err != nil {
			return nil, fmt.Errorf("s3blob: listing %s: %w", prefix, o.Err)
		}
		a, b, ok := strings.Cut(strings.TrimPrefix(o.Key, prefix), "-")
		from, err1 := strconv.ParseInt(a, 10, 64)
		to, err2 := strconv.ParseInt(b, 10, 64)
		if !ok || err1 != nil || err2 != nil || o.Size != to-from {
			continue // not a part, or one cut short
		}
		ps = append(ps, part{o.Key, from, to})
	}
	return ps, nil
}

// chain picks parts that follow one another from 0 to size. Parts whose
// offset was never committed (a chunk that lost a race, or whose commit
// failed) start at a committed offset but may end anywhere: a depth-first
// search, longest part first, skips them.
func chain(ps []part, size int64) []part {
	byFrom := map[int64][]part{}
	for _, p := range ps {
		byFrom[p.from] = append(byFrom[p.from], p)
	}
	for _, l := range byFrom {
		sort.Slice(l, func(i, j int) bool { return l[i].to > l[j].to })
	}
	dead := map[int64]bool{}
	var walk func(at int64) []part
	walk = func(at int64) []part {
		if at == size {
			return []part{}
		}
		if dead[at] {
			return nil
		}
		for _, p := range byFrom[at] {
			if p.to > size {
				continue
			}
			if rest := walk(p.to); rest != nil {
				return append([]part{p}, rest...)
			}
		}
		dead[at] = true
		return nil
	}
	return walk(0)
}

// OpenParts returns bytes [0, size) of upload id, read part after part.
func (s *Store) OpenParts(ctx context.Context, id string, size int64) (io.ReadCloser, error) {
	p, err := s.uploadPrefix(id)
	if err != nil {
		return nil, err
	}
	ps, err := s.parts(ctx, p)
	if err != nil {
		return nil, err
	}
	c := chain(ps, size)
	if c == nil {
		return nil, hongyan.Errorf(hongyan.CodeNotFound, "the parts of upload %s do not cover its %d bytes", id, size)
	}
	return &partReader{ctx: ctx, s: s, parts: c}, nil
}

// partReader reads a chain of parts, one GET at a time.
type partReader struct {
	ctx   context.Context
	s     *Store
	parts []part
	cur   *minio.Object
	left  int64 // bytes of cur still to read
}

func (r *partReader) Read(p []byte) (int, error) {
	for {
		if r.cur == nil {
			if len(r.parts) == 0 {
				return 0, io.EOF
			}
			obj, err := r.s.c.GetObject(r.ctx, r.s.bucket, r.parts[0].name, minio.GetObjectOptions{})
			if err != nil {
				return 0, fmt.Errorf("s3blob: %w", err)
			}
			r.cur, r.left = obj, r.parts[0].to-r.parts[0].from
			r.parts = r.parts[1:]
		}
		n, err := r.cur.Read(p[:min(int64(len(p)), r.left)])
		r.left -= int64(n)
		if err == io.EOF || r.left == 0 {
			if r.left != 0 {
				return n, fmt.Errorf("s3blob: a part ended %d bytes short", r.left)
			}
			r.cur.Close()
			r.cur = nil
			err = nil
		}
		if err != nil && notFound(err) {
			err = hongyan.Errorf(hongyan.CodeNotFound, "a part of the upload is gone")
		}
		if n > 0 || err != nil {
			return n, err
		}
	}
}

func (r *partReader) Close() error {
	if r.cur != nil {
		return r.cur.Close()
	}
	return nil
}

// DeleteParts removes every part of upload id.
func (s *Store) DeleteParts(ctx context.Context, id string) error {
	p, err := s.uploadPrefix(id)
	if err != nil {
		return err
	}
	for o := range s.c.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: p, Recursive: true}) {
		if o.Err != nil {
			return fmt.Errorf("s3blob: listing %s: %w", p, o.Err)
		}
		if err := s.remove(ctx, o.Key); err != nil {
			return err
		}
	}
	return nil
}

// contextReader stops reading when ctx is done.
type contextReader struct {
	ctx context.Context
	r   io.Reader
}

func (r contextReader) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	return r.r.Read(p)
}
