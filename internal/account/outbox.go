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
	Store Outbox
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

// pruneBatch is how many rows one deletion removes, so that pruning never
// holds the writer for long.
const pruneBatch = 1000

// Prune deletes what has expired: QR login codes, recovery codes, and the
// outbox messages that carried a recovery code, once older than a code
// lives. It returns how many rows it deleted. A serving node calls it
// periodically; several nodes pruning at once only repeat each other's
// work.
func (s *Service) Prune(ctx context.Context) (int, error) {
	now := s.now()
	total := 0
	for _, prune := range []func() (int, error){
		func() (int, error) { return s.qr.PruneQRLogins(ctx, now, pruneBatch) },
		func() (int, error) { return s.codes.PruneRecoveryCodes(ctx, now, pruneBatch) },
		func() (int, error) { return s.verify.PruneVerifications(ctx, now, pruneBatch) },
		func() (int, error) { return s.outbox.PruneOutbox(ctx, now.Add(-s.cfg.RecoveryTTL), pruneBatch) },
	} {
		for {
			n, err := prune()
			total += n
			if err != nil {
				return total, err
			}
			if n < pruneBatch {
				break
			}
		}
	}
	return total, nil
}
