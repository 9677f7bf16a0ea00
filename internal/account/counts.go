package account

import (
	"context"
	"time"
)

// Counts are the figures of the accounts a server's dashboard shows. A
// port of its own (not part of Store): only the dashboard asks it.
type Counts interface {
	// CountUsers is the number of accounts.
	CountUsers(ctx context.Context) (int64, error)
	// CountActiveDevices is the number of signed-in devices seen since.
	CountActiveDevices(ctx context.Context, since time.Time) (int64, error)
}
