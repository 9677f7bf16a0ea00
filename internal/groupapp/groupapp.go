// Package groupapp is the apps every group chat has (PRODUCT §4): polls,
// daily check-in with streaks and a ranking, homework that members submit
// and whose poster sees who has not, and the announcements board.
//
// Every app answers to the group's rules, which it asks the group feature
// through the Groups port: only active members see an app's objects (a
// stranger or a removed member gets not_found), the owner and admins may
// close or remove what others made, and a member who may not post (muted,
// or the whole group muted and not an admin) may not create anything that
// posts a card into the chat. Answering — voting, checking in, submitting
// — is not posting, and stays open to muted members.
//
// Each app posts a card into the group chat when something happens
// (through the Cards port, which the node fills with the chat's send path)
// and appends a change to every member's change log in the transaction
// that makes the change, so that every device, live or catching up from an
// old cursor, ends in the same state.
package groupapp

import (
	"context"
	"time"

	"hongyan/internal/hongyan"
)

// Role is a member's role in a group. The values are those of the group
// feature and the protocol.
type Role int8

// The roles.
const (
	RoleMember Role = 0
	RoleAdmin  Role = 1
	RoleOwner  Role = 2
)

// Member is what the apps need to know of a user's membership.
type Member struct {
	User hongyan.UserID
	Role Role
	// Muted: the member may not post now (muted, or the group is muted
	// and the member is neither owner nor admin).
	Muted bool
}

// Admin reports whether m is the group's owner or an admin.
func (m Member) Admin() bool { return m.Role >= RoleAdmin }

// Groups asks the group feature about membership.
type Groups interface {
	// Member returns user's membership of group; an error with
	// hongyan.CodeNotFound when user is not an active member (never was,
	// left or was removed) or the group does not exist.
	Member(ctx context.Context, group hongyan.ConversationID, user hongyan.UserID) (Member, error)
	// Members returns the active members of group if user is one of them
	// (hongyan.CodeNotFound otherwise).
	Members(ctx context.Context, group hongyan.ConversationID, user hongyan.UserID) ([]hongyan.UserID, error)
}

// App names a group app.
type App int8

// The apps. The values are those of the protocol.
const (
	AppPoll         App = 1
	AppCheckin      App = 2
	AppAnnouncement App = 3
	AppEvent        App = 4
	AppHomework     App = 5
	AppFile         App = 6
	AppAlbum        App = 7
	// AppThirdParty: a third-party app's card, posted through the bot API
	// (internal/botapi), not by this feature; its item is the app's bot ID.
	AppThirdParty App = 8
)

// CardKind says what happened that a card reports.
type CardKind int8

// The card kinds. The values are those of the protocol.
const (
	CardCreated  CardKind = 1 // a poll, homework or announcement was posted
	CardClosed   CardKind = 2 // a poll was closed
	CardReminder CardKind = 3 // the poster reminds those who have not submitted (or, of an event, those going)
	CardPromoted CardKind = 4 // someone waiting for an event got a place (they are mentioned)
)

// Card is what an app posts into the group chat: App's object Item (its
// title) and what happened to it. Mentions are alerted.
type Card struct {
	App      App
	Kind     CardKind
	Item     int64
	Title    string
	Mentions []hongyan.UserID
	// At tells two reminders of one object apart (zero for the others:
	// an object is created or closed once).
	At time.Time
	// Count: how many photos a CardPhotosAdded card reports.
	Count int
}

// Cards posts app cards into group chats.
type Cards interface {
	// Post posts card into group's chat as a message of from. Posting
	// the same card (app, kind, item) again posts it once.
	Post(ctx context.Context, group hongyan.ConversationID, from hongyan.UserID, card Card) error
}

// The change-log kinds this feature appends: Conversation is the group.
const (
	ChangePoll     = hongyan.ChangeGroupPoll     // Ref = the poll
	ChangeCheckin  = hongyan.ChangeGroupCheckin  // Ref = the user who checked in
	ChangeHomework = hongyan.ChangeGroupHomework // Ref = the homework
	// ChangeAnnouncement: Ref = the announcement.
	ChangeAnnouncement = hongyan.ChangeGroupAnnouncement
	ChangeEvent        = hongyan.ChangeGroupEvent // Ref = the event
	ChangeFile         = hongyan.ChangeGroupFile  // Ref = the file
)

// Store keeps the apps durably; it is the union of the ports by app. A
// missing object is an error with hongyan.CodeNotFound. Each method that
// takes notify appends those changes (their Ref set to the object's ID
// when 0) in the transaction that makes the change, and returns them
// numbered.
type Store interface {
	Polls
	Checkins
	Homeworks
	Announcements
	Events
	Files
	EventReminders
	Albums
}

// Polls keeps polls and their votes.
type Polls interface {
	// CreatePoll stores p (its ID is assigned).
	CreatePoll(ctx context.Context, p Poll, notify []hongyan.Change) (Poll, []hongyan.Change, error)
	// Poll returns poll id of group.
	Poll(ctx context.Context, group hongyan.ConversationID, id int64) (Poll, error)
	// Polls returns up to limit polls of group with IDs below before (0:
	// from the newest), newest first.
	Polls(ctx context.Context, group hongyan.ConversationID, before int64, limit int) ([]Poll, error)
	// ClosePoll closes poll id of group at at; closing a closed poll
	// changes nothing and is not an error.
	ClosePoll(ctx context.Context, group hongyan.ConversationID, id int64, at time.Time, notify []hongyan.Change) ([]hongyan.Change, error)
	// Vote stores v in place of the user's earlier vote on the poll.
	Vote(ctx context.Context, group hongyan.ConversationID, v Vote, notify []hongyan.Change) ([]hongyan.Change, error)
	// Votes returns the votes of poll id, in the order they were last
	// changed.
	Votes(ctx context.Context, id int64) ([]Vote, error)
}

// Checkins keeps check-ins and each member's streaks.
type Checkins interface {
	// CheckIn records c if the user has not checked in on c.Day in the
	// group yet, updating their tally (the streak goes on when they
	// checked in on the day before). added is false (and nothing
	// changed, no change appended) when they had.
	CheckIn(ctx context.Context, c Checkin, notify []hongyan.Change) (t Tally, added bool, changes []hongyan.Change, err error)
	// Tally returns user's tally in group (zero, not an error, when they
	// never checked in).
	Tally(ctx context.Context, group hongyan.ConversationID, user hongyan.UserID) (Tally, error)
	// Tallies returns up to limit tallies of group's users who checked in
	// on or after since, in no set order.
	Tallies(ctx context.Context, group hongyan.ConversationID, since int64, limit int) ([]Tally, error)
}

// Announcements keeps the groups' announcements boards.
type Announcements interface {
	// CreateAnnouncement stores a (its ID is assigned).
	CreateAnnouncement(ctx context.Context, a Announcement, notify []hongyan.Change) (Announcement, []hongyan.Change, error)
	// UpdateAnnouncement stores a's Pinned, Removed and Updated.
	UpdateAnnouncement(ctx context.Context, a Announcement, notify []hongyan.Change) ([]hongyan.Change, error)
	// Announcement returns announcement id of group, removed or not.
	Announcement(ctx context.Context, group hongyan.ConversationID, id int64) (Announcement, error)
	// Announcements returns up to limit announcements of group that are
	// not removed (with pinned: pinned ones only), IDs below before (0:
	// from the newest), newest first.
	Announcements(ctx context.Context, group hongyan.ConversationID, before int64, limit int, pinned bool) ([]Announcement, error)
}

// Events keeps events and their sign-ups.
type Events interface {
	// CreateEvent stores e (its ID is assigned).
	CreateEvent(ctx context.Context, e Event, notify []hongyan.Change) (Event, []hongyan.Change, error)
	// Event returns event id of group.
	Event(ctx context.Context, group hongyan.ConversationID, id int64) (Event, error)
	// Events returns up to limit events of group with IDs below before (0:
	// from the newest), newest first.
	Events(ctx context.Context, group hongyan.ConversationID, before int64, limit int) ([]Event, error)
	// SignUp stores s (its Seq is assigned) unless the user has signed up
	// already (then nothing changes and no change is appended).
	SignUp(ctx context.Context, group hongyan.ConversationID, s Signup, notify []hongyan.Change) ([]hongyan.Change, error)
	// CancelSignup removes user's sign-up (none: nothing changes, no
	// change appended).
	CancelSignup(ctx context.Context, group hongyan.ConversationID, id int64, user hongyan.UserID, notify []hongyan.Change) ([]hongyan.Change, error)
	// Signups returns the sign-ups of event id in the order they came.
	Signups(ctx context.Context, id int64) ([]Signup, error)
	// RemindEvent records a reminder of event id of group at at, if the
	// last one was before notBefore; ok is false otherwise.
	RemindEvent(ctx context.Context, group hongyan.ConversationID, id int64, at, notBefore time.Time) (ok bool, err error)
}

// Homeworks keeps homework and its submissions.
type Homeworks interface {
	// CreateHomework stores h (its ID is assigned).
	CreateHomework(ctx context.Context, h Homework, notify []hongyan.Change) (Homework, []hongyan.Change, error)
	// Homework returns homework id of group.
	Homework(ctx context.Context, group hongyan.ConversationID, id int64) (Homework, error)
	// Homeworks returns up to limit homework of group with IDs below
	// before (0: from the newest), newest first.
	Homeworks(ctx context.Context, group hongyan.ConversationID, before int64, limit int) ([]Homework, error)
	// Submit stores s in place of the user's earlier submission: its
	// files replace the earlier one's (which are deleted), unless the
	// group's files would then take more than quota bytes (an error with
	// hongyan.CodePrecondition and ReasonQuotaFull, nothing changed).
	Submit(ctx context.Context, group hongyan.ConversationID, s Submission, quota int64, notify []hongyan.Change) ([]hongyan.Change, error)
	// Submissions returns the submissions of homework id, oldest first,
	// with their files.
	Submissions(ctx context.Context, id int64) ([]Submission, error)
	// Remind records a reminder of homework id of group at at, if the
	// last one was before notBefore; ok is false (nothing changed) when it
	// was not.
	Remind(ctx context.Context, group hongyan.ConversationID, id int64, at, notBefore time.Time) (ok bool, err error)
}
