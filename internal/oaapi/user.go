package oaapi

import (
	"net/http"
	"unicode/utf8"

	"hongyan/internal/hongyan"
	"hongyan/internal/httpmux"
)

func (a *API) userRoutes(mux *httpmux.Mux) {
	mux.HandleFunc("GET /cgi-bin/user/info", a.authed("user/info", a.userInfo))
	mux.HandleFunc("POST /cgi-bin/user/info/batchget", a.authed("user/info/batchget", a.userBatch))
	mux.HandleFunc("POST /cgi-bin/user/info/updateremark", a.authed("user/info/updateremark", a.updateRemark))
	mux.HandleFunc("GET /cgi-bin/user/get", a.authed("user/get", a.followerList))
	mux.HandleFunc("POST /cgi-bin/tags/create", a.authed("tags", a.tagCreate))
	mux.HandleFunc("GET /cgi-bin/tags/get", a.authed("tags", a.tagList))
	mux.HandleFunc("POST /cgi-bin/tags/update", a.authed("tags", a.tagUpdate))
	mux.HandleFunc("POST /cgi-bin/tags/delete", a.authed("tags", a.tagDelete))
	mux.HandleFunc("POST /cgi-bin/user/tag/get", a.authed("tags", a.tagMembers))
	mux.HandleFunc("POST /cgi-bin/tags/members/batchtagging", a.authed("tags", a.tagging(false)))
	mux.HandleFunc("POST /cgi-bin/tags/members/batchuntagging", a.authed("tags", a.tagging(true)))
	mux.HandleFunc("POST /cgi-bin/tags/getidlist", a.authed("tags", a.tagsOf))
}

// Limits of the user and tag APIs.
const (
	FollowerPageSize = 10000
	MaxBatchUsers    = 100
	MaxTagOpenIDs    = 50
	maxTagName       = 30 // bytes
	maxRemark        = 30 // characters
)

type wxUser struct {
	Subscribe      int     `json:"subscribe"`
	OpenID         string  `json:"openid"`
	Language       string  `json:"language,omitempty"`
	SubscribeTime  int64   `json:"subscribe_time,omitempty"`
	UnionID        string  `json:"unionid,omitempty"`
	Remark         *string `json:"remark,omitempty"`
	GroupID        *int    `json:"groupid,omitempty"`
	TagIDList      []int64 `json:"tagid_list,omitempty"`
	SubscribeScene string  `json:"subscribe_scene,omitempty"`
	QRScene        *int64  `json:"qr_scene,omitempty"`
	QRSceneStr     *string `json:"qr_scene_str,omitempty"`
}

func userJSON(f Follower, lang string) wxUser {
	u := wxUser{OpenID: f.OpenID, UnionID: f.UnionID}
	if !f.Subscribed {
		return u
	}
	zero := 0
	tags := f.TagIDs
	if tags == nil {
		tags = []int64{}
	}
	u.Subscribe, u.Language, u.SubscribeTime = 1, lang, f.Since.Unix()
	u.Remark, u.GroupID, u.TagIDList = &f.Remark, &zero, tags
	u.SubscribeScene, u.QRScene, u.QRSceneStr = f.Scene, &f.QRScene, &f.QRSceneStr
	if u.SubscribeScene == "" {
		u.SubscribeScene = "ADD_SCENE_OTHERS"
	}
	return u
}

func lang(s string) string {
	switch s {
	case "zh_CN", "zh_TW", "en":
		return s
	}
	return "zh_CN"
}

var userMapping = mapping{hongyan.CodeNotFound: errOpenID}

func (a *API) userInfo(w http.ResponseWriter, r *http.Request, c call) {
	q := r.URL.Query()
	openid := q.Get("openid")
	if !openidOK(openid) {
		writeErr(w, errOpenID)
		return
	}
	f, err := a.p.Follower(c.ctx, c.app.AppID, openid)
	if err != nil {
		writeErr(w, a.wxErr(err, userMapping))
		return
	}
	writeJSON(w, userJSON(f, lang(q.Get("lang"))))
}

func (a *API) userBatch(w http.ResponseWriter, r *http.Request, c call) {
	var req struct {
		List []struct {
			OpenID string `json:"openid"`
			Lang   string `json:"lang"`
		} `json:"user_list"`
	}
	if e := readJSON(r, &req); e != nil {
		writeErr(w, e)
		return
	}
	if len(req.List) == 0 || len(req.List) > MaxBatchUsers {
		writeErr(w, errcode(40032, "invalid openid list size"))
		return
	}
	out := make([]wxUser, 0, len(req.List))
	for _, u := range req.List {
		if !openidOK(u.OpenID) {
			writeErr(w, errOpenID)
			return
		}
		f, err := a.p.Follower(c.ctx, c.app.AppID, u.OpenID)
		if err != nil {
			writeErr(w, a.wxErr(err, userMapping))
			return
		}
		out = append(out, userJSON(f, lang(u.Lang)))
	}
	writeJSON(w, map[string]any{"user_info_list": out})
}

func (a *API) updateRemark(w http.ResponseWriter, r *http.Request, c call) {
	var req struct {
		OpenID string `json:"openid"`
		Remark string `json:"remark"`
	}
	if e := readJSON(r, &req); e != nil {
		writeErr(w, e)
		return
	}
	if !openidOK(req.OpenID) {
		writeErr(w, errOpenID)
		return
	}
	if !textOK(req.Remark, maxRemark) {
		writeErr(w, errcode(45159, "invalid remark"))
		return
	}
	if err := a.p.SetRemark(c.ctx, c.app.AppID, req.OpenID, req.Remark); err != nil {
		writeErr(w, a.wxErr(err, userMapping))
		return
	}
	writeOK(w)
}

// page writes a page of openids: the next_openid is the page's last; an
// empty page ends the list.
func page(total int, openids []string) map[string]any {
	out := map[string]any{"count": len(openids), "next_openid": ""}
	if total >= 0 {
		out["total"] = total
	}
	if len(openids) > 0 {
		out["data"] = map[string]any{"openid": openids}
		out["next_openid"] = openids[len(openids)-1]
	}
	return out
}

func (a *API) followerList(w http.ResponseWriter, r *http.Request, c call) {
	after := r.URL.Query().Get("next_openid")
	if after != "" && !openidOK(after) {
		writeErr(w, errOpenID)
		return
	}
	total, ids, err := a.p.FollowerPage(c.ctx, c.app.AppID, after, FollowerPageSize)
	if err != nil {
		writeErr(w, a.wxErr(err, userMapping))
		return
	}
	writeJSON(w, page(total, ids))
}

var (
	errTagName     = errcode(45158, "tag name too long")
	errTagID       = errcode(45159, "invalid tag id")
	errTagReserved = errcode(45058, "can't modify sys tag")
)

type wxTag struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Count *int   `json:"count,omitempty"`
}

type tagReq struct {
	Tag wxTag `json:"tag"`
}

func tagNameOK(n string) *Errcode {
	if len(n) > maxTagName {
		return errTagName
	}
	if n == "" || !utf8.ValidString(n) {
		return errcode(45157, "invalid tag name")
	}
	return nil
}

func (a *API) tagCreate(w http.ResponseWriter, r *http.Request, c call) {
	var req tagReq
	if e := readJSON(r, &req); e != nil {
		writeErr(w, e)
		return
	}
	if e := tagNameOK(req.Tag.Name); e != nil {
		writeErr(w, e)
		return
	}
	t, err := a.p.CreateTag(c.ctx, c.app.AppID, req.Tag.Name)
	if err != nil {
		writeErr(w, a.wxErr(err, mapping{hongyan.CodeExists: errcode(45157, "invalid tag name"),
			hongyan.CodePrecondition: errcode(45056, "too many tag now, no need to add new")}))
		return
	}
	writeJSON(w, map[string]any{"tag": wxTag{ID: t.ID, Name: t.Name}})
}

func (a *API) tagList(w http.ResponseWriter, r *http.Request, c call) {
	ts, err := a.p.Tags(c.ctx, c.app.AppID)
	if err != nil {
		writeErr(w, a.wxErr(err, nil))
		return
	}
	out := make([]wxTag, 0, len(ts))
	for _, t := range ts {
		n := t.Count
		out = append(out, wxTag{ID: t.ID, Name: t.Name, Count: &n})
	}
	writeJSON(w, map[string]any{"tags": out})
}

// reservedTag: ids 0, 1 and 2 (星标组) belong to the platform.
func reservedTag(id int64) bool { return id <= 2 }

func (a *API) tagUpdate(w http.ResponseWriter, r *http.Request, c call) {
	var req tagReq
	if e := readJSON(r, &req); e != nil {
		writeErr(w, e)
		return
	}
	if reservedTag(req.Tag.ID) {
		writeErr(w, errTagReserved)
		return
	}
	if e := tagNameOK(req.Tag.Name); e != nil {
		writeErr(w, e)
		return
	}
	if err := a.p.RenameTag(c.ctx, c.app.AppID, req.Tag.ID, req.Tag.Name); err != nil {
		writeErr(w, a.wxErr(err, mapping{hongyan.CodeNotFound: errTagID, hongyan.CodeExists: errcode(45157, "invalid tag name")}))
		return
	}
	writeOK(w)
}

func (a *API) tagDelete(w http.ResponseWriter, r *http.Request, c call) {
	var req tagReq
	if e := readJSON(r, &req); e != nil {
		writeErr(w, e)
		return
	}
	if reservedTag(req.Tag.ID) {
		writeErr(w, errTagReserved)
		return
	}
	if err := a.p.DeleteTag(c.ctx, c.app.AppID, req.Tag.ID); err != nil {
		writeErr(w, a.wxErr(err, mapping{hongyan.CodeNotFound: errTagID}))
		return
	}
	writeOK(w)
}

func (a *API) tagMembers(w http.ResponseWriter, r *http.Request, c call) {
	var req struct {
		TagID      flexInt `json:"tagid"`
		NextOpenID string  `json:"next_openid"`
	}
	if e := readJSON(r, &req); e != nil {
		writeErr(w, e)
		return
	}
	if req.TagID <= 0 {
		writeErr(w, errTagID)
		return
	}
	if req.NextOpenID != "" && !openidOK(req.NextOpenID) {
		writeErr(w, errOpenID)
		return
	}
	ids, err := a.p.TagMembers(c.ctx, c.app.AppID, int64(req.TagID), req.NextOpenID, FollowerPageSize)
	if err != nil {
		writeErr(w, a.wxErr(err, mapping{hongyan.CodeNotFound: errTagID}))
		return
	}
	writeJSON(w, page(-1, ids))
}

func (a *API) tagging(remove bool) func(http.ResponseWriter, *http.Request, call) {
	return func(w http.ResponseWriter, r *http.Request, c call) {
		var req struct {
			OpenIDs []string `json:"openid_list"`
			TagID   flexInt  `json:"tagid"`
		}
		if e := readJSON(r, &req); e != nil {
			writeErr(w, e)
			return
		}
		if len(req.OpenIDs) == 0 || len(req.OpenIDs) > MaxTagOpenIDs {
			writeErr(w, errcode(40032, "invalid openid list size"))
			return
		}
		for _, o := range req.OpenIDs {
			if !openidOK(o) {
				writeErr(w, errOpenID)
				return
			}
		}
		if req.TagID <= 0 {
			writeErr(w, errTagID)
			return
		}
		if err := a.p.TagFollowers(c.ctx, c.app.AppID, int64(req.TagID), req.OpenIDs, remove); err != nil {
			writeErr(w, a.wxErr(err, mapping{hongyan.CodeNotFound: errTagID,
				hongyan.CodePrecondition: errcode(45059, "user has too many tags")}))
			return
		}
		writeOK(w)
	}
}

func (a *API) tagsOf(w http.ResponseWriter, r *http.Request, c call) {
	var req struct {
		OpenID string `json:"openid"`
	}
	if e := readJSON(r, &req); e != nil {
		writeErr(w, e)
		return
	}
	if !openidOK(req.OpenID) {
		writeErr(w, errOpenID)
		return
	}
	f, err := a.p.Follower(c.ctx, c.app.AppID, req.OpenID)
	if err != nil {
		writeErr(w, a.wxErr(err, userMapping))
		return
	}
	ids := f.TagIDs
	if ids == nil {
		ids = []int64{}
	}
	writeJSON(w, map[string]any{"tagid_list": ids})
}
