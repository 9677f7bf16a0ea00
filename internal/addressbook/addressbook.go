// Package addressbook is the address-book part of contacts (PRODUCT §2):
// the address-book safety assistant, which keeps versioned backups of a
// phone's contacts that only their owner can read back, and finds which of
// those contacts are users here who let themselves be found by phone; and
// the shared address book of a group, which its members read and edit
// (each their own entry, the owner and admins all entries), with the
// history of every change.
//
// Privacy: a backup is sealed (AES-256-GCM under a key kept by the store
// and derived per owner) before it reaches the store, so the database
// never holds a contact's number in clear. Matching receives only keyed
// hashes of numbers (HashPhone, under the server's salt), looks them up
// and keeps nothing; it is bounded per request and by a daily quota per user
// that the store counts, so every node of a cluster enforces the same
// limit and the directory cannot be enumerated by repeated requests.
package addressbook

import (
	"context"
	"time"

	"hongyan/internal/hongyan"
)

// Contact is one person of a phone's address book.
type Contact struct {
	Name   string   `json:"n,omitempty"`
	Phones []string `json:"p,omitempty"`
	Emails []string `json:"e,omitempty"`
}

// Version describes one stored backup.
type Version struct {
	Owner    hongyan.UserID
	Version  int64 // 1, 2, … per owner
	Contacts int   // how many contacts it holds
	Created  time.Time
}

// Backup is a stored backup: its description and its sealed contacts.
type Backup struct {
	Version
	Sealed []byte
}

// Match is a hash of a phone number (see HashPhone) that belongs to a
// user who may be found by it.
type Match struct {
	Hash []byte // as uploaded
	User hongyan.UserID
}

// Salt is what a client needs to hash its contacts' numbers the way the
// server does: the server's salt and its version, the country code of
// numbers written without one (CountryCode of Config), and how many
// hashes one match request may hold.
type Salt struct {
	Salt        []byte
	Version     int64
	CountryCode string
	PerRequest  int
}

// Entry is one entry of a group's shared address book. Member is the
// member the entry belongs to (who may edit it besides the owner and
// admins); an entry added by an admin for someone who is not a member has
// Member 0.
type Entry struct {
	ID        int64
	Group     hongyan.ConversationID
	Member    hongyan.UserID
	Name      string
	Phone     string
	Email     string
	Role      string // e.g. "班主任", "treasurer"
	Notes     string
	Updated   time.Time
	UpdatedBy hongyan.UserID
}

// Action is what a change of a shared address book did. The values are
// those of the protocol.
type Action int8

// The actions.
const (
	ActionAdd    Action = 1
	ActionEdit   Action = 2
	ActionRemove Action = 3
)

// Change is one change of a group's shared address book: the entry as it
// was left (as it was before, for a removal), who changed it and when.
type Change struct {
	ID     int64
	Action Action
	Entry  Entry
	By     hongyan.UserID
	At     time.Time
}

// Store keeps address books; it is the union of the ports by concern.
type Store interface {
	Backups
	Quotas
	Books
}

// Backups keeps the users' sealed backups.
type Backups interface {
	// Key returns the store's sealing key: candidate, stored, when there
	// is none yet; the stored one otherwise. Every node gets the same.
	Key(ctx context.Context, candidate []byte) ([]byte, error)
	// AddBackup stores b as owner's next version (b.Version is assigned),
	// removes the oldest versions beyond keep, and appends changes (Ref 0
	// gets the version), atomically.
	AddBackup(ctx context.Context, b Backup, keep int, changes []hongyan.Change) (Version, []hongyan.Change, error)
	// Versions returns owner's versions, newest first.
	Versions(ctx context.Context, owner hongyan.UserID) ([]Version, error)
	Backup(ctx context.Context, owner hongyan.UserID, version int64) (Backup, error)
	// DeleteBackup removes owner's version (all when 0) and appends changes.
	DeleteBackup(ctx context.Context, owner hongyan.UserID, version int64, changes []hongyan.Change) ([]hongyan.Change, error)
}

// Quotas counts what users spend of their limits, shared by every node.
type Quotas interface {
	// Take adds n to user's count of bucket in window if the count stays
	// at most max, and reports whether it did. Older windows of the bucket
	// are forgotten.
	Take(ctx context.Context, user hongyan.UserID, bucket string, window int64, n, max int) (bool, error)
}

// Books keeps the groups' shared address books.
type Books interface {
	// Entries returns group's entries, by ID.
	Entries(ctx context.Context, group hongyan.ConversationID) ([]Entry, error)
	Entry(ctx context.Context, group hongyan.ConversationID, id int64) (Entry, error)
	// MemberEntry returns member's own entry of group.
	MemberEntry(ctx context.Context, group hongyan.ConversationID, member hongyan.UserID) (Entry, error)
	// PutEntry adds e (ID 0: its ID is assigned; a second entry of the
	// same non-zero Member is hongyan.CodeExists) or replaces entry e.ID,
	// records the change in the history, and appends changes (Ref 0 gets
	// the entry's ID), atomically.
	PutEntry(ctx context.Context, e Entry, changes []hongyan.Change) (Entry, []hongyan.Change, error)
	// RemoveEntry removes entry id of group, recording by and at in the
	// history, and appends changes.
	RemoveEntry(ctx context.Context, group hongyan.ConversationID, id int64, by hongyan.UserID, at time.Time, changes []hongyan.Change) ([]hongyan.Change, error)
	// History returns up to limit changes of group with ID below before
	// (all when 0), newest first.
	History(ctx context.Context, group hongyan.ConversationID, before int64, limit int) ([]Change, error)
}

// Directory finds users by the hash of their phone number (the account
// feature).
type Directory interface {
	// PhoneSalt returns the server's salt of phone hashes and its version.
	PhoneSalt(ctx context.Context) ([]byte, int64, error)
	// FindableByPhoneHash returns the users, by hash (a string of its
	// bytes), whose bound number hashes to one of hashes and who let others
	// find them by phone number.
	FindableByPhoneHash(ctx context.Context, hashes [][]byte) (map[string]hongyan.UserID, error)
}

// Relations tells whether two people blocked each other (the contact
// feature).
type Relations interface {
	// Blocked reports whether either of a and b has blocked the other.
	Blocked(ctx context.Context, a, b hongyan.UserID) (bool, error)
}

// Role is a member's role in a group.
type Role int8

// The roles (the group feature's values).
const (
	RoleMember Role = 0
	RoleAdmin  Role = 1
	RoleOwner  Role = 2
)

// Member is an active member of a group.
type Member struct {
	User hongyan.UserID
	Role Role
}

// Groups lists the members of groups (the group feature).
type Groups interface {
	// Members returns the active members of group if user is one of them,
	// and an error with hongyan.CodeNotFound otherwise (a stranger, a
	// removed member), or hongyan.CodePrecondition for a dissolved group.
	Members(ctx context.Context, user hongyan.UserID, group hongyan.ConversationID) ([]Member, error)
}
