package hongyan

import (
	"context"
	"encoding/binary"
	"errors"
)

// EventKind says what an Event on a user's bus subject carries.
type EventKind uint8

// The kinds of user events.
const (
	EventChanges       EventKind = 1 // new change-log entries were committed
	EventTyping        EventKind = 2 // From is typing in Conversation (ephemeral)
	EventDeviceRevoked EventKind = 3 // Device was signed out (0: every device)
	// EventCallSignal: From's device in a call signals (Data, the call
	// feature's encoding) to this user's Device (ephemeral).
	EventCallSignal EventKind = 14
	// EventGroupCall: a room of group Conversation changed (Data, the
	// group-call feature's encoding of it) (ephemeral).
	EventGroupCall EventKind = 15
)

// Event is what travels on a user's bus subject (see UserSubject).
type Event struct {
	Kind         EventKind
	Changes      []Change // EventChanges
	From         UserID   // EventTyping
	Conversation ConversationID
	Device       DeviceID // EventDeviceRevoked, EventCallSignal
	// Data is the payload of EventCallSignal and EventGroupCall; encoded after the changes
	// only when set, so events without it encode as before.
	Data []byte
}

// maxEventChanges bounds decoding so a corrupt event cannot allocate much.
const maxEventChanges = 4096

var errBadEvent = errors.New("malformed event")

// AppendEvent appends the binary encoding of e to b.
func AppendEvent(b []byte, e Event) []byte {
	b = append(b, byte(e.Kind))
	b = binary.AppendVarint(b, int64(e.From))
	b = binary.AppendVarint(b, int64(e.Conversation))
	b = binary.AppendVarint(b, int64(e.Device))
	b = binary.AppendUvarint(b, uint64(len(e.Changes)))
	for _, c := range e.Changes {
		b = binary.AppendVarint(b, int64(c.User))
		b = binary.AppendVarint(b, c.Seq)
		b = append(b, byte(c.Kind))
		b = binary.AppendVarint(b, int64(c.Conversation))
		b = binary.AppendVarint(b, c.Ref)
		b = binary.AppendUvarint(b, uint64(len(c.Data)))
		b = append(b, c.Data...)
	}
	if len(e.Data) > 0 {
		b = binary.AppendUvarint(b, uint64(len(e.Data)))
		b = append(b, e.Data...)
	}
	return b
}

// DecodeEvent decodes an event encoded by AppendEvent. It returns an error,
// never panics, on malformed input.
func DecodeEvent(b []byte) (Event, error) {
	d := decoder{b: b}
	var e Event
	e.Kind = EventKind(d.byte())
	e.From = UserID(d.varint())
	e.Conversation = ConversationID(d.varint())
	e.Device = DeviceID(d.varint())
	n := d.uvarint()
	if n > maxEventChanges {
		return Event{}, errBadEvent
	}
	if n > 0 {
		e.Changes = make([]Change, 0, n)
	}
	for i := uint64(0); i < n && d.err == nil; i++ {
		var c Change
		c.User = UserID(d.varint())
		c.Seq = d.varint()
		c.Kind = ChangeKind(d.byte())
		c.Conversation = ConversationID(d.varint())
		c.Ref = d.varint()
		c.Data = d.bytes()
		e.Changes = append(e.Changes, c)
	}
	if d.err == nil && len(d.b) > 0 {
		if e.Data = d.bytes(); len(e.Data) == 0 {
			d.err = errBadEvent // an empty payload is never encoded
		}
	}
	if d.err != nil || len(d.b) != 0 {
		return Event{}, errBadEvent
	}
	return e, nil
}

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) byte() byte {
	if d.err != nil || len(d.b) == 0 {
		d.err = errBadEvent
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = errBadEvent
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errBadEvent
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if d.err != nil || n > uint64(len(d.b)) {
		d.err = errBadEvent
		return nil
	}
	if n == 0 {
		return nil
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v
}

// Publisher sends events to users' devices over a Bus.
type Publisher struct {
	Bus Bus
}

// Publish sends e to every device of user u. Errors are returned for logging
// only: the store already holds the truth and devices re-sync.
func (p Publisher) Publish(ctx context.Context, u UserID, e Event) error {
	return p.Bus.Publish(ctx, UserSubject(u), AppendEvent(nil, e))
}

// PublishChanges sends committed changes to their users, one event per user
// in the order given. On a FanoutBus, changes that carry one payload to many
// users (a group message) travel as one Fanout.
func (p Publisher) PublishChanges(ctx context.Context, changes []Change) error {
	if fb, ok := p.Bus.(FanoutBus); ok {
		if f, ok := fanout(changes); ok {
			return fb.PublishFanout(ctx, f)
		}
	}
	var firstErr error
	for i := 0; i < len(changes); {
		j := i + 1
		for j < len(changes) && changes[j].User == changes[i].User {
			j++
		}
		err := p.Publish(ctx, changes[i].User, Event{Kind: EventChanges, Changes: changes[i:j]})
		if err != nil && firstErr == nil {
			firstErr = err
		}
		i = j
	}
	return firstErr
}
