package group

import (
	"context"
	"time"

	"hongyan/internal/hongyan"
)

// Store keeps groups, their members and invitations durably. A missing
// object is an error with hongyan.CodeNotFound.
type Store interface {
	// Create stores group g (its ID is assigned: a new group chat's), its
	// members and invitations, and notice as the chat's first message,
	// which every member sees; it appends changes and one change-log entry
	// per member for the notice, and per Notify user of each invitation,
	// atomically. New members join at the notice.
	Create(ctx context.Context, g Group, members []Member, invites []Invitation, notice Notice, changes []hongyan.Change) (Group, []hongyan.Change, error)
	// Apply commits one change of a group atomically, if the group's stored
	// Version is op.Group.Version (else CodePrecondition, and nothing
	// changes); the stored Version then goes up by one. See Op.
	Apply(ctx context.Context, op Op) ([]hongyan.Change, error)

	Group(ctx context.Context, id hongyan.ConversationID) (Group, error)
	// GroupByCode returns the group whose QR code is code.
	GroupByCode(ctx context.Context, code string) (Group, error)
	// Member returns user's membership of group id, active or not; not
	// found if they never belonged to it.
	Member(ctx context.Context, id hongyan.ConversationID, user hongyan.UserID) (Member, error)
	// Members lists the active members of group id, in the order they
	// joined.
	Members(ctx context.Context, id hongyan.ConversationID) ([]Member, error)
	// Groups lists the groups user is an active member of.
	Groups(ctx context.Context, user hongyan.UserID) ([]Group, error)
	Invitation(ctx context.Context, id int64) (Invitation, error)
	// Invitations lists the pending invitations that wait for user: as the
	// invitee (StateInvited) or as owner or admin (StateApproval).
	Invitations(ctx context.Context, user hongyan.UserID) ([]Invitation, error)
}

// Op is one change of a group, applied atomically by Store.Apply.
type Op struct {
	// Group is the group as it is after the change; its Version is the one
	// the change was computed from. Members is kept by the store.
	Group Group
	// Put adds members (joining at the notice) or changes them.
	Put []Member
	// Remove ends these users' membership at the notice: they see it, and
	// nothing after it.
	Remove []hongyan.UserID
	// Invitations are stored: new ones (ID 0) get an ID; each Notify user
	// gets a change-log entry.
	Invitations []Invitation
	// Notice, when set, is appended to the group's chat; NoticeTo see it.
	Notice   *Notice
	NoticeTo []hongyan.UserID
	// Changes are appended to the change log as they are.
	Changes []hongyan.Change
	// Time is when the change happened (the notice's time).
	Time time.Time
}
