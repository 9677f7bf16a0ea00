package sqlite

import (
	"context"
	"database/sql"
	"time"
)

// checkpointInterval is the least time between two background checkpoints.
const checkpointInterval = 100 * time.Millisecond

// A checkpointer copies committed WAL frames back into the database file
// on its own connection, so that the writer's commits do not pay for it
// (with wal_autocheckpoint SQLite would checkpoint inside the commit that
// crosses the threshold, stalling every caller in that batch). The writer
// keeps a high autocheckpoint threshold as a backstop.
type checkpointer struct {
	db     *sql.DB
	signal chan struct{}
	quit   chan struct{}
	done   chan struct{}
}

func newCheckpointer(db *sql.DB) *checkpointer {
	c := &checkpointer{
		db:     db,
		signal: make(chan struct{}, 1),
		quit:   make(chan struct{}),
		done:   make(chan struct{}),
	}
	go c.loop()
	return c
}

// committed is called by the writer after each commit; it never blocks.
func (c *checkpointer) committed(int) {
	select {
	case c.signal <- struct{}{}:
	default:
	}
}

func (c *checkpointer) loop() {
	defer close(c.done)
	timer := time.NewTimer(0)
	<-timer.C
	for {
		select {
		case <-c.signal:
		case <-c.quit:
			return
		}
		// Passive: never waits for the writer or readers; copies what it can.
		c.db.ExecContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)")
		timer.Reset(checkpointInterval)
		select {
		case <-timer.C:
		case <-c.quit:
			return
		}
	}
}

// stop ends the checkpointer and closes its connection.
func (c *checkpointer) stop() error {
	close(c.quit)
	<-c.done
	return c.db.Close()
}
