package chat

import (
	"encoding/binary"
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
	return append(b, m.Text...)
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
	if !ok || len(b) != 0 {
		return Message{}, errBadMessage
	}
	return m, nil
}
