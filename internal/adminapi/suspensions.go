package adminapi

import (
	"net/http"
	"strconv"
	"time"

	"hongyan/internal/hongyan"
	"hongyan/internal/moderation"
	"hongyan/internal/officialacct"
)

// suspensionJSON is a suspension as the console shows it.
type suspensionJSON struct {
	Kind      string `json:"kind"` // "oa" or "group"
	Target    int64  `json:"target"`
	Reason    string `json:"reason"`
	By        int64  `json:"by"`
	Start     string `json:"start"`
	End       string `json:"end"`
	Suspended bool   `json:"suspended"`
}

func suspensionOut(s moderation.Suspension) suspensionJSON {
	return suspensionJSON{Kind: string(s.Kind), Target: s.Target, Reason: s.Reason, By: int64(s.By),
		Start: s.Start.UTC().Format(time.RFC3339), End: s.End.UTC().Format(time.RFC3339), Suspended: true}
}

// suspensionRef reads {kind}/{target} of the path.
func suspensionRef(r req) (moderation.TargetKind, int64, error) {
	id, err := strconv.ParseInt(r.PathValue("target"), 10, 64)
	if err != nil || id <= 0 {
		return "", 0, hongyan.Errorf(hongyan.CodeNotFound, "no such %s", r.PathValue("kind"))
	}
	return moderation.TargetKind(r.PathValue("kind")), id, nil
}

// suspension answers GET /admin/api/suspensions/{kind}/{target}: the
// suspension in force, or {"suspended": false}.
func (a *api) suspension(w http.ResponseWriter, r req) error {
	kind, id, err := suspensionRef(r)
	if err != nil {
		return err
	}
	s, err := a.Moderation.Suspension(r.Context(), r.p, kind, id)
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
		return writeJSON(w, suspensionJSON{Kind: string(kind), Target: id})
	}
	if err != nil {
		return err
	}
	return writeJSON(w, suspensionOut(s))
}

// suspend answers POST /admin/api/suspensions/{kind}/{target} with
// {"for": "7d", "reason": "…"} (a moderator).
func (a *api) suspend(w http.ResponseWriter, r req) error {
	kind, id, err := suspensionRef(r)
	if err != nil {
		return err
	}
	var in struct {
		For    string `json:"for"`
		Reason string `json:"reason"`
	}
	if err := decode(r.Request, &in); err != nil {
		return err
	}
	if err := a.Moderation.Allow(r.p, moderation.RoleModerator); err != nil {
		return err
	}
	if err := a.exists(r, kind, id); err != nil {
		return err
	}
	d, err := ParseDuration(in.For)
	if err != nil {
		return err
	}
	s, err := a.Moderation.Suspend(r.Context(), r.p, kind, id, in.Reason, d)
	if err != nil {
		return err
	}
	return writeJSON(w, suspensionOut(s))
}

// liftSuspension answers POST /admin/api/suspensions/{kind}/{target}/lift.
func (a *api) liftSuspension(w http.ResponseWriter, r req) error {
	kind, id, err := suspensionRef(r)
	if err != nil {
		return err
	}
	var in reasonJSON
	if err := decode(r.Request, &in); err != nil {
		return err
	}
	if err := a.Moderation.LiftSuspension(r.Context(), r.p, kind, id); err != nil {
		return err
	}
	return writeJSON(w, suspensionJSON{Kind: string(kind), Target: id})
}

// exists checks that the account or group to suspend is there.
func (a *api) exists(r req, kind moderation.TargetKind, id int64) error {
	switch {
	case kind == moderation.TargetGroup && a.Groups != nil:
		_, err := a.Groups.Inspect(r.Context(), hongyan.ConversationID(id))
		return err
	case kind == moderation.TargetOA && a.OfficialAccounts != nil:
		_, err := a.OfficialAccounts.Account(r.Context(), officialacct.AccountID(id))
		return err
	}
	return nil
}
