package sqldb

import (
	"context"
	"database/sql/driver"
	"fmt"
)

// Exclusive runs fn unless another run of the job called name holds the
// lock: on PostgreSQL any node's (an advisory lock held on one connection
// for as long as fn runs), on SQLite this process's. It reports whether fn
// ran. A periodic job that every node schedules thus runs on one node at a
// time; the lock ends with fn, or with the connection if the node dies.
func (db *DB) Exclusive(ctx context.Context, name string, fn func(context.Context) error) (ran bool, err error) {
	if db.d.TryLock == "" {
		db.jobsMu.Lock()
		if db.jobs[name] {
			db.jobsMu.Unlock()
			return false, nil
		}
		if db.jobs == nil {
			db.jobs = make(map[string]bool)
		}
		db.jobs[name] = true
		db.jobsMu.Unlock()
		defer func() {
			db.jobsMu.Lock()
			delete(db.jobs, name)
			db.jobsMu.Unlock()
		}()
		return true, fn(ctx)
	}
	conn, err := db.read.Conn(ctx)
	if err != nil {
		return false, Internal(err)
	}
	defer conn.Close()
	var got bool
	if err := conn.QueryRowContext(ctx, db.d.TryLock, name).Scan(&got); err != nil {
		return false, Internal(fmt.Errorf("lock job %s: %w", name, err))
	}
	if !got {
		return false, nil
	}
	defer func() {
		// Released on this connection even when ctx has ended; if that
		// fails the connection is dropped, which releases it too.
		var ok bool
		if uerr := conn.QueryRowContext(context.WithoutCancel(ctx), db.d.Unlock, name).Scan(&ok); uerr != nil || !ok {
			conn.Raw(func(any) error { return driver.ErrBadConn }) // discard it
		}
	}()
	return true, fn(ctx)
}
