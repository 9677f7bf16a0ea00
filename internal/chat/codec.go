package chat

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"time"

	"hongyan/internal/hongyan"
)

var errBadMessage = errors.New("malformed message encoding")

// EncodeMessage appends a compact binary encoding of m to b. It is how a
// message travels with its push on the bus, so that a gateway need not read
// the store to deliver it.
func EncodeMessage(b []byte, m Message) []byte {
	b = binary.AppendVarint(b, int64(m.ID))
	b = binary.AppendVarint(b, int64(m.Conversation))
	b = binary.AppendVarint(b, m.Seq)
	b = binary.AppendVarint(b, int64(m.Sender))
	b = binary.AppendVarint(b, int64(m.SenderDevice))
	b = binary.AppendVarint(b, m.Time.UnixMilli())
	b = append(b, byte(m.Kind))
	b = binary.AppendUvarint(b, uint64(len(m.ClientID)))
	b = append(b, m.ClientID...)
	b = binary.AppendUvarint(b, uint64(len(m.Text)))
	b = append(b, m.Text...)
	return append(b, EncodeBody(m)...)
}

// body is what a message carries besides its header and text, as stored.
type body struct {
	Mentions   []hongyan.UserID `json:"mentions,omitempty"`
	MentionAll bool             `json:"all,omitempty"`
	Media      *Media           `json:"media,omitempty"`
	Location   *Location        `json:"location,omitempty"`
	Card       hongyan.UserID   `json:"card,omitempty"`
	Link       *Link            `json:"link,omitempty"`
	History    *History         `json:"history,omitempty"`
	Notice     *Notice          `json:"notice,omitempty"`
	Quote      *Quote           `json:"quote,omitempty"`
	Money      *Money           `json:"money,omitempty"`
	App        *AppCard         `json:"app,omitempty"`
	Call       *CallRecord      `json:"call,omitempty"`
	Spam       bool             `json:"spam,omitempty"`
}

// EncodeBody encodes what m carries besides its header and text; nil when
// it carries nothing else (a plain text message).
func EncodeBody(m Message) []byte {
	b := body{m.Mentions, m.MentionAll, m.Media, m.Location, m.Card, m.Link, m.History, m.Notice, m.Quote, m.Money, m.App, m.Call, m.Spam}
	if b.Mentions == nil && !b.MentionAll && b.Media == nil && b.Location == nil && b.Card == 0 &&
		b.Link == nil && b.History == nil && b.Notice == nil && b.Quote == nil && b.Money == nil && b.App == nil && b.Call == nil && !b.Spam {
		return nil
	}
	out, err := json.Marshal(b)
	if err != nil {
		panic("chat: message body does not encode: " + err.Error()) // only plain data types
	}
	return out
}

// DecodeBody sets what EncodeBody encoded into m (nothing when b is empty).
func DecodeBody(b []byte, m *Message) error {
	if len(b) == 0 {
		return nil
	}
	var x body
	if err := json.Unmarshal(b, &x); err != nil {
		return errBadMessage
	}
	m.Mentions, m.MentionAll, m.Media, m.Location, m.Card = x.Mentions, x.MentionAll, x.Media, x.Location, x.Card
	m.Link, m.History, m.Notice, m.Quote, m.Money, m.App, m.Call = x.Link, x.History, x.Notice, x.Quote, x.Money, x.App, x.Call
	m.Spam = x.Spam
	return nil
}

// DecodeMessage decodes what EncodeMessage encoded; it returns an error,
// never panics, on malformed input.
func DecodeMessage(b []byte) (Message, error) {
	var m Message
	var ok bool
	next := func() int64 {
		v, n := binary.Varint(b)
		if n <= 0 {
			ok = false
			return 0
		}
		b = b[n:]
		return v
	}
	str := func() string {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)-k) {
			ok = false
			return ""
		}
		s := string(b[k : k+int(n)])
		b = b[k+int(n):]
		return s
	}
	ok = true
	m.ID = hongyan.MessageID(next())
	m.Conversation = hongyan.ConversationID(next())
	m.Seq = next()
	m.Sender = hongyan.UserID(next())
	m.SenderDevice = hongyan.DeviceID(next())
	m.Time = time.UnixMilli(next())
	if !ok || len(b) == 0 {
		return Message{}, errBadMessage
	}
	m.Kind = Kind(b[0])
	b = b[1:]
	m.ClientID = str()
	if ok {
		m.Text = str()
	}
	if !ok {
		return Message{}, errBadMessage
	}
	if err := DecodeBody(b, &m); err != nil {
		return Message{}, err
	}
	return m, nil
}
