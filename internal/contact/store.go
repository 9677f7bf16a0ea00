package contact

import (
	"context"

	"hongyan/internal/hongyan"
)

// Store keeps contacts, friend requests and blocks durably. Methods that take
// changes append them to the users' change logs in the same transaction and
// return them with sequences assigned. A missing object is an error with
// hongyan.CodeNotFound.
type Store interface {
	// CreateRequest inserts r and returns its new ID. Change entries of kind
	// hongyan.ChangeFriendRequest with Ref 0 are given Ref = the new ID.
	CreateRequest(ctx context.Context, r Request, changes []hongyan.Change) (int64, []hongyan.Change, error)
	Request(ctx context.Context, id int64) (Request, error)
	// Requests lists requests to or from user, newest first.
	Requests(ctx context.Context, user hongyan.UserID, limit int) ([]Request, error)
	// AnswerRequest moves pending request id to state and inserts adds (the
	// new contact entries; an entry that exists already is kept as it is)
	// in one transaction. It returns
	// hongyan.CodePrecondition when the request is no longer pending.
	AnswerRequest(ctx context.Context, id int64, state RequestState, adds []Contact, changes []hongyan.Change) ([]hongyan.Change, error)
	// AddContacts upserts contact entries, keeping existing remarks and tags.
	AddContacts(ctx context.Context, adds []Contact, changes []hongyan.Change) ([]hongyan.Change, error)

	Contacts(ctx context.Context, owner hongyan.UserID) ([]Contact, error)
	Contact(ctx context.Context, owner, user hongyan.UserID) (Contact, error)
	// UpdateContact replaces the editable fields of an existing entry.
	UpdateContact(ctx context.Context, c Contact, changes []hongyan.Change) ([]hongyan.Change, error)
	// DeleteContact removes owner's entry for user (not_found if none).
	DeleteContact(ctx context.Context, owner, user hongyan.UserID, changes []hongyan.Change) ([]hongyan.Change, error)

	// SetBlocked records whether owner blocks user. A new block is refused
	// with CodePrecondition when owner already blocks max users (max > 0).
	SetBlocked(ctx context.Context, owner, user hongyan.UserID, blocked bool, max int, changes []hongyan.Change) ([]hongyan.Change, error)
	// Relation reports, in one read, how from and to stand towards each
	// other (the check made on every message sent).
	Relation(ctx context.Context, from, to hongyan.UserID) (Relation, error)
	// Friends returns owner's entries for the users who hold owner as a
	// contact too, with no block either way, ordered by user ID.
	Friends(ctx context.Context, owner hongyan.UserID) ([]Contact, error)
	// RelationsVersion returns a number that changes, in the same
	// transaction, whenever any contact entry or block is added or removed
	// (by any node): relations read while it stays the same are current.
	RelationsVersion(ctx context.Context) (int64, error)
	// Blocked reports whether owner has blocked user.
	Blocked(ctx context.Context, owner, user hongyan.UserID) (bool, error)
}
