package wsclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// MediaInfo describes an uploaded media object, as the server answers.
type MediaInfo struct {
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

// Upload sizes: content up to SingleUploadMax bytes goes in one request;
// larger content goes through the resumable protocol in chunks of
// UploadChunk bytes.
const (
	SingleUploadMax = 8 << 20
	UploadChunk     = 4 << 20
)

// uploadRetries is how often one chunk is tried again after a failure.
const uploadRetries = 5

// mediaHTTP is the client media requests use.
var mediaHTTP = http.DefaultClient

// Upload sends size bytes read from r to the server at httpBase (e.g.
// http://127.0.0.1:8080) as media of kind (image, voice, video, file or
// sticker), signed in with token, and returns what the server made of it.
// Content up to SingleUploadMax bytes goes in one request; larger content
// goes in chunks, and a chunk that fails (a dropped connection, a server
// error) is resumed from the offset the server reports. Refusals carry the
// server's code in an *Error.
func Upload(ctx context.Context, httpBase, token, kind, name string, r io.Reader, size int64, durationMS int) (MediaInfo, error) {
	base := strings.TrimSuffix(httpBase, "/")
	if size <= SingleUploadMax {
		q := url.Values{"kind": {kind}, "name": {name}}
		if durationMS != 0 {
			q.Set("duration_ms", strconv.Itoa(durationMS))
		}
		var info MediaInfo
		_, err := mediaDo(ctx, http.MethodPost, base+"/media?"+q.Encode(), token, nil, io.LimitReader(r, size), size, &info)
		return info, err
	}
	start, err := json.Marshal(map[string]any{"kind": kind, "name": name, "size": size, "duration_ms": durationMS})
	if err != nil {
		return MediaInfo{}, err
	}
	var st uploadState
	if _, err := mediaDo(ctx, http.MethodPost, base+"/media/uploads", token, nil, bytes.NewReader(start), int64(len(start)), &st); err != nil {
		return MediaInfo{}, err
	}
	u := resumable{base: base + "/media/uploads/" + url.PathEscape(st.ID), token: token}
	buf := make([]byte, UploadChunk)
	for off := st.Offset; off < size; {
		chunk := buf[:min(UploadChunk, size-off)]
		if _, err := io.ReadFull(r, chunk); err != nil {
			return MediaInfo{}, fmt.Errorf("reading the content at %d: %w", off, err)
		}
		next, info, err := u.send(ctx, off, chunk)
		if err != nil || info != nil {
			return deref(info), err
		}
		off = next
	}
	// Every chunk was taken but the last answer was lost: the empty chunk
	// at the end returns the media.
	_, info, err := u.send(ctx, size, nil)
	return deref(info), err
}

func deref(i *MediaInfo) MediaInfo {
	if i == nil {
		return MediaInfo{}
	}
	return *i
}

type uploadState struct {
	ID     string     `json:"id"`
	Offset int64      `json:"offset"`
	Size   int64      `json:"size"`
	Media  *MediaInfo `json:"media"`
}

// resumable is one resumable upload on the server.
type resumable struct {
	base, token string
}

// send sends chunk, which starts at off, retrying from where the server
// says it is after failures. It returns the offset after the chunk and,
// once the upload is complete, its media.
func (u resumable) send(ctx context.Context, off int64, chunk []byte) (int64, *MediaInfo, error) {
	end := off + int64(len(chunk))
	for attempt := 0; ; attempt++ {
		var st uploadState
		h := http.Header{"Upload-Offset": {strconv.FormatInt(off, 10)}}
		_, err := mediaDo(ctx, http.MethodPatch, u.base, u.token, h, bytes.NewReader(chunk), int64(len(chunk)), &st)
		if err == nil {
			return st.Offset, st.Media, nil
		}
		if !retryable(err) || attempt >= uploadRetries {
			return 0, nil, err
		}
		if err := pause(ctx, attempt); err != nil {
			return 0, nil, err
		}
		// Where is the server? It kept the whole chunk or none of it.
		at, herr := u.offset(ctx)
		switch {
		case herr != nil && !retryable(herr):
			return 0, nil, herr
		case herr != nil:
			// Send the chunk again.
		case at == end && end > off:
			return at, nil, nil // the chunk arrived; only its answer was lost
		case at >= off && at <= end:
			chunk, off = chunk[at-off:], at
		default:
			return 0, nil, fmt.Errorf("wsclient: the server's upload is at offset %d, outside the chunk %d..%d", at, off, end)
		}
	}
}

// offset asks the server how much of the upload it has.
func (u resumable) offset(ctx context.Context) (int64, error) {
	resp, err := mediaDo(ctx, http.MethodHead, u.base, u.token, nil, nil, 0, nil)
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(resp.Header.Get("Upload-Offset"), 10, 64)
}

// retryable reports whether a failed request may succeed when tried again:
// a network failure, a server error, or an offset the server disagrees
// with (it is asked where it is before the retry).
func retryable(err error) bool {
	var e *Error
	if !errors.As(err, &e) {
		return !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
	}
	return e.Code == "failed_precondition" || e.Code == "unavailable" || e.Code == "internal"
}

// pause waits before retry attempt n (100 ms, doubling).
func pause(ctx context.Context, n int) error {
	t := time.NewTimer(100 * time.Millisecond << n)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Download writes media id (of the server at httpBase) to w.
func Download(ctx context.Context, httpBase, token, id string, w io.Writer) error {
	resp, err := mediaRequest(ctx, http.MethodGet, strings.TrimSuffix(httpBase, "/")+"/media/"+url.PathEscape(id), token, nil, nil, 0)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(w, resp.Body); err != nil {
		return fmt.Errorf("downloading media %s: %w", id, err)
	}
	return nil
}

// mediaDo makes a request and decodes its JSON answer into out (when not
// nil). The body of the response is closed.
func mediaDo(ctx context.Context, method, u, token string, h http.Header, body io.Reader, size int64, out any) (*http.Response, error) {
	resp, err := mediaRequest(ctx, method, u, token, h, body, size)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			return nil, fmt.Errorf("%s %s: reading the answer: %w", method, u, err)
		}
	}
	return resp, nil
}

// mediaRequest makes a request and returns its response if the status is
// 2xx; otherwise the server's JSON error as an *Error.
func mediaRequest(ctx context.Context, method, u, token string, h http.Header, body io.Reader, size int64) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, err
	}
	for k, v := range h {
		req.Header[k] = v
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.ContentLength = size
		if size == 0 {
			req.Body = http.NoBody
		}
	}
	resp, err := mediaHTTP.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return resp, nil
	}
	defer resp.Body.Close()
	e := &Error{}
	if method == http.MethodHead || json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(e) != nil || e.Code == "" {
		e.Code, e.Message = statusCode(resp.StatusCode), resp.Status
	}
	return nil, e
}

// statusCode is the error code an HTTP status stands for when the body
// does not say.
func statusCode(status int) string {
	switch status {
	case http.StatusUnauthorized:
		return "unauthenticated"
	case http.StatusNotFound:
		return "not_found"
	case http.StatusConflict, http.StatusPreconditionFailed:
		return "failed_precondition"
	case http.StatusRequestEntityTooLarge:
		return "too_large"
	case http.StatusForbidden:
		return "permission_denied"
	case http.StatusTooManyRequests:
		return "rate_limited"
	}
	if status >= 500 {
		return "unavailable"
	}
	return "invalid_argument"
}
