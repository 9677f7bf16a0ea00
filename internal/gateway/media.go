package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"hongyan/internal/hongyan"
	"hongyan/internal/httpmux"
	"hongyan/internal/media"
)

// The media endpoints: uploads in one request or resumable in chunks, and
// downloads with Range support. Every request carries the device's
// session token as "Authorization: Bearer <token>". Errors are JSON
// {"code", "message"}.
//
//	POST  /media?kind=image|voice|video|file|sticker&name=…&duration_ms=…   body: the content
//	POST  /media/uploads         {"kind", "name", "size", "duration_ms"} → 201 {"id", "offset", "size"}
//	PATCH /media/uploads/{id}    Upload-Offset: N, body: the next chunk → {"id", "offset", "size", "media"?}
//	HEAD  /media/uploads/{id}    → Upload-Offset, Upload-Length
//	GET   /media/{id}            the content
//	GET   /media/{id}/thumb      its thumbnail (JPEG)
//
// Downloads are served so that nothing uploaded can run as a page of our
// origin: only raster images, audio and video are inline, with their
// sniffed type; everything else (HTML, SVG, XML, PDF, text, unknown) is an
// application/octet-stream attachment; always with nosniff and a sandbox
// Content-Security-Policy.

// registerMediaRoutes adds the media endpoints when the node has media.
func (g *Gateway) registerMediaRoutes(mux *httpmux.Mux) {
	if g.s.Media == nil {
		return
	}
	mux.HandleFunc("POST /media", g.handleMediaPut)
	mux.HandleFunc("POST /media/uploads", g.handleUploadStart)
	mux.HandleFunc("PATCH /media/uploads/{id}", g.handleUploadChunk)
	mux.HandleFunc("HEAD /media/uploads/{id}", g.handleUploadHead)
	mux.HandleFunc("GET /media/{id}", func(w http.ResponseWriter, r *http.Request) { g.handleMediaGet(w, r, false) })
	// Not "GET /media/{id}/thumb": that would overlap "HEAD
	// /media/uploads/{id}" with neither more specific, which ServeMux
	// refuses.
	mux.HandleFunc("GET /media/{id}/{variant}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("variant") != "thumb" {
			g.mediaError(w, r, hongyan.Caller{}, hongyan.Errorf(hongyan.CodeNotFound, "no such media"))
			return
		}
		g.handleMediaGet(w, r, true)
	})
}

// mediaJSON is a media object as the endpoints describe it.
type mediaJSON struct {
	ID         string `json:"id"`
	Kind       string `json:"kind"`
	Type       string `json:"type"`
	Size       int64  `json:"size"`
	Width      int    `json:"width"`
	Height     int    `json:"height"`
	DurationMS int    `json:"duration_ms"`
	Name       string `json:"name"`
	Thumbnail  bool   `json:"thumbnail"`
	Poster     string `json:"poster"`
}

func toMediaJSON(i media.Info) *mediaJSON {
	return &mediaJSON{ID: i.ID, Kind: string(i.Class), Type: i.Type, Size: i.Size, Width: i.Width, Height: i.Height,
		DurationMS: i.DurationMS, Name: i.Name, Thumbnail: i.Thumbnail, Poster: i.Poster}
}

// uploadJSON is the state of a resumable upload; Media is set once it is
// complete.
type uploadJSON struct {
	ID     string     `json:"id"`
	Offset int64      `json:"offset"`
	Size   int64      `json:"size"`
	Media  *mediaJSON `json:"media,omitempty"`
}

// mediaCaller authenticates the request's bearer token.
func (g *Gateway) mediaCaller(r *http.Request) (hongyan.Caller, error) {
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		return hongyan.Caller{}, hongyan.Errorf(hongyan.CodeUnauth, "sign in first: send Authorization: Bearer <session token>")
	}
	return g.s.Accounts.Authenticate(r.Context(), token)
}

func (g *Gateway) handleMediaPut(w http.ResponseWriter, r *http.Request) {
	c, err := g.mediaCaller(r)
	if err != nil {
		g.mediaError(w, r, c, err)
		return
	}
	q := r.URL.Query()
	u := media.Upload{Class: media.Class(q.Get("kind")), Name: q.Get("name")}
	if s := q.Get("duration_ms"); s != "" {
		if u.DurationMS, err = strconv.Atoi(s); err != nil {
			g.mediaError(w, r, c, hongyan.Errorf(hongyan.CodeInvalid, "duration_ms must be a whole number of milliseconds"))
			return
		}
	}
	body := r.Body
	if limit := g.s.Media.Limit(u.Class); limit > 0 {
		if r.ContentLength > limit {
			g.mediaError(w, r, c, hongyan.Errorf(hongyan.CodeTooLarge, "a %s may be at most %d bytes", u.Class, limit).WithReason(hongyan.ReasonFileTooLarge))
			return
		}
		body = http.MaxBytesReader(w, r.Body, limit)
	}
	info, err := g.s.Media.Put(r.Context(), c, u, g.flowing(w, body))
	if err != nil {
		g.mediaError(w, r, c, err)
		return
	}
	writeJSON(w, http.StatusOK, toMediaJSON(info))
}

// flowing lets an upload's body take longer than the HTTP server's read
// timeout as long as its bytes keep coming: each read that brings bytes
// moves the connection's read deadline to BodyTimeout from then, so only
// a body that stalls that long is cut off.
func (g *Gateway) flowing(w http.ResponseWriter, body io.Reader) io.Reader {
	if g.opt.BodyTimeout <= 0 {
		return body
	}
	return &flowReader{r: body, rc: http.NewResponseController(w), idle: g.opt.BodyTimeout}
}

type flowReader struct {
	r    io.Reader
	rc   *http.ResponseController
	idle time.Duration
	last time.Time // when the deadline was last moved
}

func (f *flowReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	// Moved at most four times per BodyTimeout: the deadline stays at
	// least three quarters of it away.
	if now := time.Now(); n > 0 && now.Sub(f.last) > f.idle/4 {
		f.last = now
		f.rc.SetReadDeadline(now.Add(f.idle))
	}
	return n, err
}

func (g *Gateway) handleUploadStart(w http.ResponseWriter, r *http.Request) {
	c, err := g.mediaCaller(r)
	if err != nil {
		g.mediaError(w, r, c, err)
		return
	}
	var req struct {
		Kind       string `json:"kind"`
		Name       string `json:"name"`
		Size       int64  `json:"size"`
		DurationMS int    `json:"duration_ms"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		g.mediaError(w, r, c, hongyan.Errorf(hongyan.CodeInvalid, "the body must be JSON {\"kind\", \"name\", \"size\", \"duration_ms\"}: %v", err))
		return
	}
	st, err := g.s.Media.StartUpload(r.Context(), c, media.Upload{Class: media.Class(req.Kind), Name: req.Name, Size: req.Size, DurationMS: req.DurationMS})
	if err != nil {
		g.mediaError(w, r, c, err)
		return
	}
	w.Header().Set("Location", "/media/uploads/"+st.ID)
	setUploadHeaders(w, st)
	writeJSON(w, http.StatusCreated, uploadJSON{ID: st.ID, Offset: st.Offset, Size: st.Size})
}

func (g *Gateway) handleUploadChunk(w http.ResponseWriter, r *http.Request) {
	c, err := g.mediaCaller(r)
	if err != nil {
		g.mediaError(w, r, c, err)
		return
	}
	off, err := strconv.ParseInt(r.Header.Get("Upload-Offset"), 10, 64)
	if err != nil || off < 0 {
		g.mediaError(w, r, c, hongyan.Errorf(hongyan.CodeInvalid, "the Upload-Offset header must give the offset of the chunk"))
		return
	}
	// The service refuses bytes past the upload's size; this bounds the
	// body by the largest upload there can be.
	limit := max(g.s.Media.Limit(media.ClassFile), g.s.Media.Limit(media.ClassImage))
	if r.ContentLength > limit {
		g.mediaError(w, r, c, hongyan.Errorf(hongyan.CodeTooLarge, "a chunk may be at most %d bytes", limit))
		return
	}
	st, info, err := g.s.Media.WriteChunk(r.Context(), c, r.PathValue("id"), off, g.flowing(w, http.MaxBytesReader(w, r.Body, limit)))
	if st.ID != "" {
		setUploadHeaders(w, st)
	}
	if err != nil {
		g.mediaError(w, r, c, err)
		return
	}
	resp := uploadJSON{ID: st.ID, Offset: st.Offset, Size: st.Size}
	if info != nil {
		resp.Media = toMediaJSON(*info)
	}
	writeJSON(w, http.StatusOK, resp)
}

func (g *Gateway) handleUploadHead(w http.ResponseWriter, r *http.Request) {
	c, err := g.mediaCaller(r)
	if err != nil {
		g.mediaError(w, r, c, err)
		return
	}
	st, err := g.s.Media.Upload(r.Context(), c, r.PathValue("id"))
	if err != nil {
		g.mediaError(w, r, c, err)
		return
	}
	setUploadHeaders(w, st)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
}

func setUploadHeaders(w http.ResponseWriter, st media.UploadState) {
	w.Header().Set("Upload-Offset", strconv.FormatInt(st.Offset, 10))
	w.Header().Set("Upload-Length", strconv.FormatInt(st.Size, 10))
}

func (g *Gateway) handleMediaGet(w http.ResponseWriter, r *http.Request, thumb bool) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox")
	h.Set("Content-Disposition", "attachment")
	c, err := g.mediaCaller(r)
	if err != nil {
		g.mediaError(w, r, c, err)
		return
	}
	info, rc, err := g.s.Media.Open(r.Context(), c, r.PathValue("id"), thumb)
	if err != nil {
		g.mediaError(w, r, c, err)
		return
	}
	defer rc.Close()
	typ, disposition := info.Type, "inline"
	if !media.Inline(typ) {
		typ, disposition = "application/octet-stream", "attachment"
	}
	h.Set("Content-Type", typ)
	h.Set("Content-Disposition", contentDisposition(disposition, downloadName(info, thumb)))
	h.Set("Cache-Control", "private")
	h.Set("ETag", `"`+info.SHA256+`"`)
	http.ServeContent(w, r, "", info.Created, rc)
}

// downloadName is the file name a download is saved under.
func downloadName(i media.Info, thumb bool) string {
	name := i.Name
	if name == "" || thumb {
		name = string(i.Class) + "-" + i.ID + extension(i.Type)
	}
	if thumb {
		name = strings.TrimSuffix(name, extension(i.Type)) + "-thumb.jpg"
	}
	return name
}

// extension is a file extension for a sniffed type.
func extension(typ string) string {
	t, _, _ := strings.Cut(typ, ";")
	switch t {
	case "image/jpeg":
		return ".jpg"
	case "image/png":
		return ".png"
	case "image/gif":
		return ".gif"
	case "image/webp":
		return ".webp"
	case "audio/mpeg":
		return ".mp3"
	case "audio/mp4":
		return ".m4a"
	case "audio/wav":
		return ".wav"
	case "audio/ogg":
		return ".ogg"
	case "audio/webm":
		return ".weba"
	case "audio/amr":
		return ".amr"
	case "audio/aac":
		return ".aac"
	case "video/mp4":
		return ".mp4"
	case "video/quicktime":
		return ".mov"
	case "video/webm":
		return ".webm"
	case "application/pdf":
		return ".pdf"
	case "application/zip":
		return ".zip"
	case "text/plain":
		return ".txt"
	}
	return ".bin"
}

// contentDisposition is a Content-Disposition header value for name: an
// ASCII fallback every client reads safely, and the exact UTF-8 name in
// RFC 8187 form.
func contentDisposition(kind, name string) string {
	var ascii, ext strings.Builder
	for _, r := range name {
		if r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(".-_ ()", r)) {
			ascii.WriteRune(r)
		} else {
			ascii.WriteByte('_')
		}
	}
	for _, b := range []byte(name) {
		if b < 0x80 && (b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || strings.IndexByte("!#$&+-.^_`|~", b) >= 0) {
			ext.WriteByte(b)
		} else {
			fmt.Fprintf(&ext, "%%%02X", b)
		}
	}
	return kind + `; filename="` + ascii.String() + `"; filename*=UTF-8''` + ext.String()
}

// mediaStatus maps error codes to HTTP statuses.
var mediaStatus = map[hongyan.Code]int{
	hongyan.CodeInvalid:       http.StatusBadRequest,
	hongyan.CodeNotFound:      http.StatusNotFound,
	hongyan.CodeExists:        http.StatusConflict,
	hongyan.CodeUnauth:        http.StatusUnauthorized,
	hongyan.CodeDenied:        http.StatusForbidden,
	hongyan.CodePrecondition:  http.StatusConflict,
	hongyan.CodeRateLimited:   http.StatusTooManyRequests,
	hongyan.CodeTooLarge:      http.StatusRequestEntityTooLarge,
	hongyan.CodeUnimplemented: http.StatusNotImplemented,
	hongyan.CodeUnavailable:   http.StatusServiceUnavailable,
}

// mediaError writes err as JSON {"code", "message", "reason"} with its
// status (reason only when set). An internal error is logged with whose
// request it was (c, zero before authentication), unless the client went
// away meanwhile: then nothing failed, and the answer (which nobody reads)
// says unavailable.
func (g *Gateway) mediaError(w http.ResponseWriter, r *http.Request, c hongyan.Caller, err error) {
	code, msg := hongyan.ErrorCode(err), hongyan.ErrorMessage(err)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		code, msg = hongyan.CodeTooLarge, fmt.Sprintf("the body is larger than %d bytes", tooBig.Limit)
	}
	status, ok := mediaStatus[code]
	if !ok {
		if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
			code, msg = hongyan.CodeUnavailable, "the request was cancelled"
			status = http.StatusServiceUnavailable
		} else {
			status = http.StatusInternalServerError
			g.log.Error("media request failed", "user", int64(c.User), "device", int64(c.Device),
				"method", r.Method, "path", r.URL.Path, "err", err)
		}
	}
	h := w.Header()
	h.Del("ETag")
	h.Set("Cache-Control", "no-store")
	writeJSON(w, status, struct {
		Code    hongyan.Code   `json:"code"`
		Message string         `json:"message"`
		Reason  hongyan.Reason `json:"reason,omitempty"`
	}{code, msg, hongyan.ErrorReason(err)})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
