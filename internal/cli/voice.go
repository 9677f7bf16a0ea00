package cli

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"strconv"

	"hongyan/internal/wsclient"
)

// uploadVoice uploads a voice clip and returns its media ID. Its length
// is durationMS when given, else read from a WAV file's header.
func (e *env) uploadVoice(path, durationMS string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", failErr("invalid_argument", "%v", err)
	}
	ms := 0
	if durationMS != "" {
		if ms, err = strconv.Atoi(durationMS); err != nil || ms <= 0 {
			return "", usageErr("--duration-ms takes a positive number, not %q", durationMS)
		}
	} else if ms = wavMS(data); ms <= 0 {
		return "", usageErr("give the clip's length with --duration-ms (it is read from WAV files only)")
	}
	s, err := e.session()
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(e.ctx, transferTimeout)
	defer cancel()
	info, err := wsclient.Upload(ctx, e.serverFor(&s), s.Token, "voice", filepath.Base(path), bytes.NewReader(data), int64(len(data)), ms)
	if err != nil {
		return "", err
	}
	return info.ID, nil
}

// wavMS is the length of a PCM WAV file in milliseconds from its header
// (byte rate and data chunk), 0 when it is not one.
func wavMS(b []byte) int {
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return 0
	}
	rate := 0
	for off := 12; off+8 <= len(b); {
		id, size := string(b[off:off+4]), int(binary.LittleEndian.Uint32(b[off+4:off+8]))
		body := off + 8
		switch {
		case id == "fmt " && size >= 16 && body+16 <= len(b):
			rate = int(binary.LittleEndian.Uint32(b[body+8 : body+12]))
		case id == "data" && rate > 0:
			size = min(size, len(b)-body)
			return int(int64(size) * 1000 / int64(rate))
		}
		if size < 0 || size > len(b) {
			return 0
		}
		off = body + size + size%2
	}
	return 0
}

// saveMedia downloads media id into path.
func (e *env) saveMedia(id, path string) error {
	s, err := e.session()
	if err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return failErr("invalid_argument", "%v", err)
	}
	ctx, cancel := context.WithTimeout(e.ctx, transferTimeout)
	defer cancel()
	if err := wsclient.Download(ctx, e.serverFor(&s), s.Token, id, f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
