package sqldb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"hongyan/internal/hongyan"
)

// The writer: one goroutine, one connection, group commit.
//
// Callers submit operations (closures over a *Tx). The writer takes the
// first queued operation and then everything else already queued (up to
// MaxBatch), runs them one after another inside one transaction and commits
// once; only then does it reply to each caller. While a batch is being
// committed (fsync), new operations pile up in the queue and form the next
// batch, so the batch size adapts to the load. An engine may also let a
// small batch linger (Options.Linger): wait a moment for more operations
// when writes are arriving together, so that more of them share a commit.
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
	fn  func(*Tx) error
	// comb, when set, lets a fast-mode batch run this operation together
	// with the batch's others of the same Combiner (item is its input and
	// output); fn runs it alone.
	comb *Combiner
	item any
	err  error
	done chan error // buffered (1): the writer never blocks replying
	// state is opQueued until the writer starts the operation (opRunning)
	// or its caller gives up on it first (opAbandoned): an abandoned
	// operation never runs, and a caller whose operation has started waits
	// for its end, so that nothing the operation writes is still being
	// written when its caller returns.
	state atomic.Int32
}

// The states of an op.
const (
	opQueued int32 = iota
	opRunning
	opAbandoned
)

// A Combiner runs the operations submitted with it (DB.WriteCombined)
// together in a fast-mode batch, after the batch's other operations: chat's
// message appends, for one, take a few multi-row statements per 128
// messages instead of a few statements each. Run gets the items of the
// batch's operations in submission order and must have the same effect as
// running each operation's own function alone, in that order. Any error
// fails it as a whole: the writer then reruns the batch with each
// operation alone in its own savepoint.
type Combiner struct {
	Run func(t *Tx, items []any) error
}

// combined is one Combiner's share of a batch.
type combined struct {
	c     *Combiner
	items []any
}

// donePool recycles reply channels of operations whose callers received
// the reply.
var donePool = sync.Pool{New: func() any { return make(chan error, 1) }}

// errSafe asks the batch to be run again in safe mode.
var errSafe = errors.New("sqldb: run batch with savepoints")

// errAgain asks the batch to be run again as it is (in safe mode): an
// operation whose caller gave up was interrupted.
var errAgain = errors.New("sqldb: run batch again")

type writer struct {
	db    *sql.DB
	d     Dialect
	opts  Options
	ch    chan *op
	quit  chan struct{}
	ended chan struct{}
	poke  chan struct{} // (1): the idle task changed
	once  sync.Once

	// Owned by the writer goroutine.
	conn    *sql.Conn
	stmts   map[string]*wstmt
	uses    int64 // statements run, for wstmt.used
	tx      Tx
	combs   []combined
	lingerT *time.Timer // see linger

	idle    atomic.Pointer[idleTask] // see DB.SetIdleTask
	changes atomic.Pointer[ChangeAppender]

	batches, ops, retries atomic.Int64
	// statements counts the statements sent on the writer connection
	// (preparations, BEGIN and COMMIT included): on PostgreSQL each is a
	// network round trip made while the batch holds its transaction.
	statements atomic.Int64
	lastCommit time.Duration // owned by the writer goroutine
	ackedEarly bool          // owned by the writer goroutine; Options.UnsafeAckBeforeCommit
	observer   atomic.Pointer[func(ops int, commit time.Duration)]
}

func newWriter(ctx context.Context, db *sql.DB, d Dialect, opts Options) (*writer, error) {
	w := &writer{
		db:    db,
		d:     d,
		opts:  opts,
		ch:    make(chan *op, opts.QueueSize),
		quit:  make(chan struct{}),
		ended: make(chan struct{}),
		poke:  make(chan struct{}, 1),
	}
	w.tx.w = w
	if err := w.connect(ctx); err != nil {
		return nil, err
	}
	go w.loop()
	return w, nil
}

func (w *writer) stats() Stats {
	return Stats{Batches: w.batches.Load(), Ops: w.ops.Load(), Retries: w.retries.Load(), Statements: w.statements.Load()}
}

// connect takes the writer's connection from the pool.
func (w *writer) connect(ctx context.Context) error {
	c, err := w.db.Conn(ctx)
	if err != nil {
		return Internal(err)
	}
	w.conn = c
	w.stmts = make(map[string]*wstmt)
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
func (w *writer) do(ctx context.Context, fn func(*Tx) error, comb *Combiner, item any) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	o := &op{ctx: ctx, fn: fn, comb: comb, item: item, done: donePool.Get().(chan error)}
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
		if o.state.CompareAndSwap(opQueued, opAbandoned) {
			return ctx.Err() // it will not run
		}
		// It has started: its statements end with ctx, and the batch
		// holding it may still commit it. Its outcome is the answer.
		select {
		case err := <-o.done:
			return err
		case <-w.ended:
			select {
			case err := <-o.done:
				return err
			default:
				return errClosed
			}
		}
	}
}

func (w *writer) loop() {
	defer close(w.ended)
	defer w.disconnect()
	batch := make([]*op, 0, w.opts.MaxBatch)
	pending, busy := true, 0 // the idle task may have work
	prev := 0                // the last batch's size
	for {
		var first *op
		task := w.idle.Load()
		if task != nil && pending {
			// Run the idle task when no write has come for task.After, or
			// once task.Every writes came without such a lull: short
			// pauses, often, keep it up with a steady load without holding
			// a write up for long.
			if busy >= task.Every {
				pending, busy = w.runIdle(task), 0
			}
			idle := time.NewTimer(task.After)
			select {
			case first = <-w.ch:
				idle.Stop()
			case <-idle.C:
				pending, busy = w.runIdle(task), 0
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
			case <-w.poke:
				pending = true
				continue
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
		if w.opts.Linger > 0 && prev > 1 && len(batch) < w.opts.LingerBatch {
			batch = w.linger(batch)
		}
		w.run(batch)
		prev = len(batch)
		pending, busy = true, busy+len(batch)
		for i := range batch {
			batch[i] = nil
		}
	}
}

// linger waits up to Options.Linger for more operations to join batch,
// until it holds Options.LingerBatch, and returns the batch. On stop it
// returns at once: the batch commits and the queue is drained after it.
func (w *writer) linger(batch []*op) []*op {
	if w.lingerT == nil {
		w.lingerT = time.NewTimer(w.opts.Linger)
	} else {
		w.lingerT.Reset(w.opts.Linger)
	}
	defer w.lingerT.Stop()
	for len(batch) < w.opts.LingerBatch {
		select {
		case o := <-w.ch:
			batch = append(batch, o)
		case <-w.lingerT.C:
			return batch
		case <-w.quit:
			return batch
		}
	}
	return batch
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
		if errors.Is(err, errAgain) && retry < maxRetries {
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
			err = Internal(fmt.Errorf("%s write batch: %w", w.d.Name, err))
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
		if o.err != nil && w.d.IsBusy != nil && w.d.IsBusy(o.err) {
			o.err = errBusy
		}
		o.done <- o.err
	}
}

var errBusy = &hongyan.Error{Code: hongyan.CodeUnavailable, Message: "database busy; try again"}

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
	defer w.clearCombined()
	for _, o := range batch {
		o.err = nil
		if !o.state.CompareAndSwap(opQueued, opRunning) && o.state.Load() == opAbandoned {
			o.err = context.Canceled
			continue
		}
		if err := o.ctx.Err(); err != nil {
			o.err = err
			continue
		}
		if o.comb != nil && !safe {
			w.addCombined(o)
			continue
		}
		if !safe {
			t.dirty, t.failed, t.retry, t.ctx = false, false, nil, o.ctx
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
	// Combined and deferred statements serve many callers: none of them
	// giving up stops them.
	t.ctx = context.Background()
	for _, c := range w.combs {
		t.dirty, t.failed, t.retry = false, false, nil
		err := c.c.Run(t, c.items)
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

// addCombined queues o's item for its Combiner's run in this batch.
func (w *writer) addCombined(o *op) {
	for i := range w.combs {
		if w.combs[i].c == o.comb {
			w.combs[i].items = append(w.combs[i].items, o.item)
			return
		}
	}
	w.combs = append(w.combs, combined{c: o.comb, items: []any{o.item}})
}

// clearCombined forgets the items of the last attempt, keeping the slices.
func (w *writer) clearCombined() {
	for i := range w.combs {
		clear(w.combs[i].items)
		w.combs[i].items = w.combs[i].items[:0]
	}
}

// maxOpTries bounds how often one operation is run again in its savepoint
// after it asked to be (errRunAgain).
const maxOpTries = 5

// ErrRunAgain is returned by an operation that lost a race with another
// node's transaction (e.g. a unique key it had checked was inserted
// meanwhile): rolled back to its savepoint and run again, it will see the
// other transaction's effect.
var ErrRunAgain = errors.New("sqldb: run the operation again")

// runSafe runs o inside a savepoint, rolling it back alone if it fails. A
// non-nil result is a failure of the whole transaction.
func (w *writer) runSafe(o *op) error {
	t := &w.tx
	for try := 1; ; try++ {
		if err := w.execRaw("SAVEPOINT op"); err != nil {
			return err
		}
		t.dirty, t.failed, t.retry, t.ctx = false, false, nil, o.ctx
		opErr := o.fn(t)
		if t.retry != nil {
			return t.retry
		}
		if opErr == nil && t.failed {
			opErr = Internal(errors.New("a statement failed inside a successful operation"))
		}
		if opErr != nil {
			if err := w.execRaw("ROLLBACK TO SAVEPOINT op"); err != nil {
				if o.ctx.Err() != nil {
					// Interrupting the statement of a caller who gave up
					// may end the whole transaction (SQLite does): run the
					// batch again, without that operation.
					return errAgain
				}
				return err
			}
		}
		if err := w.execRaw("RELEASE SAVEPOINT op"); err != nil {
			return err
		}
		if errors.Is(opErr, ErrRunAgain) {
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

// wstmt is a statement prepared on the writer connection.
type wstmt struct {
	*sql.Stmt
	used int64 // writer.uses when it last ran
}

// maxStmts bounds the statements prepared on the writer connection: on
// PostgreSQL each holds server memory for the connection's lifetime, and
// multi-row statements come in a text per row count (Dialect.ExactRows).
// Past it, the least recently used half is closed.
const maxStmts = 512

// stmt returns the writer connection's prepared statement for q, and
// counts the statement about to run on it.
func (w *writer) stmt(q string) (*sql.Stmt, error) {
	w.statements.Add(1)
	w.uses++
	if s, ok := w.stmts[q]; ok {
		s.used = w.uses
		return s.Stmt, nil
	}
	if len(w.stmts) >= maxStmts {
		w.evictStmts()
	}
	w.statements.Add(1) // the preparation
	s, err := w.conn.PrepareContext(context.Background(), q)
	if err != nil {
		return nil, err
	}
	w.stmts[q] = &wstmt{Stmt: s, used: w.uses}
	return s, nil
}

// evictStmts closes the least recently used half of the writer's
// statements. None of them has rows open: only the statement run last can.
func (w *writer) evictStmts() {
	used := make([]int64, 0, len(w.stmts))
	for _, s := range w.stmts {
		used = append(used, s.used)
	}
	slices.Sort(used)
	cut := used[len(used)/2]
	for q, s := range w.stmts {
		if s.used < cut {
			s.Close()
			delete(w.stmts, q)
		}
	}
}

// Tx is the writer's transaction as an operation sees it. It records
// whether the operation changed anything and whether a statement failed,
// which decides how a failing operation is isolated; so every statement of
// an operation goes through its methods.
type Tx struct {
	w      *writer
	ctx    context.Context // the running operation's: its statements stop when its caller gives up
	now    time.Time       // when the batch started; used for created columns
	fast   bool            // the batch runs without savepoints
	dirty  bool            // a statement changed at least one row
	failed bool            // a statement returned an error
	retry  error           // a statement failed with a retryable error

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

// ChangeAppender appends in to the users' change logs within t and returns
// a copy with Seq assigned (internal/sqldb/changelogdb provides it; see
// DB.SetChangeAppender).
type ChangeAppender func(t *Tx, in []hongyan.Change) ([]hongyan.Change, error)

// AppendChanges appends in to the users' change logs in this transaction
// and returns a copy with Seq assigned.
func (t *Tx) AppendChanges(in []hongyan.Change) ([]hongyan.Change, error) {
	if len(in) == 0 {
		return nil, nil
	}
	// Entries deferred by earlier operations of the batch go first, so
	// that every log lists the batch's entries in the order they were
	// written.
	if err := t.flushDeferred(); err != nil {
		return nil, err
	}
	f := t.w.changes.Load()
	if f == nil {
		return nil, Internal(errors.New("no change log installed (see DB.SetChangeAppender)"))
	}
	return (*f)(t, in)
}

// DeferChanges appends in to the change logs: at once in a safe-mode
// batch, or, in a fast-mode batch, together with the batch's other
// deferred entries just before the commit (a 500-member group's messages
// then bump each member's head once per batch, not once per message).
// *out receives the numbered copies by the time the batch commits.
func (t *Tx) DeferChanges(in []hongyan.Change, out *[]hongyan.Change) error {
	if !t.fast {
		var err error
		*out, err = t.AppendChanges(in)
		return err
	}
	if err := CheckChanges(in); err != nil {
		return err
	}
	t.deferred = append(t.deferred, deferredChanges{in: in, out: out})
	return nil
}

// flushDeferred appends every deferred entry in one go, in the order the
// operations deferred them, before the commit or before any entry appended
// at once.
func (t *Tx) flushDeferred() error {
	if len(t.deferred) == 0 {
		return nil
	}
	ds := t.deferred
	t.deferred = t.deferred[:0]
	defer clear(ds)
	var all []hongyan.Change
	for _, d := range ds {
		all = append(all, d.in...)
	}
	out, err := t.AppendChanges(all)
	if err != nil {
		return err
	}
	for _, d := range ds {
		n := len(d.in)
		*d.out, out = out[:n:n], out[n:]
	}
	return nil
}

// Note records a statement error (of a statement the operation ran on rows
// it got from Query) and returns it.
func (t *Tx) Note(err error) error {
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		t.failed = true
		if t.retry == nil && t.w.d.IsRetryable(err) {
			t.retry = err
		}
	}
	return err
}

// Exec runs a statement that changes rows and returns how many it changed.
func (t *Tx) Exec(q string, args ...any) (int64, error) {
	s, err := t.w.stmt(q)
	if err != nil {
		return 0, t.Note(err)
	}
	if err := t.ctx.Err(); err != nil {
		return 0, t.Note(err)
	}
	res, err := s.ExecContext(t.ctx, args...)
	if err != nil {
		return 0, t.Note(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, t.Note(err)
	}
	if n > 0 {
		t.dirty = true
	}
	return n, nil
}

// Read runs a query returning at most one row, scanning it into dest.
func (t *Tx) Read(q string, args []any, dest ...any) (found bool, err error) {
	s, err := t.w.stmt(q)
	if err != nil {
		return false, t.Note(err)
	}
	if err := t.ctx.Err(); err != nil {
		return false, t.Note(err)
	}
	err = s.QueryRowContext(t.ctx, args...).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, t.Note(err)
	}
	return true, nil
}

// ReadScan runs a query returning at most one row and, if there is one,
// calls scan with its Scan.
func (t *Tx) ReadScan(q string, args []any, scan func(func(...any) error) error) (found bool, err error) {
	s, err := t.w.stmt(q)
	if err != nil {
		return false, t.Note(err)
	}
	if err := t.ctx.Err(); err != nil {
		return false, t.Note(err)
	}
	err = scan(s.QueryRowContext(t.ctx, args...).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, t.Note(err)
	}
	return true, nil
}

// Write runs a statement with RETURNING that changes at most one row,
// scanning the returned row into dest.
func (t *Tx) Write(q string, args []any, dest ...any) (found bool, err error) {
	found, err = t.Read(q, args, dest...)
	if found {
		t.dirty = true
	}
	return found, err
}

// Query runs a statement returning many rows (a write when it has
// RETURNING: the caller then calls MarkDirty).
func (t *Tx) Query(q string, args ...any) (*sql.Rows, error) {
	s, err := t.w.stmt(q)
	if err != nil {
		return nil, t.Note(err)
	}
	if err := t.ctx.Err(); err != nil {
		return nil, t.Note(err)
	}
	rows, err := s.QueryContext(t.ctx, args...)
	return rows, t.Note(err)
}

// MarkDirty records that the operation changed rows (after a Query with
// RETURNING that returned some).
func (t *Tx) MarkDirty() { t.dirty = true }

// Now is when the batch started, the time of the writes it commits.
func (t *Tx) Now() time.Time { return t.now }

// Dialect is the engine's dialect.
func (t *Tx) Dialect() Dialect { return t.w.d }

// Chunk returns how many of remaining rows the writer's next multi-row
// statement takes: up to RowsPerInsert, all of them where the dialect has
// ExactRows, else the largest power of two not above them (see Chunk).
func (t *Tx) Chunk(remaining int) int {
	if t.w.d.ExactRows {
		return min(remaining, RowsPerInsert)
	}
	return Chunk(remaining)
}

// RowsSQL is Dialect.RowsSQL for a statement of the writer. In fast mode
// (no savepoints: any failed statement makes the writer roll the whole
// batch back and run it again in safe mode) an INSERT or UPDATE gets the
// dialect's FastConflict clause, which on SQLite spares the statement
// journal.
func (t *Tx) RowsSQL(head string, n int, types []string, tail string) string {
	if t.fast && t.w.d.FastConflict != "" {
		if rest, ok := strings.CutPrefix(head, "INSERT INTO "); ok {
			head = "INSERT " + t.w.d.FastConflict + " INTO " + rest
		} else if rest, ok := strings.CutPrefix(head, "UPDATE "); ok {
			head = "UPDATE " + t.w.d.FastConflict + " " + rest
		}
	}
	return t.w.d.RowsSQL(head, n, types, tail)
}

// Write runs fn in the writer and returns once the transaction holding it
// has committed: fn's error, or the batch's if it could not commit. fn may
// run more than once (see the writer's comment): it must set its results
// afresh each time and keep no state between runs.
func (db *DB) Write(ctx context.Context, fn func(*Tx) error) error {
	return db.w.do(ctx, fn, nil, nil)
}

// WriteCombined is Write for an operation that a fast-mode batch runs
// together with the others of c: item is what c.Run gets for it (its input,
// and where its results go); fn runs it alone.
func (db *DB) WriteCombined(ctx context.Context, fn func(*Tx) error, c *Combiner, item any) error {
	return db.w.do(ctx, fn, c, item)
}

// WriteSerializable is Write for operations whose decisions must hold
// against every other node's writes, such as moving money: they read a
// balance or a count and write what follows from it. On an engine with one
// writer for the whole database (SQLite) it is Write. Where several nodes
// write at once (PostgreSQL), the operation runs in a second writer of
// this node whose transactions are SERIALIZABLE (Dialect.BeginSerializable):
// batches that fail serialization (SQLSTATE 40001) or deadlock are rolled
// back and run again whole, a bounded number of times, and then fail with
// hongyan.CodeUnavailable. Group commit and "the caller hears back after
// COMMIT" hold as for Write.
func (db *DB) WriteSerializable(ctx context.Context, fn func(*Tx) error) error {
	if db.d.BeginSerializable == "" {
		return db.w.do(ctx, fn, nil, nil)
	}
	w, err := db.serialWriter(ctx)
	if err != nil {
		return err
	}
	return w.do(ctx, fn, nil, nil)
}

// serialWriter starts the serializable writer on first use.
func (db *DB) serialWriter(ctx context.Context) (*writer, error) {
	db.serialMu.Lock()
	defer db.serialMu.Unlock()
	if db.serial != nil {
		return db.serial, nil
	}
	select {
	case <-db.w.ended:
		return nil, errClosed
	default:
	}
	d := db.d
	d.Begin = d.BeginSerializable
	opts := db.opts
	opts.AfterCommit, opts.OnClose, opts.UnsafeAckBeforeCommit = nil, nil, false
	w, err := newWriter(context.WithoutCancel(ctx), db.write, d, opts)
	if err != nil {
		return nil, err
	}
	w.changes.Store(db.w.changes.Load())
	db.serial = w
	return w, nil
}

// SetChangeAppender installs the function that Tx.AppendChanges and the
// deferred appends call (the change-log store's).
func (db *DB) SetChangeAppender(f ChangeAppender) {
	db.w.changes.Store(&f)
	db.serialMu.Lock()
	if db.serial != nil {
		db.serial.changes.Store(&f)
	}
	db.serialMu.Unlock()
}
