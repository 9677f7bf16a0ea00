package node

import (
	"context"
	"slices"
	"time"

	"hongyan/internal/chat"
	"hongyan/internal/config"
	"hongyan/internal/contact"
	"hongyan/internal/group"
	"hongyan/internal/hongyan"
	"hongyan/internal/outreach"
	"hongyan/internal/sqldb/stores"
)

// newOutreach builds the outreach tools over the group, contact and chat
// features' public operations; broadcasts by tag are limited per user
// across the cluster when the limits are shared.
func newOutreach(cfg config.Config, db *stores.DB, groups *group.Service, contacts *contact.Service, chats *chat.Service) *outreach.Service {
	rate := hongyan.Rate{N: cfg.Limits.TagBroadcastsPerHour, Per: time.Hour}
	var lim hongyan.RateLimiter = hongyan.NewLimiter(rate)
	if sharedLimits(cfg) {
		lim = db.Limits().Limiters("outreach.tag_broadcast", rate)
	}
	return outreach.New(outreachGroups{groups}, outreachContacts{contacts}, outreachCast{chats}, lim)
}

// outreachGroups reads group membership as the user sees it.
type outreachGroups struct{ groups *group.Service }

func (g outreachGroups) Mine(ctx context.Context, u hongyan.UserID) ([]hongyan.ConversationID, error) {
	vs, err := g.groups.List(ctx, hongyan.Caller{User: u})
	if err != nil {
		return nil, err
	}
	var out []hongyan.ConversationID
	for _, v := range vs {
		if v.Me.Active && !v.Dissolved {
			out = append(out, v.ID)
		}
	}
	return out, nil
}

func (g outreachGroups) Members(ctx context.Context, u hongyan.UserID, id hongyan.ConversationID) ([]hongyan.UserID, error) {
	return appGroups{groups: g.groups}.Members(ctx, id, u)
}

// outreachContacts reads the user's contacts by tag.
type outreachContacts struct{ contacts *contact.Service }

func (c outreachContacts) Tagged(ctx context.Context, u hongyan.UserID, tag string) ([]hongyan.UserID, error) {
	cs, err := c.contacts.Contacts(ctx, hongyan.Caller{User: u})
	if err != nil {
		return nil, err
	}
	var out []hongyan.UserID
	for _, ct := range cs {
		if slices.Contains(ct.Tags, tag) {
			out = append(out, ct.User)
		}
	}
	return out, nil
}

// outreachCast sends through the chat feature's broadcast assistant.
type outreachCast struct{ chats *chat.Service }

func (b outreachCast) Broadcast(ctx context.Context, c hongyan.Caller, peers []hongyan.UserID, clientID, text string) ([]outreach.Result, error) {
	rs, err := b.chats.Broadcast(ctx, c, peers, chat.Outgoing{ClientID: clientID, Kind: chat.KindText, Text: text})
	if err != nil {
		return nil, err
	}
	out := make([]outreach.Result, len(rs))
	for i, r := range rs {
		out[i] = outreach.Result{Peer: r.Peer, Err: r.Err}
		if r.Err == nil {
			out[i].Message, out[i].Conversation, out[i].Seq, out[i].Time = r.Message.ID, r.Message.Conversation, r.Message.Seq, r.Message.Time
		}
	}
	return out, nil
}

// newGroupTools builds forwarding to several groups and batch invitations,
// acting through the Group Guard's bot (botapi.Actor).
func newGroupTools(cfg config.Config, db *stores.DB, g *guardRuntime, groups *group.Service, chats *chat.Service) *outreach.GroupTools {
	rate := hongyan.Rate{N: cfg.Limits.GroupForwardsPerHour, Per: time.Hour}
	var lim hongyan.RateLimiter = hongyan.NewLimiter(rate)
	if sharedLimits(cfg) {
		lim = db.Limits().Limiters("outreach.group_forward", rate)
	}
	return outreach.NewGroupTools(toolBot{guardBot{g.actor}}, groups, chatTexts{chats}, lim)
}

// toolBot is the Guard's bot as the group tools use it.
type toolBot struct{ b guardBot }

func (t toolBot) Post(ctx context.Context, g hongyan.ConversationID, text string) error {
	return t.b.Send(ctx, g, text, 0)
}

func (t toolBot) Invite(ctx context.Context, g hongyan.ConversationID, u hongyan.UserID) error {
	return t.b.Invite(ctx, g, u)
}

// chatTexts reads a text message as the user sees it.
type chatTexts struct{ chats *chat.Service }

func (c chatTexts) Text(ctx context.Context, u hongyan.UserID, conv hongyan.ConversationID, seq int64) (string, error) {
	ms, err := c.chats.MessagesAt(ctx, hongyan.Caller{User: u}, []chat.Ref{{Conversation: conv, Seq: seq}})
	if err != nil {
		return "", err
	}
	if len(ms) == 0 {
		return "", hongyan.Errorf(hongyan.CodeNotFound, "no such message")
	}
	if ms[0].Kind != chat.KindText || ms[0].Text == "" {
		return "", hongyan.Errorf(hongyan.CodeInvalid, "only text messages can be forwarded to groups")
	}
	return ms[0].Text, nil
}
