package postgres_test

import (
	"context"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"hongyan/internal/chat"
	"hongyan/internal/hongyan"
	"hongyan/internal/postgres"
	"hongyan/internal/postgres/pgtest"
	"hongyan/internal/sqldb"
)

// TestSendRoundTrips counts the statements (each a network round trip on
// PostgreSQL) that the writer sends for one batch of one-to-one text
// messages in conversations that exist already, each notifying both
// members: BEGIN, the idempotency check, the sequence bump, the messages,
// the change-log heads, the change-log entries, COMMIT. Batches are made
// exact by holding the writer with an operation until the messages are
// queued behind it.
func TestSendRoundTrips(t *testing.T) {
	ctx := context.Background()
	db, err := postgres.Open(ctx, pgtest.DSN(t))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer db.Close()
	chats := db.Chats()
	id := 0
	send := func(k int) error {
		id++
		a, b := hongyan.UserID(2*k+1), hongyan.UserID(2*k+2)
		_, _, _, err := chats.AppendMessage(ctx, chat.NewMessage{A: a, B: b, Message: chat.Message{
			Sender: a, SenderDevice: 1, ClientID: "c" + strconv.Itoa(id), Text: "hello", Time: time.Now(),
		}}, []hongyan.UserID{a, b})
		return err
	}
	// batch sends n messages, one in each of n conversations, as one batch,
	// and returns the statements it took.
	batch := func(n int) int64 {
		t.Helper()
		release, held := make(chan struct{}), make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			db.Write(ctx, func(*sqldb.Tx) error {
				close(held)
				<-release
				return nil
			})
		}()
		<-held
		before := db.Stats()
		errs := make(chan error, n)
		for k := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- send(k)
			}()
		}
		for db.Queued() < n {
			runtime.Gosched()
		}
		close(release)
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("AppendMessage: %v", err)
			}
		}
		after := db.Stats()
		// The holding operation's batch commits after before was read.
		if got := after.Batches - before.Batches; got != 2 {
			t.Fatalf("%d messages committed in %d batches, want 1 (after the holding one)", n, got-1)
		}
		return after.Statements - before.Statements - 1 // the holding batch's COMMIT
	}
	const most = 128
	for k := range most {
		if err := send(k); err != nil { // the conversations exist from now on
			t.Fatalf("AppendMessage: %v", err)
		}
	}
	for _, n := range []int{1, 7, 31, 64} {
		batch(n) // prepares what a batch of n needs
		got := batch(n)
		t.Logf("a batch of %d messages: %d statements", n, got)
		if want := int64(7); got > want {
			t.Errorf("a batch of %d messages took %d statements, want at most %d", n, got, want)
		}
	}
}
