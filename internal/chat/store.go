package chat

import (
	"context"

	"hongyan/internal/hongyan"
)

// Store keeps conversations, messages and conversation states durably.
// A missing object is an error with hongyan.CodeNotFound.
type Store interface {
	// AppendMessage commits m.Message to the conversation of m.A and m.B
	// (creating it on first use) with the next sequence, and appends one
	// change-log entry of kind hongyan.ChangeMessage per user in notify,
	// atomically, and returns only after the commit is durable. If the
	// sender already has a message with m.Message.ClientID, it returns that
	// message and dup=true and changes nothing. Concurrent calls may share
	// one commit.
	AppendMessage(ctx context.Context, m NewMessage, notify []hongyan.UserID) (msg Message, changes []hongyan.Change, dup bool, err error)

	Conversation(ctx context.Context, id hongyan.ConversationID) (Conversation, error)
	// Message returns message id.
	Message(ctx context.Context, id hongyan.MessageID) (Message, error)
	// RecallMessage empties message id's text and sets its kind to
	// KindRecalled, appending changes, atomically.
	RecallMessage(ctx context.Context, id hongyan.MessageID, changes []hongyan.Change) ([]hongyan.Change, error)
	// HideMessage hides message m from user only ("delete for me"),
	// appending changes, atomically. Hiding it again changes nothing but
	// still appends the changes.
	HideMessage(ctx context.Context, user hongyan.UserID, m Message, changes []hongyan.Change) ([]hongyan.Change, error)
	// Hidden returns everything user hid from themselves: the messages they
	// deleted for themselves and the chats they cleared (with positions).
	// It is read once per page of catch-up, so it is two small queries.
	Hidden(ctx context.Context, user hongyan.UserID) (Hidden, error)
	// Search returns up to limit messages, newest first, from the
	// conversations user belongs to (only conv when it is not 0), whose
	// text contains query (ignoring ASCII case), with ID below before (all
	// when before is 0). Recalled messages, messages user hid and messages
	// up to user's ClearedSeq are never found.
	Search(ctx context.Context, user hongyan.UserID, conv hongyan.ConversationID, query string, before hongyan.MessageID, limit int) ([]Message, error)
	// Messages returns up to limit messages of conv with seq < before (all
	// when before is 0), oldest first.
	Messages(ctx context.Context, conv hongyan.ConversationID, before int64, limit int) ([]Message, error)
	// MessagesAt returns the messages at the given positions, in any order,
	// skipping positions that hold none.
	MessagesAt(ctx context.Context, refs []Ref) ([]Message, error)

	// Summaries lists user's conversations, most recent first.
	Summaries(ctx context.Context, user hongyan.UserID, limit int) ([]Summary, error)
	Summary(ctx context.Context, user hongyan.UserID, conv hongyan.ConversationID) (Summary, error)
	// PutState stores s (a missing state is the zero State). ReadSeq and
	// ClearedSeq never move backwards: a smaller one than stored (two
	// devices racing) keeps the stored one.
	PutState(ctx context.Context, s State, changes []hongyan.Change) ([]hongyan.Change, error)
}

// Ref names a message by its position.
type Ref struct {
	Conversation hongyan.ConversationID
	Seq          int64
}

// Hidden is what one user no longer sees: messages deleted for themselves,
// and for each cleared chat the position it was cleared up to.
type Hidden struct {
	Messages map[Ref]bool
	Cleared  map[hongyan.ConversationID]int64
}

// Hides reports whether m is hidden.
func (h Hidden) Hides(m Message) bool {
	return m.Seq <= h.Cleared[m.Conversation] || h.Messages[Ref{Conversation: m.Conversation, Seq: m.Seq}]
}
