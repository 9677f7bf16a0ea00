package gateway

import (
	"bytes"
	"net/http"
	"strconv"

	"hongyan/internal/hongyan"
	"hongyan/internal/media"
	oa "hongyan/internal/officialacct"
)

// serveOAMedia serves one of an official account's temporary media files
// (a follower's voice clip or video) to the account's operators:
// GET /media/oa/{account}/{id} with the session token as for /media.
func (g *Gateway) serveOAMedia(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox")
	c, err := g.mediaCaller(r)
	if err != nil {
		g.mediaError(w, r, c, err)
		return
	}
	acct, err := strconv.ParseInt(r.PathValue("account"), 10, 64)
	if err != nil || acct <= 0 {
		g.mediaError(w, r, c, hongyan.Errorf(hongyan.CodeNotFound, "no such media"))
		return
	}
	m, err := g.s.OfficialAccounts.OperatorMedia(r.Context(), c, oa.AccountID(acct), r.PathValue("id"))
	if err != nil {
		g.mediaError(w, r, c, err)
		return
	}
	typ, disposition := m.ContentType, "inline"
	if !media.Inline(typ) {
		typ, disposition = "application/octet-stream", "attachment"
	}
	h.Set("Content-Type", typ)
	h.Set("Content-Disposition", contentDisposition(disposition, m.Type+"-"+m.ID+extension(m.ContentType)))
	h.Set("Cache-Control", "private")
	http.ServeContent(w, r, "", m.Created, bytes.NewReader(m.Data))
}
