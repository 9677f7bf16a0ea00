package chat

import (
	"context"
	"time"

	"hongyan/internal/hongyan"
)

// The chat feature's storage, split by concern into small ports (each with
// its part of the conformance suite, chattest). A missing object is an
// error with hongyan.CodeNotFound.

// Store is every part; one storage implementation provides all.
type Store interface {
	Messages
	Conversations
	Views
}

// Messages keeps the messages of conversations.
type Messages interface {
	// AppendMessage commits m.Message to the conversation of m.A and m.B
	// (creating it on first use) with the next sequence, and appends one
	// change-log entry of kind hongyan.ChangeMessage per user in notify,
	// atomically, and returns only after the commit is durable. If the
	// sender already has a message with m.Message.ClientID, it returns that
	// message and dup=true and changes nothing. Concurrent calls may share
	// one commit.
	//
	// For a group chat (m.Group set, notify nil) the store notifies the
	// group's members at the moment of the commit, and fails with
	// hongyan.CodeNotFound if the sender is not one of them then. The
	// mentioned users (or all, with MentionAll) are recorded so that
	// Summary can count unread mentions.
	AppendMessage(ctx context.Context, m NewMessage, notify []hongyan.UserID) (msg Message, changes []hongyan.Change, dup bool, err error)

	// Message returns message id.
	Message(ctx context.Context, id hongyan.MessageID) (Message, error)

	// Messages returns up to limit messages of conv with seq < before (all
	// when before is 0), oldest first.
	Messages(ctx context.Context, conv hongyan.ConversationID, before int64, limit int) ([]Message, error)

	// MessagesAt returns the messages at the given positions, in any order,
	// skipping positions that hold none.
	MessagesAt(ctx context.Context, refs []Ref) ([]Message, error)

	// RecallMessage empties message id's text and sets its kind to
	// KindRecalled, appending changes, atomically.
	RecallMessage(ctx context.Context, id hongyan.MessageID, changes []hongyan.Change) ([]hongyan.Change, error)

	// Search returns up to limit messages, newest first, from the
	// conversations user belongs to (only conv when it is not 0), whose
	// text contains query (ignoring ASCII case), with ID below before (all
	// when before is 0). Recalled messages, messages user hid and messages
	// up to user's ClearedSeq are never found; in group chats only messages
	// inside user's window are.
	Search(ctx context.Context, user hongyan.UserID, conv hongyan.ConversationID, query string, before hongyan.MessageID, limit int) ([]Message, error)

	// MediaVisible reports whether a message of conv at a position inside
	// w carries media id (as Message.MediaIDs lists it); recalled and
	// deleted messages carry none. indexed is false while the store is
	// still indexing the media of messages it held before it kept this
	// index: found may then miss those.
	MediaVisible(ctx context.Context, conv hongyan.ConversationID, id string, w Window) (found, indexed bool, err error)

	// DeleteBefore deletes up to limit of the oldest messages sent before t
	// (with what refers to them) and returns how many it deleted.
	DeleteBefore(ctx context.Context, t time.Time, limit int) (int, error)
}

// Conversations keeps conversations, who belongs to them and the chat
// list built from them.
type Conversations interface {
	Conversation(ctx context.Context, id hongyan.ConversationID) (Conversation, error)

	// DirectConversation returns the one-to-one conversation of a and b
	// (0 < a ≤ b), creating it empty if it does not exist yet.
	DirectConversation(ctx context.Context, a, b hongyan.UserID) (Conversation, error)

	// Window returns the part of group chat conv that user sees, also after
	// they left it; CodeNotFound if they never belonged to it.
	Window(ctx context.Context, conv hongyan.ConversationID, user hongyan.UserID) (Window, error)

	// Audience lists the users who see position seq of group chat conv:
	// those whose window covers it.
	Audience(ctx context.Context, conv hongyan.ConversationID, seq int64) ([]hongyan.UserID, error)

	// Summaries lists user's conversations, most recent first: one-to-one
	// chats and the group chats they belong or belonged to (Last and the
	// unread counts then stay inside their window). Last is blank (the
	// zero Message) when user deleted it for themselves or cleared the chat
	// past it. It costs the same few queries however many rows it returns.
	Summaries(ctx context.Context, user hongyan.UserID, limit int) ([]Summary, error)

	Summary(ctx context.Context, user hongyan.UserID, conv hongyan.ConversationID) (Summary, error)

	// ConversationIDs lists up to limit of the conversations user belongs
	// or belonged to (those Summaries lists) with an ID above after, in
	// ascending order: a stable order to page through all of them.
	ConversationIDs(ctx context.Context, user hongyan.UserID, after hongyan.ConversationID, limit int) ([]hongyan.ConversationID, error)
}

// Views keeps what each user changed of their own view of a
// conversation: its state (mute, pin, draft, read and cleared positions)
// and the messages they deleted for themselves.
type Views interface {
	// PutState applies c to the state of a conversation c.User is a member
	// of (a missing state is the zero State): only the fields c sets
	// change, and ReadSeq and ClearedSeq never move backwards.
	PutState(ctx context.Context, c StateChange, changes []hongyan.Change) ([]hongyan.Change, error)

	// HideMessage hides message m from user only ("delete for me"),
	// appending changes, atomically. Hiding it again changes nothing but
	// still appends the changes.
	HideMessage(ctx context.Context, user hongyan.UserID, m Message, changes []hongyan.Change) ([]hongyan.Change, error)

	// Hidden returns everything user hid from themselves: the messages they
	// deleted for themselves and the chats they cleared (with positions).
	// It also holds the user's window of every group chat they belong or
	// belonged to. It is read once per page of catch-up, so it is a few
	// small queries.
	Hidden(ctx context.Context, user hongyan.UserID) (Hidden, error)
}

// Ref names a message by its position.
type Ref struct {
	Conversation hongyan.ConversationID
	Seq          int64
}

// Hidden is what one user does not see: messages deleted for themselves,
// for each cleared chat the position it was cleared up to, and outside
// their window of each group chat.
type Hidden struct {
	Messages map[Ref]bool
	Cleared  map[hongyan.ConversationID]int64
	Windows  map[hongyan.ConversationID]Window
}

// Hides reports whether m is hidden. A group chat message is hidden unless
// it is inside the user's window; m.Conversation must be a conversation of
// the user's.
func (h Hidden) Hides(m Message) bool {
	if w, ok := h.Windows[m.Conversation]; ok && !w.Covers(m.Seq) {
		return true
	}
	return m.Seq <= h.Cleared[m.Conversation] || h.Messages[Ref{Conversation: m.Conversation, Seq: m.Seq}]
}
