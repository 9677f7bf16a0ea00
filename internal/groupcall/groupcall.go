// Package groupcall is group voice calls and walkie-talkie rooms in a
// group (PRODUCT §9): who may join a group's room (its active members; a
// member muted in the group still may, to listen), the room's
// participants as everyone in the group sees them, who speaks, the
// walkie-talkie floor, and the cards "Group call started" and "Group call
// ended · 03:12" in the group chat.
//
// Media never passes through here: it flows through a media engine behind
// the Rooms port (the node's SFU, or an external one), which forwards the
// speakers' audio and records nothing. A group's room is one room across
// a cluster: its state in the Store, its media on the engine of the node
// that opened it (its host, under a lease), requests from devices on other
// nodes relayed to the host over the bus (docs/operations.md, "Calls: the
// SFU").
package groupcall

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"hongyan/internal/hongyan"
)

// Kind is a room's kind; the values are the protocol's GroupCallKind.
type Kind int8

// The kinds of room.
const (
	Voice  Kind = 1 // a group voice call: several speakers at once
	Talkie Kind = 2 // a walkie-talkie room: one speaker at a time
)

func (k Kind) valid() bool { return k == Voice || k == Talkie }

// MaxSDP bounds a device's SDP answer, before anything parses it.
const MaxSDP = 64 << 10

// Members tells the feature who is in a group (node fills it with the
// group feature).
type Members interface {
	// Member returns nil when user is an active member of group (muted
	// or not), and an error with CodeNotFound otherwise.
	Member(ctx context.Context, group hongyan.ConversationID, user hongyan.UserID) error
	// Members returns the active members of group, as user sees them.
	Members(ctx context.Context, group hongyan.ConversationID, user hongyan.UserID) ([]hongyan.UserID, error)
}

// Rooms is the media engine: the SFU inside the binary, or an adapter to
// an external one. Participants are named by the service; the engine only
// forwards.
type Rooms interface {
	// Join adds participant to room (made on first join) and returns the
	// engine's SDP offer and whether the participant speaks.
	Join(ctx context.Context, room string, kind Kind, participant string) (offer string, speaker bool, err error)
	// Answer completes the participant's connection with its SDP answer.
	Answer(room, participant, sdp string) error
	// Leave removes the participant (nothing when absent).
	Leave(room, participant string)
	// RequestFloor and ReleaseFloor are a walkie-talkie room's floor.
	RequestFloor(room, participant string) (granted bool, holder string, err error)
	ReleaseFloor(room, participant string)
}

// ICEServer is a STUN or TURN server a device may use to reach the
// engine.
type ICEServer struct {
	URLs                 []string
	Username, Credential string
}

// ICEServers hands out the ICE servers (TURN with short-lived
// credentials) for a user's device (node fills it).
type ICEServers interface {
	ICEServers(ctx context.Context, user hongyan.UserID) ([]ICEServer, error)
}

// Records posts a voice call's cards into its group chat (node fills it
// with the chat feature). Posting one card again posts it once.
type Records interface {
	// Started posts "Group call started" as starter's message; Ended
	// posts "Group call ended" with how long the call lasted.
	Started(ctx context.Context, r Room) error
	Ended(ctx context.Context, r Room) error
}

// Participant is one user in a room.
type Participant struct {
	User     hongyan.UserID   `json:"u"`
	Device   hongyan.DeviceID `json:"d"`
	Speaker  bool             `json:"s,omitempty"`
	Muted    bool             `json:"m,omitempty"`
	Speaking bool             `json:"k,omitempty"`
	Joined   time.Time        `json:"j"`

	engine string // the participant's name in the engine
}

// Room is a group's call or walkie-talkie room as it is now.
type Room struct {
	Group   hongyan.ConversationID `json:"g"`
	Kind    Kind                   `json:"t"`
	Starter hongyan.UserID         `json:"o,omitempty"`
	Started time.Time              `json:"b"`
	// Ended is set (and Participants empty) once the last one left.
	Ended        time.Time     `json:"e,omitzero"`
	Participants []Participant `json:"p,omitempty"`
	// FloorHolder holds a walkie-talkie room's floor (0: free) until
	// FloorUntil.
	FloorHolder hongyan.UserID `json:"f,omitempty"`
	FloorUntil  time.Time      `json:"fu,omitzero"`
}

// Duration is how long a room was open (0 unless it ended).
func (r Room) Duration() time.Duration {
	if r.Ended.IsZero() {
		return 0
	}
	return r.Ended.Sub(r.Started)
}

// Has reports whether user is in the room.
func (r Room) Has(user hongyan.UserID) bool {
	for _, p := range r.Participants {
		if p.User == user {
			return true
		}
	}
	return false
}

// maxRoomBytes bounds an encoded room (a room holds at most a few hundred
// participants).
const maxRoomBytes = 256 << 10

var errBadRoom = errors.New("malformed group call")

// EncodeRoom encodes r for the bus.
func EncodeRoom(r Room) []byte {
	b, _ := json.Marshal(r) // plain fields: cannot fail
	return b
}

// DecodeRoom decodes what EncodeRoom made; malformed or oversized input
// is an error, never a panic.
func DecodeRoom(b []byte) (Room, error) {
	var r Room
	if len(b) > maxRoomBytes {
		return r, errBadRoom
	}
	if err := json.Unmarshal(b, &r); err != nil || !r.Kind.valid() || r.Group <= 0 {
		return Room{}, errBadRoom
	}
	return r, nil
}
