package media_test

import (
	"bytes"
	"os"
	"testing"
	"time"

	"hongyan/internal/hongyan"
	"hongyan/internal/media"
)

// Uploads over a user's hourly count or size are refused with
// rate_limited and store nothing; content the server saves is not
// counted.
func TestUploadLimits(t *testing.T) {
	e := newEnv(t, media.Config{UploadRate: hongyan.Rate{N: 3, Per: time.Hour}, UploadMiBRate: hongyan.Rate{N: 2, Per: time.Hour}}, nil)
	small := []byte("a small file")
	for i := range 2 {
		if _, err := e.s.Put(t.Context(), alice, media.Upload{Class: media.ClassFile}, bytes.NewReader(small)); err != nil {
			t.Fatalf("upload %d: %v", i+1, err)
		}
	}
	// Two 1-MiB units spent: a third file is within the count but not
	// the size.
	_, err := e.s.Put(t.Context(), alice, media.Upload{Class: media.ClassFile}, bytes.NewReader(small))
	wantCode(t, "3rd upload over 2 MiB an hour", err, hongyan.CodeRateLimited)
	_, err = e.s.StartUpload(t.Context(), alice, media.Upload{Class: media.ClassFile, Size: 10})
	wantCode(t, "4th upload (resumable) over 3 an hour", err, hongyan.CodeRateLimited)
	if got := e.blobs.count(); got != 1 {
		t.Errorf("blobs after refused uploads: got %d, want 1 (two identical files)", got)
	}
	if entries, err := os.ReadDir(e.tmp); err != nil || len(entries) != 0 {
		t.Errorf("temporary directory after refused uploads: %d entries (%v), want none", len(entries), err)
	}
	if _, err := e.s.Save(t.Context(), alice.User, media.ClassFile, "made.txt", []byte("server made")); err != nil {
		t.Errorf("content the server saves for alice over her limit: %v, want saved", err)
	}
	if _, err := e.s.Put(t.Context(), bob, media.Upload{Class: media.ClassFile}, bytes.NewReader(small)); err != nil {
		t.Errorf("bob's first upload: %v", err)
	}
	// A resumable upload counts its declared size up front.
	e.now = e.now.Add(2 * time.Hour)
	_, err = e.s.StartUpload(t.Context(), alice, media.Upload{Class: media.ClassFile, Size: 2<<20 + 1})
	wantCode(t, "a resumable upload of 2 MiB + 1 byte with 2 MiB an hour", err, hongyan.CodeRateLimited)
	if _, err := e.s.StartUpload(t.Context(), alice, media.Upload{Class: media.ClassFile, Size: 2 << 20}); err != nil {
		t.Errorf("a resumable upload of 2 MiB with 2 MiB an hour: %v", err)
	}
}
