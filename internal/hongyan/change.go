package hongyan

// ChangeKind says what a change-log entry is about.
type ChangeKind uint8

// The kinds of change-log entries. An entry names what changed; a device that
// reads it fetches (or is sent) the current state of that object.
//
// Values are allotted by feature so that features grow without colliding:
// 1–39 accounts, contacts, chat, groups, favorites; 40–59 official
// accounts; 60–79 Moments; 80–99 discovery and address books; 100–119
// wallet; 120–139 group apps and bots; 140–159 calls; 160–179 safety.
const (
	ChangeMessage       ChangeKind = 1 // a message arrived: Conversation, Ref = its sequence
	ChangeConversation  ChangeKind = 2 // this user's state of Conversation (mute, pin, draft, read)
	ChangeContact       ChangeKind = 3 // contact entry for user Ref added, edited or removed
	ChangeFriendRequest ChangeKind = 4 // friend request Ref created or answered
	ChangeProfile       ChangeKind = 5 // this user's profile or account ID changed
	ChangeSettings      ChangeKind = 6 // this user's privacy settings changed
	ChangeDevices       ChangeKind = 7 // a device signed in or out
	ChangeBlock         ChangeKind = 8 // user Ref blocked or unblocked
	ChangeMessageHidden ChangeKind = 9 // this user deleted message Ref of Conversation for themselves
	// Group chats: Conversation is the group (its chat).
	ChangeGroup           ChangeKind = 10 // the group changed, or this user joined it
	ChangeGroupRemoved    ChangeKind = 11 // this user is no longer a member
	ChangeGroupInvitation ChangeKind = 12 // invitation Ref waits for this user, or was answered
	ChangeFavorite        ChangeKind = 13 // favorite Ref saved, edited or deleted
	// Official accounts.
	ChangeOAMessage ChangeKind = 40 // message Ref between this user and an official account
	ChangeOAFollow  ChangeKind = 41 // this user followed or unfollowed official account Ref
	// ChangeOAForumReply: reply Ref was made to this user's post in an
	// official account's community.
	ChangeOAForumReply ChangeKind = 42
	// Moments.
	ChangeMomentsNotification ChangeKind = 60 // Moments notification Ref (a like, comment, reply or mention)
	ChangeMomentsRead         ChangeKind = 61 // this user read Moments notifications up to Ref
	ChangeMomentsSettings     ChangeKind = 62 // this user's Moments settings changed
	// Discovery (80–89).
	ChangeShake  ChangeKind = 80 // this user's shake was matched with user Ref
	ChangeBottle ChangeKind = 81 // bottle Ref of this user has a new message
	// Address books (90–99).
	ChangeAddressBook ChangeKind = 90 // this user's address-book backups changed (Ref = the version, 0: all)
	ChangeGroupBook   ChangeKind = 91 // entry Ref of group Conversation's shared address book changed or was removed
	// Wallet (100–119).
	ChangeWallet   ChangeKind = 100 // this user's balance changed by ledger entry Ref
	ChangeTransfer ChangeKind = 101 // transfer Ref was made or changed state
	ChangePacket   ChangeKind = 102 // red packet Ref was sent, grabbed from, finished or refunded
	// Moderation (160–169).
	ChangePenalty ChangeKind = 160 // penalty Ref of this user was imposed, lifted or its appeal decided
	// Group apps (120–129): Conversation is the group.
	ChangeGroupPoll     ChangeKind = 120 // poll Ref was created, voted on or closed
	ChangeGroupCheckin  ChangeKind = 121 // user Ref checked in: the group's check-in board changed
	ChangeGroupHomework ChangeKind = 122 // homework Ref was posted, submitted to or reminded
	// ChangeGroupAnnouncement: announcement Ref was posted, pinned, unpinned or removed.
	ChangeGroupAnnouncement ChangeKind = 123
	ChangeGroupEvent        ChangeKind = 124 // event Ref was created, signed up for, cancelled or reminded
	ChangeGroupFile         ChangeKind = 125 // file Ref was shared with the group or deleted
	ChangeGroupAlbum        ChangeKind = 126 // album Ref was created, renamed or deleted, or its photos or comments changed
	// Calls (140–149).
	ChangeCall ChangeKind = 140 // call Ref of this user was placed or changed state
	// Bots (130–139).
	ChangeBot ChangeKind = 130 // this user's bot Ref was created or its webhook changed
	// Safety and users' data (170–179).
	ChangeAccountDeletion ChangeKind = 170 // this user asked to delete their account, or the request was cancelled
)

// Change is one entry of a user's change log: the ordered list of everything
// a user's devices must learn. Seq is the per-user, gapless, increasing
// sequence assigned when the entry is committed; each device keeps a cursor
// into it.
type Change struct {
	User         UserID
	Seq          int64
	Kind         ChangeKind
	Conversation ConversationID
	Ref          int64
	// Data is an optional payload that travels with a push so that a
	// connected device need not read the store (e.g. the encoded message).
	// It is not part of the stored log.
	Data []byte
}
