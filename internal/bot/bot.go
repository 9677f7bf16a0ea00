// Package bot holds bots (PRODUCT.md §10): accounts of their own, owned by
// a user, that act through scoped tokens on the bot API (internal/botapi)
// and learn what happens to them as events — read by long polling or
// delivered to a webhook signed per Standard Webhooks, from a durable outbox
// retried with exponential backoff.
//
// The rules live here: who may create and manage a bot (its owner), which
// token may do what in which group (the token's scopes, narrowed to one
// group if it names one, within the grant the group's owner gave), rate
// limits per token counted in the store (so they hold across nodes), how
// what happens to a bot's account becomes events, and how deliveries are
// retried. The bot's account, groups and messages belong to other
// features: the node fills the ports below.
package bot

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"hongyan/internal/hongyan"
)

// Scopes a token may hold.
const (
	ScopeSend       = "messages:send"  // send messages to chats and groups the bot is in
	ScopeGroupsRead = "groups:read"    // read group info and members
	ScopeMembers    = "members:manage" // invite and remove members (within the group owner's grant)
	ScopeApps       = "apps:write"     // post group-app cards (third-party apps, apps.go)
)

// AllScopes lists every scope in a fixed order.
var AllScopes = []string{ScopeSend, ScopeGroupsRead, ScopeMembers, ScopeApps, ScopeProfiles, ScopeMessagesRead}

// DefaultScopes are what a new bot's first token holds, and what a group
// owner grants when adding a bot without naming scopes.
var DefaultScopes = []string{ScopeSend, ScopeGroupsRead}

// Event types.
const (
	EventMessage       = "message"        // a message to the bot (direct) or in a group it is in
	EventMention       = "mention"        // a group message that mentions the bot (or everyone)
	EventMemberJoined  = "member_joined"  // users joined a group the bot is in
	EventMemberLeft    = "member_left"    // users left or were removed from a group the bot is in
	EventFriendRequest = "friend_request" // a user asked to add the bot (accepted at once)
)

// Bot is a bot: Account is the user it acts as, Owner the user who made it.
type Bot struct {
	ID      int64
	Owner   hongyan.UserID
	Account hongyan.UserID
	// AccountID is the bot account's public account ID (bot_…).
	AccountID string
	Name      string
	Created   time.Time
}

// Token is a bot's API credential. Only the SHA-256 of the secret is kept.
type Token struct {
	ID     int64
	Bot    int64
	Hash   []byte
	Scopes []string
	Group  hongyan.ConversationID // 0: any group the bot has a grant for
	// App marks a token an app got through a group owner's consent: it
	// sees only its group's events (apps.go).
	App     bool
	Created time.Time
}

// Has reports whether the token holds scope.
func (t Token) Has(scope string) bool { return slices.Contains(t.Scopes, scope) }

// Grant is what a group's owner allows a bot to do in the group.
type Grant struct {
	Bot     int64
	Group   hongyan.ConversationID
	Scopes  []string
	By      hongyan.UserID
	Created time.Time
}

// Webhook is where a bot's events are delivered.
type Webhook struct {
	Bot     int64
	URL     string
	Secret  string // whsec_ + base64 of 32 random bytes
	Updated time.Time
}

// Event is one event of a bot, numbered per bot from 1 without gaps.
type Event struct {
	Bot  int64
	Seq  int64
	Type string
	Time time.Time
	// Data is the event's JSON object (see docs/bots.md).
	Data []byte
	// Key, when set, makes the event unique per bot: a second event with
	// the same key is dropped (a friend request seen twice in the log).
	Key string
}

// WebhookID is the event's Standard Webhooks message ID: the same on every
// retry, so a receiver drops a repeat.
func (e Event) WebhookID() string {
	return "evt_" + strconv.FormatInt(e.Bot, 10) + "_" + strconv.FormatInt(e.Seq, 10)
}

// DeliveryStatus is where a delivery stands.
type DeliveryStatus string

// Delivery states.
const (
	DeliveryPending   DeliveryStatus = "pending"
	DeliveryDelivered DeliveryStatus = "delivered"
	DeliveryFailed    DeliveryStatus = "failed" // gave up after MaxAttempts
)

// Delivery is one event on its way to the bot's webhook, and its log.
type Delivery struct {
	ID         int64
	Bot        int64
	Event      Event
	URL        string
	Status     DeliveryStatus
	Attempts   int
	NextAt     time.Time
	LastStatus int    // HTTP status of the last attempt (0: no answer)
	LastError  string // why the last attempt failed
	Updated    time.Time
}

// Outcome is the result of one delivery attempt, as stored.
type Outcome struct {
	Status     DeliveryStatus
	Attempts   int
	NextAt     time.Time
	LastStatus int
	LastError  string
}

// BotStore keeps bots.
type BotStore interface {
	// CreateBot stores b and appends changes (a ChangeBot entry with Ref
	// 0 gets the new bot's ID) in the same transaction; it returns b with
	// its ID and the numbered changes.
	CreateBot(ctx context.Context, b Bot, changes []hongyan.Change) (Bot, []hongyan.Change, error)
	// Bot returns bot id (CodeNotFound if none).
	Bot(ctx context.Context, id int64) (Bot, error)
	// BotByAccount returns the bot acting as account (CodeNotFound if none).
	BotByAccount(ctx context.Context, account hongyan.UserID) (Bot, error)
	// BotsOf returns owner's bots, oldest first.
	BotsOf(ctx context.Context, owner hongyan.UserID) ([]Bot, error)
	// Bots returns up to limit bots with IDs above after, in ID order.
	Bots(ctx context.Context, after int64, limit int) ([]Bot, error)
}

// TokenStore keeps tokens, grants and webhooks.
type TokenStore interface {
	// AddToken stores t and returns it with its ID; CodePrecondition when
	// the bot holds max tokens already.
	AddToken(ctx context.Context, t Token, max int) (Token, error)
	// TokenByHash returns the token whose secret hashes to hash.
	TokenByHash(ctx context.Context, hash []byte) (Token, error)
	// DeleteToken removes the bot's token id (CodeNotFound if the bot has
	// no such token).
	DeleteToken(ctx context.Context, bot, id int64) error
	// SetGrant stores g in place of the bot's grant for the group.
	SetGrant(ctx context.Context, g Grant) error
	// Grant returns the bot's grant for group (CodeNotFound if none).
	Grant(ctx context.Context, bot int64, group hongyan.ConversationID) (Grant, error)
	// SetWebhook stores w in place of the bot's webhook (an empty URL
	// removes it) and appends changes; it returns them numbered.
	SetWebhook(ctx context.Context, w Webhook, changes []hongyan.Change) ([]hongyan.Change, error)
	// Webhook returns the bot's webhook (CodeNotFound if none).
	Webhook(ctx context.Context, bot int64) (Webhook, error)
	// Take counts one use of key in period, unless max uses were counted
	// already; it reports whether it counted.
	Take(ctx context.Context, key string, period int64, max int) (bool, error)
}

// EventStore keeps events and their deliveries.
type EventStore interface {
	// Cursor returns how far the bot's account's change log was read.
	Cursor(ctx context.Context, bot int64) (int64, error)
	// AppendEvents numbers and stores events (dropping those whose Key the
	// bot has seen), queues a delivery of each to the bot's webhook if it
	// has one, and moves the cursor from `from` to `to` — all in one
	// transaction, and only if the cursor is still at `from` (otherwise
	// CodeAborted-like CodePrecondition and nothing changes). It returns
	// the events stored.
	AppendEvents(ctx context.Context, bot int64, from, to int64, events []Event) ([]Event, error)
	// Events returns up to limit events of the bot after seq after.
	Events(ctx context.Context, bot int64, after int64, limit int) ([]Event, error)
	// ClaimDeliveries returns up to limit pending deliveries due at now,
	// each held until lease so that no other node sends it meanwhile.
	ClaimDeliveries(ctx context.Context, now, lease time.Time, limit int) ([]Delivery, error)
	// FinishDelivery records an attempt's outcome and releases the lease.
	FinishDelivery(ctx context.Context, id int64, o Outcome) error
	// Deliveries returns the bot's deliveries with IDs below before (0:
	// the newest), newest first.
	Deliveries(ctx context.Context, bot int64, before int64, limit int) ([]Delivery, error)
	// Prune deletes up to limit settled (delivered or failed) deliveries
	// last changed before t, and up to limit events older than t that
	// wait for no delivery; it returns how many rows went.
	Prune(ctx context.Context, t time.Time, limit int) (int, error)
}

// Store is what the bot feature keeps.
type Store interface {
	BotStore
	TokenStore
	EventStore
	AppStore
}

// ParseScopes splits a comma-separated list of scopes, checking each.
func ParseScopes(s string) ([]string, error) {
	var out []string
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if !slices.Contains(AllScopes, p) {
			return nil, hongyan.Errorf(hongyan.CodeInvalid, "unknown scope %q (known: %s)", p, strings.Join(AllScopes, ", "))
		}
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return nil, hongyan.Errorf(hongyan.CodeInvalid, "name at least one scope")
	}
	return out, nil
}
