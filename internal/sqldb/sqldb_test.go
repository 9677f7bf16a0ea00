package sqldb_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"hongyan/internal/account"
	"hongyan/internal/chat"
	"hongyan/internal/group"
	"hongyan/internal/hongyan"
	"hongyan/internal/postgres"
	"hongyan/internal/postgres/pgtest"
	"hongyan/internal/sqldb"
	"hongyan/internal/sqldb/stores"
	"hongyan/internal/sqlite"
)

// An engine opens databases at locations (a directory, a DSN).
type engine struct {
	name string
	loc  func(t *testing.T) string // a new, empty location
	open func(ctx context.Context, loc string) (*stores.DB, error)
}

var engines = []engine{
	{"sqlite", func(t *testing.T) string { return t.TempDir() }, sqlite.Open},
	{"postgres", func(t *testing.T) string { return pgtest.DSN(t) }, postgres.Open},
}

// run runs f on every engine (PostgreSQL when configured).
func run(t *testing.T, f func(t *testing.T, e engine)) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			if e.name == "postgres" {
				pgtest.Require(t)
			}
			f(t, e)
		})
	}
}

func mustOpen(t *testing.T, e engine, loc string) *stores.DB {
	t.Helper()
	db, err := e.open(t.Context(), loc)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

var t0 = time.UnixMilli(1_760_000_000_000).UTC()

func newMessage(a, b, sender hongyan.UserID, clientID string) chat.NewMessage {
	return chat.NewMessage{A: a, B: b, Message: chat.Message{Sender: sender, ClientID: clientID, Text: clientID, Time: t0}}
}

func newAccount(id string) account.Account {
	return account.Account{AccountID: id, Settings: account.DefaultSettings, Created: t0}
}

// waitQueued waits until n write operations are queued behind a Hold.
func waitQueued(db *stores.DB, n int) {
	for db.Queued() < n {
		runtime.Gosched()
	}
}

// TestBatchIsolation commits one batch holding successful operations, an
// operation that fails before writing, one that fails after writing, and
// repeated client IDs: only the failing operations' effects are missing.
func TestBatchIsolation(t *testing.T) {
	run(t, func(t *testing.T, e engine) {
		db := mustOpen(t, e, e.loc(t))
		ctx := t.Context()
		accts, chats := db.Accounts(), db.Chats()
		owner, err := accts.CreateAccount(ctx, newAccount("owner_1"))
		if err != nil {
			t.Fatalf("CreateAccount: %v", err)
		}
		if _, _, err := accts.CreateDevice(ctx, account.Device{User: owner, TokenHash: []byte("taken")}, nil); err != nil {
			t.Fatalf("CreateDevice: %v", err)
		}
		qr := account.QRLogin{CodeHash: []byte("qr"), Expires: t0.Add(time.Hour)}
		if err := accts.CreateQRLogin(ctx, qr); err != nil {
			t.Fatalf("CreateQRLogin: %v", err)
		}
		if err := accts.ConfirmQRLogin(ctx, qr.CodeHash, owner, t0); err != nil {
			t.Fatalf("ConfirmQRLogin: %v", err)
		}

		release := db.Hold()
		var wg sync.WaitGroup
		ops := 0
		goOp := func(f func()) {
			ops++
			wg.Add(1)
			go func() { defer wg.Done(); f() }()
		}
		var claimErr, dupAcctErr, newAcctErr error
		// Fails after writing (the code moves to claimed, then the device
		// token is taken): must be rolled back alone.
		goOp(func() {
			_, _, claimErr = accts.ClaimQRLogin(ctx, qr.CodeHash, account.Device{TokenHash: []byte("taken")}, t0, nil)
		})
		// Fails without writing.
		goOp(func() { _, dupAcctErr = accts.CreateAccount(ctx, newAccount("OWNER_1")) })
		goOp(func() { _, newAcctErr = accts.CreateAccount(ctx, newAccount("second_2")) })
		const sends = 20
		msgs := make([]chat.Message, sends+2)
		dups := make([]bool, sends+2)
		errs := make([]error, sends+2)
		for i := range sends + 2 {
			clientID := fmt.Sprintf("c%d", i)
			if i >= sends {
				clientID = "again" // sent twice in the batch
			}
			goOp(func() {
				msgs[i], _, dups[i], errs[i] = chats.AppendMessage(ctx, newMessage(1, 2, 1, clientID), []hongyan.UserID{1, 2})
			})
		}
		waitQueued(db, ops)
		before := db.Stats()
		release()
		wg.Wait()
		after := db.Stats()

		if got := after.Batches - before.Batches; got != 2 {
			t.Errorf("batches committed: got %d, want 2 (the hold, then all %d queued operations)", got, ops)
		}
		if got := after.Ops - before.Ops; got != int64(ops+1) {
			t.Errorf("operations committed: got %d, want %d", got, ops+1)
		}
		if after.Retries == before.Retries {
			t.Errorf("retries: got none, want the batch run again with savepoints after the claim failed")
		}
		if hongyan.ErrorCode(claimErr) != hongyan.CodeExists {
			t.Errorf("ClaimQRLogin with a taken token: got %v, want %s", claimErr, hongyan.CodeExists)
		}
		if hongyan.ErrorCode(dupAcctErr) != hongyan.CodeExists {
			t.Errorf("CreateAccount(taken): got %v, want %s", dupAcctErr, hongyan.CodeExists)
		}
		if newAcctErr != nil {
			t.Errorf("CreateAccount(new): %v", newAcctErr)
		}
		if q, err := accts.QRLogin(ctx, qr.CodeHash); err != nil || q.State != account.QRConfirmed {
			t.Errorf("QR code after the failed claim: got state %d, %v, want confirmed", q.State, err)
		}
		seqs := map[int64]bool{}
		stored := 0
		for i := range sends + 2 {
			if errs[i] != nil {
				t.Fatalf("AppendMessage %d: %v", i, errs[i])
			}
			if !dups[i] {
				stored++
				seqs[msgs[i].Seq] = true
			}
		}
		if stored != sends+1 || len(seqs) != sends+1 {
			t.Fatalf("messages stored: got %d with %d distinct sequences, want %d", stored, len(seqs), sends+1)
		}
		if msgs[sends].ID != msgs[sends+1].ID || dups[sends] == dups[sends+1] {
			t.Errorf("a client ID sent twice in one batch: got IDs %d, %d and dup %v, %v, want one message, one dup",
				msgs[sends].ID, msgs[sends+1].ID, dups[sends], dups[sends+1])
		}
		head, err := db.ChangeLog().Head(ctx, 2)
		if err != nil || head != sends+1 {
			t.Errorf("user 2's log head: got %d, %v, want %d", head, err, sends+1)
		}
	})
}

// TestChangeLogAcrossFeatures checks that the features' writes append to
// one log per user, in order.
func TestChangeLogAcrossFeatures(t *testing.T) {
	run(t, func(t *testing.T, e engine) {
		db := mustOpen(t, e, e.loc(t))
		ctx := t.Context()
		m, _, _, err := db.Chats().AppendMessage(ctx, newMessage(1, 2, 2, "m"), []hongyan.UserID{2, 1})
		if err != nil {
			t.Fatalf("AppendMessage: %v", err)
		}
		if _, err := db.Contacts().SetBlocked(ctx, 1, 3, true, 0, []hongyan.Change{{User: 1, Kind: hongyan.ChangeBlock, Ref: 3}}); err != nil {
			t.Fatalf("SetBlocked: %v", err)
		}
		id, err := db.Accounts().CreateAccount(ctx, newAccount("someone"))
		if err != nil {
			t.Fatalf("CreateAccount: %v", err)
		}
		if _, _, err := db.Accounts().CreateDevice(ctx, account.Device{User: id, TokenHash: []byte("t")},
			[]hongyan.Change{{User: 1, Kind: hongyan.ChangeDevices}}); err != nil {
			t.Fatalf("CreateDevice: %v", err)
		}
		got, err := db.ChangeLog().After(ctx, 1, 0, 10)
		if err != nil {
			t.Fatalf("After: %v", err)
		}
		want := []hongyan.Change{
			{User: 1, Seq: 1, Kind: hongyan.ChangeMessage, Conversation: m.Conversation, Ref: 1},
			{User: 1, Seq: 2, Kind: hongyan.ChangeBlock, Ref: 3},
			{User: 1, Seq: 3, Kind: hongyan.ChangeDevices},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("user 1's log (-want +got):\n%s", diff)
		}
	})
}

// TestRestart reopens a database: data, sequences and idempotency survive.
func TestRestart(t *testing.T) {
	run(t, func(t *testing.T, e engine) {
		loc := e.loc(t)
		ctx := t.Context()
		db, err := e.open(ctx, loc)
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		first, _, _, err := db.Chats().AppendMessage(ctx, newMessage(1, 2, 1, "x"), []hongyan.UserID{1, 2})
		if err != nil {
			t.Fatalf("AppendMessage: %v", err)
		}
		if err := db.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		db = mustOpen(t, e, loc)
		again, changes, dup, err := db.Chats().AppendMessage(ctx, newMessage(1, 2, 1, "x"), []hongyan.UserID{1, 2})
		if err != nil || !dup || len(changes) != 0 {
			t.Fatalf("retry after restart: got dup=%v, changes %v, %v, want dup=true, none", dup, changes, err)
		}
		if diff := cmp.Diff(first, again); diff != "" {
			t.Fatalf("retry after restart (-original +got):\n%s", diff)
		}
		next, changes, _, err := db.Chats().AppendMessage(ctx, newMessage(1, 2, 2, "y"), []hongyan.UserID{1, 2})
		if err != nil {
			t.Fatalf("AppendMessage: %v", err)
		}
		if next.Seq != 2 || next.ID == first.ID || len(changes) != 2 || changes[0].Seq != 2 {
			t.Fatalf("after restart: got %+v, changes %v, want seq 2, a new ID and change seq 2", next, changes)
		}
	})
}

// TestClosed checks that a closed database refuses work without panicking.
func TestClosed(t *testing.T) {
	run(t, func(t *testing.T, e engine) {
		db, err := e.open(t.Context(), e.loc(t))
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		if err := db.Ping(t.Context()); err != nil {
			t.Fatalf("Ping of an open database: %v", err)
		}
		if err := db.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if err := db.Ping(t.Context()); hongyan.ErrorCode(err) != hongyan.CodeUnavailable {
			t.Errorf("Ping after Close: got %v, want %s", err, hongyan.CodeUnavailable)
		}
		_, _, _, err = db.Chats().AppendMessage(t.Context(), newMessage(1, 2, 1, "x"), nil)
		if hongyan.ErrorCode(err) != hongyan.CodeUnavailable {
			t.Errorf("AppendMessage after Close: got %v, want %s", err, hongyan.CodeUnavailable)
		}
		if _, err := db.Chats().Messages(t.Context(), 1, 0, 10); err == nil {
			t.Errorf("Messages after Close: got no error")
		}
	})
}

// TestCanceled checks that a write whose context is done is not made.
func TestCanceled(t *testing.T) {
	run(t, func(t *testing.T, e engine) {
		db := mustOpen(t, e, e.loc(t))
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		_, _, _, err := db.Chats().AppendMessage(ctx, newMessage(1, 2, 1, "x"), nil)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("AppendMessage with a canceled context: got %v, want %v", err, context.Canceled)
		}
		if sums, err := db.Chats().Summaries(t.Context(), 1, 10); err != nil || len(sums) != 0 {
			t.Fatalf("Summaries: got %v, %v, want none", sums, err)
		}
	})
}

// TestDeferredChangesKeepOrder commits, in one batch, a group message
// (whose change-log entries wait for the end of the batch) and then a group
// notice (appended at once): each member's log lists them in the order
// they were written, the order of their sequences.
func TestDeferredChangesKeepOrder(t *testing.T) {
	run(t, func(t *testing.T, e engine) {
		db := mustOpen(t, e, e.loc(t))
		ctx := t.Context()
		members := []group.Member{{User: 1, Role: group.RoleOwner, Joined: t0, Active: true}, {User: 2, Joined: t0, Active: true}}
		g, _, err := db.Groups().Create(ctx, group.Group{Name: "g", Owner: 1, Created: t0}, members, nil,
			group.Notice{Kind: group.NoticeCreated, Actor: 1}, nil)
		if err != nil {
			t.Fatal(err)
		}
		release := db.Hold()
		errs := make(chan error, 2)
		go func() {
			_, _, _, err := db.Chats().AppendMessage(ctx, chat.NewMessage{Group: g.ID, Message: chat.Message{
				Sender: 2, ClientID: "g1", Text: "hi", Time: t0}}, nil)
			errs <- err
		}()
		waitQueued(db, 1)
		go func() {
			renamed := g
			renamed.Name = "new name"
			_, err := db.Groups().Apply(ctx, group.Op{Group: renamed, Time: t0,
				Notice: &group.Notice{Kind: group.NoticeRenamed, Actor: 1, Text: "new name"}, NoticeTo: []hongyan.UserID{1, 2}})
			errs <- err
		}()
		waitQueued(db, 2)
		release()
		for range 2 {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		for _, u := range []hongyan.UserID{1, 2} {
			log, err := db.ChangeLog().After(ctx, u, 0, 10)
			if err != nil {
				t.Fatal(err)
			}
			var refs []int64
			for _, c := range log {
				refs = append(refs, c.Ref)
			}
			if want := []int64{1, 2, 3}; !slices.Equal(refs, want) {
				t.Errorf("user %d's log lists group positions %v, want %v", u, refs, want)
			}
		}
	})
}

// Background's work runs beside the writer, again and again, and has ended
// when Close returns.
func TestBackground(t *testing.T) {
	run(t, func(t *testing.T, e engine) {
		db, err := e.open(t.Context(), e.loc(t))
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		var mu sync.Mutex
		calls, closed := 0, false
		ran := make(chan struct{}, 1)
		release := db.Hold() // the writer is busy: the work must not wait for it
		db.Background(time.Millisecond, func(ctx context.Context) {
			var one int64
			if _, err := db.QueryRow(ctx, `SELECT 1`, nil, &one); err != nil && ctx.Err() == nil {
				t.Errorf("QueryRow: %v", err)
			}
			mu.Lock()
			calls++
			if closed {
				t.Errorf("background work ran after Close returned")
			}
			mu.Unlock()
			select {
			case ran <- struct{}{}:
			default:
			}
		})
		<-ran
		<-ran
		release()
		if err := db.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		mu.Lock()
		closed = true
		if calls < 2 {
			t.Errorf("background work ran %d times, want at least 2", calls)
		}
		mu.Unlock()
	})
}

// The writer keeps a bounded number of prepared statements: past the
// bound, the least recently used are closed and prepared again when next
// run (a preparation counts as a statement).
func TestWriterStatementsBounded(t *testing.T) {
	run(t, func(t *testing.T, e engine) {
		db := mustOpen(t, e, e.loc(t))
		// cost runs the i-th distinct statement in a write of its own and
		// returns the statements the write took.
		cost := func(i int) int64 {
			t.Helper()
			before := db.Stats().Statements
			var got int64
			if err := db.Write(t.Context(), func(tx *sqldb.Tx) error {
				_, err := tx.Read(fmt.Sprintf(`SELECT CAST($1 AS BIGINT) + %d`, i), []any{int64(1)}, &got)
				return err
			}); err != nil {
				t.Fatalf("Write: %v", err)
			}
			if want := int64(i + 1); got != want {
				t.Fatalf("statement %d returned %d, want %d", i, got, want)
			}
			return db.Stats().Statements - before
		}
		cost(0)
		if got, want := cost(0), int64(3); got != want { // BEGIN, the statement, COMMIT
			t.Fatalf("a write of a prepared statement took %d statements, want %d", got, want)
		}
		for i := 1; i <= 600; i++ {
			cost(i)
		}
		if got, want := cost(600), int64(3); got != want {
			t.Errorf("the statement run last took %d statements, want %d (still prepared)", got, want)
		}
		if got, want := cost(0), int64(4); got != want {
			t.Errorf("the statement run first took %d statements, want %d (closed, prepared again)", got, want)
		}
	})
}

// TestWriteGivenUp checks what a caller that gives up on a write gets: an
// operation still queued never runs, and one already running is waited for
// (its outcome is the answer), so nothing it writes is still being written
// when Write returns.
func TestWriteGivenUp(t *testing.T) {
	run(t, func(t *testing.T, e engine) {
		db := mustOpen(t, e, e.loc(t))

		// Queued behind a held writer, then given up: never runs.
		release := db.Hold()
		ctx, cancel := context.WithCancel(t.Context())
		ran := make(chan struct{}, 1)
		errc := make(chan error, 1)
		go func() {
			errc <- db.Write(ctx, func(*sqldb.Tx) error {
				ran <- struct{}{}
				return nil
			})
		}()
		waitQueued(db, 1)
		cancel()
		if err := <-errc; !errors.Is(err, context.Canceled) {
			t.Errorf("queued then given up: got %v, want context.Canceled", err)
		}
		release()
		if err := db.Write(t.Context(), func(*sqldb.Tx) error { return nil }); err != nil {
			t.Fatalf("a later write: %v", err)
		}
		select {
		case <-ran:
			t.Errorf("an operation given up while queued ran")
		default:
		}

		// Running, then given up: Write returns only after it ended.
		ctx, cancel = context.WithCancel(t.Context())
		started, finish := make(chan struct{}), make(chan struct{})
		var wrote int // written by the operation, read after Write returns
		go func() {
			errc <- db.Write(ctx, func(*sqldb.Tx) error {
				close(started)
				<-finish
				wrote = 1
				return nil
			})
		}()
		<-started
		cancel()
		// Write must not return while the operation runs; a Write that
		// gave up at once would return within this wait. (Waiting longer
		// could only hide that mistake, never fail a right writer.)
		select {
		case err := <-errc:
			t.Fatalf("Write returned (%v) while its operation was still running", err)
		case <-time.After(200 * time.Millisecond):
		}
		close(finish)
		<-errc
		if wrote != 1 {
			t.Errorf("the operation's write: got %d, want 1", wrote)
		}
	})
}
