package media

import (
	"context"
	"io"
	"time"

	"hongyan/internal/hongyan"
)

// Record is what a Store keeps about one media object.
type Record struct {
	Info
	// Thumb is the blob key of the thumbnail (a JPEG), "" when there is
	// none. Info.Thumbnail is not stored: a Store reads it back as
	// Thumb != "".
	Thumb string
}

// UploadSession is a resumable upload in progress. Its ID becomes the ID
// of the media object it makes.
type UploadSession struct {
	ID    string
	Owner hongyan.UserID
	Upload
	Offset  int64 // bytes received and durable
	Created time.Time
}

// Store keeps media objects, the conversations they were sent into, and
// resumable uploads. Times are kept to the millisecond. A missing object is
// an error with hongyan.CodeNotFound. Methods are safe for concurrent use.
type Store interface {
	// CreateMedia stores r. An ID that is already stored is an error with
	// hongyan.CodeExists, and the stored record is left as it is.
	CreateMedia(ctx context.Context, r Record) error
	// Media returns the record of media id.
	Media(ctx context.Context, id string) (Record, error)
	// AddRef records that media id was sent into conv. Recording it again
	// changes nothing. A media ID that is not stored is CodeNotFound.
	AddRef(ctx context.Context, id string, conv hongyan.ConversationID) error
	// Refs lists the conversations media id was sent into, in ascending
	// order (empty, not an error, when there are none).
	Refs(ctx context.Context, id string) ([]hongyan.ConversationID, error)
	// AddKeep records that user keeps a copy of a message carrying media
	// id (a favorite), so that they may read it whatever becomes of the
	// message. Recording it again changes nothing. A media ID that is not
	// stored is CodeNotFound.
	AddKeep(ctx context.Context, id string, user hongyan.UserID) error
	// Kept reports whether AddKeep recorded user for media id.
	Kept(ctx context.Context, id string, user hongyan.UserID) (bool, error)
	// Keepers lists the users AddKeep recorded for media id, ascending.
	Keepers(ctx context.Context, id string) ([]hongyan.UserID, error)
	// OwnedMedia lists up to limit media of owner whose IDs sort after
	// after, in ID order.
	OwnedMedia(ctx context.Context, owner hongyan.UserID, after string, limit int) ([]Record, error)
	// DeleteMedia removes media id, its refs and keeps (CodeNotFound when
	// missing), and returns the blob keys (its content, its thumbnail)
	// that no media left uses, for the caller to delete from the blobs.
	DeleteMedia(ctx context.Context, id string) ([]string, error)

	// CreateUpload stores a new upload session (CodeExists if its ID is
	// taken). With maxOpen > 0, an owner who has maxOpen unfinished
	// sessions (offset below size) already gets an error with
	// hongyan.CodeRateLimited and nothing is stored.
	CreateUpload(ctx context.Context, u UploadSession, maxOpen int) error
	// Upload returns upload session id.
	Upload(ctx context.Context, id string) (UploadSession, error)
	// AdvanceUpload moves the offset of upload id from from to to, as one
	// compare-and-set: if the stored offset is not from, nothing changes and
	// the error has hongyan.CodePrecondition.
	AdvanceUpload(ctx context.Context, id string, from, to int64) error
	// DeleteUpload removes upload session id; a missing one is CodeNotFound.
	DeleteUpload(ctx context.Context, id string) error
	// StaleUploads lists up to limit upload sessions created before before,
	// oldest first.
	StaleUploads(ctx context.Context, before time.Time, limit int) ([]UploadSession, error)
}

// BlobStore keeps content by its key, the lowercase hex SHA-256 of the
// content (see ValidKey). localblob implements it on a file system.
// Methods are safe for concurrent use.
type BlobStore interface {
	// Put stores the content read from r under key and returns once it is
	// durable. If key is stored already, Put returns nil and may not read r
	// at all. Content whose SHA-256 is not key is refused with an error
	// and nothing is stored. A key that is not valid is CodeInvalid.
	Put(ctx context.Context, key string, r io.Reader) error
	// Open opens blob key for reading and seeking, and returns its size. A
	// missing blob is CodeNotFound. The caller must Close the reader.
	Open(ctx context.Context, key string) (io.ReadSeekCloser, int64, error)
	// Delete removes blob key. Deleting a missing blob is not an error.
	Delete(ctx context.Context, key string) error
}

// FileMover is implemented by blob stores that can take a finished file
// by moving it rather than copying its bytes. The Service uses it, when its
// blob store offers it, for uploads staged under Config.TempDir.
type FileMover interface {
	// PutFile stores the file at path under key and returns once it is
	// durable; the caller vouches that key is the SHA-256 of the file. It
	// moves the file when it can (the file must not change meanwhile); the
	// caller removes path afterwards if it is still there. If key is stored
	// already, PutFile returns nil and leaves path alone.
	PutFile(ctx context.Context, key, path string) error
}

// UploadStager is implemented by blob stores that keep the bytes of
// resumable uploads themselves (s3blob), so that an upload started on one
// node can be continued and finished on any other. Without it, an upload's
// bytes are kept in a file under Config.TempDir of the node that received
// them. Upload IDs are those the Service makes (26 characters a–z, 2–7).
type UploadStager interface {
	// PutPart stores the bytes [from, to) of upload id, read from r (which
	// holds exactly to-from bytes), and returns once they are durable. A
	// part stored again with the same bounds replaces the first.
	PutPart(ctx context.Context, id string, from, to int64, r io.Reader) error
	// OpenParts returns the bytes [0, size) of upload id, read from parts
	// that follow one another from 0 to size. If no parts do, the error has
	// hongyan.CodeNotFound. The caller must Close the reader.
	OpenParts(ctx context.Context, id string, size int64) (io.ReadCloser, error)
	// DeleteParts removes every part of upload id (none is not an error).
	DeleteParts(ctx context.Context, id string) error
}

// Readers answers who may read what was sent into a conversation. Node
// fills it from the chat feature.
type Readers interface {
	// CanReadMedia reports whether user may read media id, which was
	// attached to a message sent into conv: whether user sees a message of
	// conv that still carries it. Anything else (not in conv, outside
	// their part of it, the message recalled) is (false, nil), not an
	// error.
	CanReadMedia(ctx context.Context, user hongyan.UserID, conv hongyan.ConversationID, id string) (bool, error)
}

// PosterFunc returns a poster frame of the video at videoPath, as image
// bytes.
type PosterFunc func(ctx context.Context, videoPath string) ([]byte, error)
