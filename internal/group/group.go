package group

import (
	"time"

	"hongyan/internal/hongyan"
)

// Role is a member's role. The values are those of the protocol.
type Role int8

// The roles.
const (
	RoleMember Role = 0
	RoleAdmin  Role = 1
	RoleOwner  Role = 2
)

// Group is a group chat's settings. Its ID is its chat's conversation ID.
type Group struct {
	ID               hongyan.ConversationID
	Name             string
	Avatar           string // image hash ("" when none)
	Announcement     string
	AnnouncementTime time.Time
	Owner            hongyan.UserID
	Approval         bool // invitations by plain members wait for approval
	MutedAll         bool // only the owner and admins may post
	Dissolved        bool
	QRCode           string // "" until first asked for
	QRExpires        time.Time
	Created          time.Time
	Members          int // active members, kept by the store
	// Version counts the group's changes; Apply succeeds only on the
	// version it read, so concurrent changes cannot overrun a limit.
	Version int64
}

// Member is one user's membership of a group.
type Member struct {
	Group         hongyan.ConversationID
	User          hongyan.UserID
	Role          Role
	Nickname      string // their nickname in this group
	Muted         bool   // may not post
	Saved         bool   // saved to their contacts
	ShowNicknames bool
	Joined        time.Time
	Active        bool // false once they left or were removed
}

// Admin reports whether m is the owner or an admin.
func (m Member) Admin() bool { return m.Active && m.Role >= RoleAdmin }

// InvitationState is where an invitation stands. The values are those of
// the protocol.
type InvitationState int8

// The invitation states.
const (
	StateApproval InvitationState = 0 // waits for the owner's or an admin's approval
	StateInvited  InvitationState = 1 // waits for the invitee to accept
	StateJoined   InvitationState = 2
	StateDeclined InvitationState = 3
)

// Invitation is an invitation into a group that is not yet settled, or was.
type Invitation struct {
	ID      int64
	Group   hongyan.ConversationID
	Inviter hongyan.UserID
	Invitee hongyan.UserID
	State   InvitationState
	ByQR    bool
	Created time.Time
	Updated time.Time
	// Notify lists who is told of this invitation when it is stored.
	Notify []hongyan.UserID
}

// Pending reports whether the invitation still waits for someone.
func (i Invitation) Pending() bool { return i.State == StateApproval || i.State == StateInvited }

// NoticeKind says what a notice reports. The values are those of the
// protocol.
type NoticeKind int

// The notices.
const (
	NoticeCreated       NoticeKind = 1
	NoticeJoined        NoticeKind = 2
	NoticeQRJoined      NoticeKind = 3
	NoticeLeft          NoticeKind = 4
	NoticeRemoved       NoticeKind = 5
	NoticeRenamed       NoticeKind = 6
	NoticeAnnouncement  NoticeKind = 7
	NoticeOwner         NoticeKind = 8
	NoticeAdminAdded    NoticeKind = 9
	NoticeAdminRemoved  NoticeKind = 10
	NoticeMemberMuted   NoticeKind = 11
	NoticeMemberUnmuted NoticeKind = 12
	NoticeAllMuted      NoticeKind = 13
	NoticeAllUnmuted    NoticeKind = 14
	NoticeApprovalOn    NoticeKind = 15
	NoticeApprovalOff   NoticeKind = 16
	NoticeAvatar        NoticeKind = 17
	NoticeDissolved     NoticeKind = 18
)

// Notice is a group change as its chat shows it: Actor did Kind to Users.
type Notice struct {
	Kind  NoticeKind
	Actor hongyan.UserID
	Users []hongyan.UserID
	Text  string
	// All alerts every member, also those who muted the group (an
	// announcement).
	All bool
}
