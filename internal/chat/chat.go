package chat

import (
	"time"

	"hongyan/internal/hongyan"
)

// Kind is the kind of a message.
type Kind int8

// The message kinds.
const (
	KindText Kind = 0
	// KindRecalled replaces a message its sender recalled: its content is
	// gone for every member.
	KindRecalled Kind = 100
)

// Message is a message as stored once in its conversation.
type Message struct {
	ID           hongyan.MessageID
	Conversation hongyan.ConversationID
	Seq          int64 // gapless per conversation, from 1
	Sender       hongyan.UserID
	SenderDevice hongyan.DeviceID
	ClientID     string // unique per sender: retries return the original
	Kind         Kind
	Text         string
	Time         time.Time
}

// Conversation is a one-to-one conversation between A and B (A ≤ B; A == B
// for the file-transfer assistant).
type Conversation struct {
	ID      hongyan.ConversationID
	A, B    hongyan.UserID
	LastSeq int64
}

// Has reports whether u is a member of c.
func (c Conversation) Has(u hongyan.UserID) bool { return u == c.A || u == c.B }

// Peer returns the other member of c as seen by u.
func (c Conversation) Peer(u hongyan.UserID) hongyan.UserID {
	if u == c.A {
		return c.B
	}
	return c.A
}

// State is one user's state of one conversation, synced to all their devices.
type State struct {
	User         hongyan.UserID
	Conversation hongyan.ConversationID
	Muted        bool
	Pinned       bool
	Draft        string
	ReadSeq      int64
	// ClearedSeq hides every message up to it from this user ("clear
	// chat"); like ReadSeq it never moves backwards.
	ClearedSeq int64
}

// Summary is one row of a user's chat list.
type Summary struct {
	Conversation Conversation
	State        State
	Unread       int     // messages after ReadSeq not sent by the user
	Last         Message // zero when the conversation is empty
}

// NewMessage is a message to append to the conversation between A and B.
type NewMessage struct {
	A, B    hongyan.UserID // members, A ≤ B
	Message Message        // Sender, SenderDevice, ClientID, Kind, Text, Time
}
