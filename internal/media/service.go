package media

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/sync/semaphore"

	"hongyan/internal/hongyan"
)

// Service applies the media rules: what content each class accepts, the
// size and pixel limits, metadata removal, thumbnails and posters, and who
// may read what. It is safe for concurrent use.
type Service struct {
	store   Store
	blobs   BlobStore
	readers Readers
	cfg     Config
	now     func() time.Time

	decoding *semaphore.Weighted // bounds the memory of images being decoded
	locks    keyedMutex          // one writer per resumable upload
	// uploads and uploadMiB limit each user's uploads and their size in
	// MiB (Config.UploadRate, UploadMiBRate).
	uploads, uploadMiB hongyan.RateLimiter
}

// New returns a Service keeping records in store and content in blobs.
// readers may be nil: then only owners can read their media.
func New(store Store, blobs BlobStore, readers Readers, cfg Config) *Service {
	if cfg.MaxFileBytes <= 0 {
		cfg.MaxFileBytes = 1 << 30
	}
	if cfg.MaxImageBytes <= 0 {
		cfg.MaxImageBytes = 25 << 20
	}
	if cfg.MaxImagePixels <= 0 {
		cfg.MaxImagePixels = 50_000_000
	}
	if cfg.MaxDecodedBytes <= 0 {
		cfg.MaxDecodedBytes = 192 << 20
	}
	if cfg.DecodeBytes <= 0 {
		cfg.DecodeBytes = 256 << 20
	}
	if cfg.TempDir == "" {
		cfg.TempDir = os.TempDir()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Service{
		store: store, blobs: blobs, readers: readers, cfg: cfg, now: cfg.Now,
		decoding: semaphore.NewWeighted(cfg.DecodeBytes),
		uploads:  hongyan.NewLimiter(cfg.UploadRate), uploadMiB: hongyan.NewLimiter(cfg.UploadMiBRate),
	}
}

// UseLimiters makes the upload limits with mk (limits that hold across
// the nodes of a cluster); call it before use.
func (s *Service) UseLimiters(mk hongyan.Limiters) {
	s.uploads, s.uploadMiB = mk("media.upload", s.cfg.UploadRate), mk("media.upload_mib", s.cfg.UploadMiBRate)
}

var (
	errUploadsLimited = hongyan.Errorf(hongyan.CodeRateLimited, "too many uploads in the last hour; try again later")
	errUploadMiB      = hongyan.Errorf(hongyan.CodeRateLimited, "too many bytes uploaded in the last hour; try again later")
)

// limitUpload counts an upload of user's and, when size ≥ 0, its size:
// nil when both are within the limits.
func (s *Service) limitUpload(ctx context.Context, user hongyan.UserID, size int64) error {
	key := strconv.FormatInt(int64(user), 10)
	now := s.now()
	if size < 0 {
		return hongyan.Limit(ctx, s.uploads, key, now, errUploadsLimited)
	}
	mib := int((size + 1<<20 - 1) >> 20)
	if mib == 0 {
		return nil
	}
	var ok bool
	var err error
	if q, isQuota := s.uploadMiB.(hongyan.QuotaLimiter); isQuota {
		ok, err = q.TakeN(ctx, key, now, mib)
	} else {
		ok, err = s.uploadMiB.Take(ctx, key, now)
	}
	if err != nil {
		return hongyan.Wrap(err, hongyan.CodeUnavailable, "the rate limit could not be checked; try again")
	}
	if !ok {
		return errUploadMiB
	}
	return nil
}

// Limit returns the largest content class accepts, in bytes (0 for an
// unknown class).
func (s *Service) Limit(class Class) int64 {
	switch {
	case class.isImage():
		return s.cfg.MaxImageBytes
	case class.Valid():
		return s.cfg.MaxFileBytes
	}
	return 0
}

// Put stores the content read from r, uploaded by c in one request, and
// returns its Info. The content is checked against u.Class (see the
// package documentation); u.Size is ignored.
func (s *Service) Put(ctx context.Context, c hongyan.Caller, u Upload, r io.Reader) (Info, error) {
	if err := s.checkUpload(&u, false); err != nil {
		return Info{}, err
	}
	if err := s.limitUpload(ctx, c.User, -1); err != nil {
		return Info{}, err
	}
	rec, err := s.put(ctx, c.User, u, r, newID(), true)
	return rec.info(), err
}

// Save stores content the server made for owner (a link preview image,
// say) through the same checks as an upload.
func (s *Service) Save(ctx context.Context, owner hongyan.UserID, class Class, name string, data []byte) (Info, error) {
	u := Upload{Class: class, Name: name}
	if err := s.checkUpload(&u, false); err != nil {
		return Info{}, err
	}
	rec, err := s.put(ctx, owner, u, bytes.NewReader(data), newID(), false)
	return rec.info(), err
}

// put stages r in a temporary file and stores it as media id; limited:
// its size counts against owner's upload limit (checked once it is
// staged: over the limit, nothing is stored).
func (s *Service) put(ctx context.Context, owner hongyan.UserID, u Upload, r io.Reader, id string, limited bool) (Record, error) {
	f, size, sum, err := s.stage(r, s.Limit(u.Class), u.Class)
	if err != nil {
		return Record{}, err
	}
	if limited {
		if err := s.limitUpload(ctx, owner, size); err != nil {
			os.Remove(f.Name())
			f.Close()
			return Record{}, err
		}
	}
	defer func() {
		// The file may have been moved into the blob store, and its name
		// taken since by another upload's staged file: remove only ours.
		fi, err1 := f.Stat()
		now, err2 := os.Stat(f.Name())
		if err1 == nil && err2 == nil && os.SameFile(fi, now) {
			os.Remove(f.Name())
		}
		f.Close()
	}()
	return s.ingest(ctx, owner, u, f, size, sum, id)
}

// Open returns media id (its thumbnail when thumb is set) for reading by
// c: the owner, or a user who sees a message that carries it (Readers).
// Anyone else gets hongyan.CodeNotFound, as for media that do not exist.
// For a thumbnail, the Info's Type, Size and SHA256 describe the
// thumbnail. The caller must Close the reader.
func (s *Service) Open(ctx context.Context, c hongyan.Caller, id string, thumb bool) (Info, io.ReadSeekCloser, error) {
	rec, err := s.readable(ctx, c.User, id)
	if err != nil {
		return Info{}, nil, err
	}
	info, key := rec.info(), rec.SHA256
	if thumb {
		if rec.Thumb == "" {
			return Info{}, nil, hongyan.Errorf(hongyan.CodeNotFound, "this media has no thumbnail")
		}
		key, info.Type, info.SHA256 = rec.Thumb, ThumbType, rec.Thumb
	}
	rc, size, err := s.blobs.Open(ctx, key)
	if err != nil {
		return Info{}, nil, err
	}
	info.Size = size
	return info, rc, nil
}

// Attach is called by the feature that sends media id into conv on behalf
// of user, before it sends: user must be able to read the media (their own,
// or one they received, which they are forwarding). It records that the
// media (and its poster) was sent into conv, so that the members of conv
// may read it, and returns its Info. Attaching twice changes nothing. The
// caller has already checked that user may send into conv.
func (s *Service) Attach(ctx context.Context, user hongyan.UserID, id string, conv hongyan.ConversationID) (Info, error) {
	rec, err := s.readable(ctx, user, id)
	if err != nil {
		return Info{}, err
	}
	if err := s.store.AddRef(ctx, id, conv); err != nil {
		return Info{}, err
	}
	if rec.Poster != "" {
		if err := s.store.AddRef(ctx, rec.Poster, conv); err != nil && hongyan.ErrorCode(err) != hongyan.CodeNotFound {
			return Info{}, err
		}
	}
	return rec.info(), nil
}

// Keep is called by the feature that gives user a copy of a message to
// keep (a favorite): of ids, those user can read now stay readable to
// them from then on, whatever becomes of the message (recalled, or out of
// reach after user left its group); the others are skipped. A poster is
// kept with its video.
func (s *Service) Keep(ctx context.Context, user hongyan.UserID, ids []string) error {
	for _, id := range ids {
		rec, err := s.readable(ctx, user, id)
		if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
			continue // nothing to keep
		}
		if err != nil {
			return err
		}
		for _, k := range []string{id, rec.Poster} {
			if k == "" {
				continue
			}
			if err := s.store.AddKeep(ctx, k, user); err != nil && !(k == rec.Poster && hongyan.ErrorCode(err) == hongyan.CodeNotFound) {
				return err
			}
		}
	}
	return nil
}

var errNoMedia = hongyan.Errorf(hongyan.CodeNotFound, "no such media")

// readable returns the record of media id if user may read it.
func (s *Service) readable(ctx context.Context, user hongyan.UserID, id string) (Record, error) {
	if !validID(id) {
		return Record{}, errNoMedia
	}
	rec, err := s.store.Media(ctx, id)
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
		return Record{}, errNoMedia
	}
	if err != nil {
		return Record{}, err
	}
	if rec.Owner == user {
		return rec, nil
	}
	kept, err := s.store.Kept(ctx, id, user)
	if err != nil {
		return Record{}, err
	}
	if kept {
		return rec, nil
	}
	if s.readers == nil {
		return Record{}, errNoMedia
	}
	refs, err := s.store.Refs(ctx, id)
	if err != nil {
		return Record{}, err
	}
	var failed error
	for _, conv := range refs {
		ok, err := s.readers.CanReadMedia(ctx, user, conv, id)
		if err != nil {
			failed = err
			continue
		}
		if ok {
			return rec, nil
		}
	}
	if failed != nil {
		return Record{}, failed
	}
	return Record{}, errNoMedia
}

// info is the record's Info with Thumbnail derived from Thumb.
func (r Record) info() Info {
	i := r.Info
	i.Thumbnail = r.Thumb != ""
	return i
}

// checkUpload validates what an uploader says and cleans the name. With
// sized, u.Size must be within the class limit.
func (s *Service) checkUpload(u *Upload, sized bool) error {
	if !u.Class.Valid() {
		return hongyan.Errorf(hongyan.CodeInvalid, "unknown media kind %q: use image, voice, video, file or sticker", u.Class)
	}
	name, err := cleanName(u.Name)
	if err != nil {
		return err
	}
	u.Name = name
	switch u.Class {
	case ClassVoice:
		if u.DurationMS < 1 || u.DurationMS > MaxVoiceMS {
			return hongyan.Errorf(hongyan.CodeInvalid, "a voice message lasts 1 ms to %d s, not %d ms", MaxVoiceMS/1000, u.DurationMS).WithReason(hongyan.ReasonVoiceTooLong)
		}
	case ClassVideo:
		if u.DurationMS < 0 || u.DurationMS > MaxVideoMS {
			return hongyan.Errorf(hongyan.CodeInvalid, "video duration %d ms is out of range", u.DurationMS)
		}
	default:
		u.DurationMS = 0
	}
	if sized {
		if u.Size <= 0 {
			return hongyan.Errorf(hongyan.CodeInvalid, "an upload needs its size in bytes")
		}
		if limit := s.Limit(u.Class); u.Size > limit {
			return tooLarge(u.Class, limit)
		}
	}
	return nil
}

func tooLarge(class Class, limit int64) error {
	return hongyan.Errorf(hongyan.CodeTooLarge, "a %s may be at most %d bytes", class, limit).WithReason(hongyan.ReasonFileTooLarge)
}

// cleanName keeps the last element of a path, without control and
// direction-changing characters (which disguise "evil\u202egpj.exe"), cut
// to MaxName bytes.
func cleanName(name string) (string, error) {
	if !utf8.ValidString(name) {
		return "", hongyan.Errorf(hongyan.CodeInvalid, "the file name is not valid UTF-8")
	}
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || r == '\ufeff' {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "." || name == ".." {
		name = ""
	}
	for len(name) > MaxName {
		_, n := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-n]
	}
	return name, nil
}

// readError is a failure to read the content from the uploader (a cut
// connection, a body over the transport's limit). Its code is
// CodeInvalid; the cause stays in the chain for the transport to inspect.
type readError struct{ err error }

func (e *readError) Error() string { return "reading the upload: " + e.err.Error() }
func (e *readError) Unwrap() []error {
	return []error{hongyan.Errorf(hongyan.CodeInvalid, "the upload was cut off"), e.err}
}

// stage copies r into a new file under TempDir, hashing it, and refuses
// content over limit bytes or empty. The caller removes the file.
func (s *Service) stage(r io.Reader, limit int64, class Class) (*os.File, int64, string, error) {
	if err := os.MkdirAll(s.cfg.TempDir, 0o700); err != nil {
		return nil, 0, "", err
	}
	f, err := os.CreateTemp(s.cfg.TempDir, "put-*")
	if err != nil {
		return nil, 0, "", err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), readOnly{io.LimitReader(r, limit+1)})
	switch {
	case err != nil:
	case n > limit:
		err = tooLarge(class, limit)
	case n == 0:
		err = hongyan.Errorf(hongyan.CodeInvalid, "the upload is empty").WithReason(hongyan.ReasonEmptyFile)
	}
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, 0, "", err
	}
	return f, n, hex.EncodeToString(h.Sum(nil)), nil
}

// readOnly marks errors of its reader as readErrors, to tell them from
// errors writing the staged file.
type readOnly struct{ r io.Reader }

func (r readOnly) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF {
		err = &readError{err}
	}
	return n, err
}

// ingest checks the staged content in f (size bytes, SHA-256 sum) against
// u, stores its blobs and creates media id.
func (s *Service) ingest(ctx context.Context, owner hongyan.UserID, u Upload, f *os.File, size int64, sum, id string) (Record, error) {
	head := make([]byte, sniffLen)
	k, err := f.ReadAt(head, 0)
	if err != nil && err != io.EOF {
		return Record{}, err
	}
	typ := Sniff(head[:k])
	rec := Record{Info: Info{
		ID: id, Owner: owner, Class: u.Class, Type: typ, Size: size, SHA256: sum,
		DurationMS: u.DurationMS, Name: u.Name, Created: s.now().UTC().Truncate(time.Millisecond),
	}}
	switch u.Class {
	case ClassImage, ClassSticker:
		if !isRaster(typ) {
			return Record{}, hongyan.Errorf(hongyan.CodeInvalid, "an image or sticker must be a JPEG, PNG, GIF or WebP image; this content is %s", describe(typ)).WithReason(hongyan.ReasonNotImage)
		}
		data := make([]byte, size)
		if _, err := f.ReadAt(data, 0); err != nil {
			return Record{}, err
		}
		img, err := s.processImage(ctx, data, typ)
		if err != nil {
			return Record{}, err
		}
		rec.Width, rec.Height = img.width, img.height
		if len(img.data) != len(data) {
			h := sha256.Sum256(img.data)
			rec.Size, rec.SHA256 = int64(len(img.data)), hex.EncodeToString(h[:])
		}
		if err := s.blobs.Put(ctx, rec.SHA256, bytes.NewReader(img.data)); err != nil {
			return Record{}, err
		}
		th := sha256.Sum256(img.thumb)
		rec.Thumb = hex.EncodeToString(th[:])
		if err := s.blobs.Put(ctx, rec.Thumb, bytes.NewReader(img.thumb)); err != nil {
			return Record{}, err
		}
	case ClassVoice:
		t, ok := voiceType(typ)
		if !ok {
			return Record{}, hongyan.Errorf(hongyan.CodeInvalid, "a voice message must be audio; this content is %s", describe(typ)).WithReason(hongyan.ReasonNotAudio)
		}
		rec.Type = t
		if t == "audio/wav" {
			ms, err := wavDuration(f, size)
			if err != nil {
				return Record{}, hongyan.Errorf(hongyan.CodeInvalid, "the voice message is %v", err)
			}
			if d := ms - int64(u.DurationMS); d > 1000 || d < -1000 {
				return Record{}, hongyan.Errorf(hongyan.CodeInvalid, "the voice message lasts %d ms, not the %d ms declared", ms, u.DurationMS)
			}
		}
		if err := s.putFile(ctx, sum, f, size); err != nil {
			return Record{}, err
		}
	case ClassVideo:
		if !isVideo(typ) {
			return Record{}, hongyan.Errorf(hongyan.CodeInvalid, "a video must be MP4, QuickTime, WebM or Matroska; this content is %s", describe(typ)).WithReason(hongyan.ReasonNotVideo)
		}
		if s.cfg.Poster != nil {
			// The poster is made before the file may be moved away.
			if poster, ok := s.poster(ctx, owner, f.Name()); ok {
				rec.Poster, rec.Thumb = poster.ID, poster.Thumb
			}
		}
		if err := s.putFile(ctx, sum, f, size); err != nil {
			return Record{}, err
		}
	default:
		if err := s.putFile(ctx, sum, f, size); err != nil {
			return Record{}, err
		}
	}
	// The blobs are durable before the record that names them exists: a
	// crash in between leaves an unnamed blob, never a record without one.
	if err := s.store.CreateMedia(ctx, rec); err != nil {
		return Record{}, err
	}
	return rec, nil
}

// poster makes and stores a poster image for the video at path. Any
// failure means no poster.
func (s *Service) poster(ctx context.Context, owner hongyan.UserID, path string) (Record, bool) {
	data, err := s.cfg.Poster(ctx, path)
	if err != nil || len(data) == 0 {
		return Record{}, false
	}
	u := Upload{Class: ClassImage, Name: "poster.jpg"}
	rec, err := s.put(ctx, owner, u, bytes.NewReader(data), newID(), false)
	return rec, err == nil
}

// putFile stores the staged file f under key: moved when the blob store
// can take files, copied otherwise.
func (s *Service) putFile(ctx context.Context, key string, f *os.File, size int64) error {
	if m, ok := s.blobs.(FileMover); ok {
		return m.PutFile(ctx, key, f.Name())
	}
	return s.blobs.Put(ctx, key, io.NewSectionReader(f, 0, size))
}

// processImage runs processImage with the memory of the images being
// decoded at once bounded by Config.DecodeBytes, since a decoded image may
// take hundreds of megabytes: an image checked from its header waits until
// the memory its decoding takes is free. Images refused from their header
// do not wait.
func (s *Service) processImage(ctx context.Context, data []byte, typ string) (checkedImage, error) {
	in, err := inspectImage(data, typ, s.cfg.MaxImagePixels, s.cfg.MaxDecodedBytes)
	if err != nil {
		return checkedImage{}, err
	}
	n := min(in.memory, s.cfg.DecodeBytes)
	if err := s.decoding.Acquire(ctx, n); err != nil {
		return checkedImage{}, hongyan.Wrap(err, hongyan.CodeUnavailable, "the server is busy; try again")
	}
	defer s.decoding.Release(n)
	return in.process()
}

// voiceType maps a sniffed type to the type of a voice clip: audio, or the
// containers browsers record audio into (WebM, MP4).
func voiceType(typ string) (string, bool) {
	switch typ {
	case "video/webm":
		return "audio/webm", true
	case "video/mp4":
		return "audio/mp4", true
	case "video/3gpp":
		return "audio/3gpp", true
	case "video/x-matroska":
		return "audio/x-matroska", true
	}
	return typ, isAudio(typ)
}

// describe names a sniffed type for an error message.
func describe(typ string) string {
	switch {
	case strings.HasPrefix(typ, "text/html"):
		return "HTML"
	case typ == "image/svg+xml":
		return "SVG"
	case strings.HasPrefix(typ, "text/xml"):
		return "XML"
	case strings.HasPrefix(typ, "text/plain"):
		return "text"
	case typ == "application/octet-stream":
		return "of an unknown type"
	}
	return typ
}

// uploadPath is where resumable upload id keeps its bytes.
func (s *Service) uploadPath(id string) string {
	return filepath.Join(s.cfg.TempDir, "upload-"+id)
}

// keyedMutex holds one mutex per key, for as long as someone holds or
// waits for it.
type keyedMutex struct {
	mu sync.Mutex
	m  map[string]*keyLock // guarded by mu
}

type keyLock struct {
	mu sync.Mutex
	n  int // holders and waiters; guarded by keyedMutex.mu
}

// lock locks key and returns its unlock function.
func (k *keyedMutex) lock(key string) func() {
	k.mu.Lock()
	if k.m == nil {
		k.m = make(map[string]*keyLock)
	}
	l := k.m[key]
	if l == nil {
		l = &keyLock{}
		k.m[key] = l
	}
	l.n++
	k.mu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		k.mu.Lock()
		if l.n--; l.n == 0 {
			delete(k.m, key)
		}
		k.mu.Unlock()
	}
}

// EraseOwner deletes the media owner alone has (their account is being
// deleted): every medium of theirs that was never shared where it must
// stay (shared reports the conversations whose members keep what was sent
// there: chats, official accounts' forum posts) and that nobody else keeps
// a copy of. A blob no medium uses any more is deleted too. It returns how
// many media it deleted; run again after an error, it goes on.
func (s *Service) EraseOwner(ctx context.Context, owner hongyan.UserID, shared func(hongyan.ConversationID) bool) (int, error) {
	n, after := 0, ""
	for {
		recs, err := s.store.OwnedMedia(ctx, owner, after, 200)
		if err != nil {
			return n, err
		}
		if len(recs) == 0 {
			return n, nil
		}
		for _, r := range recs {
			after = r.ID
			keep, err := s.othersHave(ctx, owner, r.ID, shared)
			if err != nil {
				return n, err
			}
			if keep {
				continue
			}
			unused, err := s.store.DeleteMedia(ctx, r.ID)
			if err != nil && hongyan.ErrorCode(err) != hongyan.CodeNotFound {
				return n, err
			}
			for _, key := range unused {
				if err := s.blobs.Delete(ctx, key); err != nil {
					return n, err
				}
			}
			n++
		}
	}
}

// othersHave reports whether media id is shared where it stays, or kept
// by someone other than owner.
func (s *Service) othersHave(ctx context.Context, owner hongyan.UserID, id string, shared func(hongyan.ConversationID) bool) (bool, error) {
	refs, err := s.store.Refs(ctx, id)
	if err != nil {
		return false, err
	}
	for _, c := range refs {
		if shared(c) {
			return true, nil
		}
	}
	keepers, err := s.store.Keepers(ctx, id)
	if err != nil {
		return false, err
	}
	for _, u := range keepers {
		if u != owner {
			return true, nil
		}
	}
	return false, nil
}
