package botapi

import (
	"context"
	"net/http"

	"hongyan/internal/bot"
	"hongyan/internal/hongyan"
	"hongyan/internal/httpmux"
)

// Third-party apps on the bot API (docs/bots.md "Group apps"): the code
// exchange and members' profile cards. The rules are internal/bot's.

// Profiles reads a group member's profile card for a bot's account, an
// active member of the group (the node fills it from the group and account
// features).
type Profiles interface {
	Profile(ctx context.Context, account hongyan.UserID, group hongyan.ConversationID, user hongyan.UserID) (ProfileCard, error)
}

// ProfileCard is a group member's card as a bot sees it.
type ProfileCard struct {
	User          int64  `json:"user"`
	Nickname      string `json:"nickname"`
	GroupNickname string `json:"group_nickname,omitempty"`
	Role          string `json:"role"`
	Avatar        string `json:"avatar,omitempty"` // /avatar/{hash} on the node, or empty
	Region        string `json:"region,omitempty"`
	Signature     string `json:"signature,omitempty"`
}

// SetProfiles sets where profile cards come from (before serving).
func (a *API) SetProfiles(p Profiles) { a.profiles = p }

// appRoutes adds the app endpoints to mux.
func (a *API) appRoutes(mux *httpmux.Mux) {
	mux.HandleFunc("POST /bot/v1/apps/token", a.exchange)
	mux.HandleFunc("GET /bot/v1/groups/{group}/members/{user}", a.auth(a.profile))
}

// ExchangeBody is POST /bot/v1/apps/token: the app's ID (its bot ID) and
// secret, the code the consent sent to its redirect URI, that URI, and the
// PKCE verifier when the consent request carried a challenge.
type ExchangeBody struct {
	AppID        int64  `json:"app_id"`
	ClientSecret string `json:"client_secret"`
	Code         string `json:"code"`
	RedirectURI  string `json:"redirect_uri"`
	CodeVerifier string `json:"code_verifier,omitempty"`
}

func (a *API) exchange(w http.ResponseWriter, r *http.Request) {
	var b ExchangeBody
	err := decode(w, r, &b)
	if err == nil && (b.AppID <= 0 || b.ClientSecret == "" || b.Code == "") {
		err = hongyan.Errorf(hongyan.CodeInvalid, "app_id, client_secret and code are required")
	}
	var g bot.Granted
	if err == nil {
		g, err = a.svc.ExchangeCode(r.Context(), bot.Exchange{App: b.AppID, Secret: b.ClientSecret, Code: b.Code, Redirect: b.RedirectURI, Verifier: b.CodeVerifier})
	}
	if err != nil {
		a.fail(w, r, err, "app", b.AppID)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"token": g.Token, "group": int64(g.Group), "scopes": g.Scopes})
}

func (a *API) profile(w http.ResponseWriter, r *http.Request, p bot.Principal) error {
	g, err := pathID(r, "group")
	if err != nil {
		return err
	}
	u, err := pathID(r, "user")
	if err != nil {
		return err
	}
	if err := a.svc.Allow(r.Context(), p, bot.ScopeProfiles, hongyan.ConversationID(g)); err != nil {
		return err
	}
	if a.profiles == nil {
		return hongyan.Errorf(hongyan.CodeUnimplemented, "profile cards are not served here")
	}
	card, err := a.profiles.Profile(r.Context(), p.Bot.Account, hongyan.ConversationID(g), hongyan.UserID(u))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, card)
	return nil
}
