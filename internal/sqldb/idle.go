package sqldb

import (
	"context"
	"time"
)

// IdleTask is work the writer does in its idle time, in short transactions
// of its own, so that writes do not pay for it inside their commit (the
// SQLite search index is fed this way; see chatdb).
type IdleTask struct {
	// Step does one short piece of the work and reports whether more is
	// waiting.
	Step func(t *Tx) (more bool, err error)
	// After is the lull in writes after which the writer runs Step.
	After time.Duration
	// Every is how many writes may come without such a lull before the
	// writer runs Step anyway.
	Every int
}

type idleTask struct {
	IdleTask
}

// SetIdleTask makes the writer run task in its idle time from now on,
// replacing any task set before.
func (db *DB) SetIdleTask(task IdleTask) {
	if task.Every <= 0 {
		task.Every = 1
	}
	db.w.idle.Store(&idleTask{task})
	// Wake an idle writer so that it starts waiting on the task's timer.
	select {
	case db.w.poke <- struct{}{}:
	default:
	}
}

// runIdle runs one step of task as a batch of its own and reports whether
// more work waits.
func (w *writer) runIdle(task *idleTask) bool {
	var more bool
	o := &op{ctx: context.Background(), fn: func(t *Tx) error {
		var err error
		more, err = task.Step(t)
		return err
	}, done: make(chan error, 1)}
	w.run([]*op{o})
	return <-o.done == nil && more
}
