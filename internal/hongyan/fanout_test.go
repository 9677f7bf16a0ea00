package hongyan

import (
	"bytes"
	"context"
	"testing"
)

// recordingBus records what is published, per subject or as fan-outs.
type recordingBus struct {
	events  map[string][][]byte
	fanouts []Fanout
}

func (b *recordingBus) Publish(_ context.Context, subject string, data []byte) error {
	if b.events == nil {
		b.events = map[string][][]byte{}
	}
	b.events[subject] = append(b.events[subject], data)
	return nil
}

func (b *recordingBus) Subscribe(string, func([]byte)) (Subscription, error) { return nil, nil }

type recordingFanoutBus struct{ recordingBus }

func (b *recordingFanoutBus) PublishFanout(_ context.Context, f Fanout) error {
	b.fanouts = append(b.fanouts, f)
	return nil
}

// A message to a group's members goes as one fan-out whose payloads are,
// byte for byte, the events each member would have had on its own.
func TestPublishChangesFansOut(t *testing.T) {
	msg := []byte("an encoded message of some length")
	var changes []Change
	for u := UserID(1); u <= 6; u++ {
		changes = append(changes, Change{User: u, Seq: int64(100 + u), Kind: ChangeMessage, Conversation: 77, Ref: 9, Data: msg})
	}
	var plain recordingBus
	if err := (Publisher{Bus: &plain}).PublishChanges(context.Background(), changes); err != nil {
		t.Fatal(err)
	}
	var fb recordingFanoutBus
	if err := (Publisher{Bus: &fb}).PublishChanges(context.Background(), changes); err != nil {
		t.Fatal(err)
	}
	if got := len(fb.events); got != 0 {
		t.Fatalf("per-user publishes on a fan-out bus: got %d subjects, want 0", got)
	}
	if got := len(fb.fanouts); got != 1 {
		t.Fatalf("fan-outs: got %d, want 1", got)
	}
	f := fb.fanouts[0]
	if got, want := len(f.Members), len(changes); got != want {
		t.Fatalf("fan-out members: got %d, want %d", got, want)
	}
	for _, m := range f.Members {
		subject := UserSubject(m.User)
		want := plain.events[subject]
		if len(want) != 1 {
			t.Fatalf("subject %s: %d plain events", subject, len(want))
		}
		if got := f.Payload(m); !bytes.Equal(got, want[0]) {
			t.Errorf("subject %s: fan-out payload %x, want %x", subject, got, want[0])
		}
	}
}

// Batches that are not one payload to many users go event by event.
func TestPublishChangesWithoutFanout(t *testing.T) {
	msg := []byte("message")
	many := func(n int) []Change {
		var cs []Change
		for u := range n {
			cs = append(cs, Change{User: UserID(u + 1), Kind: ChangeMessage, Conversation: 5, Ref: 1, Data: msg})
		}
		return cs
	}
	other := many(5)
	other[3].Data = []byte("another")
	twice := many(5)
	twice[2].User = twice[1].User
	refs := many(5)
	refs[4].Ref = 2
	for name, cs := range map[string][]Change{
		"fewer users than FanoutMin": many(FanoutMin - 1),
		"different data":             other,
		"a user with two changes":    twice,
		"another reference":          refs,
	} {
		var fb recordingFanoutBus
		if err := (Publisher{Bus: &fb}).PublishChanges(context.Background(), cs); err != nil {
			t.Fatal(err)
		}
		if len(fb.fanouts) != 0 || len(fb.events) == 0 {
			t.Errorf("%s: got %d fan-outs and %d subjects, want 0 and some", name, len(fb.fanouts), len(fb.events))
		}
	}
}
