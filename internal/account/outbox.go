package account

import (
	"context"
	"log/slog"
	"time"
)

// OutboxSender is the default Sender: it writes each message to the outbox
// table and the log, so that recovery works on a node with no SMS or e-mail
// gateway (the operator reads the code from either).
type OutboxSender struct {
	Store Store
	Log   *slog.Logger
}

// Send records the message.
func (o OutboxSender) Send(ctx context.Context, channel, to, body string) error {
	m := OutboxMessage{Channel: channel, To: to, Body: body, Created: time.Now()}
	if err := o.Store.AddOutbox(ctx, m); err != nil {
		return err
	}
	if o.Log != nil {
		o.Log.Info("outbox message", "channel", channel, "to", to, "body", body)
	}
	return nil
}
