package media_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"hongyan/internal/hongyan"
	"hongyan/internal/media"
	"hongyan/internal/media/mediatest"
)

// memStore is an in-memory media.Store for the service tests; the
// conformance suite checks it behaves like the real ones.
type memStore struct {
	mu      sync.Mutex
	media   map[string]media.Record
	refs    map[string]map[hongyan.ConversationID]bool
	keeps   map[string]map[hongyan.UserID]bool
	uploads map[string]media.UploadSession
}

func newMemStore() *memStore {
	return &memStore{media: map[string]media.Record{}, refs: map[string]map[hongyan.ConversationID]bool{}, keeps: map[string]map[hongyan.UserID]bool{}, uploads: map[string]media.UploadSession{}}
}

func notFound(what string) error { return hongyan.Errorf(hongyan.CodeNotFound, "no such %s", what) }

func (s *memStore) CreateMedia(_ context.Context, r media.Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.media[r.ID]; ok {
		return hongyan.Errorf(hongyan.CodeExists, "media exists")
	}
	r.Thumbnail = r.Thumb != ""
	s.media[r.ID] = r
	return nil
}

func (s *memStore) Media(_ context.Context, id string) (media.Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.media[id]
	if !ok {
		return media.Record{}, notFound("media")
	}
	return r, nil
}

func (s *memStore) AddRef(_ context.Context, id string, conv hongyan.ConversationID) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.media[id]; !ok {
		return notFound("media")
	}
	if s.refs[id] == nil {
		s.refs[id] = map[hongyan.ConversationID]bool{}
	}
	s.refs[id][conv] = true
	return nil
}

func (s *memStore) Refs(_ context.Context, id string) ([]hongyan.ConversationID, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []hongyan.ConversationID
	for c := range s.refs[id] {
		out = append(out, c)
	}
	slices.Sort(out)
	return out, nil
}

func (s *memStore) AddKeep(_ context.Context, id string, user hongyan.UserID) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.media[id]; !ok {
		return notFound("media")
	}
	if s.keeps[id] == nil {
		s.keeps[id] = map[hongyan.UserID]bool{}
	}
	s.keeps[id][user] = true
	return nil
}

func (s *memStore) Kept(_ context.Context, id string, user hongyan.UserID) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keeps[id][user], nil
}

func (s *memStore) CreateUpload(_ context.Context, u media.UploadSession, maxOpen int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.uploads[u.ID]; ok {
		return hongyan.Errorf(hongyan.CodeExists, "upload exists")
	}
	open := 0
	for _, o := range s.uploads {
		if o.Owner == u.Owner && o.Offset < o.Size {
			open++
		}
	}
	if maxOpen > 0 && open >= maxOpen {
		return hongyan.Errorf(hongyan.CodeRateLimited, "too many uploads open")
	}
	s.uploads[u.ID] = u
	return nil
}

func (s *memStore) Upload(_ context.Context, id string) (media.UploadSession, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.uploads[id]
	if !ok {
		return media.UploadSession{}, notFound("upload")
	}
	return u, nil
}

func (s *memStore) AdvanceUpload(_ context.Context, id string, from, to int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.uploads[id]
	if !ok {
		return notFound("upload")
	}
	if u.Offset != from {
		return hongyan.Errorf(hongyan.CodePrecondition, "the upload is at offset %d, not %d", u.Offset, from)
	}
	u.Offset = to
	s.uploads[id] = u
	return nil
}

func (s *memStore) DeleteUpload(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.uploads[id]; !ok {
		return notFound("upload")
	}
	delete(s.uploads, id)
	return nil
}

func (s *memStore) StaleUploads(_ context.Context, before time.Time, limit int) ([]media.UploadSession, error) {
	if limit <= 0 {
		return nil, hongyan.Errorf(hongyan.CodeInvalid, "limit must be positive")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []media.UploadSession
	for _, u := range s.uploads {
		if u.Created.Before(before) {
			out = append(out, u)
		}
	}
	slices.SortFunc(out, func(a, b media.UploadSession) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return bytes.Compare([]byte(a.ID), []byte(b.ID))
	})
	return out[:min(limit, len(out))], nil
}

// memBlobs is an in-memory media.BlobStore that counts what it holds.
type memBlobs struct {
	mu    sync.Mutex
	blobs map[string][]byte
}

func newMemBlobs() *memBlobs { return &memBlobs{blobs: map[string][]byte{}} }

func (b *memBlobs) Put(_ context.Context, key string, r io.Reader) error {
	if !media.ValidKey(key) {
		return hongyan.Errorf(hongyan.CodeInvalid, "invalid blob key")
	}
	b.mu.Lock()
	_, ok := b.blobs[key]
	b.mu.Unlock()
	if ok {
		return nil
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != key {
		return fmt.Errorf("content does not match key")
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.blobs[key] = data
	return nil
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

func (b *memBlobs) Open(_ context.Context, key string) (io.ReadSeekCloser, int64, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	data, ok := b.blobs[key]
	if !ok {
		return nil, 0, notFound("blob")
	}
	return nopCloser{bytes.NewReader(data)}, int64(len(data)), nil
}

func (b *memBlobs) Delete(_ context.Context, key string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.blobs, key)
	return nil
}

func (b *memBlobs) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.blobs)
}

// readers grants users reading of conversations.
type readers map[hongyan.ConversationID][]hongyan.UserID

func (r readers) CanReadMedia(_ context.Context, user hongyan.UserID, conv hongyan.ConversationID, _ string) (bool, error) {
	return slices.Contains(r[conv], user), nil
}

// The fakes pass the conformance suites, so tests on them say something
// about the real stores.
func TestMemStore(t *testing.T) {
	mediatest.Run(t, func(t *testing.T) media.Store { return newMemStore() })
}

func TestMemBlobs(t *testing.T) {
	mediatest.RunBlobStore(t, func(t *testing.T) media.BlobStore { return newMemBlobs() })
}

func (s *memStore) Keepers(_ context.Context, id string) ([]hongyan.UserID, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []hongyan.UserID
	for u := range s.keeps[id] {
		out = append(out, u)
	}
	slices.Sort(out)
	return out, nil
}

func (s *memStore) OwnedMedia(_ context.Context, owner hongyan.UserID, after string, limit int) ([]media.Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []media.Record
	for _, r := range s.media {
		if r.Owner == owner && r.ID > after {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b media.Record) int { return strings.Compare(a.ID, b.ID) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func (s *memStore) DeleteMedia(_ context.Context, id string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.media[id]
	if !ok {
		return nil, notFound("media")
	}
	delete(s.media, id)
	delete(s.refs, id)
	delete(s.keeps, id)
	var unused []string
	for _, key := range []string{r.SHA256, r.Thumb} {
		used := false
		for _, o := range s.media {
			used = used || o.SHA256 == key || o.Thumb == key
		}
		if key != "" && !used {
			unused = append(unused, key)
		}
	}
	return unused, nil
}
