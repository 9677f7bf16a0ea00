package oaapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"unicode/utf8"

	"hongyan/internal/hongyan"
	"hongyan/internal/httpmux"
)

func (a *API) messageRoutes(mux *httpmux.Mux) {
	mux.HandleFunc("POST /cgi-bin/message/custom/send", a.authed("message/custom/send", a.customSend))
	mux.HandleFunc("POST /cgi-bin/message/custom/typing", a.authed("message/custom/send", a.typing))
	mux.HandleFunc("POST /cgi-bin/template/api_add_template", a.authed("template/api_add_template", a.addTemplate))
	mux.HandleFunc("GET /cgi-bin/template/get_all_private_template", a.authed("template/get_all_private_template", a.listTemplates))
	mux.HandleFunc("POST /cgi-bin/template/get_all_private_template", a.authed("template/get_all_private_template", a.listTemplates))
	mux.HandleFunc("POST /cgi-bin/template/del_private_template", a.authed("template/del_private_template", a.delTemplate))
	mux.HandleFunc("POST /cgi-bin/message/template/send", a.authed("message/template/send", a.sendTemplate))
	mux.HandleFunc("POST /cgi-bin/message/mass/sendall", a.authed("message/mass/sendall", a.massSendAll))
	mux.HandleFunc("POST /cgi-bin/message/mass/send", a.authed("message/mass/send", a.massSend))
	mux.HandleFunc("POST /cgi-bin/message/mass/preview", a.authed("message/mass/preview", a.massPreview))
	mux.HandleFunc("POST /cgi-bin/message/mass/get", a.authed("message/mass/get", a.massGet))
	mux.HandleFunc("POST /cgi-bin/message/mass/delete", a.authed("message/mass/delete", a.massDelete))
}

// Limits of messages sent through the API.
const (
	MaxText         = 4000 // characters of a text message
	MaxMassOpenIDs  = 10000
	maxTitle        = 128
	maxDescription  = 1024
	maxTemplateData = 64
	maxFieldValue   = 1024
)

// flexInt is a 64-bit ID that SDKs send as a number or as a string.
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	b = bytes.Trim(b, `"`)
	if len(b) == 0 {
		*f = 0
		return nil
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	*f = flexInt(n)
	return err
}

type wxArticle struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	URL         string `json:"url"`
	PicURL      string `json:"picurl"`
}

// wxContent is the message part of custom, preview and mass sends.
type wxContent struct {
	MsgType string `json:"msgtype"`
	Text    *struct {
		Content string `json:"content"`
	} `json:"text"`
	Image *struct {
		MediaID string `json:"media_id"`
	} `json:"image"`
	Images *struct {
		MediaIDs []string `json:"media_ids"`
	} `json:"images"`
	Voice *struct {
		MediaID string `json:"media_id"`
	} `json:"voice"`
	Video *struct {
		MediaID      string `json:"media_id"`
		ThumbMediaID string `json:"thumb_media_id"`
		Title        string `json:"title"`
		Description  string `json:"description"`
	} `json:"video"`
	MPVideo *struct {
		MediaID string `json:"media_id"`
	} `json:"mpvideo"`
	Music *struct {
		Title        string `json:"title"`
		Description  string `json:"description"`
		MusicURL     string `json:"musicurl"`
		HQMusicURL   string `json:"hqmusicurl"`
		ThumbMediaID string `json:"thumb_media_id"`
	} `json:"music"`
	News *struct {
		Articles []wxArticle `json:"articles"`
	} `json:"news"`
	MsgMenu *struct {
		Head string `json:"head_content"`
		List []struct {
			ID      string `json:"id"`
			Content string `json:"content"`
		} `json:"list"`
		Tail string `json:"tail_content"`
	} `json:"msgmenu"`
}

var (
	errMsgType   = errcode(40008, "invalid message type")
	errMediaID   = errcode(40007, "invalid media_id")
	errTextSize  = errcode(45002, "content size out of limit")
	errArticles  = errcode(45008, "article size out of limit")
	errTemplate  = errcode(40037, "invalid template_id")
	errMassQuota = errcode(45028, "has no masssend quota")
)

func mediaOK(id string) bool { return urlSafe(id) }

func textOK(s string, max int) bool {
	return utf8.ValidString(s) && utf8.RuneCountInString(s) <= max
}

// message turns the wire content into a Message; maxArticles is 1 for
// customer-service sends.
func (c *wxContent) message(maxArticles int) (Message, *Errcode) {
	switch c.MsgType {
	case "text":
		if c.Text == nil || c.Text.Content == "" {
			return Message{}, errcode(44003, "empty content")
		}
		if !textOK(c.Text.Content, MaxText) {
			return Message{}, errTextSize
		}
		return Message{Kind: MsgText, Text: c.Text.Content}, nil
	case "image", "images":
		id := ""
		if c.Image != nil {
			id = c.Image.MediaID
		} else if c.Images != nil && len(c.Images.MediaIDs) > 0 {
			id = c.Images.MediaIDs[0]
		}
		if !mediaOK(id) {
			return Message{}, errMediaID
		}
		return Message{Kind: MsgImage, MediaID: id}, nil
	case "voice":
		if c.Voice == nil || !mediaOK(c.Voice.MediaID) {
			return Message{}, errMediaID
		}
		return Message{Kind: MsgVoice, MediaID: c.Voice.MediaID}, nil
	case "video", "mpvideo":
		var m Message
		switch {
		case c.Video != nil:
			m = Message{Kind: MsgVideo, MediaID: c.Video.MediaID, ThumbMediaID: c.Video.ThumbMediaID, Title: c.Video.Title, Description: c.Video.Description}
		case c.MPVideo != nil:
			m = Message{Kind: MsgVideo, MediaID: c.MPVideo.MediaID}
		}
		if !mediaOK(m.MediaID) || (m.ThumbMediaID != "" && !mediaOK(m.ThumbMediaID)) {
			return Message{}, errMediaID
		}
		if !textOK(m.Title, maxTitle) || !textOK(m.Description, maxDescription) {
			return Message{}, errArgument
		}
		return m, nil
	case "music":
		if c.Music == nil || c.Music.MusicURL == "" || len(c.Music.MusicURL) > maxURL || len(c.Music.HQMusicURL) > maxURL {
			return Message{}, errArgument
		}
		if !textOK(c.Music.Title, maxTitle) || !textOK(c.Music.Description, maxDescription) {
			return Message{}, errArgument
		}
		if c.Music.ThumbMediaID != "" && !mediaOK(c.Music.ThumbMediaID) {
			return Message{}, errMediaID
		}
		return Message{Kind: MsgMusic, Title: c.Music.Title, Description: c.Music.Description, URL: c.Music.MusicURL, HQURL: c.Music.HQMusicURL, ThumbMediaID: c.Music.ThumbMediaID}, nil
	case "news":
		if c.News == nil || len(c.News.Articles) == 0 || len(c.News.Articles) > maxArticles {
			return Message{}, errArticles
		}
		m := Message{Kind: MsgNews}
		for _, ar := range c.News.Articles {
			if ar.Title == "" || !textOK(ar.Title, maxTitle) || !textOK(ar.Description, maxDescription) || len(ar.URL) > maxURL || len(ar.PicURL) > maxURL {
				return Message{}, errArgument
			}
			m.Articles = append(m.Articles, Article{Title: ar.Title, Description: ar.Description, URL: ar.URL, PicURL: ar.PicURL})
		}
		return m, nil
	case "msgmenu":
		if c.MsgMenu == nil || len(c.MsgMenu.List) == 0 || len(c.MsgMenu.List) > 10 {
			return Message{}, errArgument
		}
		if !textOK(c.MsgMenu.Head, MaxText) || !textOK(c.MsgMenu.Tail, MaxText) {
			return Message{}, errTextSize
		}
		m := Message{Kind: MsgMenu, Text: c.MsgMenu.Head, Description: c.MsgMenu.Tail}
		for _, o := range c.MsgMenu.List {
			if o.ID == "" || len(o.ID) > 64 || o.Content == "" || !textOK(o.Content, maxTitle) {
				return Message{}, errArgument
			}
			m.Options = append(m.Options, MenuOption{ID: o.ID, Content: o.Content})
		}
		return m, nil
	}
	return Message{}, errMsgType
}

// openidOK reports whether s can be an openid.
func openidOK(s string) bool { return urlSafe(s) && len(s) <= 64 }

func (a *API) customSend(w http.ResponseWriter, r *http.Request, c call) {
	var req struct {
		ToUser string `json:"touser"`
		wxContent
	}
	if e := readJSON(r, &req); e != nil {
		writeErr(w, e)
		return
	}
	if !openidOK(req.ToUser) {
		writeErr(w, errOpenID)
		return
	}
	m, e := req.message(1)
	if e != nil {
		writeErr(w, e)
		return
	}
	err := a.p.SendCustom(c.ctx, c.app.AppID, req.ToUser, m)
	if err != nil {
		writeErr(w, a.wxErr(err, mapping{
			hongyan.CodeNotFound:     errOpenID,
			hongyan.CodePrecondition: errcode(45015, "response out of time limit or subscription is canceled"),
			hongyan.CodeRateLimited:  errcode(45047, "out of response count limit"),
		}))
		return
	}
	writeOK(w)
}

func (a *API) typing(w http.ResponseWriter, r *http.Request, c call) {
	var req struct {
		ToUser  string `json:"touser"`
		Command string `json:"command"`
	}
	if e := readJSON(r, &req); e != nil {
		writeErr(w, e)
		return
	}
	if !openidOK(req.ToUser) {
		writeErr(w, errOpenID)
		return
	}
	if req.Command != "Typing" && req.Command != "CancelTyping" {
		writeErr(w, errArgument)
		return
	}
	if _, err := a.p.Follower(c.ctx, c.app.AppID, req.ToUser); err != nil {
		writeErr(w, a.wxErr(err, mapping{hongyan.CodeNotFound: errOpenID}))
		return
	}
	writeOK(w) // typing is ephemeral; nothing is kept
}

func (a *API) addTemplate(w http.ResponseWriter, r *http.Request, c call) {
	var req struct {
		Short    string   `json:"template_id_short"`
		Keywords []string `json:"keyword_name_list"`
	}
	if e := readJSON(r, &req); e != nil {
		writeErr(w, e)
		return
	}
	if req.Short == "" || len(req.Short) > 64 || len(req.Keywords) > 20 {
		writeErr(w, errcode(40062, "invalid template_id_short"))
		return
	}
	for _, k := range req.Keywords {
		if !textOK(k, 64) {
			writeErr(w, errArgument)
			return
		}
	}
	id, err := a.p.AddTemplate(c.ctx, c.app.AppID, req.Short, req.Keywords)
	if err != nil {
		writeErr(w, a.wxErr(err, mapping{hongyan.CodeNotFound: errcode(40062, "invalid template_id_short"),
			hongyan.CodePrecondition: errcode(45026, "template num exceeds limit")}))
		return
	}
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "template_id": id})
}

func (a *API) listTemplates(w http.ResponseWriter, r *http.Request, c call) {
	ts, err := a.p.Templates(c.ctx, c.app.AppID)
	if err != nil {
		writeErr(w, a.wxErr(err, nil))
		return
	}
	type item struct {
		ID      string `json:"template_id"`
		Title   string `json:"title"`
		Primary string `json:"primary_industry"`
		Deputy  string `json:"deputy_industry"`
		Content string `json:"content"`
		Example string `json:"example"`
	}
	list := make([]item, 0, len(ts))
	for _, t := range ts {
		list = append(list, item{ID: t.ID, Title: t.Title, Content: t.Content, Example: t.Example})
	}
	writeJSON(w, map[string]any{"template_list": list})
}

func (a *API) delTemplate(w http.ResponseWriter, r *http.Request, c call) {
	var req struct {
		ID string `json:"template_id"`
	}
	if e := readJSON(r, &req); e != nil {
		writeErr(w, e)
		return
	}
	if !urlSafe(req.ID) {
		writeErr(w, errTemplate)
		return
	}
	if err := a.p.DeleteTemplate(c.ctx, c.app.AppID, req.ID); err != nil {
		writeErr(w, a.wxErr(err, mapping{hongyan.CodeNotFound: errTemplate}))
		return
	}
	writeOK(w)
}

func (a *API) sendTemplate(w http.ResponseWriter, r *http.Request, c call) {
	var req struct {
		ToUser      string `json:"touser"`
		TemplateID  string `json:"template_id"`
		URL         string `json:"url"`
		ClientMsgID string `json:"client_msg_id"`
		Data        map[string]struct {
			Value string `json:"value"`
			Color string `json:"color"`
		} `json:"data"`
	}
	if e := readJSON(r, &req); e != nil {
		writeErr(w, e)
		return
	}
	switch {
	case !openidOK(req.ToUser):
		writeErr(w, errOpenID)
		return
	case !urlSafe(req.TemplateID):
		writeErr(w, errTemplate)
		return
	case len(req.URL) > maxURL || len(req.ClientMsgID) > 64 || len(req.Data) > maxTemplateData:
		writeErr(w, errcode(47003, "argument invalid!"))
		return
	}
	t := TemplateMessage{TemplateID: req.TemplateID, URL: req.URL, ClientMsgID: req.ClientMsgID}
	names := make([]string, 0, len(req.Data))
	for k := range req.Data {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		v := req.Data[k]
		if k == "" || len(k) > 64 || !textOK(v.Value, maxFieldValue) || len(v.Color) > 16 {
			writeErr(w, errcode(47003, "argument invalid! data."+k+" invalid"))
			return
		}
		t.Fields = append(t.Fields, TemplateField{Name: k, Value: v.Value, Color: v.Color})
	}
	id, err := a.p.SendTemplate(c.ctx, c.app.AppID, req.ToUser, t)
	if err != nil {
		writeErr(w, a.wxErr(err, mapping{hongyan.CodeNotFound: errTemplate,
			hongyan.CodePrecondition: errcode(43004, "require subscribe"),
			hongyan.CodeInvalid:      errcode(47003, "argument invalid!")}))
		return
	}
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "msgid": id})
}

var massMapping = mapping{
	hongyan.CodeNotFound:     errcode(40050, "invalid tag id"),
	hongyan.CodePrecondition: errMassQuota,
	hongyan.CodeRateLimited:  errMassQuota,
}

func massReply(w http.ResponseWriter, msg string, id int64, kind string) {
	out := map[string]any{"errcode": 0, "errmsg": msg, "msg_id": id}
	if kind == "mpnews" || kind == "images" {
		out["msg_data_id"] = id
	}
	writeJSON(w, out)
}

func (a *API) massSendAll(w http.ResponseWriter, r *http.Request, c call) {
	var req struct {
		Filter struct {
			IsToAll bool    `json:"is_to_all"`
			TagID   flexInt `json:"tag_id"`
		} `json:"filter"`
		ClientMsgID string `json:"clientmsgid"`
		wxContent
	}
	if e := readJSON(r, &req); e != nil {
		writeErr(w, e)
		return
	}
	m, e := req.message(8)
	if e != nil {
		writeErr(w, e)
		return
	}
	if len(req.ClientMsgID) > 64 {
		writeErr(w, errArgument)
		return
	}
	to := Audience{All: req.Filter.IsToAll}
	if !to.All {
		if req.Filter.TagID <= 0 {
			writeErr(w, errcode(40050, "invalid tag id"))
			return
		}
		to.TagID = int64(req.Filter.TagID)
	}
	id, err := a.p.MassSend(c.ctx, c.app.AppID, to, m, req.ClientMsgID)
	if err != nil {
		writeErr(w, a.wxErr(err, massMapping))
		return
	}
	massReply(w, "send job submission success", id, req.MsgType)
}

func (a *API) massSend(w http.ResponseWriter, r *http.Request, c call) {
	var req struct {
		ToUser      []string `json:"touser"`
		ClientMsgID string   `json:"clientmsgid"`
		wxContent
	}
	if e := readJSON(r, &req); e != nil {
		writeErr(w, e)
		return
	}
	if len(req.ToUser) < 2 || len(req.ToUser) > MaxMassOpenIDs {
		writeErr(w, errcode(40130, "invalid openid list size, at least two openid"))
		return
	}
	for _, o := range req.ToUser {
		if !openidOK(o) {
			writeErr(w, errOpenID)
			return
		}
	}
	m, e := req.message(8)
	if e != nil {
		writeErr(w, e)
		return
	}
	if len(req.ClientMsgID) > 64 {
		writeErr(w, errArgument)
		return
	}
	id, err := a.p.MassSend(c.ctx, c.app.AppID, Audience{OpenIDs: req.ToUser}, m, req.ClientMsgID)
	if err != nil {
		writeErr(w, a.wxErr(err, mapping{hongyan.CodeNotFound: errOpenID, hongyan.CodePrecondition: errMassQuota, hongyan.CodeRateLimited: errMassQuota}))
		return
	}
	massReply(w, "send job submission success", id, req.MsgType)
}

func (a *API) massPreview(w http.ResponseWriter, r *http.Request, c call) {
	var req struct {
		ToUser   string `json:"touser"`
		ToWxName string `json:"towxname"`
		wxContent
	}
	if e := readJSON(r, &req); e != nil {
		writeErr(w, e)
		return
	}
	if !openidOK(req.ToUser) {
		writeErr(w, errOpenID) // previews by WeChat ID are not offered
		return
	}
	m, e := req.message(8)
	if e != nil {
		writeErr(w, e)
		return
	}
	id, err := a.p.MassPreview(c.ctx, c.app.AppID, req.ToUser, m)
	if err != nil {
		writeErr(w, a.wxErr(err, mapping{hongyan.CodeNotFound: errOpenID, hongyan.CodePrecondition: errcode(43004, "require subscribe")}))
		return
	}
	massReply(w, "preview success", id, req.MsgType)
}

type massID struct {
	MsgID      flexInt `json:"msg_id"`
	ArticleIdx int     `json:"article_idx"`
}

func (a *API) readMassID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	var req massID
	if e := readJSON(r, &req); e != nil {
		writeErr(w, e)
		return 0, false
	}
	if req.MsgID <= 0 {
		writeErr(w, errcode(40070, "invalid msg_id"))
		return 0, false
	}
	return int64(req.MsgID), true
}

func (a *API) massGet(w http.ResponseWriter, r *http.Request, c call) {
	id, ok := a.readMassID(w, r)
	if !ok {
		return
	}
	st, err := a.p.MassStatus(c.ctx, c.app.AppID, id)
	if err != nil {
		writeErr(w, a.wxErr(err, mapping{hongyan.CodeNotFound: errcode(40070, "invalid msg_id")}))
		return
	}
	writeJSON(w, map[string]any{"msg_id": json.Number(strconv.FormatInt(id, 10)), "msg_status": st})
}

func (a *API) massDelete(w http.ResponseWriter, r *http.Request, c call) {
	id, ok := a.readMassID(w, r)
	if !ok {
		return
	}
	if err := a.p.MassDelete(c.ctx, c.app.AppID, id); err != nil {
		writeErr(w, a.wxErr(err, mapping{hongyan.CodeNotFound: errcode(40070, "invalid msg_id")}))
		return
	}
	writeOK(w)
}
