package oaapi

import (
	"bytes"
	"image/jpeg"
	"net/http"
	"unicode/utf8"

	qrcode "github.com/skip2/go-qrcode"

	"hongyan/internal/hongyan"
	"hongyan/internal/httpmux"
)

func (a *API) qrRoutes(mux *httpmux.Mux) {
	mux.HandleFunc("POST /cgi-bin/qrcode/create", a.authed("qrcode/create", a.qrCreate))
	mux.HandleFunc("GET /cgi-bin/showqrcode", a.showQR)
}

// QR limits of the protocol.
const (
	DefaultQRSeconds = 60
	MaxQRSeconds     = 2592000 // 30 days
	MaxPermanentQR   = 100000  // the largest scene_id of a permanent code
	maxSceneStr      = 64
)

// QRURL is the link a code's image encodes: opening it in a Hongyan client
// opens the account's profile with the scene kept, as a scan does.
func (a *API) QRURL(ticket string) string { return a.opt.PublicURL + "/q/" + ticket }

func (a *API) qrCreate(w http.ResponseWriter, r *http.Request, c call) {
	var req struct {
		ExpireSeconds *flexInt `json:"expire_seconds"`
		ActionName    string   `json:"action_name"`
		ActionInfo    struct {
			Scene struct {
				SceneID  flexInt `json:"scene_id"`
				SceneStr string  `json:"scene_str"`
			} `json:"scene"`
		} `json:"action_info"`
	}
	if e := readJSON(r, &req); e != nil {
		writeErr(w, e)
		return
	}
	now := a.opt.Now()
	q := QRCode{AppID: c.app.AppID}
	scene := req.ActionInfo.Scene
	badScene := errcode(40053, "invalid action info")
	switch req.ActionName {
	case "QR_SCENE", "QR_LIMIT_SCENE":
		q.SceneID = int64(scene.SceneID)
		q.Permanent = req.ActionName == "QR_LIMIT_SCENE"
		if q.SceneID == 0 || q.SceneID != int64(int32(q.SceneID)) || q.Permanent && (q.SceneID < 1 || q.SceneID > MaxPermanentQR) {
			writeErr(w, badScene)
			return
		}
	case "QR_STR_SCENE", "QR_LIMIT_STR_SCENE":
		q.SceneStr = scene.SceneStr
		q.Permanent = req.ActionName == "QR_LIMIT_STR_SCENE"
		if q.SceneStr == "" || !utf8.ValidString(q.SceneStr) || utf8.RuneCountInString(q.SceneStr) > maxSceneStr {
			writeErr(w, badScene)
			return
		}
	default:
		writeErr(w, errcode(40052, "invalid action name"))
		return
	}
	secs := int64(DefaultQRSeconds)
	if !q.Permanent {
		if req.ExpireSeconds != nil && *req.ExpireSeconds > 0 {
			secs = int64(*req.ExpireSeconds)
		}
		if secs > MaxQRSeconds {
			secs = MaxQRSeconds
		}
		q.Expires = now.Add(secondsDur(secs))
	}
	q, err := a.p.CreateQR(c.ctx, q)
	if err != nil {
		writeErr(w, a.wxErr(err, mapping{hongyan.CodePrecondition: errcode(45009, "reach max api daily quota limit")}))
		return
	}
	// No errcode or errmsg on success: silenceper fails on any errmsg.
	out := map[string]any{"ticket": q.Ticket, "url": a.QRURL(q.Ticket)}
	if !q.Permanent {
		out["expire_seconds"] = secs
	}
	writeJSON(w, out)
}

func (a *API) showQR(w http.ResponseWriter, r *http.Request) {
	t := r.URL.Query().Get("ticket")
	if !urlSafe(t) {
		http.NotFound(w, r)
		return
	}
	q, err := a.p.QR(r.Context(), t)
	if err != nil || !q.Permanent && !a.opt.Now().Before(q.Expires) {
		http.NotFound(w, r)
		return
	}
	code, err := qrcode.New(a.QRURL(t), qrcode.Medium)
	if err != nil {
		http.Error(w, "system error", http.StatusInternalServerError)
		return
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, code.Image(430), &jpeg.Options{Quality: 90}); err != nil {
		http.Error(w, "system error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "image/jpeg")
	w.Header().Set("Cache-Control", "private, max-age=60")
	w.Write(b.Bytes())
}
