package hongyan

import (
	"bytes"
	"context"
)

// A FanoutBus is a Bus that carries a change given to many users — a group
// message to its members — once to each node instead of once per user: a
// cluster's bus, where a message to 500 members would otherwise cross the
// network as 500 events each holding the message. Each node hands the users
// it serves the payload Fanout.Payload builds, exactly the event
// Publisher.PublishChanges would have sent each of them alone.
type FanoutBus interface {
	Bus
	PublishFanout(ctx context.Context, f Fanout) error
}

// Fanout is one change given to many users: Change with each member's User
// and Seq in it.
type Fanout struct {
	Change  Change // User and Seq unused
	Members []FanoutMember
}

// FanoutMember is one user of a Fanout and the sequence number of the
// change in that user's log.
type FanoutMember struct {
	User UserID
	Seq  int64
}

// Payload is the event m's subject (UserSubject(m.User)) carries.
func (f Fanout) Payload(m FanoutMember) []byte {
	c := f.Change
	c.User, c.Seq = m.User, m.Seq
	return AppendEvent(nil, Event{Kind: EventChanges, Changes: []Change{c}})
}

// FanoutMin is the fewest users a batch of changes goes to before
// PublishChanges sends it as one Fanout rather than event by event.
const FanoutMin = 4

// fanout returns changes as one Fanout when each user has exactly one
// change in it and the changes differ only in user and sequence number (a
// message to a group's members).
func fanout(changes []Change) (Fanout, bool) {
	if len(changes) < FanoutMin {
		return Fanout{}, false
	}
	first := changes[0]
	f := Fanout{Change: first, Members: make([]FanoutMember, len(changes))}
	for i, c := range changes {
		if i > 0 && c.User == changes[i-1].User {
			return Fanout{}, false // a user with several changes: one event each
		}
		if c.Kind != first.Kind || c.Conversation != first.Conversation || c.Ref != first.Ref || !bytes.Equal(c.Data, first.Data) {
			return Fanout{}, false
		}
		f.Members[i] = FanoutMember{User: c.User, Seq: c.Seq}
	}
	f.Change.User, f.Change.Seq = 0, 0
	return f, true
}
