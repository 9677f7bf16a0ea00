package hongyan

import (
	"context"
	"strconv"
)

// Bus carries notifications between components and between nodes. It is a
// hint channel: the database is the source of truth, so an event lost on the
// bus costs a device a re-sync, never a message. Publish must not block on
// slow subscribers.
type Bus interface {
	// Publish sends data to every current subscriber of subject.
	Publish(ctx context.Context, subject string, data []byte) error
	// Subscribe calls fn for each message published on subject until the
	// subscription is closed. fn must not block for long.
	Subscribe(subject string, fn func(data []byte)) (Subscription, error)
}

// Subscription is a live Bus subscription.
type Subscription interface {
	Unsubscribe() error
}

// UserSubject is the bus subject of everything addressed to user u's devices.
func UserSubject(u UserID) string {
	return "hy.user." + strconv.FormatInt(int64(u), 10)
}
