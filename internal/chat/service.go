package chat

import (
	"context"
	"strconv"
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

// Groups decides who may post what in a group chat (the group feature).
type Groups interface {
	// CanPost returns nil if user may post in group chat conv, mentioning
	// mentions (or everyone, with all), or an error saying why not.
	CanPost(ctx context.Context, conv hongyan.ConversationID, user hongyan.UserID, mentions []hongyan.UserID, all bool) error
}

// MediaFiles vouches for the media a message carries (the media feature).
type MediaFiles interface {
	// Attach returns media id if user may send it (they uploaded it, or
	// can see it) and records that it is sent into conv, so that conv's
	// members may download it.
	Attach(ctx context.Context, user hongyan.UserID, id string, conv hongyan.ConversationID) (Media, error)
	// Keep lets user read media ids, which they can read now, from now on
	// whatever becomes of the message carrying them: user keeps a copy of
	// it (a favorite).
	Keep(ctx context.Context, user hongyan.UserID, ids []string) error
}

// Previews fetch what a link card shows.
type Previews interface {
	// Preview returns the title, description and image (a media id owned
	// by user) of the page at url.
	Preview(ctx context.Context, user hongyan.UserID, url string) (Link, error)
}

// Extensions are the optional collaborators of a Service; without one, the
// messages that need it are refused as unimplemented.
type Extensions struct {
	Groups   Groups
	Media    MediaFiles
	Previews Previews
	Screen   Screener // nil: nothing is screened
}

// Limits of the chat rules.
const (
	MaxText      = 4000 // characters in a text message
	MaxTextBytes = 16 << 10
	MaxClientID  = 64
	MaxDraft     = 4000
	MaxPage      = 500 // messages or conversations in one page
	MaxMentions  = 100
	MaxPlace     = 200 // characters of a location's name or address
	MaxURL       = 2048
	MaxQuoteText = 100 // characters of a quoted message a reply shows
)

// Service implements the chat rules. It is safe for concurrent use.
type Service struct {
	store Store
	rel   Relations
	pub   hongyan.Publisher
	x     Extensions
	now   func() time.Time
	// typing limits each user's typing notices.
	typing *hongyan.Limiter
	// sends limits each user's messages (not those the server posts for
	// another feature); sendRate is its rate, for UseLimiters.
	sends    hongyan.RateLimiter
	sendRate hongyan.Rate
	// mods says who may remove others' messages in groups.
	mods Moderators
}

// New returns a Service.
func New(store Store, rel Relations, pub hongyan.Publisher) *Service {
	return &Service{store: store, rel: rel, pub: pub, now: time.Now, typing: hongyan.NewLimiter(DefaultTypingRate), sends: hongyan.NewLimiter(hongyan.Rate{})}
}

// LimitSends sets how many messages a user may send (the zero Rate, the
// default: no limit), counted in this process's memory; call it before
// use, and before UseLimiters.
func (s *Service) LimitSends(r hongyan.Rate) { s.sendRate, s.sends = r, hongyan.NewLimiter(r) }

// UseLimiters counts the send limit with mk (a limit that holds across
// the nodes of a cluster), through leased quotas (hongyan.Lease): a node
// asks the shared limiter once per chunk of a user's messages, not once
// per message.
func (s *Service) UseLimiters(mk hongyan.Limiters) {
	s.sends = hongyan.Lease(mk("chat.send", s.sendRate), s.sendRate)
}

// errSendLimited refuses a message over the send limit.
var errSendLimited = hongyan.Errorf(hongyan.CodeRateLimited, "too many messages in a short time; wait a moment and send again")

// DefaultTypingRate is how many typing notices a user may send.
var DefaultTypingRate = hongyan.Rate{N: 60, Per: time.Minute}

// LimitTyping sets how many typing notices a user may send (the zero Rate:
// no limit); call it before use.
func (s *Service) LimitTyping(r hongyan.Rate) { s.typing = hongyan.NewLimiter(r) }

// Extend adds the service's optional collaborators; call it before use.
func (s *Service) Extend(x Extensions) { s.x = x }

// Outgoing is a message a device sends.
type Outgoing struct {
	Peer     hongyan.UserID         // recipient; the caller's own ID for the file-transfer assistant
	Group    hongyan.ConversationID // or a group chat
	ClientID string                 // created by the device before the first attempt
	Kind     Kind
	Text     string

	Mentions   []hongyan.UserID
	MentionAll bool
	Media      string    // image, voice, video, file, sticker: an uploaded media ID
	Location   *Location // location
	Card       hongyan.UserID
	URL        string            // link
	Quote      hongyan.MessageID // reply to this message of the same chat

	// content, when set, is a copy of another message's content (forward):
	// Kind, Text and content are taken from it as they are.
	content *Message
	// screened: the Screener has seen this content already (a broadcast
	// is screened once, not per recipient).
	screened bool
	// flagged: the Screener flagged this content and let it through
	// (with screened).
	flagged bool
	// posted: the server posts it for another feature (a call record, a
	// money card, an app card): the send limit does not apply.
	posted bool
}

// Send commits a message and returns it once it is durable. A retry with
// the same ClientID returns the original message (same ID and sequence) and
// delivers nothing again.
func (s *Service) Send(ctx context.Context, c hongyan.Caller, o Outgoing) (Message, error) {
	if o.ClientID == "" || len(o.ClientID) > MaxClientID || !utf8.ValidString(o.ClientID) {
		return Message{}, hongyan.Errorf(hongyan.CodeInvalid, "client message ID must be 1 to %d bytes", MaxClientID)
	}
	if (o.Peer <= 0) == (o.Group <= 0) {
		return Message{}, hongyan.Errorf(hongyan.CodeInvalid, "a message goes to one recipient or one group")
	}
	if len(o.Mentions) > MaxMentions {
		return Message{}, hongyan.Errorf(hongyan.CodeInvalid, "at most %d mentions", MaxMentions)
	}
	if o.Peer > 0 && (len(o.Mentions) > 0 || o.MentionAll) {
		return Message{}, hongyan.Errorf(hongyan.CodeInvalid, "mentions are for group chats")
	}
	m := Message{Sender: c.User, SenderDevice: c.Device, ClientID: o.ClientID, Time: s.now()}
	if !o.posted {
		if err := hongyan.Limit(ctx, s.sends, strconv.FormatInt(int64(c.User), 10), m.Time, errSendLimited); err != nil {
			return Message{}, err
		}
	}
	if o.content != nil {
		copyContent(&m, *o.content)
	} else if err := checkContent(o); err != nil {
		return Message{}, err
	}
	nm := NewMessage{Group: o.Group, Message: m}
	var notify []hongyan.UserID
	if o.Group > 0 {
		if s.x.Groups == nil {
			return Message{}, hongyan.Errorf(hongyan.CodeUnimplemented, "group chats are not available")
		}
		if err := s.x.Groups.CanPost(ctx, o.Group, c.User, o.Mentions, o.MentionAll); err != nil {
			return Message{}, err
		}
		nm.Message.Mentions, nm.Message.MentionAll = dedupe(o.Mentions), o.MentionAll
	} else {
		if err := s.rel.CanMessage(ctx, c.User, o.Peer); err != nil {
			return Message{}, err
		}
		nm.A, nm.B = min(c.User, o.Peer), max(c.User, o.Peer)
		notify = members(Conversation{A: nm.A, B: nm.B})
	}
	flagged, err := s.screen(ctx, c.User, o)
	if err != nil {
		return Message{}, err
	}
	nm.Message.Spam = flagged
	if o.content == nil {
		if err := s.fill(ctx, c, o, &nm); err != nil {
			return Message{}, err
		}
	} else if err := s.attachCopies(ctx, c, &nm); err != nil {
		return Message{}, err
	}
	msg, changes, dup, err := s.store.AppendMessage(ctx, nm, notify)
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

// access returns conversation id and the caller's window of it if the
// caller is (or, in a group chat, was) a member; anything else is not
// found.
func (s *Service) access(ctx context.Context, c hongyan.Caller, id hongyan.ConversationID) (Conversation, Window, error) {
	notFound := hongyan.Errorf(hongyan.CodeNotFound, "no such conversation")
	conv, err := s.store.Conversation(ctx, id)
	if err != nil {
		if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
			err = notFound
		}
		return Conversation{}, Window{}, err
	}
	if !conv.Group {
		if !conv.Has(c.User) {
			return Conversation{}, Window{}, notFound
		}
		return conv, Window{From: 1}, nil
	}
	w, err := s.store.Window(ctx, id, c.User)
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
		err = notFound
	}
	return conv, w, err
}

// conversation returns conv if the caller is (or was) a member of it.
func (s *Service) conversation(ctx context.Context, c hongyan.Caller, id hongyan.ConversationID) (Conversation, error) {
	conv, _, err := s.access(ctx, c, id)
	return conv, err
}

// message returns message id with its conversation if it belongs to one of
// the caller's chats and the caller sees it; any other message is simply
// not found.
func (s *Service) message(ctx context.Context, c hongyan.Caller, id hongyan.MessageID) (Message, Conversation, error) {
	notFound := hongyan.Errorf(hongyan.CodeNotFound, "no such message")
	m, err := s.store.Message(ctx, id)
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
		return Message{}, Conversation{}, notFound
	}
	if err != nil {
		return Message{}, Conversation{}, err
	}
	conv, w, err := s.access(ctx, c, m.Conversation)
	if err != nil || !w.Covers(m.Seq) {
		return Message{}, Conversation{}, notFound
	}
	return m, conv, nil
}

// History returns up to limit messages of a conversation of the caller
// before sequence before (0: the newest), oldest first.
func (s *Service) History(ctx context.Context, c hongyan.Caller, id hongyan.ConversationID, before int64, limit int) ([]Message, error) {
	_, w, err := s.access(ctx, c, id)
	if err != nil {
		return nil, err
	}
	if before < 0 {
		return nil, hongyan.Errorf(hongyan.CodeInvalid, "before must not be negative")
	}
	if w.To > 0 && (before == 0 || before > w.To+1) {
		before = w.To + 1 // a former member's history ends where they left
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
	return s.store.Summary(ctx, c.User, id)
}

// Conversations lists the caller's chats: pinned first, then newest.
func (s *Service) Conversations(ctx context.Context, c hongyan.Caller, limit int) ([]Summary, error) {
	return s.store.Summaries(ctx, c.User, pageSize(limit))
}

// ConversationIDs pages through all the caller's chats, in ascending ID
// order: up to limit (at most MaxPage) with an ID above after.
func (s *Service) ConversationIDs(ctx context.Context, c hongyan.Caller, after hongyan.ConversationID, limit int) ([]hongyan.ConversationID, error) {
	return s.store.ConversationIDs(ctx, c.User, after, pageSize(limit))
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
	st := StateChange{User: c.User, Conversation: id, Muted: u.Muted, Pinned: u.Pinned}
	if u.Draft != nil {
		if err := hongyan.ValidText("draft", *u.Draft, MaxDraft); err != nil {
			return Summary{}, err
		}
		st.Draft = u.Draft
	}
	if u.ReadSeq < 0 {
		return Summary{}, hongyan.Errorf(hongyan.CodeInvalid, "read position must not be negative")
	}
	// The read position only moves forward (the store keeps the larger)
	// and never past the last message.
	st.ReadSeq = min(u.ReadSeq, conv.LastSeq)
	if u.Clear {
		st.ClearedSeq, st.ReadSeq = conv.LastSeq, conv.LastSeq
	}
	changes, err := s.store.PutState(ctx, st, []hongyan.Change{{User: c.User, Kind: hongyan.ChangeConversation, Conversation: id}})
	if err != nil {
		return Summary{}, err
	}
	s.pub.PublishChanges(ctx, changes)
	return s.store.Summary(ctx, c.User, id)
}

// Typing tells the other member of a conversation that the caller is
// typing. It is ephemeral: nothing is stored. Notices past the caller's
// rate, and those to someone the caller may not message (who blocked the
// caller, or is no longer a friend), are dropped without a word, as a
// message to them would not be delivered either.
func (s *Service) Typing(ctx context.Context, c hongyan.Caller, id hongyan.ConversationID) error {
	if !s.typing.Allow(strconv.FormatInt(int64(c.User), 10), s.now()) {
		return nil
	}
	conv, err := s.conversation(ctx, c, id)
	if err != nil {
		return err
	}
	peer := conv.Peer(c.User)
	if conv.Group || peer == c.User {
		return nil // no typing indicator in group chats
	}
	if err := s.rel.CanMessage(ctx, c.User, peer); err != nil {
		if code := hongyan.ErrorCode(err); code == hongyan.CodeInternal || code == hongyan.CodeUnavailable {
			return err
		}
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
// (or was) one of them.
func (s *Service) Members(ctx context.Context, c hongyan.Caller, id hongyan.ConversationID) (Conversation, error) {
	return s.conversation(ctx, c, id)
}

// CanReadMedia reports whether user may download media id, which was
// attached to a message sent into conv: a message of conv that carries it,
// not recalled or deleted, lies in the part of conv user sees (in a group
// chat, their window: not before they joined, not after they left). A
// store still indexing the media of messages from before it kept that
// index answers by membership alone until it is done.
func (s *Service) CanReadMedia(ctx context.Context, user hongyan.UserID, conv hongyan.ConversationID, id string) (bool, error) {
	_, w, err := s.access(ctx, hongyan.Caller{User: user}, conv)
	switch hongyan.ErrorCode(err) {
	case "":
	case hongyan.CodeNotFound:
		return false, nil
	default:
		return false, err
	}
	found, indexed, err := s.store.MediaVisible(ctx, conv, id, w)
	if err != nil {
		return false, err
	}
	return found || !indexed, nil
}
