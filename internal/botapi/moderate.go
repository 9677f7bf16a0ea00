package botapi

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"hongyan/internal/bot"
	"hongyan/internal/hongyan"
	"hongyan/internal/httpmux"
)

// Remover removes a message of a group on behalf of its owner (who
// granted members:manage), filled by the node from the chat feature.
type Remover interface {
	RemoveMessage(ctx context.Context, group hongyan.ConversationID, msg hongyan.MessageID) error
}

// SetRemover sets what removes group messages (DELETE
// /bot/v1/groups/{group}/messages/{message}); without one that endpoint
// answers unimplemented.
func (a *API) SetRemover(r Remover) { a.remover = r }

func (a *API) moderationRoutes(mux *httpmux.Mux) {
	mux.HandleFunc("DELETE /bot/v1/groups/{group}/messages/{message}", a.auth(a.removeMessage))
}

func (a *API) removeMessage(w http.ResponseWriter, r *http.Request, p bot.Principal) error {
	g, err := pathID(r, "group")
	if err != nil {
		return err
	}
	m, err := pathID(r, "message")
	if err != nil {
		return err
	}
	if err := a.As(p).RemoveMessage(r.Context(), hongyan.ConversationID(g), hongyan.MessageID(m)); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true})
	return nil
}

// Actor is a bot acting through the API's operations in Go, with the same
// checks as the HTTP endpoints (scopes, the group owner's grant, the bot
// still a member): the built-in bots (the Group Guard) use it.
type Actor struct {
	a *API
	p bot.Principal
}

// As returns p acting through the API.
func (a *API) As(p bot.Principal) Actor { return Actor{a: a, p: p} }

// check is manage's check for an Actor: scope in group, and the bot an
// active member of it.
func (x Actor) check(ctx context.Context, scope string, g hongyan.ConversationID) error {
	if g <= 0 {
		return hongyan.Errorf(hongyan.CodeInvalid, "group must be a positive number")
	}
	if err := x.a.svc.Allow(ctx, x.p, scope, g); err != nil {
		return err
	}
	_, err := x.a.ops.Group(ctx, x.p.Bot.Account, g)
	return err
}

// Members is GET /bot/v1/groups/{group}/members.
func (x Actor) Members(ctx context.Context, g hongyan.ConversationID) ([]MemberInfo, error) {
	if err := x.a.svc.Allow(ctx, x.p, bot.ScopeGroupsRead, g); err != nil {
		return nil, err
	}
	return x.a.ops.Members(ctx, x.p.Bot.Account, g)
}

// SendGroup is POST /bot/v1/messages to a group.
func (x Actor) SendGroup(ctx context.Context, g hongyan.ConversationID, text string) (Sent, error) {
	if err := x.a.svc.Allow(ctx, x.p, bot.ScopeSend, g); err != nil {
		return Sent{}, err
	}
	return x.a.ops.Send(ctx, x.p.Bot.Account, 0, g, text, "bot-"+strconv.FormatInt(time.Now().UnixNano(), 36))
}

// RemoveMessage is DELETE /bot/v1/groups/{group}/messages/{message}
// (members:manage).
func (x Actor) RemoveMessage(ctx context.Context, g hongyan.ConversationID, m hongyan.MessageID) error {
	if x.a.remover == nil {
		return hongyan.Errorf(hongyan.CodeUnimplemented, "removing messages is not available")
	}
	if m <= 0 {
		return hongyan.Errorf(hongyan.CodeInvalid, "message must be a positive number")
	}
	if err := x.check(ctx, bot.ScopeMembers, g); err != nil {
		return err
	}
	return x.a.remover.RemoveMessage(ctx, g, m)
}

// RemoveMember is DELETE /bot/v1/groups/{group}/members/{user}.
func (x Actor) RemoveMember(ctx context.Context, g hongyan.ConversationID, u hongyan.UserID) error {
	if err := x.check(ctx, bot.ScopeMembers, g); err != nil {
		return err
	}
	return x.a.ops.RemoveMember(ctx, g, u)
}

// AddMembers is POST /bot/v1/groups/{group}/members: invitations the
// users must accept where the group asks for them.
func (x Actor) AddMembers(ctx context.Context, g hongyan.ConversationID, users []hongyan.UserID) error {
	if len(users) == 0 || len(users) > maxAddMembers {
		return hongyan.Errorf(hongyan.CodeInvalid, "users lists 1 to %d user IDs", maxAddMembers)
	}
	if err := x.check(ctx, bot.ScopeMembers, g); err != nil {
		return err
	}
	return x.a.ops.AddMembers(ctx, g, users)
}

// Events is GET /bot/v1/events?timeout=0. A built-in bot's token is no
// app's, so it sees every event of its bot: none is skipped between them.
func (x Actor) Events(ctx context.Context, after int64, limit int) ([]bot.Event, error) {
	es, _, err := x.a.svc.Events(ctx, x.p, after, limit)
	return es, err
}
