package media

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"hongyan/internal/hongyan"
)

// Resumable uploads. The session (owner, what is uploaded, its size and
// the offset reached) is in the Store; the bytes received so far are in the
// blob store when it is an UploadStager (one part per chunk, stored before
// the offset that counts it is committed, so any node can go on), else in a
// file under Config.TempDir named after the upload. A chunk is appended to
// the file and fsynced before the new offset is committed, so after a
// crash the committed offset never counts bytes that are not on disk; bytes
// past it (a chunk whose commit did not happen) are cut off by the next
// chunk. An upload's ID becomes its media's ID, which makes finishing it
// idempotent.

var errNoUpload = hongyan.Errorf(hongyan.CodeNotFound, "no such upload")

// StartUpload begins a resumable upload of u.Size bytes by c.
func (s *Service) StartUpload(ctx context.Context, c hongyan.Caller, u Upload) (UploadState, error) {
	if err := s.checkUpload(&u, true); err != nil {
		return UploadState{}, err
	}
	if err := s.limitUpload(ctx, c.User, -1); err != nil {
		return UploadState{}, err
	}
	if err := s.limitUpload(ctx, c.User, u.Size); err != nil {
		return UploadState{}, err
	}
	sess := UploadSession{ID: newID(), Owner: c.User, Upload: u, Created: s.now().UTC().Truncate(time.Millisecond)}
	if err := s.store.CreateUpload(ctx, sess, s.cfg.MaxOpenUploads); err != nil {
		return UploadState{}, err
	}
	return sess.state(), nil
}

// Upload returns the state of c's upload id.
func (s *Service) Upload(ctx context.Context, c hongyan.Caller, id string) (UploadState, error) {
	sess, err := s.session(ctx, c, id)
	return sess.state(), err
}

// WriteChunk appends the bytes read from r to c's upload id at offset,
// which must be the upload's current offset (else CodePrecondition, with
// the current offset in the message). Bytes past the declared size are
// refused (CodeTooLarge) and the chunk is dropped whole, as it is when
// reading r fails. When the upload is complete its content is checked and
// stored as Put does, and its Info returned; writing an empty chunk at the
// end of a complete upload returns that Info again.
func (s *Service) WriteChunk(ctx context.Context, c hongyan.Caller, id string, offset int64, r io.Reader) (UploadState, *Info, error) {
	if !validID(id) {
		return UploadState{}, nil, errNoUpload
	}
	unlock := s.locks.lock(id)
	defer unlock()
	sess, err := s.session(ctx, c, id)
	if err != nil {
		return UploadState{}, nil, err
	}
	if offset != sess.Offset {
		return sess.state(), nil, hongyan.Errorf(hongyan.CodePrecondition, "the upload is at offset %d, not %d", sess.Offset, offset)
	}
	path := s.uploadPath(id)
	stager, staged := s.blobs.(UploadStager)
	if sess.Offset < sess.Size {
		var n int64
		if staged {
			n, err = s.stagePart(ctx, stager, sess, r)
		} else {
			n, err = s.appendChunk(path, sess, r)
		}
		if err != nil {
			return sess.state(), nil, err
		}
		if n == 0 {
			return sess.state(), nil, nil
		}
		if err := s.store.AdvanceUpload(ctx, id, sess.Offset, sess.Offset+n); err != nil {
			return sess.state(), nil, err
		}
		sess.Offset += n
		if sess.Offset < sess.Size {
			return sess.state(), nil, nil
		}
	}
	var info Info
	if staged {
		info, err = s.finishStaged(ctx, stager, sess)
	} else {
		info, err = s.finish(ctx, sess, path)
	}
	if err != nil {
		return sess.state(), nil, err
	}
	return sess.state(), &info, nil
}

// stagePart stores what r holds as the part of the upload at sess.Offset
// in the blob store, through a temporary file that bounds it by the bytes
// remaining. It returns the bytes stored.
func (s *Service) stagePart(ctx context.Context, stager UploadStager, sess UploadSession, r io.Reader) (int64, error) {
	if err := os.MkdirAll(s.cfg.TempDir, 0o700); err != nil {
		return 0, err
	}
	f, err := os.CreateTemp(s.cfg.TempDir, "put-*")
	if err != nil {
		return 0, err
	}
	defer func() {
		f.Close()
		os.Remove(f.Name())
	}()
	remaining := sess.Size - sess.Offset
	n, err := io.Copy(f, readOnly{io.LimitReader(r, remaining+1)})
	if err == nil && n > remaining {
		err = hongyan.Errorf(hongyan.CodeTooLarge, "the chunk runs past the upload's declared size of %d bytes", sess.Size)
	}
	if err != nil || n == 0 {
		return 0, err
	}
	if err := stager.PutPart(ctx, sess.ID, sess.Offset, sess.Offset+n, io.NewSectionReader(f, 0, n)); err != nil {
		return 0, err
	}
	return n, nil
}

// finishStaged is finish for uploads whose parts the blob store keeps: the
// parts are read back into a temporary file, checked and stored. The parts
// are removed once the media exists, or when the content is refused.
func (s *Service) finishStaged(ctx context.Context, stager UploadStager, sess UploadSession) (Info, error) {
	if rec, err := s.store.Media(ctx, sess.ID); err == nil {
		return rec.info(), nil // finished before; the answer was lost
	} else if hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		return Info{}, err
	}
	parts, err := stager.OpenParts(ctx, sess.ID, sess.Size)
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
		s.store.DeleteUpload(context.WithoutCancel(ctx), sess.ID)
		stager.DeleteParts(context.WithoutCancel(ctx), sess.ID)
		return Info{}, hongyan.Errorf(hongyan.CodeNotFound, "the upload's data was lost; start a new upload")
	}
	if err != nil {
		return Info{}, err
	}
	defer parts.Close()
	if err := os.MkdirAll(s.cfg.TempDir, 0o700); err != nil {
		return Info{}, err
	}
	f, err := os.CreateTemp(s.cfg.TempDir, "put-*")
	if err != nil {
		return Info{}, err
	}
	defer func() {
		// The file may have been moved into a blob store that takes
		// files, and its name taken since: remove only ours.
		fi, err1 := f.Stat()
		now, err2 := os.Stat(f.Name())
		if err1 == nil && err2 == nil && os.SameFile(fi, now) {
			os.Remove(f.Name())
		}
		f.Close()
	}()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(parts, sess.Size+1))
	if err != nil {
		return Info{}, err
	}
	if n != sess.Size {
		return Info{}, errors.New("media: the upload's parts differ in size from its committed offset")
	}
	rec, err := s.ingest(ctx, sess.Owner, sess.Upload, f, n, hex.EncodeToString(h.Sum(nil)), sess.ID)
	switch hongyan.ErrorCode(err) {
	case "":
		stager.DeleteParts(context.WithoutCancel(ctx), sess.ID)
		return rec.info(), nil
	case hongyan.CodeInvalid, hongyan.CodeTooLarge:
		s.store.DeleteUpload(context.WithoutCancel(ctx), sess.ID)
		stager.DeleteParts(context.WithoutCancel(ctx), sess.ID)
	}
	return Info{}, err
}

// appendChunk appends what r holds to the upload's file at sess.Offset and
// syncs it. It returns the bytes appended; on any error none are kept.
func (s *Service) appendChunk(path string, sess UploadSession, r io.Reader) (int64, error) {
	if err := os.MkdirAll(s.cfg.TempDir, 0o700); err != nil {
		return 0, err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0, err
	}
	if fi.Size() < sess.Offset {
		// The bytes received so far are gone (the temporary directory
		// was emptied): the upload cannot be finished.
		s.store.DeleteUpload(context.Background(), sess.ID)
		os.Remove(path)
		return 0, hongyan.Errorf(hongyan.CodeNotFound, "the upload's data was lost; start a new upload")
	}
	// Bytes past the committed offset belong to a chunk whose commit never
	// happened.
	if err := f.Truncate(sess.Offset); err != nil {
		return 0, err
	}
	if _, err := f.Seek(sess.Offset, io.SeekStart); err != nil {
		return 0, err
	}
	remaining := sess.Size - sess.Offset
	n, err := io.Copy(f, readOnly{io.LimitReader(r, remaining+1)})
	if err == nil && n > remaining {
		err = hongyan.Errorf(hongyan.CodeTooLarge, "the chunk runs past the upload's declared size of %d bytes", sess.Size)
	}
	if err == nil && n > 0 {
		err = f.Sync()
	}
	if err != nil {
		f.Truncate(sess.Offset)
		return 0, err
	}
	return n, nil
}

// finish turns complete upload sess into media: its content is checked
// and stored under the upload's ID. Content that fails the checks ends the
// upload; other failures leave it to be finished by a retry.
func (s *Service) finish(ctx context.Context, sess UploadSession, path string) (Info, error) {
	if rec, err := s.store.Media(ctx, sess.ID); err == nil {
		return rec.info(), nil // finished before; the answer was lost
	} else if hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		return Info{}, err
	}
	f, err := os.Open(path)
	if err != nil {
		return Info{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return Info{}, err
	}
	if n != sess.Size {
		return Info{}, errors.New("media: upload file size differs from its committed offset")
	}
	rec, err := s.ingest(ctx, sess.Owner, sess.Upload, f, n, hex.EncodeToString(h.Sum(nil)), sess.ID)
	switch hongyan.ErrorCode(err) {
	case "":
		os.Remove(path)
		return rec.info(), nil
	case hongyan.CodeInvalid, hongyan.CodeTooLarge:
		// The content is final and refused: the upload is over.
		s.store.DeleteUpload(context.WithoutCancel(ctx), sess.ID)
		os.Remove(path)
	}
	return Info{}, err
}

// session returns upload id if c owns it; anyone else's is not found.
func (s *Service) session(ctx context.Context, c hongyan.Caller, id string) (UploadSession, error) {
	if !validID(id) {
		return UploadSession{}, errNoUpload
	}
	sess, err := s.store.Upload(ctx, id)
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound || err == nil && sess.Owner != c.User {
		return UploadSession{}, errNoUpload
	}
	return sess, err
}

func (u UploadSession) state() UploadState {
	return UploadState{ID: u.ID, Offset: u.Offset, Size: u.Size}
}

// CleanUploads removes upload sessions started more than olderThan ago,
// finished or not, with their files, and files of single-request uploads
// left in TempDir by a crash. It returns how many sessions it removed.
func (s *Service) CleanUploads(ctx context.Context, olderThan time.Duration) (int, error) {
	before := s.now().Add(-olderThan)
	removed := 0
	for {
		stale, err := s.store.StaleUploads(ctx, before, 100)
		if err != nil {
			return removed, err
		}
		for _, sess := range stale {
			unlock := s.locks.lock(sess.ID)
			err := s.store.DeleteUpload(ctx, sess.ID)
			if err == nil || hongyan.ErrorCode(err) == hongyan.CodeNotFound {
				os.Remove(s.uploadPath(sess.ID))
				if stager, ok := s.blobs.(UploadStager); ok {
					if err := stager.DeleteParts(ctx, sess.ID); err != nil {
						unlock()
						return removed, err
					}
				}
			}
			unlock()
			if err != nil && hongyan.ErrorCode(err) != hongyan.CodeNotFound {
				return removed, err
			}
			removed++
		}
		if len(stale) < 100 {
			break
		}
	}
	entries, err := os.ReadDir(s.cfg.TempDir)
	if errors.Is(err, fs.ErrNotExist) {
		return removed, nil
	}
	if err != nil {
		return removed, err
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "put-") {
			continue
		}
		if fi, err := e.Info(); err == nil && fi.ModTime().Before(before) {
			os.Remove(filepath.Join(s.cfg.TempDir, e.Name()))
		}
	}
	return removed, nil
}
