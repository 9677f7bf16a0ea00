// Package localblob is the media.BlobStore on a local file system: each
// blob is a file named by its SHA-256 under a directory of its first two
// hex digits (<dir>/ab/cdef…), written to a temporary file, synced and
// renamed into place, with the directory synced after, so that a blob is
// either wholly there or not at all, even across a crash.
package localblob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"hongyan/internal/hongyan"
	"hongyan/internal/media"
)

// Store keeps blobs under one directory. It is safe for concurrent use,
// also by several processes sharing the directory.
type Store struct {
	dir string
}

var (
	_ media.BlobStore = (*Store)(nil)
	_ media.FileMover = (*Store)(nil)
)

// New returns a Store under dir. Directories are created when the first
// blob is put, so a node that never stores media leaves no trace.
func New(dir string) *Store { return &Store{dir: dir} }

// path returns the file of key and its directory.
func (s *Store) path(key string) (file, dir string, err error) {
	if !media.ValidKey(key) {
		return "", "", hongyan.Errorf(hongyan.CodeInvalid, "invalid blob key")
	}
	dir = filepath.Join(s.dir, key[:2])
	return filepath.Join(dir, key[2:]), dir, nil
}

// Put stores r's content under key, refusing content whose SHA-256 is not
// key.
func (s *Store) Put(ctx context.Context, key string, r io.Reader) error {
	file, dir, err := s.path(key)
	if err != nil {
		return err
	}
	if exists(file) {
		return nil
	}
	if err := s.mkdir(dir); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".put-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename, a no-op
	h := sha256.New()
	_, err = io.Copy(io.MultiWriter(tmp, h), contextReader{ctx, r})
	if err == nil {
		if got := hex.EncodeToString(h.Sum(nil)); got != key {
			err = fmt.Errorf("localblob: content hashes to %s, not to its key %s", got, key)
		}
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return commit(tmp.Name(), file, dir)
}

// PutFile stores the file at path under key by moving it into place (by
// copying when path is on another file system). The caller vouches that
// key is the file's SHA-256.
func (s *Store) PutFile(ctx context.Context, key, path string) error {
	file, dir, err := s.path(key)
	if err != nil {
		return err
	}
	if exists(file) {
		return nil
	}
	if err := s.mkdir(dir); err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	err = f.Sync()
	f.Close()
	if err != nil {
		return err
	}
	err = commit(path, file, dir)
	if errors.Is(err, syscall.EXDEV) {
		in, err := os.Open(path)
		if err != nil {
			return err
		}
		defer in.Close()
		return s.Put(ctx, key, in)
	}
	return err
}

// commit renames tmp to file and syncs dir, so the new name survives a
// crash.
func commit(tmp, file, dir string) error {
	if err := os.Rename(tmp, file); err != nil {
		return err
	}
	return syncDir(dir)
}

// Open opens blob key.
func (s *Store) Open(ctx context.Context, key string) (io.ReadSeekCloser, int64, error) {
	file, _, err := s.path(key)
	if err != nil {
		return nil, 0, err
	}
	f, err := os.Open(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, hongyan.Errorf(hongyan.CodeNotFound, "no such blob")
	}
	if err != nil {
		return nil, 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, fi.Size(), nil
}

// Delete removes blob key.
func (s *Store) Delete(ctx context.Context, key string) error {
	file, dir, err := s.path(key)
	if err != nil {
		return err
	}
	err = os.Remove(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return syncDir(dir)
}

// mkdir creates dir (and the store's directory) if needed, syncing each
// parent whose entries changed.
func (s *Store) mkdir(dir string) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	for _, d := range []string{s.dir, dir} {
		err := os.Mkdir(d, 0o700)
		if errors.Is(err, fs.ErrNotExist) {
			err = os.MkdirAll(d, 0o700)
		}
		if err == nil {
			if err := syncDir(filepath.Dir(d)); err != nil {
				return err
			}
			continue
		}
		if !errors.Is(err, fs.ErrExist) {
			return err
		}
	}
	return nil
}

func exists(file string) bool {
	_, err := os.Stat(file)
	return err == nil
}

// syncDir makes the entries of dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
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
