package node

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"hongyan/internal/chat"
	"hongyan/internal/config"
	"hongyan/internal/hongyan"
	"hongyan/internal/linkfetch"
	"hongyan/internal/localblob"
	"hongyan/internal/media"
	"hongyan/internal/s3blob"
	"hongyan/internal/sqldb/stores"
)

// newMedia builds the media feature: content under <data>/media, or in an
// S3-compatible bucket with media.store = "s3", whichever storage engine
// keeps the records; uploads in progress under <data>/media/tmp, on the
// same file system, so that finished uploads are moved into place rather
// than copied (with S3 only while a chunk or a finished upload is checked:
// the parts of resumable uploads are in the bucket, so any node resumes
// them); video posters by ffmpeg when it is installed. Readers (who may
// download what was sent into a conversation) are the chat feature's. It
// returns the readiness check of the blob store (nil for local files).
func newMedia(cfg config.Config, db *stores.DB, readers media.Readers) (*media.Service, func(context.Context) error, error) {
	dir := filepath.Join(cfg.Data, "media")
	mcfg := media.Config{
		MaxFileBytes:    cfg.Media.MaxFileBytes,
		MaxImageBytes:   cfg.Media.MaxImageBytes,
		MaxImagePixels:  cfg.Media.MaxImagePixels,
		MaxDecodedBytes: int64(cfg.Media.MaxDecodedBytes),
		DecodeBytes:     int64(cfg.Media.DecodeBytes),
		MaxOpenUploads:  cfg.Media.MaxOpenUploads,
		TempDir:         filepath.Join(dir, "tmp"),
		UploadRate:      hongyan.Rate{N: cfg.Limits.UploadsPerHour, Per: time.Hour},
		UploadMiBRate:   hongyan.Rate{N: cfg.Limits.UploadMiBPerHour, Per: time.Hour},
	}
	if bin, err := exec.LookPath("ffmpeg"); err == nil {
		mcfg.Poster = ffmpegPoster(bin)
	}
	if cfg.Media.Store != "s3" {
		return media.New(db.Media(), localblob.New(dir), readers, mcfg), nil, nil
	}
	s3 := cfg.Media.S3
	blobs, err := s3blob.New(s3blob.Config{
		Endpoint: s3.Endpoint, Bucket: s3.Bucket, Region: s3.Region, AccessKey: s3.AccessKey, SecretKey: s3.SecretKey,
		PathStyle: s3.PathStyle, Prefix: s3.Prefix, TempDir: mcfg.TempDir,
	})
	if err != nil {
		return nil, nil, err
	}
	if err := os.MkdirAll(mcfg.TempDir, 0o700); err != nil {
		return nil, nil, err
	}
	return media.New(db.Media(), blobs, readers, mcfg), blobs.Ping, nil
}

// The chat feature answers who may read a conversation.
var _ media.Readers = (*chat.Service)(nil)

// ffmpegPoster returns a poster hook that has ffmpeg decode the first
// frame of a video as a JPEG at most 1280 pixels wide. ffmpeg reads only
// the local file (no network or other protocols a crafted file could name),
// on one thread, for at most 20 seconds.
func ffmpegPoster(bin string) media.PosterFunc {
	return func(ctx context.Context, path string) ([]byte, error) {
		ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		var out bytes.Buffer
		cmd := exec.CommandContext(ctx, bin, "-nostdin", "-hide_banner", "-loglevel", "error",
			"-protocol_whitelist", "file", "-threads", "1", "-i", path,
			"-frames:v", "1", "-vf", "scale='min(1280,iw)':-2", "-f", "image2", "-c:v", "mjpeg", "-q:v", "3", "pipe:1")
		cmd.Stdout = &out
		if err := cmd.Run(); err != nil {
			return nil, err
		}
		return out.Bytes(), nil
	}
}

// chatMedia lets the chat feature attach media to messages.
type chatMedia struct{ media *media.Service }

func (m chatMedia) Attach(ctx context.Context, user hongyan.UserID, id string, conv hongyan.ConversationID) (chat.Media, error) {
	i, err := m.media.Attach(ctx, user, id, conv)
	if err != nil {
		return chat.Media{}, err
	}
	return chat.Media{ID: i.ID, Class: string(i.Class), Type: i.Type, Size: i.Size, Width: i.Width, Height: i.Height,
		DurationMS: i.DurationMS, Name: i.Name, Thumbnail: i.Thumbnail, Poster: i.Poster}, nil
}

func (m chatMedia) Keep(ctx context.Context, user hongyan.UserID, ids []string) error {
	return m.media.Keep(ctx, user, ids)
}

// linkPreviews fetches link cards through the SSRF-guarded fetcher and
// keeps their images as media of the sender.
type linkPreviews struct {
	fetch *linkfetch.Fetcher
	media *media.Service
}

func newPreviews(m *media.Service) linkPreviews {
	return linkPreviews{fetch: linkfetch.New(linkfetch.Options{}), media: m}
}

func (p linkPreviews) Preview(ctx context.Context, user hongyan.UserID, url string) (chat.Link, error) {
	page, err := p.fetch.Fetch(ctx, url)
	if err != nil {
		return chat.Link{}, err
	}
	l := chat.Link{URL: page.URL, Title: page.Title, Description: page.Description}
	if page.Image != nil {
		if info, err := p.media.Save(ctx, user, media.ClassImage, "preview", page.Image); err == nil {
			l.Image = info.ID
		}
	}
	return l, nil
}
