package contact

import (
	"time"

	"hongyan/internal/hongyan"
)

// RequestState is the state of a friend request.
type RequestState int8

// The states of a friend request.
const (
	RequestPending  RequestState = 0
	RequestAccepted RequestState = 1
	RequestDeclined RequestState = 2
)

// Request is a friend request from one user to another.
type Request struct {
	ID       int64
	From, To hongyan.UserID
	Greeting string
	Remark   string // the remark From wants to give To once accepted
	State    RequestState
	Created  time.Time
	Updated  time.Time
}

// Contact is one entry of Owner's contact list: Owner's view of User.
// Friendship is mutual: both users hold an entry for each other. Deleting
// removes only the deleter's entry, after which messages are refused.
type Contact struct {
	Owner, User hongyan.UserID
	Remark      string
	Description string
	Tags        []string
	Starred     bool
	Since       time.Time
}

// Relation is how two users stand towards each other, as one send needs to
// know it: whether each holds the other as a contact, and whether To has
// blocked From.
type Relation struct {
	FromHasTo    bool
	ToHasFrom    bool
	ToBlocksFrom bool
}
