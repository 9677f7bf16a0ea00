// Package assistant is the Group Assistant (PRODUCT.md §10, issue 15): a
// built-in bot that a group's owner turns on for a group, with tools for
// community operators — a welcome message for new members and new friends,
// keyword replies, scheduled posts and group statistics.
//
// The assistant has no private way into the product: it is one bot
// account among others, added to a group by the group's owner with the
// grants its tools need, and it acts only through the bot API's
// operations (its events, read as a long-polling bot reads them, and
// messages:send), so the bot feature's checks — scopes, grants, rate
// limits, mute, removal — hold for it as for any bot. The node fills the
// API port below from the bot API itself.
//
// The rules live here: who may configure a group's assistant (its owner
// and admins; turning it on is the owner's), what a welcome, keyword or
// schedule may hold, when a keyword is answered (never to a bot, at most
// once per message, and at most once per cooldown in a group), when a
// schedule is due and what comes next (a schedule missed while the
// cluster was down posts once, not once per missed time), and how events
// become statistics per day in the group's timezone.
package assistant

import (
	"context"
	"time"

	"hongyan/internal/hongyan"
)

// Limits of input.
const (
	MaxWelcome      = 500 // characters of a welcome template
	MaxKeyword      = 30  // characters of a keyword
	MaxReply        = 500 // characters of a keyword reply
	MaxKeywords     = 50  // keywords per group
	MaxPost         = 1000
	MaxSchedules    = 20 // schedules per group
	MaxStatsDays    = 90 // days of statistics in one read
	MaxTimezone     = 64
	DefaultTimezone = "Asia/Shanghai"
)

// Scopes the assistant is granted when a group's owner turns it on: it
// sends (welcome, replies, posts), reads member names (welcome) and posts
// app cards (a lottery's result).
var Scopes = []string{"messages:send", "groups:read", "apps:write"}

// Settings is a group's assistant: on once its owner turned it on.
type Settings struct {
	Group    hongyan.ConversationID
	Welcome  string // template for new members ("" = no welcome); {name} is the member's name
	Timezone string // IANA name: days of statistics and schedule times
	By       hongyan.UserID
	Updated  time.Time
	// LastReply is the time of the event last answered by a keyword reply
	// (the runner's cooldown; kept by Commit).
	LastReply time.Time
}

// Keyword is an owner-defined keyword and its reply.
type Keyword struct {
	ID      int64
	Group   hongyan.ConversationID
	Word    string
	Reply   string
	Exact   bool // the message is the keyword (after trimming; case folded), not merely contains it
	By      hongyan.UserID
	Created time.Time
}

// Repeat says how a schedule repeats.
type Repeat string

// Repeats.
const (
	Once   Repeat = "once"
	Daily  Repeat = "daily"
	Weekly Repeat = "weekly"
)

// Schedule is a post at a time: First is the first time (in the group's
// timezone), Next the next time it is due (zero once a one-off posted).
type Schedule struct {
	ID      int64
	Group   hongyan.ConversationID
	Text    string
	First   time.Time
	Repeat  Repeat
	Zone    string // the timezone First's wall clock repeats in
	Next    time.Time
	By      hongyan.UserID
	Updated time.Time
}

// DayStat is one day of a group's statistics (a day in the group's
// timezone, YYYY-MM-DD).
type DayStat struct {
	Day      string
	Messages int // messages by members (not bots' notices)
	Active   int // members who sent at least one message
	Joins    int
	Leaves   int
}

// Identity is the assistant bot of the cluster: made once, its token kept
// so that every node's runner acts with the same credential.
type Identity struct {
	Bot     int64
	Account hongyan.UserID
	Token   string
}

// Tally is what one runner step counted, stored with the cursor.
type Tally struct {
	Days   map[DayKey]DayStat // Messages, Joins, Leaves to add
	Active map[DayKey][]hongyan.UserID
	// Replied is, per group, the time of the last event answered by a
	// keyword reply: Commit stores it as the group's LastReply.
	Replied map[hongyan.ConversationID]time.Time
	// Entries are lottery entries (kept once per lottery and user).
	Entries []Entry
}

// Entry is a user's entry in a lottery.
type Entry struct {
	Lottery int64
	User    hongyan.UserID
}

// DayKey names a group's day.
type DayKey struct {
	Group hongyan.ConversationID
	Day   string
}

func (t *Tally) add(k DayKey, f func(*DayStat)) {
	if t.Days == nil {
		t.Days = map[DayKey]DayStat{}
	}
	d := t.Days[k]
	d.Day = k.Day
	f(&d)
	t.Days[k] = d
}

// Store keeps the assistant's settings and state.
type Store interface {
	// Settings returns the group's settings (CodeNotFound: never turned on).
	Settings(ctx context.Context, group hongyan.ConversationID) (Settings, error)
	// SetSettings stores s in place of the group's settings (but not
	// LastReply, which only Commit moves).
	SetSettings(ctx context.Context, s Settings) error

	// Keywords lists the group's keywords, oldest first.
	Keywords(ctx context.Context, group hongyan.ConversationID) ([]Keyword, error)
	// AddKeyword stores k and returns it with its ID: CodePrecondition
	// when the group has max keywords, CodeExists when it has k.Word.
	AddKeyword(ctx context.Context, k Keyword, max int) (Keyword, error)
	// RemoveKeyword deletes the group's keyword id (CodeNotFound if none).
	RemoveKeyword(ctx context.Context, group hongyan.ConversationID, id int64) error

	// Schedules lists the group's pending schedules, by ID.
	Schedules(ctx context.Context, group hongyan.ConversationID) ([]Schedule, error)
	// PutSchedule stores s: a new one when s.ID is 0 (CodePrecondition
	// when the group has max), else in place of the group's schedule s.ID
	// (CodeNotFound if none).
	PutSchedule(ctx context.Context, s Schedule, max int) (Schedule, error)
	// CancelSchedule deletes the group's schedule id (CodeNotFound if none).
	CancelSchedule(ctx context.Context, group hongyan.ConversationID, id int64) error
	// DueSchedules returns up to limit schedules due at now, oldest first.
	DueSchedules(ctx context.Context, now time.Time, limit int) ([]Schedule, error)
	// AdvanceSchedule moves schedule id from next time from to next (zero:
	// deletes it); it reports false, changing nothing, if it was not at from.
	AdvanceSchedule(ctx context.Context, id int64, from, next time.Time) (bool, error)

	// Identity returns the cluster's assistant bot (CodeNotFound if none).
	Identity(ctx context.Context) (Identity, error)
	// SetIdentity stores the assistant bot, unless one is stored already;
	// it returns the one stored.
	SetIdentity(ctx context.Context, id Identity) (Identity, error)

	// Cursor returns the seq of the last event handled.
	Cursor(ctx context.Context) (int64, error)
	// Commit adds t to the statistics (and its lottery entries) and moves the cursor from `from` to
	// `to`, in one transaction, only if the cursor is still at from
	// (otherwise CodePrecondition and nothing changes).
	Commit(ctx context.Context, from, to int64, t Tally) error
	// AddLottery stores l and returns it with its ID (CodePrecondition
	// when the group has max lotteries not drawn yet).
	AddLottery(ctx context.Context, l Lottery, max int) (Lottery, error)
	// Lotteries lists the group's lotteries, newest first.
	Lotteries(ctx context.Context, group hongyan.ConversationID) ([]Lottery, error)
	// OpenLotteries lists the group's lotteries not drawn yet.
	OpenLotteries(ctx context.Context, group hongyan.ConversationID) ([]Lottery, error)
	// LotteriesToPost returns up to limit lotteries not announced yet, or
	// announced, not drawn and past their deadline at now.
	LotteriesToPost(ctx context.Context, now time.Time, limit int) ([]Lottery, error)
	// MarkAnnounced records that lottery id's commitment was posted.
	MarkAnnounced(ctx context.Context, id int64) error
	// SetResult records lottery id's winners and that it was drawn.
	SetResult(ctx context.Context, id int64, winners []hongyan.UserID) error
	// Entrants lists lottery id's entrants, by user ID.
	Entrants(ctx context.Context, id int64) ([]hongyan.UserID, error)

	// SetBirthday stores b in place of the member's birthday in the
	// group (Month 0: deletes it).
	SetBirthday(ctx context.Context, b Birthday) error
	// Birthday returns the member's birthday in the group (CodeNotFound).
	Birthday(ctx context.Context, group hongyan.ConversationID, user hongyan.UserID) (Birthday, error)
	// DueBirthdays returns up to limit birthdays due at now.
	DueBirthdays(ctx context.Context, now time.Time, limit int) ([]Birthday, error)
	// AdvanceBirthday moves a birthday from next time from to next, if it
	// is still at from.
	AdvanceBirthday(ctx context.Context, group hongyan.ConversationID, user hongyan.UserID, from, next time.Time) error

	// Stats returns the group's days from `from` to `to` (YYYY-MM-DD,
	// inclusive) that have any counts, in order.
	Stats(ctx context.Context, group hongyan.ConversationID, from, to string) ([]DayStat, error)
}

// Event is one of the assistant bot's events as the bot API gives it
// (GET /bot/v1/events; docs/bots.md).
type Event struct {
	Seq  int64
	Type string // message, mention, member_joined, member_left, friend_request
	Time time.Time
	Data []byte // the event's JSON object
}

// Chat is where the assistant sends: a group, or a user (direct).
type Chat struct {
	Group hongyan.ConversationID
	User  hongyan.UserID
}

// Card is an app card the assistant posts (the bot API's limits: a title
// of at most 64 characters, a description of at most 200).
type Card struct {
	Title       string
	Description string
}

// API is the bot API as the assistant bot uses it, with its own token.
type API interface {
	// Events returns up to limit of the bot's events after seq after.
	Events(ctx context.Context, after int64, limit int) ([]Event, error)
	// Send sends text to chat; a repeat of clientID returns the original.
	Send(ctx context.Context, chat Chat, text, clientID string) error
	// PostCard posts an app card into group (apps:write); a repeat of
	// clientID returns the original.
	PostCard(ctx context.Context, group hongyan.ConversationID, card Card, clientID string) error
	// MemberNames returns the group's members' names (groups:read).
	MemberNames(ctx context.Context, group hongyan.ConversationID) (map[hongyan.UserID]string, error)
}

// Groups is what the assistant needs of groups and the bot feature on a
// user's behalf.
type Groups interface {
	// Role returns the caller's role in group: "owner", "admin", "member"
	// (CodeNotFound if not an active member).
	Role(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID) (string, error)
	// AddAssistant adds the assistant bot to group with scopes granted, as
	// the caller (the bot feature lets only the group's owner).
	AddAssistant(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, scopes []string) error
	// IsBot reports whether user is a bot's account.
	IsBot(ctx context.Context, user hongyan.UserID) (bool, error)
}
