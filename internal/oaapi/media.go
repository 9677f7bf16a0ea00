package oaapi

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"path"
	"strings"

	"hongyan/internal/hongyan"
	"hongyan/internal/httpmux"
)

func (a *API) mediaRoutes(mux *httpmux.Mux) {
	mux.HandleFunc("POST /cgi-bin/media/upload", a.authed("media/upload", a.mediaUpload))
	mux.HandleFunc("GET /cgi-bin/media/get", a.authed("media/get", a.mediaGet))
}

// mediaLimits are the size limits of temporary media by type.
var mediaLimits = map[string]int64{"image": 10 << 20, "voice": 2 << 20, "video": 10 << 20, "thumb": 64 << 10}

// sniffMedia returns the content type of data if it is a format the type
// allows, else "".
func sniffMedia(typ string, data []byte) string {
	ct := http.DetectContentType(data)
	switch typ {
	case "image":
		switch ct {
		case "image/jpeg", "image/png", "image/gif", "image/bmp":
			return ct
		}
	case "thumb":
		if ct == "image/jpeg" {
			return ct
		}
	case "voice":
		switch {
		case bytes.HasPrefix(data, []byte("#!AMR")):
			return "audio/amr"
		case ct == "audio/mpeg" || bytes.HasPrefix(data, []byte("ID3")) || len(data) > 1 && data[0] == 0xFF && data[1]&0xE0 == 0xE0:
			return "audio/mpeg"
		}
	case "video":
		if ct == "video/mp4" || len(data) > 8 && string(data[4:8]) == "ftyp" {
			return "video/mp4"
		}
	}
	return ""
}

var extOf = map[string]string{"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/bmp": ".bmp",
	"audio/amr": ".amr", "audio/mpeg": ".mp3", "video/mp4": ".mp4"}

func (a *API) mediaUpload(w http.ResponseWriter, r *http.Request, c call) {
	typ := r.URL.Query().Get("type")
	limit, ok := mediaLimits[typ]
	if !ok {
		writeErr(w, errcode(40004, "invalid media type"))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit+64<<10)
	mr, err := r.MultipartReader()
	if err != nil {
		writeErr(w, errcode(41005, "media data missing"))
		return
	}
	var data []byte
	var name string
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			writeErr(w, errcode(40006, "invalid file size"))
			return
		}
		if p.FormName() != "media" {
			continue
		}
		name = path.Base(strings.ReplaceAll(p.FileName(), "\\", "/")) // SDKs send full local paths
		data, err = io.ReadAll(io.LimitReader(p, limit+1))
		if err != nil {
			writeErr(w, errcode(40006, "invalid file size"))
			return
		}
		break
	}
	switch {
	case len(data) == 0:
		writeErr(w, errcode(41005, "media data missing"))
		return
	case int64(len(data)) > limit:
		writeErr(w, errcode(40006, "invalid file size"))
		return
	}
	ct := sniffMedia(typ, data)
	if ct == "" {
		writeErr(w, errcode(40005, "invalid file type"))
		return
	}
	if len(name) > 128 || name == "." || name == "/" {
		name = ""
	}
	m, err := a.p.PutMedia(c.ctx, MediaFile{AppID: c.app.AppID, Type: typ, Name: name, ContentType: ct, Data: data})
	if err != nil {
		writeErr(w, a.wxErr(err, nil))
		return
	}
	idKey := "media_id"
	if typ == "thumb" {
		idKey = "thumb_media_id"
	}
	writeJSON(w, map[string]any{"type": typ, idKey: m.ID, "created_at": m.Created.Unix()})
}

func (a *API) mediaGet(w http.ResponseWriter, r *http.Request, c call) {
	id := r.URL.Query().Get("media_id")
	errMedia := errcode(40007, "invalid media_id")
	if !urlSafe(id) {
		writeErr(w, errMedia)
		return
	}
	m, err := a.p.Media(c.ctx, c.app.AppID, id)
	if err == nil && !a.opt.Now().Before(m.Created.Add(MediaTTL)) {
		err = hongyan.Errorf(hongyan.CodeNotFound, "expired")
	}
	if err != nil {
		writeErr(w, a.wxErr(err, mapping{hongyan.CodeNotFound: errMedia}))
		return
	}
	h := w.Header()
	h.Set("Content-Type", m.ContentType)
	h.Set("Content-Disposition", `attachment; filename="`+m.ID+extOf[m.ContentType]+`"`)
	h.Set("X-Content-Type-Options", "nosniff")
	w.Write(m.Data)
}
