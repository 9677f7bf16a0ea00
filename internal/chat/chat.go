package chat

import (
	"slices"
	"time"

	"hongyan/internal/hongyan"
)

// Kind is the kind of a message.
type Kind int8

// The message kinds.
const (
	KindText     Kind = 0
	KindImage    Kind = 1 // Media: an image (class image)
	KindVoice    Kind = 2 // Media: a voice clip of at most 60 s
	KindVideo    Kind = 3 // Media: a video
	KindFile     Kind = 4 // Media: a file; Text is its name
	KindLocation Kind = 5 // Location; Text is the place name
	KindSticker  Kind = 6 // Media: a sticker image
	KindCard     Kind = 7 // Card: a contact card
	KindLink     Kind = 8 // Link: a link with its preview
	KindHistory  Kind = 9 // History: messages forwarded together
	KindNotice   Kind = 10
	// Money cards, posted by the server for the wallet: Money says which
	// transfer or red packet; Text is its note or greeting.
	KindTransfer  Kind = 11
	KindRedPacket Kind = 12
	// KindAppCard is a group app's card (a poll or homework posted, a
	// poll closed, a reminder), posted by the server for the group-app
	// feature: App says which object; Text is its title.
	KindAppCard Kind = 120
	// KindCall is a call's record, posted by the server for the call
	// feature as the caller's message: Call says how it went.
	KindCall Kind = 30
	// KindNotice is a group change, written by the group feature in order
	// with the messages; clients never send one.

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

	// Group chats: who is mentioned; MentionAll mentions everyone.
	Mentions   []hongyan.UserID `json:",omitempty"`
	MentionAll bool             `json:",omitempty"`
	// What the kind carries beside Text; at most one is set.
	Media    *Media         `json:",omitempty"`
	Location *Location      `json:",omitempty"`
	Card     hongyan.UserID `json:",omitempty"`
	Money    *Money         `json:",omitempty"`
	App      *AppCard       `json:",omitempty"`
	Call     *CallRecord    `json:",omitempty"`
	Link     *Link          `json:",omitempty"`
	History  *History       `json:",omitempty"`
	Notice   *Notice        `json:",omitempty"`
	// Quote is the message this one replies to.
	Quote *Quote `json:",omitempty"`
	// Spam: the spam screener flagged the message and let it through
	// (spam.action = "report"); recipients are warned. A recall drops it
	// with the content.
	Spam bool `json:",omitempty"`
}

// Media is an uploaded file a message carries, as the media feature
// described it when the message was sent.
type Media struct {
	ID         string
	Class      string // image, voice, video, file or sticker
	Type       string // sniffed MIME type
	Size       int64
	Width      int    `json:",omitempty"`
	Height     int    `json:",omitempty"`
	DurationMS int    `json:",omitempty"`
	Name       string `json:",omitempty"`
	Thumbnail  bool   `json:",omitempty"`
	Poster     string `json:",omitempty"`
}

// Location is a shared place.
type Location struct {
	Latitude, Longitude float64
	Name, Address       string `json:",omitempty"`
}

// Link is a link card: its preview was fetched by the server when sent.
type Link struct {
	URL                       string
	Title, Description, Image string `json:",omitempty"`
}

// Quote is the part of a quoted message a reply shows.
type Quote struct {
	Message hongyan.MessageID
	Sender  hongyan.UserID
	Kind    Kind
	Text    string `json:",omitempty"`
}

// History is a merged forward: copies of the originals, in order.
type History struct {
	Title    string
	Messages []Message
}

// NoticeKind says which group change a notice reports. The values are
// those of the protocol's NoticeKind.
type NoticeKind int

// Notice is a group change shown in the chat: Actor did Kind to Users
// (Text: a new name or announcement).
type Notice struct {
	Kind  NoticeKind
	Actor hongyan.UserID   `json:",omitempty"`
	Users []hongyan.UserID `json:",omitempty"`
	Text  string           `json:",omitempty"`
}

// Conversation is a one-to-one conversation between A and B (A ≤ B; A == B
// for the file-transfer assistant), or a group chat (Group; A and B 0),
// whose members the group feature keeps.
type Conversation struct {
	ID      hongyan.ConversationID
	A, B    hongyan.UserID
	Group   bool
	LastSeq int64
}

// Has reports whether u is a member of one-to-one conversation c.
func (c Conversation) Has(u hongyan.UserID) bool { return !c.Group && (u == c.A || u == c.B) }

// Peer returns the other member of c as seen by u (0 in a group chat).
func (c Conversation) Peer(u hongyan.UserID) hongyan.UserID {
	switch {
	case c.Group:
		return 0
	case u == c.A:
		return c.B
	}
	return c.A
}

// Window is the part of a group chat a member sees: positions From to To
// (To 0: still a member, so everything from From on).
type Window struct{ From, To int64 }

// Covers reports whether position seq is inside w.
func (w Window) Covers(seq int64) bool { return seq >= w.From && (w.To == 0 || seq <= w.To) }

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

// StateChange changes some of one user's settings of a conversation: the
// fields it sets, leaving the others as they are stored, so that devices
// changing different settings at once do not undo each other's.
type StateChange struct {
	User         hongyan.UserID
	Conversation hongyan.ConversationID
	Muted        *bool   // nil keeps the stored value
	Pinned       *bool   // nil keeps the stored value
	Draft        *string // nil keeps the stored value
	// ReadSeq and ClearedSeq move forward only: a smaller one than stored
	// (two devices racing), or 0, keeps the stored one.
	ReadSeq    int64
	ClearedSeq int64
}

// Change is the StateChange that sets every field of s.
func (s State) Change() StateChange {
	return StateChange{User: s.User, Conversation: s.Conversation, Muted: &s.Muted, Pinned: &s.Pinned, Draft: &s.Draft,
		ReadSeq: s.ReadSeq, ClearedSeq: s.ClearedSeq}
}

// Summary is one row of a user's chat list.
type Summary struct {
	Conversation Conversation
	State        State
	Unread       int // messages after ReadSeq not sent by the user
	// UnreadMentions counts unread messages mentioning the user (or all).
	UnreadMentions int
	Last           Message // zero when the conversation is empty
}

// NewMessage is a message to append to the conversation between A and B,
// or to group chat Group.
type NewMessage struct {
	A, B    hongyan.UserID // members, A ≤ B
	Group   hongyan.ConversationID
	Message Message // Sender, SenderDevice, ClientID, Kind, Text, Time and content
}

// MediaIDs lists, once each, the media objects m carries: its media and
// that media's poster, its link's image, an app card's image, and those of the messages of a
// forwarded chat history. Whoever sees m may download them.
func (m Message) MediaIDs() []string {
	var ids []string
	add := func(id string) {
		if id != "" && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	var carry func(m Message)
	carry = func(m Message) {
		if m.Media != nil {
			add(m.Media.ID)
			add(m.Media.Poster)
		}
		if m.Link != nil {
			add(m.Link.Image)
		}
		if m.App != nil {
			add(m.App.Image)
		}
		if m.History != nil {
			for _, h := range m.History.Messages {
				carry(h)
			}
		}
	}
	carry(m)
	return ids
}

// AppCard is what a group app's card shows: which app's object (Item),
// and what happened to it (Kind); the values are those of the group-app
// feature and the protocol.
type AppCard struct {
	App  int8  `json:"app"`
	Kind int8  `json:"kind"`
	Item int64 `json:"item"`
	// Count: how many things the card reports (photos added to an
	// album); 0 when it reports one.
	Count int32 `json:"count,omitempty"`
	// A third-party app's card (posted through the bot API with
	// apps:write; App is the protocol's GROUP_APP_THIRD_PARTY, Item the
	// app's bot ID): its description, the http(s) URL it opens, an image
	// (a media ID, carried like a link's image) and the app's name.
	Description string `json:"desc,omitempty"`
	URL         string `json:"url,omitempty"`
	Image       string `json:"image,omitempty"`
	AppName     string `json:"name,omitempty"`
}

// CallRecord is what a call record shows: the call, how it ended (the
// call feature's End, the protocol's CallEnd), voice or video, and how
// long an accepted call lasted.
type CallRecord struct {
	Call       int64 `json:"call"`
	End        int   `json:"end,omitempty"`
	Video      bool  `json:"video,omitempty"`
	DurationMS int64 `json:"ms,omitempty"`
}

// Money is what a transfer or red-packet card shows: the wallet's object
// (its state is the wallet's to tell) and, for a transfer, its amount.
type Money struct {
	Transfer int64 `json:"transfer,omitempty"`
	Packet   int64 `json:"packet,omitempty"`
	Amount   int64 `json:"amount,omitempty"`
}
