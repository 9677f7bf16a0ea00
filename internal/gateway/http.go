package gateway

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	qrcode "github.com/skip2/go-qrcode"

	"hongyan/internal/hongyan"
	"hongyan/internal/httpmux"
)

// Handler serves the client protocol (/ws) and the client's HTTP endpoints:
// avatars (/avatar/{hash}), personal QR codes (/qr/user/{id}.png|.svg) and
// QR-login codes (/qr/login/{code}.png|.svg), live codes
// (/qr/livecode/{token}.png|.svg).
func (g *Gateway) Handler() http.Handler {
	mux := httpmux.New()
	mux.Handle("GET /ws", g)
	mux.HandleFunc("GET /avatar/{hash}", g.serveAvatar)
	mux.HandleFunc("GET /qr/user/{file}", g.serveUserQR)
	mux.HandleFunc("GET /qr/login/{file}", g.serveLoginQR)
	mux.HandleFunc("GET /qr/group/{file}", g.serveGroupQR)
	mux.HandleFunc("GET /qr/livecode/{file}", g.serveLiveCodeQR)
	mux.HandleFunc("GET /export", g.serveExport)
	mux.HandleFunc("GET /export/{conversation}", g.serveExport)
	g.registerMediaRoutes(mux)
	mux.HandleFunc("GET /media/oa/{account}/{id}", g.serveOAMedia)
	return mux
}

// AddURL is the link a personal QR code encodes: opening it in a Hongyan
// client offers to add the user.
func (g *Gateway) AddURL(u hongyan.UserID) string {
	return g.opt.PublicURL + "/add/" + strconv.FormatInt(int64(u), 10)
}

// JoinURL is the link a group's QR code encodes: opening it in a Hongyan
// client offers to join the group.
func (g *Gateway) JoinURL(code string) string {
	return g.opt.PublicURL + "/join/" + code
}

// LiveCodeURL is the link a live code's QR code holds.
func (g *Gateway) LiveCodeURL(token string) string {
	return g.opt.PublicURL + "/l/" + token
}

func (g *Gateway) qrLoginURL(code string) string {
	return g.opt.PublicURL + "/qr-login/" + code
}

func (g *Gateway) serveAvatar(w http.ResponseWriter, r *http.Request) {
	a, err := g.s.Accounts.Avatar(r.Context(), r.PathValue("hash"))
	if err != nil {
		httpError(w, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.ContentType)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Disposition", "inline")
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Write(a.Data)
}

// serveUserQR draws a personal QR code. It looks nothing up: the code of
// an ID that belongs to no one, or to someone who hides from discovery,
// is drawn the same, so the answer tells nothing about who exists.
func (g *Gateway) serveUserQR(w http.ResponseWriter, r *http.Request) {
	name, ext := splitExt(r.PathValue("file"))
	id, err := strconv.ParseInt(name, 10, 64)
	if err != nil || id <= 0 || strconv.FormatInt(id, 10) != name {
		httpError(w, hongyan.Errorf(hongyan.CodeNotFound, "no such user"))
		return
	}
	writeQR(w, g.AddURL(hongyan.UserID(id)), ext)
}

func (g *Gateway) serveLoginQR(w http.ResponseWriter, r *http.Request) {
	code, ext := splitExt(r.PathValue("file"))
	if len(code) == 0 || len(code) > 64 || strings.ContainsFunc(code, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_')
	}) {
		httpError(w, hongyan.Errorf(hongyan.CodeNotFound, "no such login code"))
		return
	}
	writeQR(w, g.qrLoginURL(code), ext)
}

// serveGroupQR draws a group QR code. Knowing the code is what lets one
// join, so drawing it reveals nothing more.
func (g *Gateway) serveGroupQR(w http.ResponseWriter, r *http.Request) {
	code, ext := splitExt(r.PathValue("file"))
	if !base32Code(code) {
		httpError(w, hongyan.Errorf(hongyan.CodeNotFound, "no such group code"))
		return
	}
	writeQR(w, g.JoinURL(code), ext)
}

// serveLiveCodeQR draws a live code's QR code from its token, without a
// lookup: it tells nothing about which codes exist.
func (g *Gateway) serveLiveCodeQR(w http.ResponseWriter, r *http.Request) {
	token, ext := splitExt(r.PathValue("file"))
	if !base32Code(token) {
		httpError(w, hongyan.Errorf(hongyan.CodeNotFound, "no such live code"))
		return
	}
	writeQR(w, g.LiveCodeURL(token), ext)
}

// base32Code reports whether code has the form of the codes this server
// makes: 1 to 64 characters of base32.
func base32Code(code string) bool {
	return len(code) > 0 && len(code) <= 64 && !strings.ContainsFunc(code, func(r rune) bool {
		return !(r >= 'A' && r <= 'Z' || r >= '2' && r <= '7')
	})
}

func splitExt(file string) (name, ext string) {
	i := strings.LastIndexByte(file, '.')
	if i < 0 {
		return file, ""
	}
	return file[:i], file[i+1:]
}

// writeQR renders content as a QR code in PNG or SVG.
func writeQR(w http.ResponseWriter, content, ext string) {
	q, err := qrcode.New(content, qrcode.Medium)
	if err != nil {
		httpError(w, err)
		return
	}
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	switch ext {
	case "png":
		png, err := q.PNG(512)
		if err != nil {
			httpError(w, err)
			return
		}
		h.Set("Content-Type", "image/png")
		w.Write(png)
	case "svg":
		h.Set("Content-Type", "image/svg+xml")
		// An SVG is never rendered inline as a document from our origin.
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
		w.Write(qrSVG(q.Bitmap()))
	default:
		httpError(w, hongyan.Errorf(hongyan.CodeNotFound, "QR codes are .png or .svg"))
	}
}

// qrSVG draws a QR bitmap (which includes its quiet zone) as one SVG path.
func qrSVG(bits [][]bool) []byte {
	n := len(bits)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" shape-rendering="crispEdges">`, n, n)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, n, n)
	for y, row := range bits {
		for x, on := range row {
			if on {
				fmt.Fprintf(&b, "M%d %dh1v1h-1z", x, y)
			}
		}
	}
	b.WriteString(`"/></svg>`)
	return []byte(b.String())
}

func httpError(w http.ResponseWriter, err error) {
	status := http.StatusInternalServerError
	switch hongyan.ErrorCode(err) {
	case hongyan.CodeNotFound:
		status = http.StatusNotFound
	case hongyan.CodeInvalid:
		status = http.StatusBadRequest
	case hongyan.CodeUnauth:
		status = http.StatusUnauthorized
	case hongyan.CodeDenied:
		status = http.StatusForbidden
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")
	http.Error(w, hongyan.ErrorMessage(err), status)
}
