package oaapi

import (
	"net/http"
	"unicode/utf8"

	"hongyan/internal/hongyan"
	"hongyan/internal/httpmux"
)

func (a *API) menuRoutes(mux *httpmux.Mux) {
	mux.HandleFunc("POST /cgi-bin/menu/create", a.authed("menu/create", a.menuCreate))
	mux.HandleFunc("GET /cgi-bin/menu/get", a.authed("menu/get", a.menuGet))
	mux.HandleFunc("GET /cgi-bin/get_current_selfmenu_info", a.authed("menu/get", a.selfMenu))
	mux.HandleFunc("GET /cgi-bin/menu/delete", a.authed("menu/delete", a.menuDelete))
}

// Menu limits of the protocol.
const (
	MaxButtons    = 3
	MaxSubButtons = 5
	maxTopName    = 16
	maxSubName    = 60
	maxKey        = 128
	maxURL        = 1024
)

type wxButton struct {
	Type      string     `json:"type,omitempty"`
	Name      string     `json:"name"`
	Key       string     `json:"key,omitempty"`
	URL       string     `json:"url,omitempty"`
	MediaID   string     `json:"media_id,omitempty"`
	AppID     string     `json:"appid,omitempty"`
	PagePath  string     `json:"pagepath,omitempty"`
	ArticleID string     `json:"article_id,omitempty"`
	SubButton []wxButton `json:"sub_button"`
}

var buttonTypes = map[string]bool{
	"click": true, "view": true, "scancode_push": true, "scancode_waitmsg": true, "pic_sysphoto": true,
	"pic_photo_or_album": true, "pic_weixin": true, "location_select": true, "media_id": true,
	"article_id": true, "article_view_limited": true, "miniprogram": true,
}

// checkButton validates one leaf button with the codes of its level.
func checkButton(b wxButton, sub bool) *Errcode {
	nameMax, nameErr, urlErr := maxTopName, errcode(40018, "invalid button name size"), errcode(40020, "invalid url size")
	if sub {
		nameMax, nameErr, urlErr = maxSubName, errcode(40025, "invalid sub button name size"), errcode(40027, "invalid sub button url size")
	}
	if b.Name == "" || len(b.Name) > nameMax || !utf8.ValidString(b.Name) {
		return nameErr
	}
	if !buttonTypes[b.Type] {
		return errcode(40017, "invalid button type")
	}
	switch b.Type {
	case "view", "miniprogram":
		if b.URL == "" || len(b.URL) > maxURL {
			return urlErr
		}
		if b.Type == "miniprogram" && (b.AppID == "" || b.PagePath == "") {
			return errArgument
		}
	case "media_id", "view_limited":
		if b.MediaID == "" || len(b.MediaID) > maxToken {
			return errcode(40007, "invalid media_id")
		}
	case "article_id", "article_view_limited":
		if b.ArticleID == "" || len(b.ArticleID) > maxToken {
			return errArgument
		}
	default:
		if b.Key == "" || len(b.Key) > maxKey {
			return errcode(40019, "invalid key size")
		}
	}
	if len(b.URL) > maxURL || len(b.Key) > maxKey || len(b.AppID) > 64 || len(b.PagePath) > maxURL {
		return errArgument
	}
	return nil
}

func (a *API) menuCreate(w http.ResponseWriter, r *http.Request, c call) {
	var req struct {
		Button []wxButton `json:"button"`
	}
	if e := readJSON(r, &req); e != nil {
		writeErr(w, e)
		return
	}
	if len(req.Button) == 0 || len(req.Button) > MaxButtons {
		writeErr(w, errcode(40016, "invalid button size"))
		return
	}
	buttons := make([]Button, 0, len(req.Button))
	for _, b := range req.Button {
		if len(b.SubButton) == 0 {
			if e := checkButton(b, false); e != nil {
				writeErr(w, e)
				return
			}
			buttons = append(buttons, toButton(b))
			continue
		}
		if len(b.SubButton) > MaxSubButtons {
			writeErr(w, errcode(40023, "invalid sub button size"))
			return
		}
		if b.Name == "" || len(b.Name) > maxTopName || !utf8.ValidString(b.Name) {
			writeErr(w, errcode(40018, "invalid button name size"))
			return
		}
		parent := Button{Name: b.Name}
		for _, s := range b.SubButton {
			if len(s.SubButton) > 0 {
				writeErr(w, errcode(40023, "invalid sub button size"))
				return
			}
			if e := checkButton(s, true); e != nil {
				writeErr(w, e)
				return
			}
			parent.Sub = append(parent.Sub, toButton(s))
		}
		buttons = append(buttons, parent)
	}
	if err := a.p.SetMenu(c.ctx, c.app.AppID, buttons); err != nil {
		writeErr(w, a.wxErr(err, nil))
		return
	}
	writeOK(w)
}

func toButton(b wxButton) Button {
	key := b.Key
	if b.Type == "article_id" || b.Type == "article_view_limited" {
		key = b.ArticleID
	}
	return Button{Type: b.Type, Name: b.Name, Key: key, URL: b.URL, MediaID: b.MediaID, AppID: b.AppID, PagePath: b.PagePath}
}

func fromButton(b Button) wxButton {
	w := wxButton{Type: b.Type, Name: b.Name, Key: b.Key, URL: b.URL, MediaID: b.MediaID, AppID: b.AppID, PagePath: b.PagePath, SubButton: []wxButton{}}
	if b.Type == "article_id" || b.Type == "article_view_limited" {
		w.Key, w.ArticleID = "", b.Key
	}
	for _, s := range b.Sub {
		w.SubButton = append(w.SubButton, fromButton(s))
	}
	return w
}

var errNoMenu = errcode(46003, "menu no exist")

func (a *API) menuGet(w http.ResponseWriter, r *http.Request, c call) {
	buttons, err := a.p.Menu(c.ctx, c.app.AppID)
	if err != nil {
		writeErr(w, a.wxErr(err, mapping{hongyan.CodeNotFound: errNoMenu}))
		return
	}
	out := make([]wxButton, 0, len(buttons))
	for _, b := range buttons {
		out = append(out, fromButton(b))
	}
	writeJSON(w, map[string]any{"menu": map[string]any{"button": out}})
}

func (a *API) selfMenu(w http.ResponseWriter, r *http.Request, c call) {
	buttons, err := a.p.Menu(c.ctx, c.app.AppID)
	if err != nil && hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		writeErr(w, a.wxErr(err, nil))
		return
	}
	type item struct {
		wxButton
		SubButton *struct {
			List []wxButton `json:"list"`
		} `json:"sub_button,omitempty"`
	}
	list := []item{}
	for _, b := range buttons {
		wb := fromButton(b)
		it := item{wxButton: wb}
		if len(b.Sub) > 0 {
			it.SubButton = &struct {
				List []wxButton `json:"list"`
			}{List: wb.SubButton}
		}
		it.wxButton.SubButton = nil
		list = append(list, it)
	}
	open := 0
	if len(buttons) > 0 {
		open = 1
	}
	writeJSON(w, map[string]any{"is_menu_open": open, "selfmenu_info": map[string]any{"button": list}})
}

func (a *API) menuDelete(w http.ResponseWriter, r *http.Request, c call) {
	if err := a.p.DeleteMenu(c.ctx, c.app.AppID); err != nil && hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		writeErr(w, a.wxErr(err, nil))
		return
	}
	writeOK(w)
}
