// Package call is one-to-one voice and video calls between friends
// (PRODUCT §9): the call's state machine, who may call whom, the relay of
// signalling between the two devices in the call, and the call record
// posted into the chat.
//
// A call rings every device of the callee; the first to accept wins, and
// the others learn from the change log that it was answered elsewhere.
// Its state is kept in the store, never in a node's memory, so any node of
// a cluster serves either side, and its timers are deadlines in the store
// that a job sweeps: a call that rings past Config.RingTimeout ends as no
// answer, and an accepted call whose devices stop sending keep-alives past
// Config.Liveness ends as failed. Each party holds a line in the store
// while in a call, so that a second call to or from either is busy on
// every node at once.
//
// Media never passes through here. The devices exchange offers, answers
// and ICE candidates (Signal) through the service, which checks them and
// relays each to the other side's device live over the bus; they are not
// stored.
package call

import (
	"context"
	"time"

	"hongyan/internal/hongyan"
)

// State is where a call is in its life.
type State int8

// The states.
const (
	StateRinging State = 1 // placed; the callee's devices ring
	StateActive  State = 2 // accepted by one device of the callee
	StateEnded   State = 3 // over; End says how
)

// End says how a call ended. The values are the protocol's CallEnd.
type End int8

// The ends.
const (
	EndNone      End = 0 // not ended
	EndDeclined  End = 1 // the callee declined
	EndBusy      End = 2 // either party was already in a call
	EndNoAnswer  End = 3 // rang for Config.RingTimeout unanswered
	EndCancelled End = 4 // the caller hung up before an answer
	EndHungUp    End = 5 // either hung up an accepted call
	EndFailed    End = 6 // media failed, or the devices went silent
)

func (e End) String() string {
	switch e {
	case EndDeclined:
		return "declined"
	case EndBusy:
		return "busy"
	case EndNoAnswer:
		return "no_answer"
	case EndCancelled:
		return "cancelled"
	case EndHungUp:
		return "hung_up"
	case EndFailed:
		return "failed"
	}
	return "none"
}

func (s State) String() string {
	switch s {
	case StateRinging:
		return "ringing"
	case StateActive:
		return "active"
	case StateEnded:
		return "ended"
	}
	return "unknown"
}

// Call is a one-to-one call.
type Call struct {
	ID     int64
	Caller hongyan.UserID
	Callee hongyan.UserID
	// CallerDevice placed the call; CalleeDevice accepted it (0 until
	// then). Signals travel between these two.
	CallerDevice hongyan.DeviceID
	CalleeDevice hongyan.DeviceID
	Video        bool
	State        State
	End          End
	Created      time.Time
	Answered     time.Time // zero unless accepted
	Ended        time.Time // zero unless ended
	// Deadline: ringing, the call is unanswered after it; active, it
	// failed unless a keep-alive moved it.
	Deadline time.Time
	// Recorded: the call record was posted into the chat.
	Recorded bool
}

// Duration is how long an accepted call lasted (0 for one never accepted
// or not ended).
func (c Call) Duration() time.Duration {
	if c.Answered.IsZero() || c.Ended.IsZero() {
		return 0
	}
	return c.Ended.Sub(c.Answered)
}

// Party reports whether u is the caller or the callee.
func (c Call) Party(u hongyan.UserID) bool { return u == c.Caller || u == c.Callee }

// Peer returns the other party of u.
func (c Call) Peer(u hongyan.UserID) hongyan.UserID {
	if u == c.Caller {
		return c.Callee
	}
	return c.Caller
}

// Store keeps calls and the lines their parties hold, durably. A missing
// call is an error with hongyan.CodeNotFound.
type Store interface {
	// Create stores c (its ID is assigned) and, atomically, takes a line
	// for c.Caller and c.Callee. When either already holds one, c is
	// stored ended with EndBusy (Ended = c.Created) and takes no line.
	// Appends one change of kind hongyan.ChangeCall (Ref = the call) to
	// the caller, and to the callee unless busy.
	Create(ctx context.Context, c Call) (Call, []hongyan.Change, error)
	// Get returns call id.
	Get(ctx context.Context, id int64) (Call, error)
	// Update stores c's State, End, CalleeDevice, Video, Answered, Ended
	// and Deadline if the stored call is still in state from, releases
	// both parties' lines when c is ended, and appends one change of kind
	// hongyan.ChangeCall to each party (none when quiet: a keep-alive).
	// ok is false, and nothing changed, when the state moved meanwhile.
	Update(ctx context.Context, c Call, from State, quiet bool) (changes []hongyan.Change, ok bool, err error)
	// Current returns the call user holds a line in (CodeNotFound: none).
	Current(ctx context.Context, user hongyan.UserID) (Call, error)
	// Overdue returns up to limit calls, ringing or active, whose
	// deadline is before now, oldest deadline first.
	Overdue(ctx context.Context, now time.Time, limit int) ([]Call, error)
	// Unrecorded returns up to limit ended calls whose record was not
	// posted, oldest first.
	Unrecorded(ctx context.Context, limit int) ([]Call, error)
	// MarkRecorded notes that call id's record was posted.
	MarkRecorded(ctx context.Context, id int64) error
	// TakePlace counts one call placed by user in period (a number the
	// caller derives from the time) if fewer than max were counted in it,
	// and reports whether it did; in the store, so every node shares it.
	TakePlace(ctx context.Context, user hongyan.UserID, period int64, max int) (bool, error)
}
