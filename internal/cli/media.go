package cli

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"time"

	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/wsclient"
)

// transferTimeout bounds one upload or download.
const transferTimeout = 30 * time.Minute

var mediaKinds = map[string]pb.MessageKind{
	"file": pb.MessageKind_MESSAGE_KIND_FILE, "image": pb.MessageKind_MESSAGE_KIND_IMAGE,
	"voice": pb.MessageKind_MESSAGE_KIND_VOICE, "video": pb.MessageKind_MESSAGE_KIND_VIDEO,
	"sticker": pb.MessageKind_MESSAGE_KIND_STICKER,
}

// sendFile uploads a file (resumably when it is large) and sends it as a
// message of its kind.
func (e *env) sendFile(args []string) error {
	const use = "send-file PEER|group:GID PATH [--kind file|image|video|voice|sticker] [--duration-ms N] [--client-id ID]"
	pos, fl, err := e.parse(args, 2, use, "kind", "duration-ms", "client-id")
	if err != nil {
		return err
	}
	kind := fl["kind"]
	if kind == "" {
		kind = "file"
	}
	mk, ok := mediaKinds[kind]
	if !ok {
		return usageErr("--kind is file, image, video, voice or sticker, not %q", kind)
	}
	dur := 0
	if d := fl["duration-ms"]; d != "" {
		if dur, err = strconv.Atoi(d); err != nil || dur <= 0 {
			return usageErr("--duration-ms takes a positive number, not %q", d)
		}
	}
	f, err := os.Open(pos[1])
	if err != nil {
		return failErr("invalid_argument", "%v", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return failErr("invalid_argument", "%v", err)
	}
	s, err := e.session()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(e.ctx, transferTimeout)
	defer cancel()
	info, err := wsclient.Upload(ctx, e.serverFor(&s), s.Token, kind, filepath.Base(pos[1]), f, st.Size(), dur)
	if err != nil {
		return err
	}
	return e.sendTo(pos[0], &pb.SendRequest{ClientId: clientIDFlag(fl), Kind: mk, Media: info.ID})
}

// download saves a media file this profile may see.
func (e *env) download(args []string) error {
	pos, _, err := e.parse(args, 2, "download MEDIA_ID PATH")
	if err != nil {
		return err
	}
	s, err := e.session()
	if err != nil {
		return err
	}
	out, err := os.Create(pos[1])
	if err != nil {
		return failErr("invalid_argument", "%v", err)
	}
	ctx, cancel := context.WithTimeout(e.ctx, transferTimeout)
	defer cancel()
	if err := wsclient.Download(ctx, e.serverFor(&s), s.Token, pos[0], out); err != nil {
		out.Close()
		os.Remove(pos[1])
		return err
	}
	if err := out.Close(); err != nil {
		return failErr("internal", "%v", err)
	}
	st, _ := os.Stat(pos[1])
	return e.print(object{{"media", pos[0]}, {"path", pos[1]}, {"size", st.Size()}})
}
