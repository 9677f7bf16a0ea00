package chat

import (
	"context"
	"time"
	"unicode/utf8"

	"hongyan/internal/hongyan"
)

// Relations decides who may message whom.
type Relations interface {
	// CanMessage returns nil if from may send a one-to-one message to to,
	// or an error (with a code) saying why not.
	CanMessage(ctx context.Context, from, to hongyan.UserID) error
}

// Limits of the chat rules.
const (
	MaxText      = 4000 // characters in a text message
	MaxTextBytes = 16 << 10
	MaxClientID  = 64
	MaxDraft     = 4000
	MaxPage      = 500 // messages or conversations in one page
)

// Service implements the chat rules. It is safe for concurrent use.
type Service struct {
	store Store
	rel   Relations
	pub   hongyan.Publisher
	now   func() time.Time
}

// New returns a Service.
func New(store Store, rel Relations, pub hongyan.Publisher) *Service {
	return &Service{store: store, rel: rel, pub: pub, now: time.Now}
}

// Outgoing is a message a device sends.
type Outgoing struct {
	Peer     hongyan.UserID // recipient; the caller's own ID for the file-transfer assistant
	ClientID string         // created by the device before the first attempt
	Kind     Kind
	Text     string
}

// Send commits a message and returns it once it is durable. A retry with
// the same ClientID returns the original message (same ID and sequence) and
// delivers nothing again.
func (s *Service) Send(ctx context.Context, c hongyan.Caller, o Outgoing) (Message, error) {
	if o.ClientID == "" || len(o.ClientID) > MaxClientID || !utf8.ValidString(o.ClientID) {
		return Message{}, hongyan.Errorf(hongyan.CodeInvalid, "client message ID must be 1 to %d bytes", MaxClientID)
	}
	if o.Kind != KindText {
		return Message{}, hongyan.Errorf(hongyan.CodeUnimplemented, "unknown message kind %d", o.Kind)
	}
	if o.Text == "" {
		return Message{}, hongyan.Errorf(hongyan.CodeInvalid, "empty message")
	}
	if len(o.Text) > MaxTextBytes || utf8.RuneCountInString(o.Text) > MaxText {
		return Message{}, hongyan.Errorf(hongyan.CodeTooLarge, "a text message holds at most %d characters", MaxText)
	}
	if !utf8.ValidString(o.Text) {
		return Message{}, hongyan.Errorf(hongyan.CodeInvalid, "message is not valid UTF-8")
	}
	if o.Peer <= 0 {
		return Message{}, hongyan.Errorf(hongyan.CodeInvalid, "no recipient")
	}
	if err := s.rel.CanMessage(ctx, c.User, o.Peer); err != nil {
		return Message{}, err
	}
	a, b := c.User, o.Peer
	if a > b {
		a, b = b, a
	}
	notify := members(Conversation{A: a, B: b})
	m := NewMessage{A: a, B: b, Message: Message{
		Sender: c.User, SenderDevice: c.Device, ClientID: o.ClientID, Kind: o.Kind, Text: o.Text, Time: s.now(),
	}}
	msg, changes, dup, err := s.store.AppendMessage(ctx, m, notify)
	if err != nil {
		return Message{}, err
	}
	if !dup {
		data := EncodeMessage(nil, msg)
		for i := range changes {
			changes[i].Data = data
		}
		s.pub.PublishChanges(ctx, changes)
	}
	return msg, nil
}

// conversation returns conv if the caller is a member of it.
func (s *Service) conversation(ctx context.Context, c hongyan.Caller, id hongyan.ConversationID) (Conversation, error) {
	conv, err := s.store.Conversation(ctx, id)
	if err == nil && !conv.Has(c.User) {
		err = hongyan.Errorf(hongyan.CodeNotFound, "no such conversation")
	}
	return conv, err
}

// message returns message id with its conversation if it belongs to one of
// the caller's chats; any other message is simply not found.
func (s *Service) message(ctx context.Context, c hongyan.Caller, id hongyan.MessageID) (Message, Conversation, error) {
	notFound := hongyan.Errorf(hongyan.CodeNotFound, "no such message")
	m, err := s.store.Message(ctx, id)
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
		return Message{}, Conversation{}, notFound
	}
	if err != nil {
		return Message{}, Conversation{}, err
	}
	conv, err := s.conversation(ctx, c, m.Conversation)
	if err != nil {
		return Message{}, Conversation{}, notFound
	}
	return m, conv, nil
}

// History returns up to limit messages of a conversation of the caller
// before sequence before (0: the newest), oldest first.
func (s *Service) History(ctx context.Context, c hongyan.Caller, id hongyan.ConversationID, before int64, limit int) ([]Message, error) {
	if _, err := s.conversation(ctx, c, id); err != nil {
		return nil, err
	}
	if before < 0 {
		return nil, hongyan.Errorf(hongyan.CodeInvalid, "before must not be negative")
	}
	msgs, err := s.store.Messages(ctx, id, before, pageSize(limit))
	if err != nil {
		return nil, err
	}
	return s.visible(ctx, c, msgs)
}

// MessagesAt returns the messages at refs from conversations of the caller.
// Used to fill change-log entries the caller's devices catch up on.
func (s *Service) MessagesAt(ctx context.Context, c hongyan.Caller, refs []Ref) ([]Message, error) {
	msgs, err := s.store.MessagesAt(ctx, refs)
	if err != nil {
		return nil, err
	}
	// The refs come from the caller's own change log, but a message is
	// only ever returned to a member of its conversation.
	convs := make(map[hongyan.ConversationID]bool)
	out := msgs[:0]
	for _, m := range msgs {
		ok, seen := convs[m.Conversation]
		if !seen {
			_, err := s.conversation(ctx, c, m.Conversation)
			ok = err == nil
			convs[m.Conversation] = ok
		}
		if ok {
			out = append(out, m)
		}
	}
	return s.visible(ctx, c, out)
}

// Conversation returns the caller's conversation id with its state.
func (s *Service) Conversation(ctx context.Context, c hongyan.Caller, id hongyan.ConversationID) (Summary, error) {
	if _, err := s.conversation(ctx, c, id); err != nil {
		return Summary{}, err
	}
	sum, err := s.store.Summary(ctx, c.User, id)
	if err != nil {
		return Summary{}, err
	}
	return s.hideLast(ctx, c, sum)
}

// Conversations lists the caller's chats: pinned first, then newest.
func (s *Service) Conversations(ctx context.Context, c hongyan.Caller, limit int) ([]Summary, error) {
	sums, err := s.store.Summaries(ctx, c.User, pageSize(limit))
	if err != nil {
		return nil, err
	}
	for i := range sums {
		if sums[i], err = s.hideLast(ctx, c, sums[i]); err != nil {
			return nil, err
		}
	}
	return sums, nil
}

// StateUpdate lists the conversation settings to change; nil (or a zero
// ReadSeq, or Clear false) leaves one as is.
type StateUpdate struct {
	Muted, Pinned *bool
	Draft         *string
	ReadSeq       int64
	// Clear hides every message so far from the caller ("clear chat") and
	// marks them read.
	Clear bool
}

// SetState changes the caller's state of a conversation (mute, pin, draft,
// read position); all the caller's devices learn of it.
func (s *Service) SetState(ctx context.Context, c hongyan.Caller, id hongyan.ConversationID, u StateUpdate) (Summary, error) {
	conv, err := s.conversation(ctx, c, id)
	if err != nil {
		return Summary{}, err
	}
	sum, err := s.store.Summary(ctx, c.User, id)
	if err != nil {
		return Summary{}, err
	}
	st := sum.State
	st.User, st.Conversation = c.User, id
	if u.Muted != nil {
		st.Muted = *u.Muted
	}
	if u.Pinned != nil {
		st.Pinned = *u.Pinned
	}
	if u.Draft != nil {
		if err := hongyan.ValidText("draft", *u.Draft, MaxDraft); err != nil {
			return Summary{}, err
		}
		st.Draft = *u.Draft
	}
	if u.ReadSeq < 0 {
		return Summary{}, hongyan.Errorf(hongyan.CodeInvalid, "read position must not be negative")
	}
	// The read position only moves forward and never past the last message.
	if r := min(u.ReadSeq, conv.LastSeq); r > st.ReadSeq {
		st.ReadSeq = r
	}
	if u.Clear {
		st.ClearedSeq, st.ReadSeq = conv.LastSeq, max(st.ReadSeq, conv.LastSeq)
	}
	changes, err := s.store.PutState(ctx, st, []hongyan.Change{{User: c.User, Kind: hongyan.ChangeConversation, Conversation: id}})
	if err != nil {
		return Summary{}, err
	}
	s.pub.PublishChanges(ctx, changes)
	if sum, err = s.store.Summary(ctx, c.User, id); err != nil {
		return Summary{}, err
	}
	return s.hideLast(ctx, c, sum)
}

// Typing tells the other member of a conversation that the caller is
// typing. It is ephemeral: nothing is stored.
func (s *Service) Typing(ctx context.Context, c hongyan.Caller, id hongyan.ConversationID) error {
	conv, err := s.conversation(ctx, c, id)
	if err != nil {
		return err
	}
	peer := conv.Peer(c.User)
	if peer == c.User {
		return nil
	}
	return s.pub.Publish(ctx, peer, hongyan.Event{Kind: hongyan.EventTyping, From: c.User, Conversation: id})
}

func pageSize(n int) int {
	if n <= 0 || n > MaxPage {
		return MaxPage
	}
	return n
}

// Members returns conversation id (who its members are) if the caller is
// one of them.
func (s *Service) Members(ctx context.Context, c hongyan.Caller, id hongyan.ConversationID) (Conversation, error) {
	return s.conversation(ctx, c, id)
}
