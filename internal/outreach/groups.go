package outreach

import (
	"context"
	"slices"
	"strconv"
	"time"

	"hongyan/internal/hongyan"
)

// Limits of the group tools.
const (
	MaxForwardTargets = 20  // groups one forward reaches
	MaxInviteBatch    = 100 // users one batch invites
)

// Bot is the community bot (the Group Guard's bot) acting through the bot
// API's operations: it can do in a group only what the group's owner
// granted it there.
type Bot interface {
	// Post sends text to group (messages:send).
	Post(ctx context.Context, group hongyan.ConversationID, text string) error
	// Invite invites user to group through the group feature's invitation
	// flow (members:manage): the user accepts where the group asks for it.
	Invite(ctx context.Context, group hongyan.ConversationID, user hongyan.UserID) error
}

// Roles tells a user's role in a group ("" when not an active member).
type Roles interface {
	Role(ctx context.Context, group hongyan.ConversationID, user hongyan.UserID) (string, error)
}

// Messages reads a message of a chat as the user sees it (the chat
// feature): its text, and whether it is a text message.
type Messages interface {
	Text(ctx context.Context, user hongyan.UserID, conv hongyan.ConversationID, seq int64) (string, error)
}

// GroupTools are the tools a group's owner or admins run through the bot.
type GroupTools struct {
	bot   Bot
	roles Roles
	msgs  Messages
	limit hongyan.RateLimiter // group posts per user (one per target group)
	now   func() time.Time
}

// DefaultForwardRate is how many groups a user may forward to.
var DefaultForwardRate = hongyan.Rate{N: 60, Per: time.Hour}

// NewGroupTools returns the group tools; limit bounds the groups a user
// forwards to (the node's cluster-wide limiter).
func NewGroupTools(bot Bot, roles Roles, msgs Messages, limit hongyan.RateLimiter) *GroupTools {
	return &GroupTools{bot: bot, roles: roles, msgs: msgs, limit: limit, now: time.Now}
}

// GroupResult is one group's or one user's outcome.
type GroupResult struct {
	Group hongyan.ConversationID
	User  hongyan.UserID
	Err   error
}

func (t *GroupTools) manages(ctx context.Context, c hongyan.Caller, g hongyan.ConversationID) error {
	if g <= 0 {
		return hongyan.Errorf(hongyan.CodeInvalid, "bad group ID")
	}
	role, err := t.roles.Role(ctx, g, c.User)
	if err != nil {
		return err
	}
	if role != "owner" && role != "admin" {
		return hongyan.Errorf(hongyan.CodeDenied, "you are not the owner or an admin of group %d", g).WithReason(hongyan.ReasonOwnerOnly)
	}
	return nil
}

// Forward posts the text message seq of group from (which the caller can
// read) into each group of to, through the bot, where the caller is the
// owner or an admin and the bot was added with messages:send. Each target
// counts against the caller's rate limit; over it, the rest are refused
// with rate_limited. Results are per target group, in order.
func (t *GroupTools) Forward(ctx context.Context, c hongyan.Caller, from hongyan.ConversationID, seq int64, to []hongyan.ConversationID) ([]GroupResult, error) {
	if len(to) == 0 || len(to) > MaxForwardTargets {
		return nil, hongyan.Errorf(hongyan.CodeInvalid, "forward to 1 to %d groups", MaxForwardTargets)
	}
	seen := map[hongyan.ConversationID]bool{}
	for _, g := range to {
		if g <= 0 || g == from || seen[g] {
			return nil, hongyan.Errorf(hongyan.CodeInvalid, "target groups are other groups, each once")
		}
		seen[g] = true
	}
	if from <= 0 || seq <= 0 {
		return nil, hongyan.Errorf(hongyan.CodeInvalid, "name the message by its group and seq")
	}
	text, err := t.msgs.Text(ctx, c.User, from, seq)
	if err != nil {
		return nil, err
	}
	out := make([]GroupResult, len(to))
	for i, g := range to {
		out[i] = GroupResult{Group: g}
		if err := t.manages(ctx, c, g); err != nil {
			out[i].Err = err
			continue
		}
		if t.limit != nil {
			ok, err := t.limit.Take(ctx, strconv.FormatInt(int64(c.User), 10), t.now())
			if err != nil {
				out[i].Err = err
				continue
			}
			if !ok {
				out[i].Err = hongyan.Errorf(hongyan.CodeRateLimited, "you forwarded to the most groups allowed for now; try again later")
				continue
			}
		}
		out[i].Err = t.bot.Post(ctx, g, text)
	}
	return out, nil
}

// Invite invites users to group through the bot (members:manage), each
// by the group feature's invitation flow; the caller is the group's owner
// or an admin. Results are per user, in order.
func (t *GroupTools) Invite(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, users []hongyan.UserID) ([]GroupResult, error) {
	if len(users) == 0 || len(users) > MaxInviteBatch {
		return nil, hongyan.Errorf(hongyan.CodeInvalid, "invite 1 to %d users", MaxInviteBatch)
	}
	for i, u := range users {
		if u <= 0 || slices.Contains(users[:i], u) {
			return nil, hongyan.Errorf(hongyan.CodeInvalid, "user IDs are positive, each once")
		}
	}
	if err := t.manages(ctx, c, group); err != nil {
		return nil, err
	}
	out := make([]GroupResult, len(users))
	for i, u := range users {
		out[i] = GroupResult{Group: group, User: u, Err: t.bot.Invite(ctx, group, u)}
	}
	return out, nil
}
