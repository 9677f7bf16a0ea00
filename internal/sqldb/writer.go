package sqldb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"hongyan/internal/hongyan"
)

// The writer: one goroutine, one connection, group commit.
//
// Callers submit operations (closures over a *wtx). The writer takes the
// first queued operation and then everything else already queued (up to
// MaxBatch), runs them one after another inside one transaction and commits
// once; only then does it reply to each caller. While a batch is being
// committed (fsync), new operations pile up in the queue and form the next
// batch, so the batch size adapts to the load without any timer.
//
// Isolating failures. A batch first runs in "fast" mode, without savepoints.
// An operation that fails without having changed anything (a precondition
// checked by a read, a missing row) just reports its error. If an operation
// fails after it wrote something, or any statement failed (which on
// PostgreSQL aborts the transaction), the whole transaction is rolled back
// and the batch runs again in "safe" mode, each operation inside its own
// SAVEPOINT, so that the failing operation is rolled back alone. Operations
// are closures that read what they need inside the transaction, so running
// them again is correct; their results are overwritten by the last run.
//
// Retryable errors (PostgreSQL deadlocks and serialization failures, when
// several nodes write) roll back and rerun the whole batch, a bounded number
// of times.

// maxRetries bounds how often one batch is run again after retryable errors.
const maxRetries = 10

// op is one queued write operation.
type op struct {
	ctx context.Context
	fn  func(*wtx) error
	// app, when set, lets a fast-mode batch run this AppendMessage together
	// with the batch's others in a few multi-row statements (runAppends);
	// fn runs it alone.
	app  *appendOp
	err  error
	done chan error // buffered (1): the writer never blocks replying
}

// donePool recycles reply channels of operations whose callers received
// the reply.
var donePool = sync.Pool{New: func() any { return make(chan error, 1) }}

// errSafe asks the batch to be run again in safe mode.
var errSafe = errors.New("sqldb: run batch with savepoints")

type writer struct {
	db    *sql.DB
	d     Dialect
	opts  Options
	ch    chan *op
	quit  chan struct{}
	ended chan struct{}
	once  sync.Once

	// Owned by the writer goroutine.
	conn  *sql.Conn
	stmts map[string]*sql.Stmt
	tx    wtx
	apps  []*appendOp

	batches, ops, retries atomic.Int64
	lastCommit            time.Duration // owned by the writer goroutine
	ackedEarly            bool          // owned by the writer goroutine; Options.UnsafeAckBeforeCommit
	observer              atomic.Pointer[func(ops int, commit time.Duration)]
}

func newWriter(ctx context.Context, db *sql.DB, d Dialect, opts Options) (*writer, error) {
	w := &writer{
		db:    db,
		d:     d,
		opts:  opts,
		ch:    make(chan *op, opts.QueueSize),
		quit:  make(chan struct{}),
		ended: make(chan struct{}),
	}
	w.tx.w = w
	if err := w.connect(ctx); err != nil {
		return nil, err
	}
	go w.loop()
	return w, nil
}

func (w *writer) stats() Stats {
	return Stats{Batches: w.batches.Load(), Ops: w.ops.Load(), Retries: w.retries.Load()}
}

// connect takes the writer's connection from the pool.
func (w *writer) connect(ctx context.Context) error {
	c, err := w.db.Conn(ctx)
	if err != nil {
		return internal(err)
	}
	w.conn = c
	w.stmts = make(map[string]*sql.Stmt)
	return nil
}

// disconnect drops the writer's connection (after an error that may have
// left it unusable); the next batch takes a fresh one.
func (w *writer) disconnect() {
	if w.conn == nil {
		return
	}
	for _, s := range w.stmts {
		s.Close()
	}
	w.stmts = nil
	w.conn.Raw(func(any) error { return driver.ErrBadConn }) // discard the driver connection
	w.conn.Close()
	w.conn = nil
}

// stop makes the writer finish its current batch, fail what is queued, and
// release its connection. It returns when the writer has ended.
func (w *writer) stop() {
	w.once.Do(func() { close(w.quit) })
	<-w.ended
}

// do submits fn and waits until the batch holding it has committed. It
// returns fn's error, or the batch's error if the batch could not commit.
func (w *writer) do(ctx context.Context, fn func(*wtx) error, app *appendOp) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	o := &op{ctx: ctx, fn: fn, app: app, done: donePool.Get().(chan error)}
	select {
	case w.ch <- o:
	case <-w.quit:
		return errClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-o.done:
		donePool.Put(o.done)
		return err
	case <-w.ended:
		select {
		case err := <-o.done:
			return err
		default:
			return errClosed
		}
	case <-ctx.Done():
		// The operation may still commit; the caller has given up on it.
		return ctx.Err()
	}
}

func (w *writer) loop() {
	defer close(w.ended)
	defer w.disconnect()
	batch := make([]*op, 0, w.opts.MaxBatch)
	indexing := w.d.IndexMessages != ""
	pending, busy := indexing, 0 // messages may wait for the search index
	for {
		var first *op
		if pending {
			// Feed the deferred search index when no write has come for
			// indexIdle, or once indexChunk writes came without such a
			// lull: short pauses, often, keep the index up with a steady
			// load without holding a send up for long.
			if busy >= indexChunk {
				pending, busy = w.runIndexStep(), 0
			}
			idle := time.NewTimer(indexIdle)
			select {
			case first = <-w.ch:
				idle.Stop()
			case <-idle.C:
				pending, busy = w.runIndexStep(), 0
				continue
			case <-w.quit:
				idle.Stop()
				w.drain()
				return
			}
		}
		if first == nil {
			select {
			case first = <-w.ch:
			case <-w.quit:
				w.drain()
				return
			}
		}
		batch = append(batch[:0], first)
	more:
		for len(batch) < w.opts.MaxBatch {
			select {
			case o := <-w.ch:
				batch = append(batch, o)
			default:
				break more
			}
		}
		w.run(batch)
		pending, busy = indexing, busy+len(batch)
		for i := range batch {
			batch[i] = nil
		}
	}
}

// drain fails every queued operation after stop.
func (w *writer) drain() {
	for {
		select {
		case o := <-w.ch:
			o.done <- errClosed
		default:
			return
		}
	}
}

// beginError is a failure to open the transaction: nothing ran yet.
type beginError struct{ err error }

func (e beginError) Error() string { return "begin: " + e.err.Error() }
func (e beginError) Unwrap() error { return e.err }

// run commits batch and replies to every operation in it.
func (w *writer) run(batch []*op) {
	w.ackedEarly = false
	safe, reconnected := false, false
	var err error
	for retry := 0; ; retry++ {
		err = w.attempt(batch, safe)
		if err == nil {
			break
		}
		if errors.As(err, new(beginError)) && !reconnected {
			// The connection may have gone (a database restart): try once
			// more on a fresh one.
			reconnected = true
			w.disconnect()
			continue
		}
		if errors.Is(err, errSafe) && !safe {
			safe = true
			w.retries.Add(1)
			continue
		}
		if w.d.IsRetryable(err) && retry < maxRetries {
			w.retries.Add(1)
			// A short, growing pause lets the competing transaction finish.
			time.Sleep(time.Duration(retry+1) * time.Millisecond)
			continue
		}
		w.disconnect()
		break
	}
	if err != nil {
		if w.d.IsRetryable(err) {
			err = &hongyan.Error{Code: hongyan.CodeUnavailable, Message: "write conflict; try again"}
		} else {
			err = internal(fmt.Errorf("%s write batch: %w", w.d.Name, err))
		}
		if w.ackedEarly {
			return // negative control: the callers already heard success
		}
		for _, o := range batch {
			o.done <- err
		}
		return
	}
	w.batches.Add(1)
	w.ops.Add(int64(len(batch)))
	if w.opts.AfterCommit != nil {
		w.opts.AfterCommit(len(batch))
	}
	if obs := w.observer.Load(); obs != nil {
		(*obs)(len(batch), w.lastCommit)
	}
	if w.ackedEarly {
		return
	}
	for _, o := range batch {
		o.done <- o.err
	}
}

// attempt runs batch in one transaction. A nil result means the
// transaction committed and each op.err holds that operation's own result.
func (w *writer) attempt(batch []*op, safe bool) (err error) {
	if w.conn == nil {
		if err := w.connect(context.Background()); err != nil {
			return err
		}
	}
	if err := w.execRaw(w.d.Begin); err != nil {
		return beginError{err}
	}
	open := true
	defer func() {
		if open {
			w.execRaw("ROLLBACK")
		}
	}()
	t := &w.tx
	t.now, t.fast = time.Now(), !safe
	clear(t.deferred)
	t.deferred = t.deferred[:0]
	apps := w.apps[:0]
	defer func() {
		clear(apps)
		w.apps = apps[:0]
	}()
	for _, o := range batch {
		o.err = nil
		if err := o.ctx.Err(); err != nil {
			o.err = err
			continue
		}
		if o.app != nil && !safe {
			apps = append(apps, o.app)
			continue
		}
		if !safe {
			t.dirty, t.failed, t.retry = false, false, nil
			opErr := o.fn(t)
			if t.retry != nil {
				return t.retry
			}
			if t.failed || (opErr != nil && t.dirty) {
				return errSafe
			}
			o.err = opErr
			continue
		}
		if err := w.runSafe(o); err != nil {
			return err
		}
	}
	if len(apps) > 0 {
		t.dirty, t.failed, t.retry = false, false, nil
		err := runAppends(t, apps)
		if t.retry != nil {
			return t.retry
		}
		if err != nil || t.failed {
			return errSafe
		}
	}
	if len(t.deferred) > 0 {
		t.dirty, t.failed, t.retry = false, false, nil
		err := t.flushDeferred()
		if t.retry != nil {
			return t.retry
		}
		if err != nil || t.failed {
			return errSafe
		}
	}
	if w.opts.UnsafeAckBeforeCommit && !w.ackedEarly {
		// Test-only negative control (see Options): acknowledge before
		// the commit is durable, and leave a window for a crash to lose it.
		w.ackedEarly = true
		for _, o := range batch {
			o.done <- o.err
		}
		time.Sleep(50 * time.Millisecond)
	}
	open = false
	start := time.Now()
	if err := w.execRaw("COMMIT"); err != nil {
		w.execRaw("ROLLBACK")
		return err
	}
	w.lastCommit = time.Since(start)
	return nil
}

// maxOpTries bounds how often one operation is run again in its savepoint
// after it asked to be (errRunAgain).
const maxOpTries = 5

// errRunAgain is returned by an operation that lost a race with another
// node's transaction (e.g. a unique key it had checked was inserted
// meanwhile): rolled back to its savepoint and run again, it will see the
// other transaction's effect.
var errRunAgain = errors.New("sqldb: run the operation again")

// runSafe runs o inside a savepoint, rolling it back alone if it fails. A
// non-nil result is a failure of the whole transaction.
func (w *writer) runSafe(o *op) error {
	t := &w.tx
	for try := 1; ; try++ {
		if err := w.execRaw("SAVEPOINT op"); err != nil {
			return err
		}
		t.dirty, t.failed, t.retry = false, false, nil
		opErr := o.fn(t)
		if t.retry != nil {
			return t.retry
		}
		if opErr == nil && t.failed {
			opErr = internal(errors.New("a statement failed inside a successful operation"))
		}
		if opErr != nil {
			if err := w.execRaw("ROLLBACK TO SAVEPOINT op"); err != nil {
				return err
			}
		}
		if err := w.execRaw("RELEASE SAVEPOINT op"); err != nil {
			return err
		}
		if errors.Is(opErr, errRunAgain) {
			if try < maxOpTries {
				continue
			}
			opErr = hongyan.Errorf(hongyan.CodeUnavailable, "write conflict; try again")
		}
		o.err = opErr
		return nil
	}
}

// execRaw runs a transaction-control statement on the writer connection.
func (w *writer) execRaw(q string) error {
	s, err := w.stmt(q)
	if err != nil {
		return err
	}
	_, err = s.Exec()
	return err
}

// stmt returns the writer connection's prepared statement for q.
func (w *writer) stmt(q string) (*sql.Stmt, error) {
	if s, ok := w.stmts[q]; ok {
		return s, nil
	}
	s, err := w.conn.PrepareContext(context.Background(), q)
	if err != nil {
		return nil, err
	}
	w.stmts[q] = s
	return s, nil
}

// wtx is the writer's transaction as an operation sees it. It records
// whether the operation changed anything and whether a statement failed,
// which decides how a failing operation is isolated.
type wtx struct {
	w      *writer
	now    time.Time // when the batch started; used for created columns
	fast   bool      // the batch runs without savepoints
	dirty  bool      // a statement changed at least one row
	failed bool      // a statement returned an error
	retry  error     // a statement failed with a retryable error

	// deferred are change-log appends that a fast-mode batch makes
	// together, once, before its commit (see deferChanges).
	deferred []deferredChanges
}

// deferredChanges is one operation's change-log entries, and where their
// numbered copies go.
type deferredChanges struct {
	in  []hongyan.Change
	out *[]hongyan.Change
}

// deferChanges appends in to the change logs: at once in a safe-mode
// batch, or, in a fast-mode batch, together with the batch's other
// deferred entries just before the commit (a 500-member group's messages
// then bump each member's head once per batch, not once per message).
// *out receives the numbered copies by the time the batch commits.
func (t *wtx) deferChanges(in []hongyan.Change, out *[]hongyan.Change) error {
	if !t.fast {
		var err error
		*out, err = t.appendChanges(in)
		return err
	}
	if err := checkChanges(in); err != nil {
		return err
	}
	t.deferred = append(t.deferred, deferredChanges{in: in, out: out})
	return nil
}

// flushDeferred appends every deferred entry in one go, in the order the
// operations deferred them.
func (t *wtx) flushDeferred() error {
	if len(t.deferred) == 0 {
		return nil
	}
	var all []hongyan.Change
	for _, d := range t.deferred {
		all = append(all, d.in...)
	}
	out, err := t.appendChanges(all)
	if err != nil {
		return err
	}
	for _, d := range t.deferred {
		n := len(d.in)
		*d.out, out = out[:n:n], out[n:]
	}
	return nil
}

// note records a statement error.
func (t *wtx) note(err error) error {
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		t.failed = true
		if t.retry == nil && t.w.d.IsRetryable(err) {
			t.retry = err
		}
	}
	return err
}

// exec runs a statement that changes rows and returns how many it changed.
func (t *wtx) exec(q string, args ...any) (int64, error) {
	s, err := t.w.stmt(q)
	if err != nil {
		return 0, t.note(err)
	}
	res, err := s.Exec(args...)
	if err != nil {
		return 0, t.note(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, t.note(err)
	}
	if n > 0 {
		t.dirty = true
	}
	return n, nil
}

// read runs a query returning at most one row, scanning it into dest.
func (t *wtx) read(q string, args []any, dest ...any) (found bool, err error) {
	s, err := t.w.stmt(q)
	if err != nil {
		return false, t.note(err)
	}
	err = s.QueryRow(args...).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, t.note(err)
	}
	return true, nil
}

// write runs a statement with RETURNING that changes at most one row,
// scanning the returned row into dest.
func (t *wtx) write(q string, args []any, dest ...any) (found bool, err error) {
	found, err = t.read(q, args, dest...)
	if found {
		t.dirty = true
	}
	return found, err
}

// query runs a statement returning many rows (a write when it has
// RETURNING: the caller marks it with dirty).
func (t *wtx) query(q string, args ...any) (*sql.Rows, error) {
	s, err := t.w.stmt(q)
	if err != nil {
		return nil, t.note(err)
	}
	rows, err := s.Query(args...)
	return rows, t.note(err)
}

// write runs fn in the writer and waits for the commit.
func (db *DB) write(ctx context.Context, fn func(*wtx) error) error {
	return db.w.do(ctx, fn, nil)
}

// invalid is shorthand for an input error.
func invalid(format string, args ...any) error {
	return hongyan.Errorf(hongyan.CodeInvalid, format, args...)
}

// notFound is shorthand for a missing object.
func notFound(format string, args ...any) error {
	return hongyan.Errorf(hongyan.CodeNotFound, format, args...)
}
