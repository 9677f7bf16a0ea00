package postgres_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"hongyan/internal/account"
	"hongyan/internal/hongyan"
	"hongyan/internal/postgres"
	"hongyan/internal/postgres/pgtest"
	"hongyan/internal/sqldb/stores"
)

// lockAccount opens db and an account in it, then locks the account's row
// from another session until the test ends.
func lockAccount(t *testing.T, opts postgres.Options) (*stores.DB, account.Account) {
	t.Helper()
	dsn := pgtest.DSN(t)
	db, err := postgres.OpenWith(t.Context(), dsn, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	a := account.Account{AccountID: "locked", Settings: account.DefaultSettings, Created: time.UnixMilli(1_760_000_000_000)}
	if a.ID, err = db.Accounts().CreateAccount(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	other, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := other.Begin()
	if err != nil {
		t.Fatal(err)
	}
	// Registered after db.Close, so run before it: the writer may be
	// waiting for this lock.
	t.Cleanup(func() {
		tx.Rollback()
		other.Close()
	})
	if _, err := tx.Exec(`SELECT 1 FROM accounts WHERE id = $1 FOR UPDATE`, int64(a.ID)); err != nil {
		t.Fatal(err)
	}
	return db, a
}

// A write whose caller gives up while it waits for a lock is cancelled:
// the writer goes on with the next writes instead of waiting with it.
func TestWriteCanceledWhileWaiting(t *testing.T) {
	pgtest.Require(t)
	db, a := lockAccount(t, postgres.Options{LockTimeout: -1}) // no lock_timeout: only the context ends the wait
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	a.Profile.Nickname = "waits"
	if _, err := db.Accounts().UpdateAccount(ctx, a, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("update of a locked row with a 300 ms deadline: got %v, want the deadline", err)
	}
	ctx, cancel = context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	other := account.Account{AccountID: "free", Settings: account.DefaultSettings, Created: a.Created}
	if _, err := db.Accounts().CreateAccount(ctx, other); err != nil {
		t.Fatalf("a write of another row after the first caller gave up: got %v, want it done (the writer is stuck)", err)
	}
}

// With lock_timeout set, a write that waits too long for a lock fails with
// a "try again" error, and the writes after it go through.
func TestLockTimeout(t *testing.T) {
	pgtest.Require(t)
	db, a := lockAccount(t, postgres.Options{LockTimeout: 200 * time.Millisecond})
	var lt string
	if _, err := db.QueryRow(t.Context(), `SHOW lock_timeout`, nil, &lt); err != nil || lt != "200ms" {
		t.Errorf("lock_timeout of a session: got %q, %v; want 200ms", lt, err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	a.Profile.Nickname = "waits"
	if _, err := db.Accounts().UpdateAccount(ctx, a, nil); hongyan.ErrorCode(err) != hongyan.CodeUnavailable {
		t.Fatalf("update of a row locked for longer than lock_timeout: got %v (code %q), want %q",
			err, hongyan.ErrorCode(err), hongyan.CodeUnavailable)
	}
	other := account.Account{AccountID: "free", Settings: account.DefaultSettings, Created: a.Created}
	if _, err := db.Accounts().CreateAccount(ctx, other); err != nil {
		t.Fatalf("a write of another row afterwards: %v", err)
	}
}
